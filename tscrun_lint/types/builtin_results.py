"""Builtins whose result type does not depend on their arguments.

A cache of typeshed's ``builtins.pyi`` for the calls asked about on almost every
payload (``str(x)``, ``len(x)``): both readings of a file look them up here
without reading the stub. Any other builtin is read from the stub itself.
"""

from __future__ import annotations

BUILTIN_RESULTS = {
    "builtins.str": "str", "builtins.repr": "str", "builtins.ascii": "str", "builtins.chr": "str",
    "builtins.hex": "str", "builtins.oct": "str", "builtins.bin": "str", "builtins.format": "str",
    "builtins.int": "int", "builtins.len": "int", "builtins.ord": "int", "builtins.hash": "int",
    "builtins.float": "float", "builtins.bool": "bool", "builtins.isinstance": "bool",
    "builtins.callable": "bool", "builtins.bytes": "bytes",
}
