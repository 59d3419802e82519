"""Output formats: text (for people), JSON (for scripts), GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from tscrun_lint.base.diagnostic import Diagnostic

FORMATS = ("text", "json", "github", "sarif")


def display_path(path: Path, base: Path | None = None) -> str:
    """``path`` relative to ``base`` (default: the working directory) when under it."""
    base = (base or Path.cwd()).absolute()
    absolute = path.absolute()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return str(path) if not path.is_absolute() else absolute.as_posix()


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    n = len(diagnostics)
    if not n:
        return f"No problems found in {files} file{'s' if files != 1 else ''}."
    paths = len({d.path for d in diagnostics})
    fixable = sum(1 for d in diagnostics if d.fix is not None)
    line = (f"Found {n} problem{'s' if n != 1 else ''} in {paths} "
            f"file{'s' if paths != 1 else ''} ({files} checked).")
    if fixable:
        line += f" {fixable} fixable with --fix."
    return line


def text(diagnostics: Sequence[Diagnostic], files: int) -> str:
    lines = [f"{display_path(d.path)}:{d.line}:{d.column}: {d.code} {d.message}"
             for d in diagnostics]
    lines.append(summary_line(diagnostics, files))
    return "\n".join(lines) + "\n"


def as_json(diagnostics: Sequence[Diagnostic], files: int, error: str | None = None) -> str:
    items = []
    for d in diagnostics:
        items.append({
            "path": display_path(d.path), "line": d.line, "column": d.column,
            "end_line": d.end_line, "end_column": d.end_column,
            "code": d.code, "message": d.message,
            "fix": None if d.fix is None else {
                "replacement": d.fix.replacement, "description": d.fix.description},
        })
    doc: dict[str, object] = {"diagnostics": items,
                              "summary": {"files": files, "diagnostics": len(diagnostics)}}
    if error is not None:
        doc["error"] = error  # the run failed (exit 2): nothing was checked
    return json.dumps(doc, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic, no colour.

    Paths are relative to ``$GITHUB_WORKSPACE`` (the checkout) when set, else to
    the working directory, which is what the annotations need to land on the diff.
    """
    workspace = os.environ.get("GITHUB_WORKSPACE")
    base = Path(workspace) if workspace else None
    lines = []
    for d in diagnostics:
        props = ",".join([
            f"file={_escape_property(display_path(d.path, base))}",
            f"line={d.line}", f"col={d.column}",
            f"endLine={d.end_line}", f"endColumn={d.end_column}",
            f"title={_escape_property(d.code)}",
        ])
        lines.append(f"::error {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "".join(line + "\n" for line in lines)


def render(fmt: str, diagnostics: Sequence[Diagnostic], files: int,
           error: str | None = None) -> str:
    """The report; ``error`` (JSON and SARIF only) marks a run that failed as a whole."""
    if fmt == "json":
        return as_json(diagnostics, files, error)
    if fmt == "github":
        return github(diagnostics, files)
    if fmt == "sarif":
        from tscrun_lint.frontends.sarif import sarif
        return sarif(diagnostics, error=error)
    return text(diagnostics, files)
