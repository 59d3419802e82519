"""SARIF 2.1.0, in the shape GitHub code scanning accepts.

One run, one tool driver listing every rule (id, name, descriptions, help in
text and markdown, default level), results pointing at rules by id and index,
locations relative to ``%SRCROOT%`` (the working directory) so uploads match the
checkout. Columns are code points, which the run declares.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from tscrun_lint.base.diagnostic import Diagnostic
from tscrun_lint.frontends.formats import display_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/tscrun/tscrun"


def _rules() -> list[dict[str, object]]:
    from tscrun_lint.frontends.explain import explain_markdown, explain_text
    from tscrun_lint.rules import RULES

    out: list[dict[str, object]] = []
    for rule in RULES:
        out.append({
            "id": rule.CODE,
            "name": rule.__name__,
            "shortDescription": {"text": rule.summary()},
            "fullDescription": {"text": rule.description().split("\n\n")[0]},
            "help": {"text": explain_text(rule.CODE), "markdown": explain_markdown(rule.CODE)},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["tscrun", "events"], "precision": "very-high",
                           "problem.severity": "error"},
        })
    return out


def _uri(path: str) -> str:
    """A relative path as a URI reference: percent-encoded ("app dir/x.py" is not one)."""
    return urllib.parse.quote(path, safe="/")


def sarif(diagnostics: Sequence[Diagnostic], base: Path | None = None,
          error: str | None = None) -> str:
    from tscrun import __version__

    rules = _rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    root = (base or Path.cwd()).absolute()
    results = []
    for d in diagnostics:
        rel = display_path(d.path, root)
        location: dict[str, object] = {"uri": _uri(rel)}
        if not Path(rel).is_absolute():
            location["uriBaseId"] = "%SRCROOT%"
        else:
            location = {"uri": Path(rel).as_uri()}
        region = {"startLine": d.line, "startColumn": d.column,
                  "endLine": d.end_line, "endColumn": max(d.end_column, d.column)}
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error",
            "message": {"text": f"{d.code} {d.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": location,
                                                 "region": region}}],
        })
    run: dict[str, object] = {
        "tool": {"driver": {"name": "tscrun-lint", "version": __version__,
                            "semanticVersion": __version__, "informationUri": INFO_URI,
                            "rules": rules}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if error is not None:
        # the run failed as a whole (exit 2): say so in the document, not only on stderr
        run["invocations"] = [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": error}}],
        }]
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"
