"""The test suite on every supported Python: ``make test`` runs ``nox -s tests``.

Interpreters that are not installed are skipped with nox's own line
("Missing interpreters ..."), on CI too: a machine tests what it has. mypy
--strict runs once, from the Makefile, not per version.
"""

from __future__ import annotations

import nox

PYTHONS = ["3.11", "3.12", "3.13"]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = True


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    # The same editable "compat" install as `make install`, so mypy-based tests
    # can follow the package.
    session.install("--config-settings", "editable_mode=compat", "-e", ".[dev]")
    session.run("python", "-m", "pytest", "-n", "2", "--dist", "loadgroup", *session.posargs)
