"""Cedar's tokens, with the rules of Rust's LALRPOP lexer (`grammar.lalrpop`, `match` block).

Longest match wins and keywords beat identifiers of the same length, so
`principal` is the keyword token and `principals` an identifier. Whitespace is
Unicode whitespace (Rust's `\\s`), comments run from `//` to the end of the line.
Comments are kept (with their offsets) so a formatter can put them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import Loc, ParseError, Source


class Token(NamedTuple):
    """A token: its type (a terminal of `policy.lark`), text and `[start, end)` offsets.

    A tuple, because a policy set has tens of thousands of them and a tuple is the
    cheapest object Python builds.
    """

    type: str
    value: str
    start: int
    end: int


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

# One match per token: (its leading whitespace, the token, a character no token starts with).
# Matches are contiguous up to trailing whitespace, so offsets follow from the lengths.
_TOKEN_RE = re.compile(
    rf"""([{_WS}]*)(?:(
     [_a-zA-Z][_a-zA-Z0-9]*
    |//[^\n\r]*
    |::|==|!=|<=|>=|\|\||&&|[@.,;:(){{}}\[\]<>+\-*/%!=]
    |"[^"\\]*(?:\\.[^"\\]*)*"
    |[0-9]+
    |\?[_a-zA-Z][_a-zA-Z0-9]*
    )|([^{_WS}]))""",
    re.VERBOSE,
)

_SLOTS = {"?principal": "PRINCIPAL_SLOT", "?resource": "RESOURCE_SLOT"}
_TYPES = {**KEYWORDS, **PUNCTUATION, **_SLOTS}  # token text -> type, where the text decides it
# Otherwise the first character decides (`/` alone is in `_TYPES`, `//...` is a comment).
_TYPE_BY_FIRST = {**{c: "IDENT" for c in "_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                  **{c: "NUMBER" for c in "0123456789"}, '"': "STR", "?": "OTHER_SLOT", "/": "COMMENT"}


def tokenize(text: str, name: str = "<input>") -> tuple[list[Token], list[Comment]]:
    """All tokens of `text` and its comments, or a `ParseError` at the first character no token starts with."""
    tokens: list[Token] = []
    comments: list[Comment] = []
    append = tokens.append
    new = tuple.__new__
    type_of = _TYPES.get
    by_first = _TYPE_BY_FIRST
    pos = 0
    for space, value, bad in _TOKEN_RE.findall(text):
        start = pos + len(space)
        pos = start + len(value)
        kind = type_of(value)
        if kind is None:
            if bad:
                raise _bad_character(text, name, start)
            kind = by_first[value[0]]
            if kind == "COMMENT":
                comments.append(Comment(value, start, pos))
                continue
        append(new(Token, (kind, value, start, pos)))
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
