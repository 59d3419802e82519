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

from mypy_plugin.daemon import publish_config_digest
from mypy_plugin.deps import PayloadDependencies
from mypy_plugin.emit import EmitChecker, OneSite, is_dispatcher_emit
from mypy_plugin.fullnames import DISPATCHER_EMIT, EMIT_FUNCTION, EMIT_METHOD
from mypy_plugin.project import load_project


class TscrunPlugin(Plugin):
    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._project = load_project(options)
        publish_config_digest(self._project.digest)
        self._deps = PayloadDependencies(self._project, options)
        self._emit = EmitChecker(self._project, self._module, self.lookup_fully_qualified,
                                 OneSite())

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
        return self._project.cache_data(ctx.path)
