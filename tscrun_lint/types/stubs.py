"""The standard library's (and installed packages') declarations, read from their stubs.

The value types of ``uuid.uuid4()``, ``datetime.now(UTC).isoformat()`` or
``name.upper()`` come from typeshed, as mypy reads them: stub files located by
``typeshed_client`` (typeshed's own maintained finder, which also finds stubs
shipped by installed packages) and parsed with libcst into the same
:class:`~tscrun_lint.project.modules.ModuleInfo` the project's modules use, so the
catalog's resolution and type evaluation apply unchanged. Nothing is imported.

Branches on ``sys.version_info`` and ``sys.platform`` are decided for the running
interpreter (mypy's default target); any other condition keeps both branches,
which makes names bound in them undecidable.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import libcst as cst

from tscrun.config import Config
from tscrun_lint.reading.literals import literal_value, string_value
from tscrun_lint.project.modules import ModuleIndex, ModuleInfo, _Collector, read_module

# Modules whose names the type evaluator must see as themselves (``typing.Optional``,
# ``builtins.str``), not as the stub's definitions of them.
_SPECIAL = frozenset({"typing", "typing_extensions", "builtins", "collections.abc", "_typeshed",
                      "types", "abc", "_collections_abc"})


def _finder() -> Callable[[str], Path | None]:
    try:
        import typeshed_client
    except ImportError:  # the lint extra not installed as a whole: no stdlib types, stay silent
        return lambda name: None
    context = typeshed_client.get_search_context(version=sys.version_info[:2],
                                                 platform=sys.platform)

    def find(name: str) -> Path | None:
        try:
            return typeshed_client.get_stub_file(name, search_context=context)
        except Exception:  # noqa: BLE001 - a broken stub package must not stop the run
            return None

    return find


class StubIndex(ModuleIndex):
    """Stub modules by dotted name, found by typeshed_client and parsed once per process."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self._find = _finder()

    def refresh(self) -> bool:
        return False  # installed stubs do not change during a run

    def file(self, name: str) -> Path | None:
        if name not in self._files:
            self._files[name] = self._find(name) if name else None
        return self._files[name]

    def exists(self, name: str) -> bool:
        return name not in _SPECIAL and self.file(name) is not None

    def get(self, name: str) -> ModuleInfo | None:
        path = self.file(name)
        if path is None:
            return None
        cached = self._modules.get(path)
        if cached is not None:
            return cached[1]
        info = read_module(name, path)
        if info is not None:
            info.bindings.clear()
            info.star_imports.clear()
            _StubCollector(info).block(info.tree.body)
        self._modules[path] = (None, info)
        return info

    def special(self, name: str) -> ModuleInfo | None:
        """One of the modules resolution treats as external (``builtins``), for its classes."""
        return self.get(name)


_INSTANCE: list[StubIndex] = []


def stub_index(config: Config) -> StubIndex:
    """The process-wide stub index: stubs do not depend on the project (the config is
    only what the index's constructor wants; stub lookups never read it)."""
    if not _INSTANCE:
        _INSTANCE.append(StubIndex(config))
    return _INSTANCE[0]


class _StubCollector(_Collector):
    def statement(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.If):
            truth = branch_truth(stmt.test)
            if truth is True:
                self.suite(stmt.body)
                return
            if truth is False:
                if isinstance(stmt.orelse, cst.If):
                    self.statement(stmt.orelse)
                elif stmt.orelse is not None:
                    self.suite(stmt.orelse.body)
                return
        super().statement(stmt)


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


_COMPARE: dict[type, Callable[[object, object], bool]] = {
    cst.GreaterThanEqual: lambda a, b: a >= b,  # type: ignore[operator]
    cst.GreaterThan: lambda a, b: a > b,  # type: ignore[operator]
    cst.LessThan: lambda a, b: a < b,  # type: ignore[operator]
    cst.LessThanEqual: lambda a, b: a <= b,  # type: ignore[operator]
    cst.Equal: lambda a, b: a == b,
    cst.NotEqual: lambda a, b: a != b,
}


def branch_truth(test: cst.BaseExpression) -> bool | None:
    """``sys.version_info >= (3, 12)``, ``sys.platform == "win32"``, ``TYPE_CHECKING``
    (true for a type checker), their ``not``/and/or."""
    if _dotted(test).rpartition(".")[2] == "TYPE_CHECKING":
        return True
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = branch_truth(test.expression)
        return None if inner is None else not inner
    if isinstance(test, cst.BooleanOperation):
        left, right = branch_truth(test.left), branch_truth(test.right)
        if isinstance(test.operator, cst.And):
            return False if False in (left, right) else (None if None in (left, right) else True)
        return True if True in (left, right) else (None if None in (left, right) else False)
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and \
            test.func.attr.value == "startswith" and _dotted(test.func.value) == "sys.platform" \
            and len(test.args) == 1:
        prefix = string_value(test.args[0].value)
        return sys.platform.startswith(prefix) if isinstance(prefix, str) else None
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    compare = _COMPARE.get(type(target.operator))
    subject = _dotted(test.left)
    if compare is None:
        return None
    if subject == "sys.version_info" and isinstance(target.comparator, cst.Tuple):
        values = [literal_value(e.value) for e in target.comparator.elements]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return None
        return compare(sys.version_info[:len(values)], tuple(values))
    if subject == "sys.platform":
        value = string_value(target.comparator)
        return compare(sys.platform, value) if isinstance(value, str) else None
    return None
