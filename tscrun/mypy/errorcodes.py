"""The plugin's own mypy error codes, one per diagnostic.

Each is its own ``ErrorCode`` (never ``[misc]``) so that a user can silence one
kind with ``# type: ignore[tscrun-unknown-event]`` and keep the others. The code
strings come from the shared diagnostics table, so the CLI, flake8 and the docs
name them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from mypy.errorcodes import ErrorCode

from tscrun.diagnostics import CODES

CATEGORY: Final = "tscrun"


def _error_code(diagnostic: str) -> ErrorCode:
    entry = CODES[diagnostic]
    assert entry.mypy_code is not None, f"{diagnostic} has no mypy code in tscrun.diagnostics"
    return ErrorCode(entry.mypy_code, f"{diagnostic}: {entry.summary}", CATEGORY)


UNKNOWN_EVENT: Final = _error_code("TSC001")
DYNAMIC_EVENT: Final = _error_code("TSC002")
EVENT_NAME: Final = _error_code("TSC003")
MISSING_TYPE: Final = _error_code("TSC301")
CONFIG: Final = _error_code("TSC302")

FOR_DIAGNOSTIC: Final[Mapping[str, ErrorCode]] = MappingProxyType({
    "TSC001": UNKNOWN_EVENT, "TSC002": DYNAMIC_EVENT, "TSC003": EVENT_NAME,
    "TSC301": MISSING_TYPE, "TSC302": CONFIG,
})
