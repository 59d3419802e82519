"""A rule's documentation, from its class: for ``--explain``, SARIF help and docs/rules.md.

``explain_markdown`` is the single rendering; ``explain_text`` is the same with
the markdown fences kept (they read fine in a terminal).
"""

from __future__ import annotations

from tscrun_lint.rules.example_project import clean
from tscrun_lint.rules import BY_CODE, RULES, Invalid, Rule, Valid


def _example(ex: Valid | Invalid) -> list[str]:
    out = []
    if ex.config is not None:
        out += ["```toml", "# tscrun.toml", clean(ex.config).rstrip(), "```"]
    for rel, text in ex.files.items():
        out += ["```python", f"# {rel}", clean(text).rstrip(), "```"]
    if ex.source.strip():
        out += ["```python", clean(ex.source).rstrip(), "```"]
    if isinstance(ex, Invalid):
        out.append("Expected: " + ", ".join(f"`{e}`" for e in ex.expect))
        if ex.fixed is not None:
            out += ["After `--fix`:", "```python", clean(ex.fixed).rstrip(), "```"]
    return out


def rule_markdown(rule: type[Rule], level: int = 2) -> str:
    h = "#" * level
    mypy = f"`{rule.mypy_code()}`" if rule.mypy_code() else "none of its own"
    if rule.CODE.startswith("TSC1"):
        mypy = "mypy's own TypedDict codes" if rule.mypy_code() is None else mypy
    lines = [f"{h} {rule.CODE}: {rule.summary()}", "",
             rule.description(), "",
             f"**Why it matters.** {rule.WHY}", "",
             f"**How to fix.** {rule.FIX}", "",
             f"**Reported at:** {rule.where()}. **mypy code:** {mypy}.", ""]
    if rule.VALID:
        lines += [f"{h}# Accepted", ""]
        for ex in rule.VALID:
            lines += _example(ex) + [""]
    if rule.INVALID:
        lines += [f"{h}# Reported", ""]
        for inv in rule.INVALID:
            lines += _example(inv) + [""]
    return "\n".join(lines).rstrip() + "\n"


def explain_markdown(code: str) -> str:
    return rule_markdown(BY_CODE[code.upper()])


def explain_text(code: str) -> str:
    return explain_markdown(code)


def rules_markdown() -> str:
    """Every rule, in code order: the body of docs/rules.md."""
    return "\n".join(rule_markdown(rule) for rule in RULES)
