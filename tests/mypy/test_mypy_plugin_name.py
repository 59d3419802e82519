"""The plugin under the name this project owns: ``plugins = ["tscrun.mypy"]``.

A project may well have a module of its own called ``mypy_plugin`` (it is the
obvious name for one); under ``python -m mypy`` the project folder comes first
on ``sys.path``, so ``plugins = ["mypy_plugin"]`` would load that module and
check nothing of tscrun's. The recommended name cannot collide.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mypy.harness import copy_fixture, run_mypy

pytestmark = pytest.mark.xdist_group("mypy_plugin_name")

OWN_PLUGIN = '''"""The project's own mypy plugin (does nothing, but is a real one)."""
from mypy.plugin import Plugin


class OwnPlugin(Plugin):
    pass


def plugin(version: str) -> type[Plugin]:
    return OwnPlugin
'''

MISSPELT = ("app/signup.py", 10, "E", 'unknown event "user.verifyed"; did you mean '
            '"user.verified"?  [tscrun-unknown-event]')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_fixture("mypy_minimal", tmp_path / "project")
    (root / "mypy_plugin.py").write_text(OWN_PLUGIN)
    signup = root / "app" / "signup.py"
    signup.write_text(signup.read_text().replace('"user.verified"', '"user.verifyed"'))
    return root


def use_plugins(project: Path, plugins: str) -> None:
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('plugins = ["mypy_plugin"]',
                                                 f"plugins = {plugins}"))


@pytest.mark.parametrize("plugins", ['["tscrun.mypy"]', '["mypy_plugin", "tscrun.mypy"]'])
def test_recommended_name_checks_next_to_a_project_mypy_plugin(project: Path, runtime: Path,
                                                                plugins: str) -> None:
    use_plugins(project, plugins)
    run = run_mypy(project, ".", runtime=runtime)
    assert list(run.messages) == [MISSPELT], run.output


def test_old_name_still_works(tmp_path: Path, runtime: Path) -> None:
    root = copy_fixture("mypy_minimal", tmp_path / "project")
    signup = root / "app" / "signup.py"
    signup.write_text(signup.read_text().replace('"user.verified"', '"user.verifyed"'))
    run = run_mypy(root, ".", runtime=runtime)
    assert list(run.messages) == [MISSPELT], run.output


def test_the_old_name_is_shadowed_by_a_project_module(project: Path, runtime: Path) -> None:
    # Why the README recommends tscrun.mypy: this run silently checks nothing of tscrun's.
    run = run_mypy(project, ".", runtime=runtime)
    assert run.returncode == 0 and not run.messages, run.output
