"""The project's source index: module files read with libcst, never imported.

A :class:`ModuleIndex` maps dotted module names of one project to parsed
modules and their top-level bindings, and resolves names across modules the way
an import would (``from .user import X``, ``import events.user as u``,
re-exports through ``__init__.py``) without running anything. Files are parsed
once per process and re-read, after ``refresh`` (once per run), when their mtime or
size changed.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from tscrun.config import Config
from tscrun_lint.base.typemodel import TypedDictType
from tscrun_lint.base.source import (
    MAX_NESTING,
    SourceError,
    decode,
    deep_stack,
    nesting_problem,
    nul_position,
    read_bounded,
    split_lines,
)

# Names that mean the same to a type checker whichever module they come from.
_ALIAS_MODULES = ("typing_extensions.", "collections.abc.", "_typeshed.")


def normalize_external(qualname: str) -> str:
    """``typing_extensions.NotRequired`` and ``collections.abc.Sequence`` -> ``typing.*``."""
    if qualname == "collections.abc.Set":
        return "typing.AbstractSet"  # typing.Set is the builtin set
    for prefix in _ALIAS_MODULES:
        if qualname.startswith(prefix):
            return "typing." + qualname[len(prefix):]
    return qualname


@dataclass(frozen=True)
class Binding:
    """One top-level binding of a name.

    kind: ``class``/``def`` (node is the definition), ``value`` (node is the
    assigned expression or None for a bare annotation; ``annotation`` set for
    annotated assignments), ``import`` (``target`` is the absolute dotted name
    imported), ``module`` (``import a.b``: ``target`` is the module), ``alias``
    (``type X = ...``), ``other`` (for loops, augmented assignments, ...).
    """

    kind: str
    node: cst.CSTNode | None = None
    annotation: cst.BaseExpression | None = None
    target: str = ""


_DEF_NAME = re.compile(rb"(?:async[ \t]+)?def[ \t]+(\w+)")
_CLASS_LINE = re.compile(r"^class[ \t]+(\w+)", re.MULTILINE)
_FUNCTIONAL_LINE = re.compile(r"^(\w+)[ \t]*(?::[^=\n]*)?=[^=\n]*TypedDict\(", re.MULTILINE)


def _only_line(text: str, name: str, pattern: re.Pattern[str]) -> int | None:
    """The 1-based line of the one match of ``pattern`` naming ``name``, if exactly one.

    The patterns are fixed and the name compared after: a pattern per name would be
    compiled again for every one of a thousand payload modules."""
    if name not in text:
        return None
    found = [m.start() for m in pattern.finditer(text) if m.group(1) == name]
    return text.count("\n", 0, found[0]) + 1 if len(found) == 1 else None


def class_line(text: str, name: str) -> int | None:
    """The line of ``class <name>`` when one line at column 0 plainly defines it."""
    return _only_line(text, name, _CLASS_LINE)


@dataclass(eq=False)
class ModuleInfo:
    name: str
    path: Path
    tree: cst.Module
    is_package: bool
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    _positions: dict[cst.CSTNode, CodeRange] | None = None
    text: str | None = None
    """The source text when read from disk (for ``definition_line``)."""
    _ast: ast.Module | None = None

    def definition_line(self, name: str, node: cst.CSTNode) -> int:
        """The line of the top-level definition of ``name`` (``node`` is its class
        name or its ``TypedDict(...)`` call).

        Found in the text when one line at column 0 plainly defines it: libcst's
        positions need a metadata pass over the whole module, which was most of the
        cost of reading 1,000 payload modules. Anything less plain asks libcst.
        """
        if self.text is not None:
            pattern = _CLASS_LINE if isinstance(node, cst.Name) else _FUNCTIONAL_LINE
            line = _only_line(self.text, name, pattern)
            if line is not None:
                return line
        return self.position(node)[0]

    def def_position(self, name: str, part: str) -> tuple[int, int] | None:
        """(1-based line, 0-based column) of a top-level function's name (``part`` "name")
        or of its first parameter's annotation ("annotation"), as ``position`` gives them,
        read from the text with ``ast``; None when that is not plain (several or nested
        definitions, a parenthesised annotation, a name on a continuation line): ask
        ``position``. libcst's positions cost a metadata pass over the whole module, most
        of the cost of checking a handler file.
        """
        if self.text is None:
            return None
        if self._ast is None:
            try:
                self._ast = ast.parse(self.text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        found = [s for s in self._ast.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
                 and s.name == name]
        if len(found) != 1:
            return None
        func = found[0]
        lines = split_lines(self.text)
        if part == "name":
            line = lines[func.lineno - 1].encode()
            m = _DEF_NAME.match(line, func.col_offset)
            if m is None or m.group(1).decode() != name:
                return None
            return func.lineno, len(line[:m.start(1)].decode())
        params = [*func.args.posonlyargs, *func.args.args]
        ann = params[0].annotation if params else None
        if ann is None:
            return None
        line = lines[ann.lineno - 1].encode()
        before = line[:ann.col_offset].rstrip()
        if not before.endswith(b":"):
            return None  # e.g. ``(Event[A])``: libcst's range starts at the parenthesis
        return ann.lineno, len(line[:ann.col_offset].decode())

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """(1-based line, 0-based column) of a node of this module's tree."""
        if self._positions is None:
            with deep_stack():
                wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
                self._positions = dict(wrapper.resolve(PositionProvider))
        rng = self._positions.get(node)
        return (rng.start.line, rng.start.column) if rng is not None else (1, 0)

    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


