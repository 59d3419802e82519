"""One module per rule, in code order; ``RULES`` is the registry the engine and docs read."""

from __future__ import annotations

from tscrun_lint.rules.base import Invalid, Report, Rule, Valid
from tscrun_lint.rules.config_invalid import ConfigInvalid
from tscrun_lint.rules.dynamic_event import DynamicEvent
from tscrun_lint.rules.event_naming import EventNaming
from tscrun_lint.rules.extra_key import ExtraKey
from tscrun_lint.rules.generator_handler import GeneratorHandler
from tscrun_lint.rules.handler_events import HandlerEvents
from tscrun_lint.rules.handler_missing import HandlerMissing
from tscrun_lint.rules.missing_key import MissingKey
from tscrun_lint.rules.missing_type import MissingType
from tscrun_lint.rules.not_a_mapping import NotAMapping
from tscrun_lint.rules.unknown_event import UnknownEvent
from tscrun_lint.rules.unreadable_file import UnreadableFile
from tscrun_lint.rules.wrong_typed_dict import WrongTypedDict
from tscrun_lint.rules.wrong_value_type import WrongValueType

RULES: tuple[type[Rule], ...] = (
    UnknownEvent, DynamicEvent, EventNaming,
    MissingKey, ExtraKey, WrongValueType, WrongTypedDict, NotAMapping,
    HandlerMissing, HandlerEvents, GeneratorHandler,
    MissingType, ConfigInvalid,
    UnreadableFile,
)
BY_CODE: dict[str, type[Rule]] = {rule.CODE: rule for rule in RULES}

__all__ = ["BY_CODE", "RULES", "Invalid", "Report", "Rule", "Valid"]
