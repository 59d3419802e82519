"""The plugin class: hook dispatch only. The checks live in plain functions elsewhere."""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import (
    FunctionSigContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import FunctionLike

from tscrun.mypy.daemon import publish_config_state
from tscrun.mypy.deps import PayloadDependencies
from tscrun.mypy.emit import EmitChecker, is_dispatcher_emit
from tscrun.mypy.fullnames import DISPATCHER_EMIT, EMIT_FUNCTION, EMIT_METHOD
from tscrun.mypy.project import Projects


class TscrunPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        # Configs are found per checked file, when mypy first asks about it.
        self._projects = Projects()
        publish_config_state()
        self._deps = PayloadDependencies(self._projects, options)
        self._emit = EmitChecker(self._projects, self._module, self.lookup_fully_qualified)

    def _module(self, fullname: str) -> MypyFile | None:
        return self._modules.get(fullname) if self._modules is not None else None

    def get_function_signature_hook(
        self, fullname: str
    ) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return self._emit if fullname == EMIT_FUNCTION else None

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        if fullname == DISPATCHER_EMIT:
            return self._emit
        # A subclass that inherits Dispatcher.emit reaches here as "Sub.emit".
        if fullname.endswith("." + EMIT_METHOD) and is_dispatcher_emit(
                fullname, self.lookup_fully_qualified):
            return self._emit
        return None

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        return self._deps.of(file)

    def report_config_data(self, ctx: ReportConfigContext) -> dict[str, str] | None:
        project = self._projects.of(ctx.path)
        return project.cache_data() if project is not None else None
