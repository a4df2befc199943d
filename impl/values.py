"""Cedar runtime values.

Representation (chosen for speed on the request path):
- Bool -> `bool`, Long -> `int` (always within signed 64 bits), String -> `str`;
- entity reference -> `EntityUID`;
- the remaining kinds (Set, Record, extension values) are defined below by the
  evaluator's owner.

INVARIANT: Python's `True == 1` must never leak into Cedar equality: Cedar's
`1 == true` is false, `[1, true]` has two elements and `{a: 1} != {a: true}`.
"""

from __future__ import annotations

from operator import itemgetter


class EntityUID(tuple):
    """An entity reference `Type::"id"`; `type` is the fully qualified type name (`NS::User`).

    A tuple underneath so hashing and equality run at C speed on the request path.
    """

    __slots__ = ()

    def __new__(cls, type: str, id: str) -> "EntityUID":
        return tuple.__new__(cls, (type, id))

    type = property(itemgetter(0))
    id = property(itemgetter(1))

    def __getnewargs__(self) -> tuple[str, str]:
        return (self[0], self[1])

    def __repr__(self) -> str:
        return f"EntityUID({self[0]!r}, {self[1]!r})"

    def __str__(self) -> str:
        return f"{self[0]}::{quote_string(self[1])}"

    def to_json(self) -> dict[str, str]:
        return {"type": self[0], "id": self[1]}


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\\": "\\\\", '"': '\\"'}


def quote_string(s: str) -> str:
    """A Cedar string literal for `s` (the escapes Cedar's own printer uses)."""
    out = []
    for ch in s:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    return '"' + "".join(out) + '"'
