"""Policies, templates and linking (Lean `Spec/Policy.lean`, `Spec/Template.lean`).

A policy is its effect, three scope constraints and its conditions; its meaning
is one expression (`Policy.to_expr`). A template is a policy whose principal or
resource scope may name a slot; linking fills the slots. The reader takes
Cedar's JSON policy-set form: `{"staticPolicies", "templates", "templateLinks"}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from spec.errors import InputError
from spec.expr import And, BinaryApp, Expr, Is, Lit, SetExpr, Uid, UnaryApp, Var, expr_of_json, uid_of_json


@dataclass(frozen=True)
class Scope:
    """`any`, `== uid`, `in uid`, `is T`, or `is T in uid` (kind: "any", "eq", "mem", "is", "isMem")."""
    kind: str
    entity: Uid | str | None = None  # a uid, or a slot name such as "?principal" in a template
    ety: str | None = None


@dataclass(frozen=True)
class ActionInAny:
    """`action in [uid, ...]`."""
    entities: tuple[Uid, ...]


@dataclass(frozen=True)
class Condition:
    kind: str  # "when" | "unless"
    body: Expr


@dataclass(frozen=True)
class Policy:
    id: str
    effect: str  # "permit" | "forbid"
    principal_scope: Scope
    action_scope: Scope | ActionInAny
    resource_scope: Scope
    conditions: tuple[Condition, ...]

    def to_expr(self) -> Expr:
        """Lean `Policy.toExpr`: principal && (action && (resource && conditions))."""
        return And(_scope_expr(self.principal_scope, "principal"),
                   And(_action_expr(self.action_scope),
                       And(_scope_expr(self.resource_scope, "resource"), _conditions_expr(self.conditions))))


def _scope_expr(scope: Scope, var: str) -> Expr:
    v = Var(var)
    is_type = UnaryApp(Is(scope.ety or ""), v)
    mem = BinaryApp("mem", v, Lit(scope.entity)) if isinstance(scope.entity, Uid) else None
    return {
        "any": lambda: Lit(True),
        "eq": lambda: BinaryApp("eq", v, Lit(scope.entity)),
        "mem": lambda: mem,
        "is": lambda: is_type,
        "isMem": lambda: And(is_type, mem),
    }[scope.kind]()


def _action_expr(scope: Scope | ActionInAny) -> Expr:
    if isinstance(scope, ActionInAny):
        return BinaryApp("mem", Var("action"), SetExpr(tuple(Lit(uid) for uid in scope.entities)))
    return _scope_expr(scope, "action")


def _conditions_expr(conditions: tuple[Condition, ...]) -> Expr:
    """Conditions in order, short-circuiting: c1 && (c2 && ...), `unless c` being `!c`."""
    exprs = [c.body if c.kind == "when" else UnaryApp("not", c.body) for c in conditions]
    if not exprs:
        return Lit(True)
    result = exprs[-1]
    for e in reversed(exprs[:-1]):
        result = And(e, result)
    return result


# ----- templates and linking -----

def link(template: Policy, id: str, slots: Mapping[str, Uid]) -> Policy:
    """Lean `Template.link?`: fill the template's slots (every slot must be bound)."""
    def fill(scope: Scope) -> Scope:
        if isinstance(scope.entity, str):
            if scope.entity not in slots:
                raise InputError(f"missing binding for slot {scope.entity} in link {id}")
            return Scope(scope.kind, slots[scope.entity], scope.ety)
        return scope
    return Policy(id, template.effect, fill(template.principal_scope), template.action_scope,
                  fill(template.resource_scope), template.conditions)


# ----- reading the JSON form -----

def _scope_of_json(j: Any, slot: str) -> Scope:
    op = j.get("op") if isinstance(j, dict) else None
    target = j.get("in", j) if op == "is" else j
    entity = None
    if op in ("==", "in") or (op == "is" and "in" in j):
        entity = slot if isinstance(target, dict) and target.get("slot") == slot else uid_of_json(target.get("entity"))
    kinds = {"All": "any", "==": "eq", "in": "mem", "is": "isMem" if entity is not None else "is"}
    if op not in kinds:
        raise InputError(f"malformed scope {j!r}")
    ety = j.get("entity_type") if op == "is" else None
    if op == "is" and not isinstance(ety, str):
        raise InputError(f"malformed `is` scope {j!r}")
    return Scope(kinds[op], entity, ety)


def _action_scope_of_json(j: Any) -> Scope | ActionInAny:
    if isinstance(j, dict) and j.get("op") == "in" and "entities" in j:
        if not isinstance(j["entities"], list):
            raise InputError(f"malformed action scope {j!r}")
        return ActionInAny(tuple(uid_of_json(e) for e in j["entities"]))
    if isinstance(j, dict) and j.get("op") in ("All", "==", "in"):
        return _scope_of_json(j, "")
    raise InputError(f"malformed action scope {j!r}")


def policy_of_json(id: str, j: Any) -> Policy:
    """One policy or template in the JSON policy format."""
    if not (isinstance(j, dict) and j.get("effect") in ("permit", "forbid")):
        raise InputError(f"policy {id}: expected an object with an effect")
    conditions = j.get("conditions", [])
    if not isinstance(conditions, list) or any(not isinstance(c, dict) or c.get("kind") not in ("when", "unless")
                                               for c in conditions):
        raise InputError(f"policy {id}: malformed conditions")
    return Policy(id, j["effect"], _scope_of_json(j.get("principal"), "?principal"),
                  _action_scope_of_json(j.get("action")), _scope_of_json(j.get("resource"), "?resource"),
                  tuple(Condition(c["kind"], expr_of_json(c.get("body"))) for c in conditions))


def policies_of_json(j: Any) -> list[Policy]:
    """The policies of a JSON policy set: its static policies and its template links, in that order."""
    if not isinstance(j, dict):
        raise InputError("a policy set must be a JSON object")
    static = j.get("staticPolicies", {}) or {}
    templates = {tid: policy_of_json(tid, t) for tid, t in (j.get("templates", {}) or {}).items()}
    policies = [policy_of_json(pid, p) for pid, p in static.items()]
    for link_json in j.get("templateLinks", []) or []:
        template = templates.get(link_json.get("templateId")) if isinstance(link_json, dict) else None
        if template is None:
            raise InputError(f"template link {link_json!r} names no template")
        slots = {slot: uid_of_json(uid) for slot, uid in (link_json.get("values") or {}).items()}
        policies.append(link(template, str(link_json.get("newId")), slots))
    ids = [p.id for p in policies]
    if len(set(ids) | set(templates)) != len(ids) + len(templates):
        raise InputError("policy ids must be unique across static policies, templates and links")
    if any(isinstance(s.entity, str) for p in policies for s in (p.principal_scope, p.resource_scope)):
        raise InputError("a static policy names a slot")
    return policies
