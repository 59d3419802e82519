"""What the hostile-tree tests share: the small project every run checks, its planted
finding (which must always be reported, whatever else the tree holds), and the
expression chains that nest libcst's tree one level deeper per repetition."""

from __future__ import annotations

from collections.abc import Callable

CONFIG = '''\
[events.subscribers.audit]
events = ["user.joined"]
handler = "handlers:audit"
'''
PAYLOAD = "from typing import TypedDict\n\n\nclass UserJoinedEvent(TypedDict):\n    userId: str\n"
HANDLER = "def audit(event: object) -> None:\n    pass\n"
PLANTED = "from tscrun import events\n\nevents.emit('user.joind', {'userId': 'u'})\n"
PLANTED_LINE = ('planted.py:3:13: TSC001 unknown event "user.joind"; did you mean '
                '"user.joined"?')

SHAPES: dict[str, Callable[[int], str]] = {
    "binary": lambda n: " + ".join(["1"] * n),
    "attribute": lambda n: "a" + ".b" * n,
    "call": lambda n: "f" + "()" * n,
    "subscript": lambda n: "a" + "[0]" * n,
    "comparison": lambda n: " < ".join(["a"] * n),
    "strings": lambda n: " ".join(['"s"'] * n),
    "and": lambda n: " and ".join(["a"] * n),
    "or": lambda n: " or ".join(["a"] * n),
    "unary": lambda n: "-" * n + "1",
}
"""Each repetition nests the tree one level deeper: binary operators, attributes, calls,
subscripts, comparisons, implicit string concatenation, and/or, unary minus."""
