"""Reading a Python file the way Python does: bytes, encoding cookie or BOM, text."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from tscrun_lint.fullnames import PREFILTER_WORDS

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
