"""Canonical forms for comparing JSON policy forms produced by different parsers.

Two parsers may split a `like` pattern into literal chunks differently
(`"ab"` or `"a"`, `"b"`); that is the only freedom the JSON policy form leaves.
"""

from __future__ import annotations

import json
from typing import Any


def same(a: Any, b: Any) -> bool:
    """JSON equality that tells `true` from `1` (Python's `==` does not)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def pattern(elems: list[Any]) -> list[Any]:
    out: list[Any] = []
    for e in elems:
        if isinstance(e, dict) and "Literal" in e and out and isinstance(out[-1], dict):
            out[-1] = {"Literal": out[-1]["Literal"] + e["Literal"]}
        elif isinstance(e, dict) and "Literal" in e and e["Literal"] == "":
            continue
        else:
            out.append(dict(e) if isinstance(e, dict) else e)
    return out


def expr(e: Any) -> Any:
    if isinstance(e, dict):
        if set(e) == {"like"}:
            body = e["like"]
            return {"like": {"left": expr(body["left"]), "pattern": pattern(body["pattern"])}}
        return {k: expr(v) for k, v in e.items()}
    if isinstance(e, list):
        return [expr(x) for x in e]
    return e


def policy(p: dict[str, Any]) -> dict[str, Any]:
    out = expr(p)
    if not out.get("annotations"):
        out.pop("annotations", None)
    out.setdefault("conditions", [])
    return out


def policy_set(ps: dict[str, Any]) -> dict[str, Any]:
    """Static policies and templates by id, links sorted by new id."""
    return {
        "staticPolicies": {k: policy(v) for k, v in (ps.get("staticPolicies") or {}).items()},
        "templates": {k: policy(v) for k, v in (ps.get("templates") or {}).items()},
        "templateLinks": sorted(ps.get("templateLinks") or [], key=lambda link: link.get("newId", "")),
    }
