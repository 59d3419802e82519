"""Dependencies between emit sites and the payload TypedDicts they are checked against.

An emit site never imports the TypedDict it is checked against (``emit("x", {...})``
names no type), so mypy would not know the two are linked:

* ``get_additional_deps`` adds to each module the payload modules of the events
  it emits. That puts those TypedDicts in the build, makes mypy analyse them
  before the emit sites (a lookup would otherwise find nothing), and makes an
  emit site's cache stale when one of its TypedDicts changes, and only then.
  The hook runs before mypy resolves any name, so the events are read from the
  parsed tree (:mod:`tscrun.mypy.emitted`): calls of anything named ``emit``
  (``await self.bus.emit(...)`` counts: any project module may emit, even one
  that never imports ``tscrun``) with a literal or a same-module constant as the
  name. A module that emits a name read no other way depends on every payload
  module, as before; one that never mentions ``emit`` on none.
* Under ``dmypy``, fine-grained dependencies decide what is re-checked after an
  edit; :func:`record_fine_grained_dependency` ties the function holding an emit
  call to the TypedDict's trigger, the way mypy's semantic-analysis plugins do
  with ``add_plugin_dependency``.
"""

from __future__ import annotations

import os

from mypy.build import PRI_LOW
from mypy.checker import TypeChecker
from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface
from mypy.server.trigger import make_trigger

from tscrun.mypy.emitted import Reexports, emitted_events
from tscrun.mypy.project import Projects

_SUFFIXES = (".py", ".pyi", os.sep + "__init__.py", os.sep + "__init__.pyi")


class PayloadDependencies:
    """The payload modules each emitting module must depend on.

    Whether mypy can find a payload module depends only on where it looks,
    which is the same for most files of a project: that answer is kept per
    search path for the plugin's lifetime (a payload module created later gets
    its link when it appears, through the fine-grained dependency below).
    """

    def __init__(self, projects: Projects, options: Options) -> None:
        self._projects = projects
        self._options = options
        self._findable: dict[tuple[str, ...], dict[str, bool]] = {}
        self._reexports: dict[tuple[str, ...], Reexports] = {}

    def of(self, file: MypyFile) -> list[tuple[int, str, int]]:
        """``file``'s extra dependencies, as ``get_additional_deps`` wants them."""
        project = self._projects.of(file.path)
        if project is None or project.config is None or file.fullname in project.payload_modules:
            return []
        bases = _search_bases(file, self._options)
        reexports = self._reexports.get(bases)
        if reexports is None:
            reexports = self._reexports[bases] = Reexports(bases)
        events = emitted_events(file, reexports)
        if events is None:
            wanted = project.payload_modules
        else:
            configured = project.config.events
            wanted = frozenset(configured[e].payload.module for e in events if e in configured)
        if not wanted:
            return []
        findable = self._findable.setdefault(bases, {})
        deps = []
        for module in sorted(wanted):
            if module not in findable:
                findable[module] = _findable(module, bases)
            if findable[module] and module != file.fullname:
                deps.append((PRI_LOW, module, -1))
        return deps


def _search_bases(file: MypyFile, options: Options) -> tuple[str, ...]:
    # Where mypy will look for a payload module on behalf of this file: the
    # folder its own module name is relative to, mypy_path/MYPYPATH and the
    # working directory. A module found nowhere here is left out, since an
    # unresolvable dependency would become an import error in the user's file.
    path = os.path.abspath(file.path)
    depth = file.fullname.count(".") + 1
    if os.path.basename(path).startswith("__init__."):
        depth += 1
    base = path
    for _ in range(depth):
        base = os.path.dirname(base)
    env = os.environ.get("MYPYPATH", "")
    return (base, *options.mypy_path, *(p for p in env.split(os.pathsep) if p), os.getcwd())


def _findable(module: str, bases: tuple[str, ...]) -> bool:
    rel = module.replace(".", os.sep)
    return any(os.path.isfile(os.path.join(base, rel) + suffix)
               for base in bases for suffix in _SUFFIXES)


def record_fine_grained_dependency(api: CheckerPluginInterface, fullname: str) -> None:
    """Re-check the function around the current emit call under dmypy when ``fullname`` changes."""
    # Only fine-grained runs (dmypy, or mypy writing a cache for it) read these.
    # Only the real type checker keeps the module tree and the current target;
    # anything else (a future API) just loses the daemon refinement.
    options = api.options
    if not (options.fine_grained_incremental or options.cache_fine_grained):
        return
    if isinstance(api, TypeChecker):
        target = api.tscope.current_target()
        api.tree.plugin_deps.setdefault(make_trigger(fullname), set()).add(target)
