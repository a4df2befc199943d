"""Inputs for the model's tests: Cedar text parsed by Cedar itself, and the corpus in neutral (explicit) form."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import cedarpy

from spec.concrete import evaluate_json
from spec.schema import Schema, schema_of_json
from spec.types import CedarType, EntityType, ExtType, RecordType, SetType

REQUEST = {"principal": {"type": "User", "id": "alice"}, "action": {"type": "Action", "id": "view"},
           "resource": {"type": "Photo", "id": "p"}, "context": {}}


def policy_json(text: str) -> dict[str, Any]:
    return json.loads(cedarpy.policies_to_json_str(text))


def expr_json(src: str) -> Any:
    """The JSON form of a Cedar expression (the condition of a one-policy set)."""
    return policy_json(f"permit(principal, action, resource) when {{ {src} }};")["staticPolicies"]["policy0"]["conditions"][0]["body"]


def run(src: str, context: dict | None = None, entities: list | None = None) -> tuple[str, Any]:
    """The model's result for expression `src`: ("ok", explicit JSON value) or ("error", kind)."""
    return evaluate_json(expr_json(src), {**REQUEST, "context": context or {}}, entities or [])


def ok(src: str, **kw: Any) -> Any:
    kind, value = run(src, **kw)
    assert kind == "ok", f"{src}: {value}"
    return value


def error(src: str, **kw: Any) -> str:
    kind, value = run(src, **kw)
    assert kind == "error", f"{src} evaluated to {value!r}"
    return value


# ----- the conformance corpus in neutral form -----

@lru_cache(maxsize=64)
def _schema(text: str) -> tuple[Any, Schema]:
    import impl
    schema = impl.Schema.from_str(text)
    return schema, schema_of_json(schema.to_json())


def explicit(value: Any, ty: CedarType) -> Any:
    """A Cedar JSON value with its entity references and extension values spelled out, read by its type."""
    if isinstance(ty, EntityType) and isinstance(value, dict) and "__entity" not in value:
        return {"__entity": value}
    if isinstance(ty, ExtType) and isinstance(value, str):
        return {"__extn": {"fn": "ip" if ty.name == "ipaddr" else ty.name, "arg": value}}
    if isinstance(ty, SetType) and isinstance(value, list):
        return [explicit(v, ty.elem) for v in value]
    if isinstance(ty, RecordType) and isinstance(value, dict):
        attrs = dict(ty.attrs)
        return {k: explicit(v, attrs[k].ty) if k in attrs else v for k, v in value.items()}
    return value


def neutral_inputs(test: Any) -> tuple[Any, Any, Schema]:
    """A corpus test's policies (JSON form) and entities (explicit, with the schema's actions), from the engine."""
    import impl
    engine_schema, schema = _schema(test.schema)
    policies = impl.PolicySet.from_str(test.policies).to_json()
    entities = impl.Entities.from_json(test.entities, engine_schema).to_json()
    return policies, entities, schema


def neutral_request(request: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """A corpus request with an explicit context (typed by the action's context in the schema)."""
    action = next((e for a, e in schema.actions.items() if a.ty == request["action"]["type"] and a.eid == request["action"]["id"]), None)
    context = request.get("context", {})
    return {**{k: request[k] for k in ("principal", "action", "resource")},
            "context": explicit(context, action.context) if action else context}
