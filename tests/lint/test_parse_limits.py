"""The shortcut of the parse limit is sound: when the character counts say a text cannot
be nested past the limit, the token scan agrees (so a small file skips the tokenizer and
no deep file slips through to libcst)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tscrun_lint.base.source import _scan_depth, _within, nesting_problem

# Pieces that raise the estimate (operators, brackets, chain words, strings, indentation)
# and pieces that lower it (separators, newlines), glued at random.
PIECES = ["a", "1", "f", " ", ".", "+", "-", "**", "==", "->", "(", ")", "[", "]", "{", "}",
          ",", ";", "=", ":", " and ", " or ", " not ", " if ", " else ", " lambda ",
          " for ", " in ", " await ", "'s'", '"t"', "\n", "\n    ", "\n\t", "\\\n", "#c\n",
          "x: ", "def g():\n    ", "class C:\n  "]


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=60), limit=st.integers(1, 40))
def test_the_character_bound_never_passes_what_the_scan_refuses(parts: list[str],
                                                                limit: int) -> None:
    text = "".join(parts)
    if _within(text, limit):
        assert _scan_depth(text, limit) is None, text


def test_deep_files_are_still_refused_and_small_ones_pass() -> None:
    assert nesting_problem("x = a" + ".b" * 500) is not None
    assert nesting_problem("x = " + "(" * 450 + ")" * 450) is not None
    assert nesting_problem("from typing import TypedDict\n\n\nclass E(TypedDict):\n"
                           "    id: str\n") is None
