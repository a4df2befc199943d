"""Which language constructs a case contains, counted from its JSON policy form."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .generators.est import op_of, walk


def _literal_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "Value:bool"
    if isinstance(v, int):
        return "Value:long"
    if isinstance(v, str):
        return "Value:string"
    return "Value:entity"


def _scope_form(var: str, c: dict[str, Any]) -> str:
    op = c["op"]
    if op == "is" and "in" in c:
        op = "is in"
    if "slot" in c or "slot" in c.get("in", {}):
        op += " ?slot"
    if op == "in" and "entities" in c:
        op = "in [...]"
    return f"scope:{var} {op}"


def policy_forms(policies: list[dict[str, Any]], links: list[dict[str, Any]] = ()) -> Counter:
    out: Counter = Counter()
    for p in policies:
        out[f"effect:{p['effect']}"] += 1
        for var in ("principal", "action", "resource"):
            out[_scope_form(var, p[var])] += 1
        if p.get("annotations"):
            out["annotation"] += 1
        for cond in p.get("conditions", []):
            out[f"condition:{cond['kind']}"] += 1
            for node in walk(cond["body"]):
                k = op_of(node)
                out[_literal_kind(node[k]) if k == "Value" else k] += 1
    if links:
        out["template link"] += len(links)
    return out
