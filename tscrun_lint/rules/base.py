"""What every rule is made of, Fixit-style: docs, examples that are tests, then logic.

A rule class carries, in this order: a docstring explaining the problem to a
user, ``CODE`` (stable, from ``tscrun.diagnostics``), ``WHY`` and ``FIX`` texts,
``VALID``/``INVALID`` examples, then its logic. The test suite runs every
example against a small built-in project (``tscrun_lint.rules.example_project``) and
the rule reference is generated from the same classes.

Rules check one of three things:

- an emit call (``check_emit``), given an :class:`~tscrun_lint.reading.sites.EmitSite`;
- the project's configuration (``check_config``), reported on the config file;
- a subscriber's handler (``check_subscriber``), reported in the handler's file.

TSC302 and TSC900 are raised by the engine itself (the config or the file could
not be read at all); their classes carry the docs and examples.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from tscrun.diagnostics import CODES

if TYPE_CHECKING:
    from tscrun import SubscriberConfig
    from tscrun_lint.project.catalog import HandlerInfo
    from tscrun_lint.project.context import FileContext, ProjectContext
    from tscrun_lint.base.diagnostic import Diagnostic
    from tscrun_lint.reading.sites import EmitSite


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Valid:
    """Code the rule must accept.

    ``source`` is checked as ``functions/api/example.py`` of the example project;
    ``config`` replaces its ``tscrun.toml``; ``files`` adds or replaces files.
    """

    source: str
    config: str | None = None
    files: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag, with every expected diagnostic of this rule.

    ``expect`` holds ``"TSC001 4:23"`` (line:column in ``source``, 1-based) or
    ``"TSC301 tscrun.toml:6:5"`` (in another file of the example project).
    """

    source: str
    expect: tuple[str, ...]
    config: str | None = None
    files: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    fixed: str | None = None
    """The source after ``--fix``, for rules with a safe fix."""


Example = Valid | Invalid


@dataclass(frozen=True)
class Report:
    """A finding on a node of the checked module; the engine turns it into a Diagnostic."""

    code: str
    node: cst.CSTNode
    message: str
    replacement: cst.BaseExpression | None = None
    """A node to put in place of ``node``: the safe fix, applied by ``--fix``."""


class Rule:
    CODE: ClassVar[str]
    WHY: ClassVar[str]
    FIX: ClassVar[str]
    VALID: ClassVar[tuple[Valid, ...]] = ()
    INVALID: ClassVar[tuple[Invalid, ...]] = ()

    @classmethod
    def summary(cls) -> str:
        return CODES[cls.CODE].summary

    @classmethod
    def mypy_code(cls) -> str | None:
        return CODES[cls.CODE].mypy_code

    @classmethod
    def where(cls) -> str:
        return CODES[cls.CODE].where

    @classmethod
    def description(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def message(cls, **fields: object) -> str:
        return CODES[cls.CODE].format(**fields)

    def check_emit(self, site: EmitSite, ctx: FileContext) -> Iterator[Report]:
        return iter(())

    def check_config(self, project: ProjectContext) -> Iterator[Diagnostic]:
        return iter(())

    def check_subscriber(self, project: ProjectContext, subscriber: SubscriberConfig,
                         handler: HandlerInfo) -> Iterator[Diagnostic]:
        return iter(())
