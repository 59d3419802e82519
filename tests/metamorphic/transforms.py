"""Rewrites that keep a program's meaning: what the analyzer says must not change (bar positions).

Each transform is a function ``str -> str`` built on libcst (so the output is
the same program, whitespace and comments aside) or on plain text for line
endings. ``TRANSFORMS`` names them for test ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import libcst as cst

COMMENT = "# reformatted"


def _newline(comment: bool) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(
            whitespace=cst.SimpleWhitespace("  " if comment else ""),
            comment=cst.Comment(COMMENT) if comment else None),
        empty_lines=(), indent=True, last_line=cst.SimpleWhitespace("    "))


def _lone_generator(args: Sequence[cst.Arg]) -> bool:
    # f(x for x in y) may not take a trailing comma or lose its implicit parentheses.
    return len(args) == 1 and isinstance(args[0].value, cst.GeneratorExp) and not args[0].value.lpar


class _BreakLines(cst.CSTTransformer):
    """One argument / element per line, each followed by a comma (and a comment)."""

    def __init__(self, comment: bool) -> None:
        self.comment = comment

    def _comma(self) -> cst.Comma:
        return cst.Comma(whitespace_before=cst.SimpleWhitespace(""),
                         whitespace_after=_newline(self.comment))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if not updated_node.args or _lone_generator(updated_node.args):
            return updated_node
        args = [a.with_changes(comma=self._comma()) for a in updated_node.args]
        return updated_node.with_changes(whitespace_before_args=_newline(self.comment), args=args)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.Dict:
        if not updated_node.elements:
            return updated_node
        elements = [e.with_changes(comma=self._comma()) for e in updated_node.elements]
        return updated_node.with_changes(
            lbrace=cst.LeftCurlyBrace(whitespace_after=_newline(self.comment)), elements=elements)

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.List:
        if not updated_node.elements:
            return updated_node
        elements = [e.with_changes(comma=self._comma()) for e in updated_node.elements]
        return updated_node.with_changes(
            lbracket=cst.LeftSquareBracket(whitespace_after=_newline(self.comment)),
            elements=elements)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.SimpleStatementLine:
        if not self.comment:
            return updated_node
        note = cst.EmptyLine(comment=cst.Comment(COMMENT))
        return updated_node.with_changes(leading_lines=[*updated_node.leading_lines, note])


def _paren(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen(), *node.lpar], rpar=[*node.rpar, cst.RightParen()])


class _Parenthesize(cst.CSTTransformer):
    """Redundant parentheses around every argument and every dict value."""

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(value=_paren(updated_node.value))

    def leave_DictElement(self, original_node: cst.DictElement,
                          updated_node: cst.DictElement) -> cst.DictElement:
        return updated_node.with_changes(value=_paren(updated_node.value))


class _SwapQuotes(cst.CSTTransformer):
    """'x' <-> "x" wherever the swap needs no escaping (never inside f-strings)."""

    def __init__(self) -> None:
        self.in_fstring = 0

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.in_fstring += 1

    def leave_FormattedString(self, original_node: cst.FormattedString,
                              updated_node: cst.FormattedString) -> cst.FormattedString:
        self.in_fstring -= 1
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.SimpleString:
        if self.in_fstring:
            return updated_node
        value = updated_node.value
        prefix = value[:len(value) - len(value.lstrip("rRbBuU"))]
        body = value[len(prefix):]
        if body.startswith(('"""', "'''")) or len(body) < 2:
            return updated_node
        quote, inner = body[0], body[1:-1]
        other = "'" if quote == '"' else '"'
        if other in inner or "\\" in inner:
            return updated_node
        return updated_node.with_changes(value=f"{prefix}{other}{inner}{other}")


def _with(transformer: Callable[[], cst.CSTTransformer]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        return cst.parse_module(text).visit(transformer()).code
    return apply


break_lines = _with(lambda: _BreakLines(comment=False))
comments = _with(lambda: _BreakLines(comment=True))
parenthesize = _with(_Parenthesize)
swap_quotes = _with(_SwapQuotes)


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def cr(text: str) -> str:
    """Old Mac line endings, which Python still reads."""
    return text.replace("\r\n", "\n").replace("\n", "\r")


def tabs(text: str) -> str:
    """Indentation by tabs (every four leading spaces become one tab)."""
    return re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m[1]) // 4), text)


class _Realias(cst.CSTTransformer):
    """``from tscrun import events`` + ``events.emit`` -> another import form of the emitter."""

    def __init__(self, form: str) -> None:
        self.form = form
        self.in_import = 0

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.in_import += 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.Import:
        self.in_import -= 1
        module = updated_node.module
        if (isinstance(module, cst.Name) and module.value == "tscrun"
                and not isinstance(updated_node.names, cst.ImportStar)
                and [a.name.value for a in updated_node.names if isinstance(a.name, cst.Name)]
                == ["events"] and updated_node.names[0].asname is None):
            new = {"module-alias": "import tscrun.events as tev",
                   "function-alias": "from tscrun.events import emit as publish",
                   "dotted": "import tscrun.events"}[self.form]
            stmt = cst.parse_statement(new)
            assert isinstance(stmt, cst.SimpleStatementLine)
            node = stmt.body[0]
            assert isinstance(node, cst.Import | cst.ImportFrom)
            return node
        return updated_node

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute
                        ) -> cst.BaseExpression:
        if (not self.in_import and isinstance(updated_node.value, cst.Name)
                and updated_node.value.value == "events" and updated_node.attr.value == "emit"):
            if self.form == "module-alias":
                return updated_node.with_changes(value=cst.Name("tev"))
            if self.form == "dotted":
                return updated_node.with_changes(value=cst.parse_expression("tscrun.events"))
            return cst.Name("publish", lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node


def realias(form: str) -> Callable[[str], str]:
    return _with(lambda: _Realias(form))


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "line-breaks": break_lines,
    "comments": comments,
    "parentheses": parenthesize,
    "quotes": swap_quotes,
    "crlf": crlf,
    "cr": cr,
    "tabs": tabs,
    "module-alias": realias("module-alias"),
    "function-alias": realias("function-alias"),
    "dotted-import": realias("dotted"),
}
