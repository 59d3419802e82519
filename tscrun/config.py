"""The one config loader shared by the runtime, the analyzer and the mypy plugin.

Configuration is TOML data: it is parsed, validated and turned into one
immutable :class:`Config`. Nothing named in it is imported or executed here;
targets such as ``"events.user_registered:UserRegisteredEvent"`` stay strings
until the runtime (which does import) or a static tool (which reads source)
needs them.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import importlib
import os
import stat
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from tscrun.errors import ConfigError
from tscrun.names import NameIndex

CONFIG_FILENAMES = ("tscrun.toml", "pyproject.toml")
ENV_VAR = "TSCRUN_CONFIG"
DEFAULT_NAMING = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_TARGET_RE = re.compile(rf"^({_IDENT}(?:\.{_IDENT})*):({_IDENT})$")
_MODULE_RE = re.compile(rf"^{_IDENT}(?:\.{_IDENT})*$")

_TOP_KEYS = ("project-name", "provider", "region", "source-roots", "events", "redis")
_EVENTS_KEYS = (
    "event-bus", "types-module", "subscribers-module", "naming", "validate-payloads",
    "max-attempts", "retry-delay", "types", "subscribers",
    "timeout", "max-in-flight", "max-dead-letters", "max-hops",
)
_SUBSCRIBER_KEYS = ("events", "handler", "timeout", "concurrency")
PROVIDERS = ("local", "redis", "aws")
REDIS_URL_ENV = "TSCRUN_REDIS_URL"
_REDIS_KEYS = ("url", "claim-after")
_REDIS_URL_RE = re.compile(r"^(redis|rediss|unix)://\S*$")

# Bounds of the delivery settings (runtime). Wide enough for any real use; they
# exist so that a typo (max-attempts = 1100, timeout = 0) is caught here rather
# than overflowing a backoff or never finishing at run time.
MAX_ATTEMPTS = 100
MAX_RETRY_DELAY = 3600.0
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 86400.0
# Every running delivery keeps about ten objects alive (task, coroutine, context, ...)
# that each full garbage collection walks: 10,000 in flight made those pauses about
# 60 ms of CPU (bench/soak.py), 2,000 about 25 ms. See docs/benchmarks.md.
DEFAULT_MAX_IN_FLIGHT = 2_000
DEFAULT_MAX_DEAD_LETTERS = 5_000
DEFAULT_MAX_HOPS = 16
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 1024


@dataclass(frozen=True)
class Target:
    """A ``module:attribute`` reference, from the config or from a convention."""

    module: str
    attr: str
    explicit: bool
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.module}:{self.attr}"


@dataclass(frozen=True)
class EventConfig:
    """One configured event: its payload TypedDict target and who receives it."""

    name: str
    payload: Target
    subscribers: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class SubscriberConfig:
    name: str
    events: tuple[str, ...]
    handler: Target
    line: int | None
    event_lines: Mapping[str, int | None] = field(default_factory=lambda: MappingProxyType({}))
    timeout: float | None = None
    """Seconds one attempt may take; ``None``: ``events.timeout``."""
    concurrency: int | None = None
    """Attempts of this subscriber that may run at once; ``None``: the default."""


@dataclass(frozen=True)
class RedisConfig:
    """The ``[redis]`` table, used when ``provider = "redis"``."""

    url: str = "redis://localhost:6379/0"
    """Where the server is; ``$TSCRUN_REDIS_URL`` overrides the file."""
    claim_after: float = 30.0
    """Seconds a delivery may sit unacknowledged with no sign of life from its worker
    before another worker takes it over (a worker that is alive renews its claim)."""


class NamingRule:
    """``events.naming``, run by RE2: linear time in the name, whatever the pattern.

    A user's regex is data from a file anyone may edit in a pull request; with a
    backtracking engine ``(a+)+$`` stalls every check for minutes. RE2 cannot run
    look-around, back-references or possessive quantifiers; such patterns are
    refused when the config is loaded.
    """

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._compiled = compiled

    def search(self, name: str) -> bool:
        return self._compiled.search(name) is not None

    def __repr__(self) -> str:
        return f"NamingRule({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamingRule) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (_compiled_naming, (self.pattern,))  # for processes started by spawn


def _compiled_naming(pattern: str) -> NamingRule:
    rule = _naming_rule(pattern)
    assert isinstance(rule, NamingRule), rule
    return rule


def _naming_rule(pattern: str) -> NamingRule | str:
    """The compiled rule, or why RE2 cannot run it."""
    re2: Any = importlib.import_module("re2")
    options = re2.Options()
    options.log_errors = False  # the reason goes into our message, not to stderr
    try:
        return NamingRule(pattern, re2.compile(pattern, options))
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return (f"the pattern needs a feature of backtracking engines ({detail}); tscrun "
                f"runs event-name patterns with RE2, in time linear in the name, so no "
                f"pattern can stall a check: write it without look-around, "
                f"back-references, possessive quantifiers or \\Z (use $)")


@dataclass(frozen=True)
class Config:
    """A validated tscrun configuration. Everything the tools need, nothing executed."""

    path: Path
    root: Path
    project_name: str
    provider: Literal["local", "redis", "aws"]
    region: str | None
    source_roots: tuple[Path, ...]
    event_bus: str
    types_module: str
    subscribers_module: str
    naming: NamingRule
    naming_line: int | None
    validate_payloads: bool
    max_attempts: int
    retry_delay: float
    events: Mapping[str, EventConfig]
    subscribers: Mapping[str, SubscriberConfig]
    digest: str
    """sha256 of the config file's bytes: caches key on it."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one delivery attempt may take before it counts as failed."""
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    """Deliveries accepted and not finished beyond which ``emit`` waits."""
    max_dead_letters: int = DEFAULT_MAX_DEAD_LETTERS
    """Dead letters kept in memory; the oldest is dropped (with a warning) beyond."""
    max_hops: int = DEFAULT_MAX_HOPS
    """Length of a chain of events emitted by handlers before the next emit is refused."""
    redis: RedisConfig = field(default_factory=RedisConfig)

    @property
    def event_names(self) -> frozenset[str]:
        return frozenset(self.events)

    def closest_event(self, name: str) -> str | None:
        return self.event_name_index.closest(name)

    @functools.cached_property
    def event_name_index(self) -> NameIndex:
        """The configured event names prepared for "did you mean" (once per config)."""
        return NameIndex(self.events)

    def module_file(self, module: str) -> Path | None:
        """The source file of a dotted module under the source roots, found without importing."""
        parts = module.split(".")
        if not all(p.isidentifier() for p in parts):
            return None  # "/tmp/x/evil" from an event name must not become a path
        for root in self.source_roots:
            base = root.joinpath(*parts)
            for candidate in (base.with_suffix(".py"), base / "__init__.py",
                              base.with_suffix(".pyi"), base / "__init__.pyi"):
                if candidate.is_file():
                    return candidate if self._inside_project(candidate) else None
        return None

    def _inside_project(self, path: Path) -> bool:
        """Whether ``path``, symlinks followed, lies in the project folder."""
        try:
            real, root = path.resolve(), self._real_root
        except (OSError, RuntimeError):
            return False
        return real == root or root in real.parents

    @functools.cached_property
    def _real_root(self) -> Path:
        """The project folder, symlinks followed: once, not for every module looked up."""
        return self.root.resolve()

    def module_for_file(self, path: Path) -> str | None:
        """The dotted module name of ``path`` under the first source root that holds it."""
        path = path.resolve()
        for root in self.source_roots:
            try:
                rel = path.relative_to(root.resolve())
            except ValueError:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts and all(p.isidentifier() for p in parts):
                return ".".join(parts)
        return None


