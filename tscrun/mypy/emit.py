"""Checking one ``emit(name, data)`` call: the event name, and the payload's type.

This runs as a signature hook, before mypy checks the call's arguments: it
reports what is wrong with the event name (TSC001/002/003, TSC301) and hands
mypy back the signature with ``data`` narrowed to the event's TypedDict. mypy
then checks the payload itself, with its own TypedDict errors, wherever the
payload comes from (a dict display, ``dict(...)``, a spread, a variable, a
call), and names the TypedDict in them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    CallExpr,
    Context,
    Expression,
    MypyFile,
    SymbolTableNode,
    TypeInfo,
)
from mypy.plugin import CheckerPluginInterface, FunctionSigContext, MethodSigContext
from mypy.types import CallableType, TypedDictType, UnionType

from tscrun.config import Config
from tscrun.mypy import daemon, messages
from tscrun.mypy.deps import record_fine_grained_dependency
from tscrun.mypy.event_names import event_names, is_plain_constant
from tscrun.mypy.fullnames import (
    DISPATCHER_CLASS,
    EMIT_METHOD,
    NAME_PARAMETER,
    PAYLOAD_PARAMETER,
)
from tscrun.mypy.payloads import MissingPayload, find_payload
from tscrun.mypy.project import Projects


@dataclass(frozen=True)
class EmitChecker:
    """What checking an emit call needs from the plugin."""

    projects: Projects
    modules: Callable[[str], MypyFile | None]
    lookup: Callable[[str], SymbolTableNode | None]

    def __call__(self, ctx: FunctionSigContext | MethodSigContext) -> CallableType:
        return check_emit_call(ctx, self)


def check_emit_call(ctx: FunctionSigContext | MethodSigContext,
                    checker: EmitChecker) -> CallableType:
    """Report on the call's event name; return its signature, narrowed when the name is known."""
    signature = ctx.default_signature
    api = ctx.api
    project = checker.projects.of(api.path)
    if project is None:
        return signature
    if daemon.changed_since_read(project.config_path):
        # dmypy check/recheck: findings against the config this daemon read would be wrong.
        messages.fail(api, ctx.context, "TSC302", reason=STALE.format(
            config=project.config_path, command=daemon.RESTART_COMMAND))
        return signature
    if project.config is None:
        # At every emit call: each file that emits says why it is not checked.
        messages.fail(api, ctx.context, "TSC302", reason=project.error)
        return signature
    try:
        name_index = signature.arg_names.index(NAME_PARAMETER)
        data_index = signature.arg_names.index(PAYLOAD_PARAMETER)
    except ValueError:
        return signature  # not the signature this plugin knows: leave it to mypy
    name_expr = _plain_argument(ctx.args[name_index], ctx.context)
    if name_expr is None:
        return signature  # missing, or hidden in *args/**kwargs: mypy has its own say
    names = event_names(name_expr, api)
    if names is None:
        if is_plain_constant(name_expr):
            # mypy keeps no value for a plain constant, yet the name is static and
            # tscrun-lint reads it: an error here would be one the other tools never
            # give. Say why this call goes unchecked instead.
            messages.note(api, name_expr, "TSC002", FINAL_HINT)
        else:
            messages.fail(api, name_expr, "TSC002")
        return signature
    payloads = [_payload_type(name, name_expr, api, checker, project.config) for name in names]
    known = [p for p in payloads if p is not None]
    if len(known) != len(payloads):
        return signature  # some name has no payload type: nothing sound to narrow to
    arg_types = list(signature.arg_types)
    arg_types[data_index] = UnionType.make_union(known)
    return signature.copy_modified(arg_types=arg_types)


STALE = ("{config} changed after the mypy daemon read it; run \"{command}\" "
         "to check against it (dmypy run restarts by itself)")
FINAL_HINT = ('this emit is not checked: mypy reads the value of a constant only when it is '
              'declared Final, as in NAME: Final = "user.registered"')


def _payload_type(name: str, name_expr: Expression, api: CheckerPluginInterface,
                  checker: EmitChecker, config: Config) -> TypedDictType | None:
    """The TypedDict of event ``name``, after reporting what is wrong with the name."""
    event = config.events.get(name)
    if event is None:
        closest = config.closest_event(name)
        hint = (f'; did you mean "{closest}"?' if closest
                else "; add it to a subscriber's events or to events.types in the config")
        messages.fail(api, name_expr, "TSC001", name=name, hint=hint)
        return None
    if not config.naming.search(name):
        messages.fail(api, name_expr, "TSC003", name=name, pattern=config.naming.pattern)
    found = find_payload(event, config, checker.modules, checker.lookup)
    if found is None:
        return None
    if isinstance(found, MissingPayload):
        messages.fail(api, name_expr, "TSC301", event=name, reason=found.reason)
        # Re-checked under dmypy once the TypedDict appears.
        record_fine_grained_dependency(api, found.fullname)
        return None
    for fullname in found.fullnames:
        record_fine_grained_dependency(api, fullname)
    return found.typed_dict


def _plain_argument(actuals: list[Expression], context: Context) -> Expression | None:
    # One argument, passed by position or keyword; *args and **kwargs hide which
    # value lands where, so they are left alone.
    if len(actuals) != 1:
        return None
    expr = actuals[0]
    if isinstance(context, CallExpr):
        for arg, kind in zip(context.args, context.arg_kinds):
            if arg is expr:
                return expr if kind in (ARG_POS, ARG_NAMED) else None
    return None


def is_dispatcher_emit(method_fullname: str,
                       lookup: Callable[[str], SymbolTableNode | None]) -> bool:
    """Is ``Class.emit`` the ``emit`` that ``Dispatcher`` defines (on a subclass, say)?"""
    owner, _, method = method_fullname.rpartition(".")
    if method != EMIT_METHOD or not owner:
        return False
    symbol = lookup(owner)
    info = symbol.node if symbol is not None else None
    if not isinstance(info, TypeInfo):
        return False
    for base in info.mro:
        if EMIT_METHOD in base.names:
            return base.fullname == DISPATCHER_CLASS
    return False
