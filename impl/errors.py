"""One error family per pipeline stage, every error carrying where it happened.

All user-facing errors derive from `CedarError`, so a caller can catch one
class and never see a bare `KeyError` or `RecursionError`. Errors about text
carry a `Loc`, which renders as `line:column` plus the source line and a caret
under the span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff]")


def printable(text: str) -> str:
    """`text` safe to print or encode as UTF-8: control characters, the BOM and lone
    surrogates (which no encoder accepts) become `\\u{...}` escapes, as Cedar writes them."""
    if text.isascii() and text.isprintable():
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\u{{{ord(m.group()):x}}}", text)


_CONTEXT = 100
"""Characters of a long source line shown on each side of an error's span (and of a long span)."""


def _clipped(text: str, cut: bool, at_start: bool) -> str:
    """`text` printable, with `…` where a long line was cut."""
    text = printable(text)
    if not cut:
        return text
    return "…" + text if at_start else text + "…"


@dataclass(frozen=True, slots=True)
class Source:
    """A named piece of text that locations point into."""

    text: str
    name: str = "<input>"


class Loc(NamedTuple):
    """A half-open character span `[start, end)` of a `Source`.

    A (named) tuple: the parser makes one per AST node, and a tuple is the cheapest
    immutable object Python builds (`tuple.__new__(Loc, (source, start, end))`).
    """

    source: Source
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.text.count("\n", 0, self.start) + 1

    @property
    def column(self) -> int:
        return self.start - (self.source.text.rfind("\n", 0, self.start) + 1) + 1

    def snippet(self) -> str:
        """The source line holding the span, with carets under the span."""
        text = self.source.text
        line_start = text.rfind("\n", 0, self.start) + 1
        line_end = text.find("\n", self.start)
        if line_end == -1:
            line_end = len(text)
        span_end = max(self.start, min(self.end, line_end))
        before = _clipped(text[max(line_start, self.start - _CONTEXT):self.start], self.start - _CONTEXT > line_start, True)
        span = _clipped(text[self.start:min(span_end, self.start + _CONTEXT)], span_end > self.start + _CONTEXT, False)
        after = text[span_end:min(line_end, span_end + _CONTEXT)].removesuffix("\r")
        after = _clipped(after, span_end + _CONTEXT < line_end, False)
        caret = "".join("\t" if c == "\t" else " " for c in before) + "^" * max(1, len(span))
        return f"{before}{span}{after}\n{caret}"

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"


class CedarError(Exception):
    """Base of every error this library raises on bad input."""

    def __init__(self, message: str, loc: Loc | None = None, help: str | None = None) -> None:
        self.message = printable(message)
        self.loc = loc
        self.help = help if help is None else printable(help)
        super().__init__(self.render())

    def render(self) -> str:
        """`where: message`, then the caret snippet and help line when known."""
        parts = [f"{self.loc}: {self.message}" if self.loc else self.message]
        if self.loc is not None:
            parts.append(self.loc.snippet())
        if self.help:
            parts.append(f"help: {self.help}")
        return "\n".join(parts)

    @property
    def line(self) -> int | None:
        return self.loc.line if self.loc else None

    @property
    def column(self) -> int | None:
        return self.loc.column if self.loc else None


class ParseError(CedarError):
    """Policy text or the JSON policy form could not be read."""


class EntityError(CedarError):
    """Entities JSON (or a context record) is malformed or does not fit the schema."""


class SchemaError(CedarError):
    """A schema is malformed or not well-formed."""


class RequestError(CedarError):
    """A request does not fit the schema (unknown action, wrong types, bad context)."""


class LinkError(CedarError):
    """A template could not be linked (missing or extra slot values, unknown template, duplicate id)."""


class PolicySetError(CedarError):
    """A policy set is inconsistent (for example, two policies share an id)."""


class ErrorKind(Enum):
    """The six ways evaluating a policy can fail (Lean: `Cedar.Spec.Error`)."""

    ENTITY_DOES_NOT_EXIST = "entityDoesNotExist"
    ATTR_DOES_NOT_EXIST = "attrDoesNotExist"
    TAG_DOES_NOT_EXIST = "tagDoesNotExist"
    TYPE_ERROR = "typeError"
    ARITH_BOUNDS_ERROR = "arithBoundsError"
    EXTENSION_ERROR = "extensionError"


class EvaluationError(Exception):
    """Raised inside the evaluator; the authorizer turns it into an erroring policy.

    Not a `CedarError`: it is not bad input, it is a policy that errors on this request.
    """

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message
        super().__init__(message)
