"""Our diagnostics and fixes in the protocol's terms.

Our positions are 1-based lines and code-point columns on the lines Python's
tokenizer counts (``source.split_lines``); the protocol's are 0-based and in the
code units the client and server agreed on (UTF-16 unless negotiated). pygls'
position codec does the unit conversion; the lines are ours, so a form feed or
another separator that ``str.splitlines`` would break at cannot shift a finding.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import (
    PositionCodec,
    ServerTextPosition,
    ServerTextRange,
)

from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.base.source import split_lines

SOURCE = "tscrun"


def client_range(d: Diagnostic, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    start = ServerTextPosition(d.line - 1, d.column - 1)
    end = ServerTextPosition(d.end_line - 1, d.end_column - 1)
    return codec.range_to_client_units(lines, ServerTextRange(start, end))


def to_lsp(d: Diagnostic, lines: Sequence[str], codec: PositionCodec) -> types.Diagnostic:
    return types.Diagnostic(
        range=client_range(d, lines, codec),
        message=d.message,
        severity=types.DiagnosticSeverity.Error,
        code=d.code,
        source=SOURCE,
    )


def quick_fix(uri: str, d: Diagnostic, lsp: types.Diagnostic) -> types.CodeAction:
    """The ``--fix`` fix of one finding: its range replaced by the fix's text."""
    assert d.fix is not None
    edit = types.TextEdit(range=lsp.range, new_text=d.fix.replacement)
    return types.CodeAction(
        title=f"tscrun: {d.fix.description}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[lsp],
        is_preferred=True,
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
    )


def fix_all(uri: str, text: str, fixed: str, codec: PositionCodec) -> types.CodeAction:
    """Every safe fix of the file at once: the whole text replaced by ``--fix``'s output."""
    lines = split_lines(text)
    end = codec.position_to_client_units(
        lines, ServerTextPosition(len(lines) - 1, len(lines[-1])))
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    return types.CodeAction(
        title="tscrun: fix all safe problems",
        kind=types.CodeActionKind.SourceFixAll + ".tscrun",
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=fixed)]}),
    )


def overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
