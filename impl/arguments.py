"""Checking what a public entry point is handed, before any Cedar reading starts.

Callers pass Python objects: text may arrive as bytes, JSON as dicts built by
hand, with integer keys or values JSON has no form for. Whatever an entry point
cannot read becomes that entry point's own `CedarError` here, with a message
saying what was expected, instead of a `TypeError` or `AttributeError` raised
somewhere deep inside the reader.
"""

from __future__ import annotations

from typing import Any

from .errors import CedarError, Loc, Source

MAX_JSON_DEPTH = 127
"""Deepest JSON nesting Rust's reader (serde_json) accepts; the 128th level is an error."""

_SCALARS = (int, float, bool)


def text_argument(value: Any, what: str, error: type[CedarError], name: str = "<input>") -> str:
    """`value` as text: a `str` without lone surrogates, or bytes holding UTF-8 (Rust's `&str`
    is always valid UTF-8, so it never sees the surrogates a Python `str` may hold)."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise error(f"{what} contains a lone surrogate, which is not valid Unicode text",
                            Loc(Source(value, name), e.start, e.start + 1)) from None
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as e:
            raise error(f"{what} is not valid UTF-8: invalid byte at offset {e.start}") from None
    raise error(f"expected {what} as text (a str, or UTF-8 bytes), got {_kind(value)}")


def json_argument(value: Any, what: str, error: type[CedarError], max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`value` itself, if it is JSON data nested at most `max_depth` levels: dicts with string
    keys, lists, strings (without lone surrogates, which UTF-8 cannot hold), numbers, booleans
    and None. A structure that contains itself is reported as nested too deeply."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        v, depth = pop()
        if isinstance(v, dict):
            if depth > max_depth:
                raise _too_deep(what, error, max_depth)
            for k, x in v.items():
                if not isinstance(k, str):
                    raise error(f"{what}: object key {k!r} is not a string")
                if not k.isascii():
                    _check_unicode(k, what, error)
                push((x, depth + 1))
        elif isinstance(v, (list, tuple)):
            if depth > max_depth:
                raise _too_deep(what, error, max_depth)
            for x in v:
                push((x, depth + 1))
        elif isinstance(v, str):
            if not v.isascii():
                _check_unicode(v, what, error)
        elif v is not None and not isinstance(v, _SCALARS):
            raise error(f"{what}: {_kind(v)} `{v!r}` is not a JSON value")
    return value


def _check_unicode(s: str, what: str, error: type[CedarError]) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what}: string {s!r} contains a lone surrogate") from None


def _too_deep(what: str, error: type[CedarError], max_depth: int) -> CedarError:
    return error(f"{what}: nested more than {max_depth} levels")


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__
