"""What a rule sees: the project (config + catalog) and, for emit rules, the checked file."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import libcst as cst
from libcst.metadata import QualifiedName, Scope

from tscrun import Config
from tscrun_lint.project.catalog import Catalog
from tscrun_lint.judge.payload import Finding, ModuleContext, judge_payload
from tscrun_lint.reading.sites import EmitSite, NameKind
from tscrun_lint.base.source import split_lines
from tscrun_lint.base.typemodel import TypedDictType


@dataclass(frozen=True)
class Span:
    """A 1-based range in a file; ``end_column`` is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class ProjectContext:
    """One config and its catalog; shared by every file checked against that config."""

    def __init__(self, config: Config, catalog: Catalog | None = None) -> None:
        self.config = config
        self.catalog = catalog if catalog is not None else Catalog.for_config(config)
        # A new context is a new run: files edited since the last one are read again.
        self.catalog.refresh()

    @cached_property
    def config_lines(self) -> list[str]:
        try:
            return split_lines(self.config.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return []

    def config_span(self, line: int | None, text: str | None = None) -> Span:
        """Where ``text`` (quoted or bare) sits on ``line`` of the config file.

        The loader knows lines only; the column is found on that line so editors
        jump to the name itself. Unknown lines fall back to the top of the file.
        """
        if line is None or not 1 <= line <= len(self.config_lines):
            return Span(1, 1, 1, 1)
        source = self.config_lines[line - 1]
        if text is not None:
            m = re.search(rf"([\"']){re.escape(text)}\1", source)
            if m:
                return Span(line, m.start() + 1, line, m.end() + 1)
            at = source.find(text)
            if at >= 0:
                return Span(line, at + 1, line, at + len(text) + 1)
        indent = len(source) - len(source.lstrip())
        return Span(line, indent + 1, line, len(source.rstrip()) + 1)


@dataclass
class FileContext:
    """One checked module: its project, its dotted name and libcst metadata."""

    project: ProjectContext
    path: Path
    module: str | None
    scopes: Mapping[cst.CSTNode, Scope | None]
    qualnames: Mapping[cst.CSTNode, Collection[QualifiedName]]
    _payload: dict[int, list[Finding]] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return self.project.config

    @cached_property
    def module_context(self) -> ModuleContext:
        return ModuleContext(catalog=self.project.catalog, module=self.module,
                             scopes=self.scopes, qualnames=self.qualnames)

    def configured(self, site: EmitSite) -> str | None:
        """The site's event name when it is known and configured."""
        name = site.name
        if name.kind is NameKind.KNOWN and name.value in self.config.events:
            return name.value
        return None

    def payload_findings(self, site: EmitSite) -> list[Finding]:
        """CAT's judgement of the site's payload, computed once for all payload rules."""
        key = id(site.call)
        if key not in self._payload:
            self._payload[key] = self._judge(site)
        return self._payload[key]

    def _judge(self, site: EmitSite) -> list[Finding]:
        event = self.configured(site)
        if event is None or site.payload_node is None:
            return []
        expected = self.project.catalog.payload_type(event)
        if not isinstance(expected, TypedDictType):
            return []  # missing (TSC301, on the config) or undecidable: nothing to judge against
        return judge_payload(site.payload_node, expected, event, self.module_context)
