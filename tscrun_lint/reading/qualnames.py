"""Fully qualified names computed on demand from libcst's scopes.

libcst's QualifiedNameProvider and FullyQualifiedNameProvider each walk the whole
module and answer for every node; the analyzer asks about a handful (callees,
annotations, constants). This mapping answers exactly what those providers
would, node by node, when asked: the same ``scope.get_qualified_names_for`` and
the same relative-to-absolute rewriting, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

import libcst as cst
from libcst.metadata import QualifiedName, Scope
from libcst.metadata.name_provider import FullyQualifiedNameVisitor


class LazyQualifiedNames(Mapping[cst.CSTNode, Collection[QualifiedName]]):
    def __init__(self, scopes: Mapping[cst.CSTNode, Scope | None], module: str | None,
                 package: str) -> None:
        self.scopes = scopes
        self.module = module
        self.package = package
        self._cache: dict[cst.CSTNode, Collection[QualifiedName]] = {}

    def __getitem__(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        found = self._cache.get(node)
        if found is None:
            found = self._cache[node] = self._compute(node)
        return found

    def _compute(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        scope = self.scopes.get(node)
        if scope is None:
            if node not in self.scopes:
                raise KeyError(node)
            return set()
        names = scope.get_qualified_names_for(node)
        if self.module is None:
            return names
        try:
            return {FullyQualifiedNameVisitor._fully_qualify(
                self.module, self.package, q) for q in names}
        except ImportError:
            return names  # a relative import above the top package: leave it unresolved

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self.scopes)

    def __len__(self) -> int:
        return len(self.scopes)
