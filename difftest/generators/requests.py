"""Requests that respect each action's `appliesTo`, over existing and missing entities.

A few requests break the schema on purpose (an action that applies to nothing,
a principal of the wrong type, a context of the wrong shape), to check that
engines agree on rejecting them when a schema is given.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .entities import ENTITY_IDS, EntityStore, ValueGen, surely_different, value_to_json
from .schema import ActionSpec, SchemaSpec
from .values import EntityRef, Value


@dataclass(slots=True)
class RequestSpec:
    principal: EntityRef
    action: EntityRef
    resource: EntityRef
    context: dict[str, Value]
    conforms: bool = True  # False when built to violate the schema

    def to_json(self, schema: SchemaSpec | None = None, rng: random.Random | None = None) -> dict[str, Any]:
        """The request with an explicit context, or (schema and rng given) a partly implicit one."""
        shape = None
        if schema is not None:
            a = schema.action(self.action)
            shape = a.context_shape if a is not None and a.applies else None
        return {
            "principal": self.principal.to_json(),
            "action": self.action.to_json(),
            "resource": self.resource.to_json(),
            "context": value_to_json(self.context, shape, rng if shape is not None else None),
        }


def _member(rng: random.Random, gen: ValueGen, store: EntityStore, type_name: str) -> EntityRef:
    existing = store.by_type.get(type_name, [])
    if existing and rng.random() < 0.8:
        return rng.choice(existing)
    return gen.entity_ref(type_name)


def gen_request(rng: random.Random, schema: SchemaSpec, store: EntityStore, break_schema: float = 0.05) -> RequestSpec:
    gen = ValueGen(rng, schema, store.by_type)
    applicable = schema.applicable_actions()
    action = rng.choice(applicable)
    principal = _member(rng, gen, store, rng.choice(action.principals))
    resource = _member(rng, gen, store, rng.choice(action.resources))
    context = gen.record(action.context_shape)
    req = RequestSpec(principal, action.uid, resource, context)
    if rng.random() < break_schema:
        _break(rng, schema, req, gen)
    return req


def _break(rng: random.Random, schema: SchemaSpec, req: RequestSpec, gen: ValueGen) -> None:
    how = rng.choice(("action", "principal", "context_extra", "context_missing", "context_type", "enum_id",
                      "action_as_entity"))
    action = schema.action(req.action)
    assert action is not None
    if how == "enum_id":  # an id an enumerated principal or resource type does not list
        role = rng.choice(("principal", "resource"))
        uid = getattr(req, role)
        et = schema.entity_types.get(uid.type)
        outside = [i for i in ("not_a_member", "", uid.id + " ", uid.id.upper()) if et and et.enum and i not in et.enum]
        if outside:
            setattr(req, role, EntityRef(uid.type, rng.choice(outside)))
            req.conforms = False
    elif how == "action_as_entity":  # an action as the principal or resource (of this request, seen by later ones)
        setattr(req, rng.choice(("principal", "resource")), rng.choice(schema.actions).uid)
        req.conforms = False
    elif how == "action":
        others = [a for a in schema.actions if not a.applies]
        if others:
            req.action = rng.choice(others).uid
            req.conforms = False
        else:
            req.action = EntityRef(req.action.type, "no_such_action")
            req.conforms = False
    elif how == "principal":
        wrong = [t for t in schema.entity_types if t not in action.principals]
        if wrong:
            req.principal = EntityRef(rng.choice(wrong), rng.choice(ENTITY_IDS))
            req.conforms = False
    elif how == "context_extra":
        name = rng.choice(("zz_extra", "a", "name"))
        if action.context_shape.get(name) is None:
            req.context[name] = gen.any_value()
            req.conforms = False
    elif how == "context_missing":
        required = [k for k, a in action.context_shape.attrs if a.required and k in req.context]
        if required:
            del req.context[rng.choice(required)]
            req.conforms = False
    elif req.context:
        k = rng.choice(list(req.context))
        v = gen.any_value(0)
        if surely_different(v, req.context[k]):
            req.context[k] = v
            req.conforms = False


def aim_request(rng: random.Random, schema: SchemaSpec, store: EntityStore, req: RequestSpec,
                policy: dict[str, Any], links: list[dict[str, Any]]) -> None:
    """Make a conforming request fall inside `policy`'s scope where it can, so its conditions get evaluated.

    Without this most (policy, request) pairs miss on the scope and never reach the condition.
    """
    if not req.conforms:
        return
    actions = _actions_in_scope(schema, policy["action"])
    if not actions:
        return
    action = rng.choice(actions)
    gen = ValueGen(rng, schema, store.by_type)
    if action.uid != req.action:
        req.action = action.uid
        req.context = gen.record(action.context_shape)
    slot_values = {k: EntityRef(v["type"], v["id"]) for link in links for k, v in link["values"].items()}
    for role, types in (("principal", action.principals), ("resource", action.resources)):
        pick = _inside(rng, store, policy[role], types, slot_values)
        current = getattr(req, role)
        setattr(req, role, pick if pick is not None else current if current.type in types
                else _member(rng, gen, store, rng.choice(types)))


def _actions_in_scope(schema: SchemaSpec, scope: dict[str, Any]) -> list[ActionSpec]:
    applicable = schema.applicable_actions()
    if scope["op"] == "All":
        return applicable
    targets = {EntityRef(u["type"], u["id"]) for u in scope.get("entities", [scope.get("entity")]) if u}
    if scope["op"] == "==":
        return [a for a in applicable if a.uid in targets]
    return [a for a in applicable if _action_ancestors(schema, a.uid) & targets]


def _action_ancestors(schema: SchemaSpec, uid: EntityRef) -> set[EntityRef]:
    seen, todo = set(), [uid]
    while todo:
        u = todo.pop()
        if u not in seen:
            seen.add(u)
            a = schema.action(u)
            todo.extend(a.parents if a else ())
    return seen


def _inside(rng: random.Random, store: EntityStore, scope: dict[str, Any], types: tuple[str, ...],
            slot_values: dict[str, EntityRef]) -> EntityRef | None:
    """An entity of one of `types` that satisfies the scope constraint, if one is at hand."""
    def target(c: dict[str, Any]) -> EntityRef | None:
        if "slot" in c:
            return slot_values.get(c["slot"])
        e = c.get("entity")
        return EntityRef(e["type"], e["id"]) if e else None

    op = scope["op"]
    if op == "All":
        return None
    if op == "==":
        t = target(scope)
        return t if t is not None and t.type in types else None
    wanted_type = scope.get("entity_type")
    group = target(scope["in"]) if op == "is" and "in" in scope else (target(scope) if op == "in" else None)
    pool = [e.uid for e in store.entities if e.uid.type in types and (wanted_type is None or e.uid.type == wanted_type)]
    if group is not None:
        pool = [u for u in pool if u == group or group in store.ancestors(u)]
    return rng.choice(pool) if pool else None
