"""Reading a Python file the way Python does: bytes, encoding cookie or BOM, text."""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from tscrun_lint.base.fullnames import PREFILTER_WORDS

# Python's tokenizer ends lines at \r\n, \r or \n only (str.splitlines would also
# split at form feeds and other separators, shifting line numbers).
_LINE_END = re.compile(r"\r\n|\r|\n")


class SourceError(Exception):
    """The file's bytes are not text Python could read; ``str()`` says why, ``line``/``column`` where."""

    def __init__(self, reason: str, line: int = 1, column: int = 1) -> None:
        super().__init__(reason)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Source:
    text: str
    encoding: str
    """The codec that round-trips ``text`` to the original bytes (``utf-8-sig`` keeps a BOM)."""

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def decode(data: bytes) -> Source:
    """Decode like the interpreter: BOM, then a PEP 263 cookie, else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(str(exc.msg if hasattr(exc, "msg") else exc)) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1  # in bytes: the text is unreadable
        raise SourceError(f"not valid {encoding} text (byte {data[exc.start:exc.start + 1]!r}); "
                          f"save it as UTF-8 or declare its encoding", line, column) from None
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} in the coding declaration") from None
    return Source(text, encoding)


def may_call_emit(text: str) -> bool:
    """The cheap text prefilter (see fullnames.PREFILTER_WORDS): False means certainly not."""
    return all(word in text for word in PREFILTER_WORDS)


def split_lines(text: str) -> list[str]:
    """Physical lines as the tokenizer counts them, without their line endings."""
    return _LINE_END.split(text)


# --- reading files the tools did not choose ------------------------------------------

MAX_SOURCE_BYTES = 8 * 1024 * 1024
"""Larger files are not read (TSC900): no hand-written module is this big, and a
checked tree may hold anything (a symlink to /dev/zero, a log named ``x.py``)."""


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else SourceError.

    Opened without blocking and checked with ``fstat`` on the open descriptor, so a
    FIFO, a device or a socket named ``*.py`` is refused at once instead of hanging
    the run or filling memory, and a file swapped between the check and the read
    cannot slip through. ``OSError`` (missing, unreadable, a symlink loop) propagates.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(f"not a regular file ({_file_kind(st.st_mode)}); not read")
        if st.st_size > limit:
            raise SourceError(f"file too large to analyse ({st.st_size:,} bytes; "
                              f"the limit is {limit:,})")
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while being read
        raise SourceError(f"file too large to analyse (more than {limit:,} bytes)")
    return data


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "a special file"


# --- parse limits ----------------------------------------------------------------------

MAX_NESTING = 400
"""Deepest expression tree handed to libcst. Its native parser overflows the C stack
(a segfault, not an exception) on chains CPython itself accepts: 7,000 ``+`` terms,
10,000 attributes or calls. Its time also grows with the square of the depth (a
1,000-level subscript chain parses in ~0.8 s, 3,000 in ~16 s). 400 levels take well
under 0.2 s and leave hand-written code (rarely past 30) untouched."""

# Tokens that put the expression that follows (or precedes) one node deeper in the
# tree when repeated: binary, boolean, unary and comparison operators, attribute
# access, conditional expressions, lambdas, comprehension clauses, await.
_CHAIN_OPS = frozenset({
    "+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^", "~",
    "<", ">", "<=", ">=", "==", "!=", ".", "->",
})
_CHAIN_WORDS = frozenset({"and", "or", "not", "in", "is", "if", "else", "lambda", "await",
                          "for", "async"})
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_SEPARATORS = frozenset({",", ";", "=", ":="}) | {
    op + "=" for op in ("+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^")}


@dataclass(frozen=True)
class TooDeep:
    depth: int
    line: int
    column: int
    """1-based, where the deepest point was reached."""

    def reason(self) -> str:
        return (f"expression nested too deeply to analyse (more than {MAX_NESTING} levels "
                f"of operators, calls, subscripts or brackets); split it into steps")


def nesting_problem(text: str, limit: int = MAX_NESTING) -> TooDeep | None:
    """An upper estimate of the syntax tree's depth, from tokens alone; None if within ``limit``.

    Linear in the text and never recursive, so it is safe on any input (unlike the
    parsers it protects). Each bracket level counts one, plus the operators, dots,
    calls and subscripts chained at that level since its last separator (a comma
    starts a sibling, not a child). Indentation counts too. Overestimates (a flat
    comparison chain counts as deep) only make the limit stricter. Text the tokenizer
    rejects is left to the parser, which words the syntax error.
    """
    return None if _within(text, limit) else _scan_depth(text, limit)


def _scan_depth(text: str, limit: int) -> TooDeep | None:
    """``nesting_problem`` by the token scan it describes."""
    counts = [0]  # chain length at each open bracket level, innermost last
    kinds = [""]  # the bracket that opened each level
    base = 0  # brackets open plus chain lengths of the enclosing levels
    indent = 0
    prev_type, prev_string = tokenize.NEWLINE, ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            ttype, string = tok.type, tok.string
            if ttype == tokenize.OP:
                if string in _OPENERS:
                    trailer = prev_type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) \
                        and prev_string not in _CHAIN_WORDS or prev_string in (")", "]", "}")
                    if trailer:
                        counts[-1] += 1
                    base += counts[-1] + 1
                    counts.append(0)
                    kinds.append(string)
                elif string in (")", "]", "}"):
                    if len(counts) > 1:
                        counts.pop()
                        kinds.pop()
                        base -= counts[-1] + 1
                elif string in _CHAIN_OPS:
                    counts[-1] += 1
                elif string in _SEPARATORS or string == ":" and kinds[-1] in ("[", "{"):
                    counts[-1] = 0
            elif ttype == tokenize.NAME and string in _CHAIN_WORDS:
                counts[-1] += 1
            elif ttype == tokenize.STRING and prev_type == tokenize.STRING:
                counts[-1] += 1  # implicit concatenation nests one level per string
            elif ttype == tokenize.INDENT:
                indent += 1
            elif ttype == tokenize.DEDENT:
                indent = max(0, indent - 1)
            elif ttype == tokenize.NEWLINE:
                counts, kinds, base = [0], [""], 0
            if ttype not in (tokenize.NL, tokenize.COMMENT):
                prev_type, prev_string = ttype, string
            depth = base + counts[-1] + 2 * indent
            if depth > limit:
                return TooDeep(depth, tok.start[0], tok.start[1] + 1)
    except (tokenize.TokenError, SyntaxError) as exc:
        # Python 3.12's tokenizer (the C one) stops at 200 open brackets itself: that is
        # this limit's finding, not a syntax error to leave to the parser.
        if "too many nested parentheses" in str(exc):
            where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], tuple) else (1, 0)
            line, column = (int(where[0]), int(where[1])) if len(where) >= 2 else (1, 0)
            return TooDeep(limit + 1, line, column + 1)
        return None  # the parser reports it in its own words
    return None


_WORDS = re.compile(r"\b(?:" + "|".join(sorted(_CHAIN_WORDS)) + r")\b")
_INDENTS = re.compile(r"^[ \t\f]+", re.MULTILINE)


def _within(text: str, limit: int) -> bool:
    """True if ``nesting_problem``'s estimate certainly stays within ``limit``, decided
    from character counts alone.

    Over that scan, the estimate grows by at most 2 per opening bracket and 1 per
    operator, chain word or string token (each holds at least one of the characters
    counted here), plus twice the indentation (each level at least one more whitespace
    character). Counting those in the whole text, at C speed, settles small files (most
    payload modules) without running Python's tokenizer.
    """
    bound = 2 * (text.count("(") + text.count("[") + text.count("{"))
    bound += sum(text.count(c) for c in "+-*/%@<>&|^~.!=")
    bound += text.count('"') + text.count("'")
    if bound > limit:
        return False
    bound += 2 * max((len(m) for m in _INDENTS.findall(text)), default=0)
    return bound <= limit and bound + len(_WORDS.findall(text)) <= limit


def nul_position(text: str) -> tuple[int, int] | None:
    """1-based line and column of the first NUL character (Python refuses the file)."""
    at = text.find("\0")
    if at < 0:
        return None
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


_DEEP_STACK = 20_000


@contextlib.contextmanager
def deep_stack() -> Iterator[None]:
    """Room for libcst's recursive Python walks over a tree within ``MAX_NESTING``.

    libcst visits ~6 Python frames per tree level, so 400 levels need more than the
    default limit of 1,000. Only Python frames grow (3.11+ keeps them off the C
    stack); the parse limits are decided by ``nesting_problem``, never by this.
    """
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _DEEP_STACK))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


# --- walking a tree -----------------------------------------------------------------------

def walk_python(folder: str | os.PathLike[str], skip_dirs: frozenset[str] = frozenset()
                ) -> Iterator[tuple[str, bool]]:
    """``(path, is_symlink)`` of every entry named ``*.py`` under ``folder`` that is not a
    folder itself, in a stable order.

    Iterative (a 1,500-level tree is no deeper for it than a flat one), never follows
    symlinked folders (no loops, no escape), and skips folders it cannot list. Entries
    are not opened: a FIFO, a device or a dangling or looping symlink is yielded like a
    file, and whoever reads it decides (``read_bounded`` refuses it without blocking).
    Hidden folders and ``skip_dirs`` are not entered.
    """
    stack = [os.fspath(folder)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith(".") and entry.name not in skip_dirs:
                    subdirs.append(entry.path)
            elif entry.name.endswith(".py"):
                try:
                    link = entry.is_symlink()
                except OSError:
                    link = True
                yield entry.path, link
        stack.extend(reversed(subdirs))
