"""One error family per pipeline stage, every error carrying where it happened.

All user-facing errors derive from `CedarError`, so a caller can catch one
class and never see a bare `KeyError` or `RecursionError`. Errors about text
carry a `Loc`, which renders as `line:column` plus the source line and a caret
under the span.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple


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
        line = text[line_start:line_end]
        width = max(1, min(self.end, line_end) - self.start)
        caret = " " * (self.start - line_start) + "^" * width
        return f"{line}\n{caret}"

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"


class CedarError(Exception):
    """Base of every error this library raises on bad input."""

    def __init__(self, message: str, loc: Loc | None = None, help: str | None = None) -> None:
        self.message = message
        self.loc = loc
        self.help = help
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
