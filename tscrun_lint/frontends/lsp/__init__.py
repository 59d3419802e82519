"""``tscrun-lint lsp``: tscrun-lint's findings in any editor that speaks LSP.

``projects`` decides what a buffer is checked against and runs the engine (no
protocol there); ``convert`` turns findings and fixes into protocol objects;
``server`` is the pygls server. pygls is imported only here, never by the CLI's
other commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def serve(config: Path | None = None, select: Sequence[str] = (),
          ignore: Sequence[str] = ()) -> int:
    """Serve LSP on stdin/stdout until the client exits."""
    import sys

    if sys.stdin.isatty():
        # Started by hand, perhaps meaning a folder named "lsp": say what is going on.
        print("tscrun-lint lsp: language server waiting for an editor on stdin (Ctrl-C to "
              "stop); to check a folder named lsp, run tscrun-lint ./lsp", file=sys.stderr)
    from tscrun_lint.frontends.lsp.projects import Projects
    from tscrun_lint.frontends.lsp.server import serve as run
    from tscrun_lint.base.selection import Selection

    return run(Projects(config, Selection(select, ignore)))


__all__ = ["serve"]
