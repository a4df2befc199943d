"""Cedar string literals: unescaping exactly as Rust's `unescape.rs` (Rust string-literal rules).

Accepted escapes: `\\n \\r \\t \\\\ \\0 \\' \\"`, `\\xHH` (at most 0x7F) and
`\\u{H...}` (1-6 hex digits, `_` allowed after the first, no surrogates, at most
0x10FFFF). A bare carriage return is an error. In a `like` pattern an unescaped
`*` (or `\\u{2a}`) is the wildcard and `\\*` is a literal star.

Errors are returned as `(start, end, message)` offsets into the raw text (the
part between the quotes), so the caller can point at the exact escape.
"""

from __future__ import annotations

from ..ast import WILDCARD, PatternElem

EscapeError = tuple[int, int, str]

_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}
_HEX = frozenset("0123456789abcdefABCDEF")


def unescape(raw: str) -> str | EscapeError:
    """The string a literal denotes, or the first escape error."""
    if "\\" not in raw and "\r" not in raw:
        return raw
    out = _scan(raw, pattern=False)
    if isinstance(out, tuple):
        return out
    return "".join(out)  # type: ignore[arg-type]


def unescape_pattern(raw: str) -> tuple[PatternElem, ...] | EscapeError:
    """The canonical `like` pattern a literal denotes (chunks merged), or the first escape error."""
    if "\\" not in raw and "\r" not in raw:
        parts = raw.split("*")
        elems: list[PatternElem] = []
        for i, part in enumerate(parts):
            if i:
                elems.append(WILDCARD)
            if part:
                elems.append(part)
        return tuple(elems)
    out = _scan(raw, pattern=True)
    if isinstance(out, tuple):
        return out
    return merge_pattern(out)


def merge_pattern(elems: list[str | object]) -> tuple[PatternElem, ...]:
    """Merge adjacent literal pieces into maximal chunks and drop empty ones."""
    result: list[PatternElem] = []
    buf: list[str] = []
    for e in elems:
        if e is WILDCARD:
            if buf:
                result.append("".join(buf))
                buf = []
            result.append(WILDCARD)
        elif e:
            buf.append(e)  # type: ignore[arg-type]
    if buf:
        result.append("".join(buf))
    return tuple(result)


def _scan(raw: str, pattern: bool) -> list[str | object] | EscapeError:
    """Characters (and, for patterns, WILDCARDs) of `raw`, or the first escape error."""
    out: list[str | object] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            start = i
            if i + 1 >= n:
                return (start, n, "a lone `\\` is not a valid escape")
            e = raw[i + 1]
            if e == "\n":  # line continuation: skip the newline and following whitespace
                i += 2
                while i < n and raw[i] in " \t\n\r":
                    i += 1
                continue
            simple = _SIMPLE.get(e)
            if simple is not None:
                out.append(simple)
                i += 2
                continue
            if e == "x":
                hexits = raw[i + 2 : i + 4]
                if len(hexits) < 2 or not all(h in _HEX for h in hexits):
                    return (start, min(n, i + 4), f"the input `{raw[start:i + 4]}` is not a valid escape")
                value = int(hexits, 16)
                if value > 0x7F:
                    return (start, i + 4, f"the input `{raw[start:i + 4]}` is not a valid escape (must be at most \\x7f)")
                out.append(chr(value))
                i += 4
                continue
            if e == "u":
                result = _scan_unicode(raw, i + 2)
                if isinstance(result, tuple) and len(result) == 3:
                    return result
                ch, i = result  # type: ignore[misc]
                if pattern and ch == "*":
                    out.append(WILDCARD)
                else:
                    out.append(ch)
                continue
            if pattern and e == "*":
                out.append("*")
                i += 2
                continue
            return (start, i + 2, f"the input `\\{e}` is not a valid escape")
        if c == "\r":
            return (i, i + 1, "a bare carriage return is not allowed in a string; write `\\r`")
        if pattern and c == "*":
            out.append(WILDCARD)
        else:
            out.append(c)
        i += 1
    return out


def _scan_unicode(raw: str, i: int) -> tuple[str, int] | EscapeError:
    """Parse `{H...}` at `raw[i:]` (after `\\u`): the character and the index after `}`."""
    start = i - 2
    n = len(raw)

    def err(msg: str, end: int) -> EscapeError:
        return (start, min(end, n), f"the input `{raw[start:min(end, n)]}` is not a valid escape: {msg}")

    if i >= n or raw[i] != "{":
        return err("expected `{` after `\\u`", i + 1)
    i += 1
    if i >= n:
        return err("unterminated unicode escape", i)
    first = raw[i]
    if first == "_":
        return err("a unicode escape cannot start with `_`", i + 1)
    if first == "}":
        return err("empty unicode escape", i + 1)
    if first not in _HEX:
        return err("invalid character in unicode escape", i + 1)
    value = int(first, 16)
    digits = 1
    i += 1
    while True:
        if i >= n:
            return err("unterminated unicode escape", i)
        c = raw[i]
        i += 1
        if c == "_":
            continue
        if c == "}":
            if digits > 6:
                return err("a unicode escape has at most 6 hex digits", i)
            if 0xD800 <= value <= 0xDFFF:
                return err("a unicode escape cannot be a surrogate", i)
            if value > 0x10FFFF:
                return err("a unicode escape must be at most 10FFFF", i)
            return (chr(value), i)
        if c not in _HEX:
            return err("invalid character in unicode escape", i)
        digits += 1
        if digits <= 6:
            value = value * 16 + int(c, 16)
