"""Finding an event's payload TypedDict in mypy's build, without importing anything.

The config names the TypedDict as ``module:Class`` (explicitly, or by the
naming convention). The module is in the build because ``deps`` added it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mypy.erasetype import erase_typevars
from mypy.nodes import MypyFile, SymbolTableNode, TypeAlias, TypeInfo
from mypy.types import Instance, TypedDictType, get_proper_type
from mypy.typevars import fill_typevars_with_any

from tscrun.config import Config, EventConfig
from tscrun.diagnostics import CONVENTION_HINT


@dataclass(frozen=True)
class Payload:
    """The TypedDict an event's payload must match, and the names mypy tracks it by."""

    typed_dict: TypedDictType
    fullnames: tuple[str, ...]


@dataclass(frozen=True)
class MissingPayload:
    """The config names no usable TypedDict for the event (TSC301)."""

    reason: str
    fullname: str


def find_payload(event: EventConfig, config: Config,
                 modules: Callable[[str], MypyFile | None],
                 lookup: Callable[[str], SymbolTableNode | None],
                 ) -> Payload | MissingPayload | None:
    """The event's payload type; ``None`` when it cannot be decided (so nothing is reported)."""
    target = event.payload
    fullname = f"{target.module}.{target.attr}"
    hint = "" if target.explicit else CONVENTION_HINT
    module = modules(target.module)
    if module is None:
        if config.module_file(target.module) is None:
            return MissingPayload(f'module "{target.module}" not found under the source roots '
                                  f'(looking for "{target}"){hint}', fullname)
        return None  # it exists but mypy does not see it: not for us to judge
    if not module.names:
        return None  # parsed but not analysed yet (no dependency led here): undecidable
    symbol = lookup(fullname)
    if symbol is None or symbol.node is None:
        return MissingPayload(f'module "{target.module}" has no "{target.attr}"{hint}', fullname)
    node = symbol.node
    if isinstance(node, TypeInfo) and node.typeddict_type is not None:
        return Payload(_named_typed_dict(node), tuple(dict.fromkeys((fullname, node.fullname))))
    if isinstance(node, TypeAlias):
        # Named bare, as the config names it, a generic alias (``Alias = TD[list[T]]``)
        # has its unsolved type variables filled with Any, as plain mypy fills them
        # for ``x: Alias``; the alias body keeps whatever it fixes (``TD[int]``).
        aliased = get_proper_type(erase_typevars(get_proper_type(node.target)))
        if isinstance(aliased, TypedDictType):
            return Payload(aliased, (fullname, aliased.fallback.type.fullname))
    return MissingPayload(f'"{target}" is not a TypedDict', fullname)


def _named_typed_dict(info: TypeInfo) -> TypedDictType:
    # The class's own typeddict_type is anonymous (its fallback is typing._TypedDict),
    # so mypy would print it as a structural dump. With the class as fallback,
    # it is the type an annotation names, and messages say "UserVerifiedEvent".
    # A generic TypedDict is checked with Any for its parameters.
    typed = info.typeddict_type
    assert typed is not None
    if not info.defn.type_vars:
        return typed.copy_modified(fallback=Instance(info, []))
    erased = erase_typevars(typed)
    named = fill_typevars_with_any(info)
    assert isinstance(erased, TypedDictType) and isinstance(named, Instance)
    return erased.copy_modified(fallback=named)
