"""The checks that need no typing (Rust: `rbac.rs`): names the schema does not know, and scopes no action fits.

- every entity type named in the policy (scope, entity literals, `is`) is declared
  (or is an action entity type: `Action`, `NS::Action`);
- every action literal is a declared action;
- every literal of an enumerated entity type uses one of its declared ids;
- some action the scope admits applies to some principal type and some resource
  type the scope admits ("unable to find an applicable action").
"""

from __future__ import annotations

import difflib
from typing import Iterator

from ..ast import Expr, Is, Lit, Policy, ScopeConstraint, Slot
from ..conformance import is_action_type
from ..errors import Loc
from ..parser.policy import children
from ..schema.model import Schema
from ..values import EntityUID, quote_string
from .result import ValidationError, make_error


def _subexpressions(expr: Expr) -> Iterator[Expr]:
    """Every subexpression, as Rust's AST has them: `e is T in E` is `e is T && e in E`, so `e` counts twice."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        if e.__class__ is Is and e.in_expr is not None:  # type: ignore[union-attr]
            stack.extend((e.in_expr, e.expr, e.expr))  # type: ignore[union-attr]
        else:
            stack.extend(reversed(children(e)))


def _condition_exprs(policy: Policy) -> Iterator[Expr]:
    for cond in policy.conditions:
        yield from _subexpressions(cond.body)


def entity_uids(policy: Policy) -> Iterator[tuple[EntityUID, Loc | None]]:
    """Every entity literal in the policy, scope first, with where it is written."""
    if isinstance(policy.principal.entity, EntityUID):
        yield policy.principal.entity, policy.principal.loc
    for uid in policy.action.entities:
        yield uid, policy.action.loc
    if isinstance(policy.resource.entity, EntityUID):
        yield policy.resource.entity, policy.resource.loc
    for e in _condition_exprs(policy):
        if e.__class__ is Lit and isinstance(e.value, EntityUID):
            yield e.value, e.loc


def entity_type_names(policy: Policy) -> Iterator[tuple[str, Loc | None]]:
    """Every entity type named in the policy: of its literals and of its `is` tests."""
    for c in (policy.principal, policy.resource):
        if c.entity_type is not None:
            yield c.entity_type, c.loc
        if isinstance(c.entity, EntityUID):
            yield c.entity.type, c.loc
    for uid in policy.action.entities:
        yield uid.type, policy.action.loc
    for e in _condition_exprs(policy):
        if e.__class__ is Lit and isinstance(e.value, EntityUID):
            yield e.value.type, e.loc
        elif e.__class__ is Is:
            yield e.entity_type, e.loc


def _suggest(word: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f"did you mean `{close[0]}`?" if close else None


def check_names(policy: Policy, schema: Schema) -> list[ValidationError]:
    """Unknown entity types, unknown actions and invalid enumerated ids."""
    errors: list[ValidationError] = []
    for name, loc in entity_type_names(policy):
        if not schema.is_known_entity_type(name):
            errors.append(make_error(
                policy.id, "unrecognized_entity_type", f"unrecognized entity type `{name}`", loc,
                _suggest(name, sorted(schema.entity_types)),
            ))
    for uid, loc in entity_uids(policy):
        if is_action_type(uid.type):
            if uid not in schema.actions:
                errors.append(make_error(
                    policy.id, "unrecognized_action", f"unrecognized action `{uid}`", loc,
                    _suggest(str(uid), sorted(str(a) for a in schema.actions)),
                ))
            continue
        etype = schema.entity_types.get(uid.type)
        if etype is not None and etype.enum_ids is not None and uid.id not in etype.enum_ids:
            errors.append(make_error(
                policy.id, "invalid_enum_entity",
                f"entity `{uid}` is of an enumerated entity type, but {quote_string(uid.id)} is not declared as a valid eid",
                loc, "valid entity eids: " + ", ".join(quote_string(i) for i in etype.enum_ids),
            ))
    return errors


def check_slot_values(policy_id: str, values: tuple[tuple[str, EntityUID], ...], schema: Schema) -> list[ValidationError]:
    """A linked policy's slot values must be of known entity types."""
    return [
        make_error(policy_id, "unrecognized_entity_type", f"unrecognized entity type `{uid.type}` (linked for `{slot}`)", None,
                   _suggest(uid.type, sorted(schema.entity_types)))
        for slot, uid in values
        if not schema.is_known_entity_type(uid.type)
    ]


# ---------------------------------------------------------------- action application


def actions_admitted(policy: Policy, schema: Schema) -> list[EntityUID]:
    """The declared actions the action scope admits (none if it names an undeclared action)."""
    c = policy.action
    if c.op == "all":
        return list(schema.actions)
    if c.op == "==":
        return [c.entities[0]] if c.entities[0] in schema.actions else []
    admitted: list[EntityUID] = []
    for uid in c.entities:
        a = schema.actions.get(uid)
        if a is None:
            return []
        admitted.append(uid)
        admitted.extend(a.descendants)
    return admitted


def types_admitted(c: ScopeConstraint, schema: Schema) -> set[str]:
    """The entity types a principal or resource scope admits (Rust: `get_entity_types_satisfying_constraint`)."""
    entity = c.entity
    if c.op == "all" or isinstance(entity, Slot) and c.op in ("==", "in"):
        return set(schema.entity_types)
    if c.op == "==":
        return {entity.type}  # type: ignore[union-attr]
    if c.op == "in":
        return set(schema.entity_types_in(entity.type))  # type: ignore[union-attr]
    assert c.entity_type is not None
    if c.op == "is" or isinstance(entity, Slot):
        return {c.entity_type} if schema.is_known_entity_type(c.entity_type) else set()
    return {c.entity_type} & schema.entity_types_in(entity.type)  # type: ignore[union-attr]


def check_action_application(policy: Policy, schema: Schema, policy_id: str | None = None) -> list[ValidationError]:
    """Error unless some admitted action applies to an admitted principal type and resource type."""
    principals = types_admitted(policy.principal, schema)
    resources = types_admitted(policy.resource, schema)
    actions = [schema.actions[a] for a in actions_admitted(policy, schema)]
    for a in actions:
        if principals.intersection(a.principal_types) and resources.intersection(a.resource_types):
            return []
    hints = []
    for role, c, pick in (("principal", policy.principal, "principal_types"), ("resource", policy.resource, "resource_types")):
        if c.op == "==" and isinstance(c.entity, EntityUID):
            etype = schema.entity_types.get(c.entity.type)
            if etype is not None and any(
                t in etype.descendants and t != c.entity.type for a in actions for t in getattr(a, pick)
            ) and not any(c.entity.type in getattr(a, pick) for a in actions):
                hints.append(f"try replacing `==` with `in` in the {role} clause")
    return [make_error(
        policy_id or policy.id, "invalid_action_application",
        "unable to find an applicable action given the policy scope constraints", policy.loc,
        "; ".join(hints) if hints else "no action the scope admits applies to a principal type and a resource type the scope admits",
    )]