# --- conventions -----------------------------------------------------------------

def payload_convention(event: str, types_module: str) -> Target:
    """``order.line_added`` -> ``<types_module>.order_line_added:OrderLineAddedEvent``."""
    module = re.sub(r"[.\-]", "_", event)
    words = [w for w in re.split(r"[._\-]", event) if w]
    cls = "".join(w[:1].upper() + w[1:] for w in words) + "Event"
    return Target(f"{types_module}.{module}", cls, explicit=False)


def handler_convention(subscriber: str, subscribers_module: str) -> Target:
    """``send-welcome-email`` -> ``<subscribers_module>.send_welcome_email:listen``."""
    return Target(f"{subscribers_module}.{re.sub(r'[^A-Za-z0-9_]', '_', subscriber)}",
                  "listen", explicit=False)


# --- discovery -------------------------------------------------------------------

_MAX_CONFIG_BYTES = 16 * 1024 * 1024


def _read_bounded(path: Path) -> bytes:
    """A regular file's bytes; ValueError for a FIFO, a device or an absurd size
    (opened without blocking, so a FIFO named pyproject.toml cannot hang discovery)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size > _MAX_CONFIG_BYTES:
            raise ValueError(f"larger than {_MAX_CONFIG_BYTES:,} bytes")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(_MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_CONFIG_BYTES:
        raise ValueError(f"larger than {_MAX_CONFIG_BYTES:,} bytes")
    return data


def _has_tscrun_table(pyproject: Path) -> bool:
    # A pyproject.toml without [tool.tscrun] belongs to some other tool (or to a
    # parent project in a monorepo): discovery walks past it.
    try:
        text = _read_bounded(pyproject).decode("utf-8")
    except (OSError, ValueError):
        return False
    if "tscrun" not in text:
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True  # report the broken file rather than silently skipping it
    tool = data.get("tool")
    return isinstance(tool, dict) and "tscrun" in tool


def find_config(start: str | os.PathLike[str] | None = None) -> Path | None:
    """Walk up from ``start`` (a file or folder; default the working directory)."""
    here = Path(start) if start is not None else Path.cwd()
    here = here.absolute()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        tscrun_toml = folder / "tscrun.toml"
        if tscrun_toml.is_file():
            return tscrun_toml
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tscrun_table(pyproject):
            return pyproject
    return None


def load_config(path: str | os.PathLike[str] | None = None, *,
                start: str | os.PathLike[str] | None = None) -> Config:
    """Find, read and validate the tscrun config.

    ``path`` names a config file explicitly (or a folder to discover from);
    otherwise ``$TSCRUN_CONFIG``; otherwise discovery walks up from ``start``
    (default: the working directory). Raises :class:`ConfigError`.
    """
    if path is None and os.environ.get(ENV_VAR):
        path = os.environ[ENV_VAR]
    if path is not None:
        p = Path(path)
        if p.is_dir():
            found = find_config(p)
            if found is None:
                raise ConfigError(f"no tscrun.toml or pyproject.toml with [tool.tscrun] "
                                  f"in {p} or above", path=p)
            return _load_file(found)
        if not p.exists():
            raise ConfigError("config file does not exist", path=p)
        return _load_file(p)
    found = find_config(start)
    if found is None:
        where = Path(start) if start is not None else Path.cwd()
        raise ConfigError(
            f"no tscrun config found in {where.absolute()} or any parent folder; create "
            f"tscrun.toml or add [tool.tscrun] to pyproject.toml (or set {ENV_VAR})")
    return _load_file(found)


# --- reading and validation ------------------------------------------------------

class _Lines:
    """Finds where things were written, for diagnostics that point at the config.

    tomllib keeps no positions, so this searches the text. It is only used for
    line numbers; a miss yields ``None``, never a wrong value.
    """

    # Line numbers by the key a line starts with, by each quoted string on it and by
    # table header: a config of 10,000 events would otherwise be searched line by
    # line for each of them (quadratic). A miss falls back to the full search.
    _KEY = re.compile(r"""\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")
    _STRING = re.compile(r"""(?:"([^"\\]*)"|'([^']*)')""")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._keys: dict[str, list[int]] = {}
        self._strings: dict[str, list[int]] = {}
        self._tables: dict[str, int] = {}
        for number, line in enumerate(self.lines, 1):
            m = self._KEY.match(line)
            if m:
                self._keys.setdefault(next(g for g in m.groups() if g is not None),
                                      []).append(number)
            if "'" in line or '"' in line:
                for sm in self._STRING.finditer(line):
                    value = sm.group(1) if sm.group(1) is not None else sm.group(2)
                    found = self._strings.setdefault(value, [])
                    if not found or found[-1] != number:
                        found.append(number)
            stripped = line.strip()
            if stripped.startswith("[") and not stripped.startswith("[["):
                header = re.sub(r"""[\s"']""", "", stripped.split("#", 1)[0])[1:-1]
                self._tables.setdefault(header, number)

    @staticmethod
    def _first(numbers: list[int] | None, after: int) -> int | None:
        if not numbers:
            return None
        at = bisect.bisect_left(numbers, max(after, 1))
        return numbers[at] if at < len(numbers) else None

    def find(self, pattern: str, after: int = 0) -> int | None:
        rx = re.compile(pattern)
        for i in range(max(after - 1, 0), len(self.lines)):
            if rx.search(self.lines[i]):
                return i + 1
        return None

    def key(self, key: str, after: int = 0) -> int | None:
        return self._first(self._keys.get(key), after) or \
            self.find(rf'^\s*["\']?{re.escape(key)}["\']?\s*=', after) or \
            self.find(rf'["\']?{re.escape(key)}["\']?\s*=', after)

    def table(self, *parts: str) -> int | None:
        # [tool.tscrun.events.subscribers.name] or any quoting/spacing of it
        dotted = ".".join(parts)
        if "." not in "".join(parts):
            found = self._tables.get(dotted) or self._tables.get("tool.tscrun." + dotted)
            if found:
                return found
        body = r"\s*\.\s*".join(rf'["\']?{re.escape(p)}["\']?' for p in parts)
        return self.find(rf"^\s*\[\s*(?:tool\s*\.\s*tscrun\s*\.\s*)?{body}\s*\]")

    def string(self, value: str, after: int = 0) -> int | None:
        return self._first(self._strings.get(value), after) or \
            self.find(rf'["\']{re.escape(value)}["\']', after)