# --- symbols: what a name refers to ----------------------------------------------

@dataclass(frozen=True)
class External:
    """A name defined outside the project (``typing.Optional``, ``builtins.str``)."""

    qualname: str


@dataclass(frozen=True)
class ModuleSym:
    module: ModuleInfo


@dataclass(frozen=True)
class DefSym:
    """A class, function or value defined at the top level of a project module."""

    module: ModuleInfo
    name: str
    binding: Binding


@dataclass(frozen=True)
class NotFound:
    reason: str


@dataclass(frozen=True)
class ReadTypedDict:
    """A TypedDict class of a project module read without libcst (``plain_typeddicts``):
    what a DefSym of that class evaluates to. Only that reading's resolver gives it."""

    td: TypedDictType


Symbol = External | ModuleSym | DefSym | ReadTypedDict | NotFound | None
"""None: cannot decide (star import of unknown content, several bindings, ...)."""


# --- reading a module's top-level bindings --------------------------------------------

def _dotted(expr: cst.BaseExpression | cst.ImportFrom | None) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


def _is_type_checking(test: cst.BaseExpression) -> bool:
    name = _dotted(test)
    return name is not None and name.rsplit(".", 1)[-1] == "TYPE_CHECKING"


class _Collector:
    def __init__(self, info: ModuleInfo) -> None:
        self.info = info

    def add(self, name: str, binding: Binding) -> None:
        self.info.bindings.setdefault(name, []).append(binding)

    def block(self, body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]) -> None:
        for stmt in body:
            self.statement(stmt)

    def suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock | cst.SimpleStatementSuite):
            self.block(suite.body)

    def statement(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            self.block(stmt.body)
        elif isinstance(stmt, cst.ClassDef):
            self.add(stmt.name.value, Binding("class", stmt))
        elif isinstance(stmt, cst.FunctionDef):
            self.add(stmt.name.value, Binding("def", stmt))
        elif isinstance(stmt, cst.If):
            self.suite(stmt.body)
            # A type checker reads only the TYPE_CHECKING branch.
            if not _is_type_checking(stmt.test) and stmt.orelse is not None:
                orelse = stmt.orelse
                if isinstance(orelse, cst.If):
                    self.statement(orelse)
                else:
                    self.suite(orelse.body)
        elif isinstance(stmt, cst.Try | cst.TryStar):
            self.suite(stmt.body)
            for handler in stmt.handlers:
                self.suite(handler.body)
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
            if stmt.finalbody is not None:
                self.suite(stmt.finalbody.body)
        elif isinstance(stmt, cst.With):
            self.suite(stmt.body)
            for item in stmt.items:
                self.targets(item.asname.name if item.asname else None)
        elif isinstance(stmt, cst.For | cst.While):
            if isinstance(stmt, cst.For):
                self.targets(stmt.target)
            self.suite(stmt.body)
            if stmt.orelse is not None:
                self.suite(stmt.orelse.body)
        elif isinstance(stmt, cst.Assign):
            for t in stmt.targets:
                if isinstance(t.target, cst.Name):
                    self.add(t.target.value, Binding("value", stmt.value))
                else:
                    self.targets(t.target)
        elif isinstance(stmt, cst.AnnAssign):
            if isinstance(stmt.target, cst.Name):
                self.add(stmt.target.value,
                         Binding("value", stmt.value, stmt.annotation.annotation))
        elif isinstance(stmt, cst.AugAssign):
            self.targets(stmt.target)
        elif isinstance(stmt, cst.TypeAlias):
            self.add(stmt.name.value, Binding("alias", stmt.value))
        elif isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = _dotted(alias.name) or ""
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.add(alias.asname.name.value, Binding("module", target=full))
                else:
                    head = full.split(".")[0]
                    self.add(head, Binding("module", target=head))
        elif isinstance(stmt, cst.ImportFrom):
            base = self.import_base(stmt)
            if base is None:
                return
            if isinstance(stmt.names, cst.ImportStar):
                self.info.star_imports.append(base)
                return
            for alias in stmt.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                local = alias.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                full = f"{base}.{alias.name.value}" if base else alias.name.value
                self.add(local, Binding("import", target=full))
        elif isinstance(stmt, cst.Del):
            self.targets(stmt.target)

    def targets(self, target: cst.BaseExpression | None) -> None:
        """Names bound in a way we do not follow: they make the name undecidable."""
        if isinstance(target, cst.Name):
            self.add(target.value, Binding("other"))
        elif isinstance(target, cst.Tuple | cst.List):
            for el in target.elements:
                self.targets(el.value)
        elif isinstance(target, cst.StarredElement):
            self.targets(target.value)

    def import_base(self, stmt: cst.ImportFrom) -> str | None:
        module = _dotted(stmt.module) if stmt.module is not None else ""
        if module is None:
            return None
        level = len(stmt.relative)
        if level == 0:
            return module
        package = self.info.package()
        parts = package.split(".") if package else []
        if level - 1 > len(parts):
            return None
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        prefix = ".".join(parts)
        if not module:
            return prefix or None
        return f"{prefix}.{module}" if prefix else module


def module_from_tree(name: str, path: Path, tree: cst.Module) -> ModuleInfo:
    """A module already parsed elsewhere (the engine's tree of the checked file)."""
    info = ModuleInfo(name, path, tree, path.stem == "__init__")
    _Collector(info).block(tree.body)
    return info


def read_module(name: str, path: Path) -> ModuleInfo | None:
    """Parse ``path`` as module ``name``; None if it cannot be read or parsed."""
    found = read_module_or_reason(name, path)
    return found if isinstance(found, ModuleInfo) else None


def read_module_or_reason(name: str, path: Path) -> ModuleInfo | str:
    """Parse ``path`` as module ``name``, or say why it cannot be read or parsed.

    The same limits as for a checked file (``source``): a regular file of bounded
    size, no NUL, nesting within ``MAX_NESTING`` (libcst's native parser crashes on
    deeper chains), decided before libcst sees the text.
    """
    try:
        data = read_bounded(path)
        text = decode(data).text
        if nul_position(text) is not None:
            return ""  # Python's own syntax error (flake8 E999)
        deep = nesting_problem(text)
        if deep is not None:
            return (f"an expression on line {deep.line} is nested too deeply to analyse "
                    f"(more than {MAX_NESTING} levels)")
        with deep_stack():
            tree = cst.parse_module(data)
            info = ModuleInfo(name, path, tree, path.stem == "__init__", text=text)
            _Collector(info).block(tree.body)
    except OSError as exc:
        return exc.strerror or str(exc)
    except SourceError as exc:
        return str(exc)
    except (cst.ParserSyntaxError, ValueError, RecursionError, MemoryError):
        return ""  # a syntax error: Python, mypy and flake8 (E999) word it
    return info


# --- the index ----------------------------------------------------------------------

def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class ModuleIndex:
    """Project modules by dotted name, parsed on first use and refreshed on change."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._files: dict[str, Path | None] = {}
        self._modules: dict[Path, tuple[tuple[int, int] | None, ModuleInfo | None]] = {}
        self._trees: dict[Path, tuple[tuple[int, int] | None,
                                      tuple[ast.Module, str, Path] | None]] = {}
        self._folders: dict[Path, tuple[int, int] | None] = {}
        # (module, name) pairs being looked up: a name met again on the way is an import
        # cycle (the depth limit alone lets cycles with several bindings fan out for minutes).
        self._resolving: set[tuple[str, str]] = set()
        self.volatile = False
        """Kept for callers that mark reads of checked modules; every module read is
        now checked for changes once per run (``refresh``), whoever read it."""
        self.failures: dict[str, str] = {}
        """Why a module was refused by the reading limits (special file, size, nesting),
        by module name; syntax errors are not listed (Python's tools report them)."""
        self.generation = 0
        """Bumped whenever a file changed; derived caches key on it."""

    def refresh(self) -> bool:
        """Forget everything if a file read changed, or a file appeared or vanished.

        Run once per run, not per query: it stats the parsed files and the folders
        that module lookups looked into (creating, deleting or renaming a file
        changes its folder's mtime). True if anything changed.
        """
        changed = any(_stat_key(path) != key for path, (key, _info) in self._modules.items())
        changed = changed or any(_stat_key(path) != key
                                 for path, (key, _tree) in self._trees.items())
        changed = changed or any(_stat_key(folder) != key
                                 for folder, key in self._folders.items())
        if changed:
            self.invalidate()
        return changed

    def file(self, name: str) -> Path | None:
        if name not in self._files:
            found = self.config.module_file(name) if name else None
            self._files[name] = found
            self._watch(name)
        return self._files[name]

    def _watch(self, name: str) -> None:
        """Remember the folders whose content decides where ``name`` is found."""
        for root in self.config.source_roots:
            folder = root
            for part in name.split("."):
                if folder not in self._folders:
                    self._folders[folder] = _stat_key(folder)
                folder = folder / part
                if not folder.is_dir():
                    break
            else:
                if folder not in self._folders:
                    self._folders[folder] = _stat_key(folder)  # pkg/__init__.py lives here

    def get_ast(self, name: str) -> tuple[ast.Module, str, Path] | None:
        """Module ``name`` read with Python's ``ast`` (tree, text, path), within the same
        limits as ``get``; None if it cannot be read or parsed (``get`` then says why).

        Kept and refreshed like the libcst trees: a file read either way is watched.
        """
        path = self.file(name)
        if path is None:
            return None
        cached = self._trees.get(path)
        if cached is not None:
            return cached[1]
        key = _stat_key(path)
        found: tuple[ast.Module, str, Path] | None = None
        try:
            text = decode(read_bounded(path)).text
            if nul_position(text) is None and nesting_problem(text) is None:
                found = (ast.parse(text), text, path)
        except (OSError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
            found = None
        self._trees[path] = (key, found)
        return found

    def read_files(self) -> set[Path]:
        """Every file read and parsed so far, by either reading."""
        found = {info.path for info in self.loaded()}
        found.update(tree[2] for _key, tree in self._trees.values() if tree is not None)
        return found

    def exists(self, name: str) -> bool:
        return self.file(name) is not None

    def get(self, name: str) -> ModuleInfo | None:
        path = self.file(name)
        if path is None:
            return None
        cached = self._modules.get(path)
        if cached is not None:
            return cached[1]
        key = _stat_key(path)
        found = read_module_or_reason(name, path)
        info = found if isinstance(found, ModuleInfo) else None
        if isinstance(found, str) and found:  # our own limits refused it (syntax error: "")
            self.failures[name] = found
        self._modules[path] = (key, info)
        return info

    def invalidate(self) -> None:
        """Forget every file and folder read (the next lookups read them again)."""
        self._files.clear()
        self._modules.clear()
        self._trees.clear()
        self._folders.clear()
        self.failures.clear()
        self.generation += 1

    def loaded(self) -> Iterator[ModuleInfo]:
        for _key, info in self._modules.values():
            if info is not None:
                yield info

    # --- name resolution -----------------------------------------------------------

    def lookup(self, module: ModuleInfo, name: str, _depth: int = 0) -> Symbol:
        """What the top-level ``name`` of ``module`` refers to."""
        if _depth > 40:
            return None  # import cycle
        bindings = module.bindings.get(name)
        if not bindings:
            for star in module.star_imports:
                if self.exists(star):
                    target = self.get(star)
                    if target is None:
                        return None
                    found = self.lookup(target, name, _depth + 1)
                    if not isinstance(found, NotFound):
                        return found
                else:
                    return None  # anything may come from a foreign star import
            if module.is_package and self.exists(f"{module.name}.{name}"):
                # a submodule that was imported elsewhere is an attribute of its package
                sub = self.get(f"{module.name}.{name}")
                return ModuleSym(sub) if sub is not None else None
            if "__getattr__" in module.bindings:
                return None
            return NotFound(f'no "{name}" in module "{module.name}"')
        key = (module.name, name)
        if key in self._resolving:
            return None  # import cycle
        self._resolving.add(key)
        try:
            symbols = [self._binding_symbol(module, name, b, _depth) for b in bindings]
        finally:
            self._resolving.discard(key)
        first = symbols[0]
        if all(s == first for s in symbols[1:]):
            return first
        return None

    def _binding_symbol(self, module: ModuleInfo, name: str, b: Binding, depth: int) -> Symbol:
        if b.kind == "other":
            return None
        if b.kind == "module":
            return self.resolve_qualname(b.target, depth + 1, module_only=True)
        if b.kind == "import":
            return self.resolve_qualname(b.target, depth + 1)
        return DefSym(module, name, b)

    def resolve_qualname(self, qualname: str, _depth: int = 0,
                         module_only: bool = False) -> Symbol:
        """Resolve a dotted name: a project module, a top-level name in one, or external."""
        if "<locals>" in qualname:
            return None  # a function's local: not visible from module level
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            modname = ".".join(parts[:cut])
            if not self.exists(modname):
                continue
            info = self.get(modname)
            if info is None:
                return None
            sym: Symbol = ModuleSym(info)
            for attr in parts[cut:]:
                sym = self.attribute(sym, attr, _depth + 1)
            return sym
        if module_only or len(parts) == 1:
            return External(normalize_external(qualname))
        # ``from pkg import x`` where pkg is ours but x is not found as a file
        return External(normalize_external(qualname))

    def attribute(self, sym: Symbol, attr: str, _depth: int = 0) -> Symbol:
        if isinstance(sym, ModuleSym):
            return self.lookup(sym.module, attr, _depth)
        if isinstance(sym, External):
            return External(normalize_external(f"{sym.qualname}.{attr}"))
        if isinstance(sym, NotFound) or sym is None:
            return sym
        return None  # attribute of a class or value: not followed

    def resolve_expr(self, module: ModuleInfo, expr: cst.BaseExpression) -> Symbol:
        """Resolve a Name or dotted Attribute written at the top level of ``module``."""
        if isinstance(expr, cst.Name):
            sym = self.lookup(module, expr.value)
            if isinstance(sym, NotFound) and _is_builtin(expr.value):
                return External(f"builtins.{expr.value}")
            return sym
        if isinstance(expr, cst.Attribute):
            return self.attribute(self.resolve_expr(module, expr.value), expr.attr.value)
        return None


_BUILTINS = frozenset(dir(__import__("builtins")))


def _is_builtin(name: str) -> bool:
    return name in _BUILTINS
