"""The tokens of the Cedar schema syntax, with the rules of Rust's lexer (`cedar_schema/grammar.lalrpop`).

Longest match wins and a keyword beats an identifier of the same text.
Whitespace is Unicode White_Space (Rust's `\\s`; Python's `\\s` would also take
\\x1c-\\x1f), and a comment runs from `//` to the end of its line.
"""

from __future__ import annotations

import re

from ..errors import Loc, SchemaError, Source

KEYWORDS = {
    "namespace": "NAMESPACE", "entity": "ENTITY", "in": "IN", "type": "TYPE", "Set": "SET",
    "appliesTo": "APPLIESTO", "principal": "PRINCIPAL", "action": "ACTION", "resource": "RESOURCE",
    "context": "CONTEXT", "attributes": "ATTRIBUTES", "tags": "TAGS", "enum": "ENUM",
}

PUNCTUATION = {
    "@": "AT", "?": "QMARK", "{": "_LBRACE", "}": "_RBRACE", "[": "_LSQB", "]": "_RSQB", "(": "_LPAR",
    ")": "_RPAR", ",": "_COMMA", ";": "_SEMI", ":": "_COLON", "::": "_DCOLON", "=": "_EQ", "<": "_LT", ">": "_GT",
}

_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

_TOKEN_RE = re.compile(
    rf"""
     (?P<WS>[{_WS}]+)
    |(?P<COMMENT>//[^\n\r]*)
    |(?P<IDENT>[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<NUMBER>[0-9]+)
    |(?P<STR>"[^"\\]*(?:\\.[^"\\]*)*")
    |(?P<OP>::|[@?{{}}\[\](),;:=<>])
    """,
    re.VERBOSE,
)


class Token(str):
    """A token: its text, its terminal `type` and its `[start_pos, end_pos)` offsets (what lark's parser reads)."""

    __slots__ = ("type", "start_pos", "end_pos")
    line = column = end_line = end_column = None

    def __new__(cls, type: str, value: str, start: int, end: int) -> "Token":
        tok = str.__new__(cls, value)
        tok.type = type
        tok.start_pos = start
        tok.end_pos = end
        return tok

    @property
    def value(self) -> str:
        return str(self)


def tokenize(source: Source) -> list[Token]:
    """Every token of the schema text, or a `SchemaError` at the first character no token starts with."""
    text = source.text
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN_RE.match
    pos, n = 0, len(text)
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise SchemaError(f"invalid token `{text[pos]}`", Loc(source, pos, pos + 1))
        kind = m.lastgroup
        end = m.end()
        if kind == "IDENT":
            value = m.group()
            append(Token(KEYWORDS.get(value, "IDENT"), value, pos, end))
        elif kind == "OP":
            value = m.group()
            append(Token(PUNCTUATION[value], value, pos, end))
        elif kind == "STR" or kind == "NUMBER":
            append(Token(kind, m.group(), pos, end))
        pos = end
    return tokens