class _Reader:
    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.lines = _Lines(text)

    def fail(self, key: str, message: str, line: int | None = None) -> ConfigError:
        last = key.rsplit(".", 1)[-1]
        return ConfigError(message, path=self.path, key=self.prefix + key,
                           line=line if line is not None else self.lines.key(last))

    def check_keys(self, table: Mapping[str, Any], allowed: Iterable[str], where: str,
                   after: int | None = None) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
                hint = f'; did you mean "{close[0]}"?' if close else \
                    f"; valid keys are {', '.join(allowed)}"
                # Search from the table's own header so a same-named key in an
                # earlier table is not taken for this one.
                line = self.lines.key(key, after) if after else None
                raise self.fail(where + key, f'unknown key "{key}"{hint}', line)

    def get(self, table: Mapping[str, Any], key: str, where: str, kind: type | tuple[type, ...],
            default: Any, kind_name: str) -> Any:
        if key not in table:
            return default
        value = table[key]
        # bool is an int in Python but never a valid count or delay in a config
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(where + key, f"expected {kind_name}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(where + key, f"expected {kind_name}, got {_toml_type(value)}")
        return value

    def bounded(self, table: Mapping[str, Any], key: str, where: str, default: Any,
                low: float, high: float, integer: bool, low_open: bool = False) -> Any:
        """A number between ``low`` and ``high`` (``low`` excluded when ``low_open``)."""
        kind = "an integer" if integer else "a number of seconds"
        def num(x: float) -> str:
            return str(int(x)) if integer else f"{x:g}"

        lo = f"> {num(low)}" if low_open else f">= {num(low)}"
        expected = f"{kind} {lo} and <= {num(high)}"
        value = self.get(table, key, where, int if integer else (int, float), default, expected)
        if value is default:
            return value
        if not (value > low if low_open else value >= low) or not value <= high:
            raise self.fail(where + key, f"expected {expected}, got {value}")
        return value if integer else float(value)

    def target(self, value: Any, key: str, line: int | None) -> Target:
        if not isinstance(value, str):
            raise self.fail(key, f'expected a "module:name" string, got {_toml_type(value)}', line)
        m = _TARGET_RE.match(value.strip())
        if not m:
            raise self.fail(key, f'malformed target "{value}"; write it as "package.module:Name"',
                            line)
        return Target(m.group(1), m.group(2), explicit=True, line=line)


def _toml_type(value: object) -> str:
    return {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, int | None]:
    """The message and 1-based line of a TOML syntax error.

    Python 3.14 sets ``lineno``; before that the position is only in the
    message ("... (at line 3, column 16)" or "(at end of document)").
    """
    lineno = getattr(exc, "lineno", None)
    msg = getattr(exc, "msg", None) or str(exc)
    m = re.search(r"\s*\(at line (\d+), column \d+\)$", msg)
    if m:
        msg = msg[:m.start()]
        lineno = lineno or int(m.group(1))
    elif msg.endswith("(at end of document)"):
        msg = msg[:-len("(at end of document)")].rstrip() + " at the end of the file"
        lineno = lineno or max(1, len(text.splitlines()))
    return msg, lineno


def _load_file(path: Path) -> Config:
    path = path.absolute()
    try:
        raw = _read_bounded(path)
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror or exc}", path=path) from None
    except ValueError as exc:
        raise ConfigError(f"cannot read config: {exc}", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("config is not valid UTF-8", path=path) from None
    return parse_config(path, text)


def parse_config(path: Path, text: str) -> Config:
    """Validate config ``text`` as the content of ``path`` (which need not match the disk:
    the language server checks an editor's unsaved buffer). Raises :class:`ConfigError`."""
    path = path.absolute()
    raw = text.encode("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg, line = _toml_error(exc, text)
        raise ConfigError(f"invalid TOML: {msg}", path=path, line=line) from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or not isinstance(tool.get("tscrun"), dict):
            raise ConfigError("pyproject.toml has no [tool.tscrun] table", path=path)
        table, prefix = tool["tscrun"], "tool.tscrun."
    else:
        table, prefix = data, ""
    return _build(path, text, raw, table, prefix)


def _build(path: Path, text: str, raw: bytes, table: dict[str, Any], prefix: str) -> Config:
    r = _Reader(path, text, prefix)
    r.check_keys(table, _TOP_KEYS, "")
    root = path.parent

    project_name = r.get(table, "project-name", "", str, root.name, "a string")
    provider = r.get(table, "provider", "", str, "local", "a string")
    if provider not in PROVIDERS:
        raise r.fail("provider", f'expected "local", "redis" or "aws", got "{provider}"')
    region = r.get(table, "region", "", str, None, "a string")
    roots_raw = r.get(table, "source-roots", "", list, ["."], "an array of strings")
    if not roots_raw or not all(isinstance(x, str) for x in roots_raw):
        raise r.fail("source-roots", "expected a non-empty array of folder names (strings)")
    source_roots = tuple((root / x).resolve() for x in roots_raw)
    real_root = root.resolve()
    for raw_root, resolved in zip(roots_raw, source_roots):
        if resolved != real_root and real_root not in resolved.parents:
            # The tools read every module under a source root: one outside the
            # project would have them scan (and report on) the rest of the machine.
            raise r.fail("source-roots", f'"{raw_root}" is outside the project folder '
                                         f'{real_root}; source roots must lie inside it')

    ev = r.get(table, "events", "", dict, {}, "a table")
    r.check_keys(ev, _EVENTS_KEYS, "events.", r.lines.table("events"))
    event_bus = r.get(ev, "event-bus", "events.", str, "default", "a string")
    types_module = r.get(ev, "types-module", "events.", str, "events", "a module name")
    subscribers_module = r.get(ev, "subscribers-module", "events.", str,
                               "functions.subscribers", "a module name")
    for key, value in (("types-module", types_module), ("subscribers-module", subscribers_module)):
        if not _MODULE_RE.match(value):
            raise r.fail(f"events.{key}", f'"{value}" is not a dotted module name')
    naming_src = r.get(ev, "naming", "events.", str, DEFAULT_NAMING, "a regular expression")
    try:
        re.compile(naming_src)  # Python's wording for plain mistakes
    except re.error as exc:
        raise r.fail("events.naming", f"invalid regular expression: {exc}") from None
    naming = _naming_rule(naming_src)
    if isinstance(naming, str):
        raise r.fail("events.naming", naming)
    validate = r.get(ev, "validate-payloads", "events.", bool, True, "true or false")
    max_attempts = r.bounded(ev, "max-attempts", "events.", 3, 1, MAX_ATTEMPTS, integer=True)
    retry_delay = float(r.bounded(ev, "retry-delay", "events.", 0.5, 0, MAX_RETRY_DELAY,
                                  integer=False))
    timeout = r.bounded(ev, "timeout", "events.", DEFAULT_TIMEOUT, 0, MAX_TIMEOUT, integer=False,
                        low_open=True)
    max_in_flight = r.bounded(ev, "max-in-flight", "events.", DEFAULT_MAX_IN_FLIGHT, 1,
                              10_000_000, integer=True)
    max_dead_letters = r.bounded(ev, "max-dead-letters", "events.", DEFAULT_MAX_DEAD_LETTERS, 1,
                                 10_000_000, integer=True)
    max_hops = r.bounded(ev, "max-hops", "events.", DEFAULT_MAX_HOPS, 1, 1000, integer=True)

    types_raw = r.get(ev, "types", "events.", dict, {}, "a table of event name to \"module:Class\"")
    types_line = r.lines.table("events", "types") or 0
    explicit_types: dict[str, Target] = {}
    for name, value in types_raw.items():
        line = r.lines.key(name, types_line)
        explicit_types[name] = r.target(value, f'events.types."{name}"', line)

    subs_raw = r.get(ev, "subscribers", "events.", dict, {}, "a table of subscribers")
    subscribers: dict[str, SubscriberConfig] = {}
    handlers_seen: dict[str, str] = {}
    for sname, sdef in subs_raw.items():
        skey = f"events.subscribers.{sname}"
        sline = r.lines.table("events", "subscribers", sname) or r.lines.string(sname)
        if not isinstance(sdef, dict):
            raise r.fail(skey, f"expected a table with an \"events\" array, got {_toml_type(sdef)}",
                         sline)
        r.check_keys(sdef, _SUBSCRIBER_KEYS, skey + ".", sline)
        if "events" not in sdef:
            raise r.fail(skey + ".events", f'subscriber "{sname}" has no "events" array', sline)
        names = sdef["events"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise r.fail(skey + ".events", "expected an array of event names",
                         r.lines.key("events", sline or 0))
        event_lines: dict[str, int | None] = {}
        for n in names:
            if n in event_lines:
                raise r.fail(skey + ".events", f'event "{n}" is listed twice',
                             r.lines.string(n, sline or 0))
            event_lines[n] = r.lines.string(n, sline or 0)
        if "handler" in sdef:
            handler = r.target(sdef["handler"], skey + ".handler",
                               r.lines.key("handler", sline or 0))
        else:
            handler = handler_convention(sname, subscribers_module)
            handler = Target(handler.module, handler.attr, False, sline)
        if str(handler) in handlers_seen:
            raise r.fail(skey + ".handler",
                         f'handler "{handler}" is already used by subscriber '
                         f'"{handlers_seen[str(handler)]}"; each subscriber needs its own handler',
                         handler.line or sline)
        handlers_seen[str(handler)] = sname
        sub_timeout = r.bounded(sdef, "timeout", skey + ".", None, 0, MAX_TIMEOUT, integer=False,
                                low_open=True)
        concurrency = r.bounded(sdef, "concurrency", skey + ".", None, 1, MAX_CONCURRENCY,
                                integer=True)
        subscribers[sname] = SubscriberConfig(sname, tuple(names), handler, sline,
                                              MappingProxyType(event_lines), sub_timeout,
                                              concurrency)

    # Every event named anywhere is configured; explicit types come first in order.
    receivers_of: dict[str, list[SubscriberConfig]] = {name: [] for name in explicit_types}
    for sub in subscribers.values():
        for n in sub.events:
            receivers_of.setdefault(n, []).append(sub)
    events: dict[str, EventConfig] = {}
    for name, subs in receivers_of.items():
        receivers = tuple(s.name for s in subs)
        if name in explicit_types:
            payload = explicit_types[name]
            line = payload.line
        else:
            line = subs[0].event_lines.get(name)
            conv = payload_convention(name, types_module)
            payload = Target(conv.module, conv.attr, False, line)
        events[name] = EventConfig(name, payload, receivers, line)

    return Config(
        path=path, root=root, project_name=project_name, provider=provider, region=region,
        source_roots=source_roots, event_bus=event_bus, types_module=types_module,
        subscribers_module=subscribers_module, naming=naming,
        naming_line=r.lines.key("naming") if "naming" in ev else None,
        validate_payloads=validate, max_attempts=max_attempts, retry_delay=retry_delay,
        events=MappingProxyType(events), subscribers=MappingProxyType(subscribers),
        digest=hashlib.sha256(raw).hexdigest(),
        timeout=timeout, max_in_flight=max_in_flight, max_dead_letters=max_dead_letters,
        max_hops=max_hops, redis=_redis(r, table),
    )


def _redis(r: _Reader, table: Mapping[str, Any]) -> RedisConfig:
    raw = r.get(table, "redis", "", dict, {}, "a table")
    r.check_keys(raw, _REDIS_KEYS, "redis.", r.lines.table("redis"))
    url = r.get(raw, "url", "redis.", str, RedisConfig.url, "a string")
    if not _REDIS_URL_RE.match(url):
        raise r.fail("redis.url", f'expected a redis://, rediss:// or unix:// URL, got "{url}"')
    env = os.environ.get(REDIS_URL_ENV)
    if env:
        if not _REDIS_URL_RE.match(env):
            raise ConfigError(f'${REDIS_URL_ENV} is "{env}"; expected a redis://, rediss:// or '
                              "unix:// URL", path=r.path, key=r.prefix + "redis.url")
        url = env
    claim_after = float(r.get(raw, "claim-after", "redis.", (int, float), RedisConfig.claim_after,
                              "a number of seconds"))
    if not 0 < claim_after < float("inf"):
        raise r.fail("redis.claim-after", f"expected a number of seconds > 0, got {claim_after}")
    return RedisConfig(url, claim_after)
