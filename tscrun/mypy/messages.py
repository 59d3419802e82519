"""Every message the plugin gives mypy, worded from the shared table and safe for editors.

mypy prints an error as ``path:line: error: TEXT  [code]``, and editor
integrations split the code off at the last bracketed group: pylsp-mypy's
pattern is ``(?P<message>.+?)(?: +\\[(?P<code>.+)\\])?$``, so any `` [`` in TEXT
ends the message early and turns the rest into a bogus code (which its
"add ``# type: ignore[code]``" action would then write into the file). The text
itself therefore never holds a square bracket: our own wording avoids them, and
those from the user (event names, the naming regex, TOML error text) are shown
as the full-width look-alikes, which read the same and parse as text.
"""

from __future__ import annotations

from mypy.nodes import Context
from mypy.plugin import CheckerPluginInterface

from tscrun.diagnostics import message
from tscrun.errors import ConfigError
from tscrun.mypy import errorcodes

_EDITOR_SAFE = str.maketrans({"[": "\uff3b", "]": "\uff3d"})


def editor_safe(text: str) -> str:
    """``text`` with no square bracket left in it."""
    return text.translate(_EDITOR_SAFE)


def fail(api: CheckerPluginInterface, context: Context, diagnostic: str,
         **fields: object) -> None:
    """Report ``diagnostic`` (a TSCnnn code) at ``context`` with its own mypy error code."""
    api.fail(editor_safe(message(diagnostic, **fields)), context,
             code=errorcodes.FOR_DIAGNOSTIC[diagnostic])


def note(api: CheckerPluginInterface, context: Context, diagnostic: str, text: str) -> None:
    api.msg.note(editor_safe(text), context, code=errorcodes.FOR_DIAGNOSTIC[diagnostic])


def config_error_text(exc: ConfigError) -> str:
    """A config error as the plugin words it: the key named plainly, not as ``[key]``."""
    where = ""
    if exc.path is not None:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
    key = f"key {exc.key}: " if exc.key else ""
    return f"{where}{key}{exc.message}"
