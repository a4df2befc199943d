"""Which names Cedar's syntax accepts as calls, and in which call style.

Shared by the parser (unknown names are parse errors, as in Rust), the JSON
policy form (a key that names an extension function is a call) and the
formatter (a method prints as `receiver.name(args)`). The semantics live in
`impl/extensions/`; this table only fixes the surface syntax.

Arity counts the receiver of a method. The parser checks arity only for the
built-in methods (`contains`, ...), as Rust does; an extension call with the
wrong number of arguments parses and fails when evaluated.
"""

from __future__ import annotations

from typing import Literal

CallStyle = Literal["function", "method"]

# name -> (call style, arity including the receiver); Rust `cedar-policy-core/src/extensions/`.
EXTENSION_FUNCTIONS: dict[str, tuple[CallStyle, int]] = {
    # ipaddr
    "ip": ("function", 1),
    "isIpv4": ("method", 1),
    "isIpv6": ("method", 1),
    "isLoopback": ("method", 1),
    "isMulticast": ("method", 1),
    "isInRange": ("method", 2),
    # decimal
    "decimal": ("function", 1),
    "lessThan": ("method", 2),
    "lessThanOrEqual": ("method", 2),
    "greaterThan": ("method", 2),
    "greaterThanOrEqual": ("method", 2),
    # datetime
    "datetime": ("function", 1),
    "duration": ("function", 1),
    "offset": ("method", 2),
    "durationSince": ("method", 2),
    "toDate": ("method", 1),
    "toTime": ("method", 1),
    "toMilliseconds": ("method", 1),
    "toSeconds": ("method", 1),
    "toMinutes": ("method", 1),
    "toHours": ("method", 1),
    "toDays": ("method", 1),
}

# The built-in methods, which are operators of the core language, not extension calls:
# name -> (AST operator, number of arguments besides the receiver).
BUILTIN_METHODS: dict[str, tuple[str, int]] = {
    "contains": ("contains", 1),
    "containsAll": ("containsAll", 1),
    "containsAny": ("containsAny", 1),
    "isEmpty": ("isEmpty", 0),
    "getTag": ("getTag", 1),
    "hasTag": ("hasTag", 1),
}


def is_function(name: str) -> bool:
    entry = EXTENSION_FUNCTIONS.get(name)
    return entry is not None and entry[0] == "function"


def is_method(name: str) -> bool:
    entry = EXTENSION_FUNCTIONS.get(name)
    return entry is not None and entry[0] == "method"


def call_style(name: str) -> CallStyle:
    """How `name` is written; unknown names print as functions (Rust's fallback)."""
    entry = EXTENSION_FUNCTIONS.get(name)
    return entry[0] if entry is not None else "function"
