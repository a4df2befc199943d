"""Cedar's tokens, with the rules of Rust's LALRPOP lexer (`grammar.lalrpop`, `match` block).

Longest match wins and keywords beat identifiers of the same length, so
`principal` is the keyword token and `principals` an identifier. Whitespace is
Unicode whitespace (Rust's `\\s`), comments run from `//` to the end of the line.
Comments are kept (with their offsets) so a formatter can put them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import Loc, ParseError, Source


class Token:
    """A token: its type (a terminal of `policy.lark`), text and `[start, end)` offsets.

    Lighter than lark's own `Token`; it has the attributes lark's LALR parser reads.
    """

    __slots__ = ("type", "value", "start", "end")
    line = column = end_line = end_column = None  # lark reads these; positions come from offsets

    def __init__(self, type: str, value: str, start: int, end: int) -> None:
        self.type = type
        self.value = value
        self.start = start
        self.end = end

    @property
    def start_pos(self) -> int:
        return self.start

    @property
    def end_pos(self) -> int:
        return self.end

    def __repr__(self) -> str:
        return f"Token({self.type}, {self.value!r})"


@dataclass(frozen=True, slots=True)
class Comment:
    """A `// ...` comment (without its line break) at `[start, end)` of the source."""

    text: str
    start: int
    end: int


KEYWORDS = {
    "true": "TRUE", "false": "FALSE", "if": "IF",
    "permit": "PERMIT", "forbid": "FORBID", "when": "WHEN", "unless": "UNLESS",
    "in": "IN", "has": "HAS", "like": "LIKE", "is": "IS", "then": "THEN", "else": "ELSE",
    "principal": "PRINCIPAL", "action": "ACTION", "resource": "RESOURCE", "context": "CONTEXT",
}

PUNCTUATION = {
    "@": "AT", ".": "DOT", ",": "_COMMA", ";": "SEMI", ":": "COLON", "::": "_DCOLON",
    "(": "LPAR", ")": "RPAR", "{": "LBRACE", "}": "RBRACE", "[": "LSQB", "]": "RSQB",
    "==": "EQEQ", "!=": "NE", "<": "LT", "<=": "LE", ">=": "GE", ">": "GT",
    "||": "_OR", "&&": "_AND", "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH",
    "%": "PERCENT", "!": "BANG", "=": "EQ",
}

# How each terminal reads in an error message.
DESCRIPTIONS = {**{v: f"`{k}`" for k, v in KEYWORDS.items()}, **{v: f"`{k}`" for k, v in PUNCTUATION.items()},
                "IDENT": "identifier", "NUMBER": "number", "STR": "string literal",
                "PRINCIPAL_SLOT": "`?principal`", "RESOURCE_SLOT": "`?resource`", "OTHER_SLOT": "template slot",
                "$END": "end of input"}

# Rust's `\s`: the Unicode White_Space property (Python's `\s` also matches \x1c-\x1f).
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

_TOKEN_RE = re.compile(
    rf"""
     (?P<WS>[{_WS}]+)
    |(?P<COMMENT>//[^\n\r]*)
    |(?P<IDENT>[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<NUMBER>[0-9]+)
    |(?P<STR>"(?:\\.|[^"\\])*")
    |(?P<SLOT>\?[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<OP>::|==|!=|<=|>=|\|\||&&|[@.,;:(){{}}\[\]<>+\-*/%!=])
    """,
    re.VERBOSE,
)

_SLOTS = {"?principal": "PRINCIPAL_SLOT", "?resource": "RESOURCE_SLOT"}


def tokenize(text: str, name: str = "<input>") -> tuple[list[Token], list[Comment]]:
    """All tokens of `text` and its comments, or a `ParseError` at the first character no token starts with."""
    tokens: list[Token] = []
    comments: list[Comment] = []
    append = tokens.append
    match = _TOKEN_RE.match
    keywords = KEYWORDS
    pos, n = 0, len(text)
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise _bad_character(text, name, pos)
        kind = m.lastgroup
        end = m.end()
        value = m.group()
        if kind == "IDENT":
            append(Token(keywords.get(value, "IDENT"), value, pos, end))
        elif kind == "OP":
            append(Token(PUNCTUATION[value], value, pos, end))
        elif kind == "STR" or kind == "NUMBER":
            append(Token(kind, value, pos, end))
        elif kind == "SLOT":
            append(Token(_SLOTS.get(value, "OTHER_SLOT"), value, pos, end))
        elif kind == "COMMENT":
            comments.append(Comment(value, pos, end))
        pos = end
    return tokens, comments


def _bad_character(text: str, name: str, pos: int) -> ParseError:
    source = Source(text, name)
    ch = text[pos]
    if ch == '"':
        # The string regex failed: the literal runs into a line break or the end of the input.
        line_end = text.find("\n", pos)
        end = len(text) if line_end == -1 else line_end
        closing = text.find('"', pos + 1)
        if closing != -1 and "\\\n" in text[pos:closing + 1]:
            return ParseError("invalid string literal: a `\\` cannot be followed by a line break",
                              Loc(source, pos, end))
        return ParseError("unterminated string literal", Loc(source, pos, end),
                          help='close the string with `"`')
    if ch in "&|":
        return ParseError(f"invalid token `{ch}`", Loc(source, pos, pos + 1), help=f"did you mean `{ch * 2}`?")
    return ParseError(f"invalid token `{ch}`", Loc(source, pos, pos + 1))
