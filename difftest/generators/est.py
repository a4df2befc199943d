"""Builders for Cedar's JSON policy form (the EST), the neutral form every generator emits.

Expressions are plain JSON-able dicts exactly as `cedarpy.policies_to_json_str`
writes them, so a generated policy can go to any engine, be printed as text,
or be compared with what a parser produced.
"""

from __future__ import annotations

from typing import Any

from .values import EntityRef, ExtValue, Value

Est = dict[str, Any]

EXT_FUNCTIONS = ("decimal", "ip", "datetime", "duration")
EXT_METHODS = (
    "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
    "isIpv4", "isIpv6", "isLoopback", "isMulticast", "isInRange",
    "offset", "durationSince", "toDate", "toTime",
    "toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays",
)
BINARY_OPS = (
    "==", "!=", "<", "<=", ">", ">=", "&&", "||", "+", "-", "*", "in",
    "contains", "containsAll", "containsAny", "getTag", "hasTag",
)
UNARY_OPS = ("!", "neg", "isEmpty")


def value(v: Value) -> Est:
    """A literal; sets, records and extension values become the expressions that build them."""
    if isinstance(v, (bool, int, str)):
        return {"Value": v}
    if isinstance(v, EntityRef):
        return {"Value": {"__entity": v.to_json()}}
    if isinstance(v, ExtValue):
        return call(v.fn, [{"Value": v.arg}])
    if isinstance(v, list):
        return {"Set": [value(x) for x in v]}
    assert isinstance(v, dict)
    return {"Record": {k: value(x) for k, x in v.items()}}


def var(name: str) -> Est:
    return {"Var": name}


def slot(name: str) -> Est:
    return {"Slot": name}


def unary(op: str, arg: Est) -> Est:
    return {op: {"arg": arg}}


def binary(op: str, left: Est, right: Est) -> Est:
    return {op: {"left": left, "right": right}}


def and_(*parts: Est) -> Est:
    out = parts[0]
    for p in parts[1:]:
        out = binary("&&", out, p)
    return out


def get_attr(e: Est, attr: str) -> Est:
    return {".": {"left": e, "attr": attr}}


def has_attr(e: Est, attr: str) -> Est:
    return {"has": {"left": e, "attr": attr}}


def like(e: Est, pattern: list[Any]) -> Est:
    return {"like": {"left": e, "pattern": pattern}}


def is_(e: Est, entity_type: str, in_: Est | None = None) -> Est:
    body: dict[str, Any] = {"left": e, "entity_type": entity_type}
    if in_ is not None:
        body["in"] = in_
    return {"is": body}


def ite(c: Est, t: Est, e: Est) -> Est:
    return {"if-then-else": {"if": c, "then": t, "else": e}}


def set_(elems: list[Est]) -> Est:
    return {"Set": elems}


def record(fields: dict[str, Est]) -> Est:
    return {"Record": fields}


def call(fn: str, args: list[Est]) -> Est:
    return {fn: args}


def op_of(e: Est) -> str:
    """The node kind: the single key of the EST object."""
    (k,) = e.keys()
    return k


def children(e: Est) -> list[Est]:
    """Immediate subexpressions, in source order."""
    k = op_of(e)
    body = e[k]
    if k in ("Value", "Var", "Slot", "Unknown"):
        return []
    if k in UNARY_OPS:
        return [body["arg"]]
    if k in BINARY_OPS:
        return [body["left"], body["right"]]
    if k in (".", "has", "like"):
        return [body["left"]]
    if k == "is":
        return [body["left"]] + ([body["in"]] if "in" in body else [])
    if k == "if-then-else":
        return [body["if"], body["then"], body["else"]]
    if k == "Set":
        return list(body)
    if k == "Record":
        return list(body.values())
    return list(body)  # extension call


def walk(e: Est):
    """Every node of `e`, pre-order."""
    yield e
    for c in children(e):
        yield from walk(c)
