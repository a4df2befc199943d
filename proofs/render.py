"""Counterexamples as Cedar: requests, policies and entities a reader can replay."""

from __future__ import annotations

import json
from typing import Any


def quote(s: str) -> str:
    """A Cedar string literal."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
    return '"' + "".join(escapes.get(c, c if c.isprintable() else f"\\u{{{ord(c):x}}}") for c in s) + '"'


def uid(ty: str, eid: str) -> str:
    return f"{ty}::{quote(eid)}"


def value(j: Any) -> str:
    """A Cedar JSON value (explicit `__entity` / `__extn` form) as a Cedar expression."""
    if isinstance(j, bool):
        return "true" if j else "false"
    if isinstance(j, int):
        return str(j)
    if isinstance(j, str):
        return quote(j)
    if isinstance(j, list):
        return "[" + ", ".join(value(x) for x in j) + "]"
    if isinstance(j, dict) and set(j) == {"__entity"}:
        return uid(j["__entity"]["type"], j["__entity"]["id"])
    if isinstance(j, dict) and set(j) == {"__extn"}:
        ext = j["__extn"]
        args = ext.get("args", [ext.get("arg")])
        if ext["fn"] in ("offset",):
            return f"{value(args[0])}.{ext['fn']}({', '.join(value(a) for a in args[1:])})"
        return f"{ext['fn']}({', '.join(value(a) for a in args)})"
    if isinstance(j, dict):
        return "{" + ", ".join(f"{quote(k)}: {value(v)}" for k, v in j.items()) + "}"
    return repr(j)


def request(principal: tuple[str, str], action: tuple[str, str], resource: tuple[str, str], context: Any) -> str:
    return (f"  principal: {uid(*principal)}\n  action:    {uid(*action)}\n  resource:  {uid(*resource)}\n"
            f"  context:   {value(context)}")


def request_json(req: dict[str, Any]) -> str:
    """`request` for the `{"principal": {"type", "id"}, ...}` form of `spec.symbolic.concretize`."""
    def pair(u: dict[str, str]) -> tuple[str, str]:
        return u["type"], u["id"]
    return request(pair(req["principal"]), pair(req["action"]), pair(req["resource"]), req.get("context", {}))


def entities(es: list[dict[str, Any]]) -> str:
    if not es:
        return "  (none)"
    return "\n".join(f"  {json.dumps(e, ensure_ascii=False)}" for e in es)


def indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line for line in text.splitlines())


def scenario(title: str, policies: list[str], req: str, ents: str, notes: list[str] = ()) -> str:  # type: ignore[assignment]
    """The whole counterexample, as printed under the table."""
    parts = [title, "policies:", *(indent(p) for p in policies), "request:", req, "entities:", ents]
    return "\n".join([*parts, *notes])
