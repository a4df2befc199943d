"""Validating a policy set against a schema in strict mode (Rust: `Validator::validate`).

Each static policy and template gets the scope checks (`scope.py`) and is
typechecked in every request environment the schema allows (`typecheck.py`);
each template-linked policy gets its slot values and its linked scope checked.
A policy that is `false` in every environment draws an "impossible policy"
warning, which (as in Rust) does not make validation fail. Given a level, the
policies are also level-checked (`levels.py`, RFC 76).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from ..arguments import text_argument
from ..ast import Policy, ScopeConstraint, Slot
from ..errors import PolicySetError, SchemaError
from ..parser import MAX_DEPTH
from ..schema.model import Schema
from .result import ValidationError, ValidationResult, ValidationWarning, make_error, make_warning
from .scope import check_action_application, check_names, check_slot_values
from .levels import check_levels, member_chain_locs
from .typecheck import BOOL, FALSE, RecordingChecker, RequestEnv, SingleEnvChecker

_FRAMES_PER_LEVEL = 4  # the checker's Python frames per level of expression nesting
_MAX_LEVEL = 2**32 - 1


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """Room for the checker to recurse through the deepest expression the parser accepts."""
    needed = MAX_DEPTH * _FRAMES_PER_LEVEL + 1000
    old = sys.getrecursionlimit()
    if old < needed:
        sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        if old < needed:
            sys.setrecursionlimit(old)


def request_envs(schema: Schema) -> list[RequestEnv]:
    """Every (principal type, action, resource type) the schema allows, with the action's context."""
    return [
        RequestEnv(p, uid, r, a.context)
        for uid, a in schema.actions.items()
        for p in a.principal_types
        for r in a.resource_types
    ]


def _slot_types(c: ScopeConstraint, var_type: str, schema: Schema) -> list[str | None]:
    """The entity types a slot in scope `c` could be linked to, in an environment where the variable has `var_type`."""
    if not isinstance(c.entity, Slot):
        return [None]
    if c.op == "==":
        return [var_type]
    return [name for name, e in schema.entity_types.items() if var_type in e.descendants] + [var_type]


def linked_envs(env: RequestEnv, policy: Policy, schema: Schema) -> Iterator[RequestEnv]:
    for p_slot in _slot_types(policy.principal, env.principal, schema):
        for r_slot in _slot_types(policy.resource, env.resource, schema):
            yield RequestEnv(env.principal, env.action, env.resource, env.context, p_slot, r_slot)


def typecheck_policy(policy: Policy, schema: Schema, envs: list[RequestEnv] | None = None,
                     level: int | None = None) -> tuple[list[ValidationError], list[ValidationWarning]]:
    """Typecheck a static policy or template in every request environment.

    With a `level`, also check its entity dereferences against that level in each
    environment where it typechecks or is always `false` (Rust: `validate_policy_with_level`);
    those errors follow the type errors.
    """
    condition = policy.to_expr()
    errors: list[ValidationError] = []
    level_errors: list[ValidationError] = []
    chain_locs = member_chain_locs(condition) if level is not None else {}
    all_false = True
    for unlinked in envs if envs is not None else request_envs(schema):
        for env in linked_envs(unlinked, policy, schema):
            if level is None:
                checker = SingleEnvChecker(schema, policy.id, env, errors, policy.loc)
                ty, _, _ = checker.expect(condition, frozenset(), (BOOL,))
            else:
                checker = RecordingChecker(schema, policy.id, env, errors, policy.loc)
                ty, _, ok = checker.expect(condition, frozenset(), (BOOL,))
                if ok or ty == FALSE:
                    level_errors += check_levels(checker, condition, level, chain_locs)
            if ty != FALSE:
                all_false = False
    errors = _dedup(errors) + _dedup(level_errors)  # Rust keeps a policy's errors in sets: one per distinct error
    warnings = []
    if all_false:
        warnings.append(make_warning(
            policy.id, "impossible_policy",
            "policy is impossible: the policy expression evaluates to false for all valid requests", policy.loc,
        ))
    return errors, warnings


def _dedup(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def validate(policies: Any, schema: Any, *, level: int | None = None) -> ValidationResult:
    """Validate `policies` (a `PolicySet`, policy text, or Policies) against `schema` (a `Schema`, Cedar text or JSON).

    With `level`, also require every chain of entity dereferences to be at most
    `level` long (RFC 76; Rust: `Validator::validate_with_level`).
    """
    level = _as_level(level)
    schema = _as_schema(schema)
    static, links = _as_policies(policies)
    envs = request_envs(schema)
    errors: list[ValidationError] = []
    warnings: list[ValidationWarning] = []
    with _deep_recursion():
        for policy in static:
            errors += check_names(policy, schema)
            errors += check_action_application(policy, schema)
            try:
                type_errors, type_warnings = typecheck_policy(policy, schema, envs, level)
            except RecursionError:
                type_errors = [make_error(policy.id, "too_deep", "expression nested too deeply to validate", policy.loc)]
                type_warnings = []
            errors += type_errors
            warnings += type_warnings
        for policy_id, linked, values in links:
            errors += check_slot_values(policy_id, values, schema)
            errors += check_action_application(linked, schema, policy_id)
    return ValidationResult(errors, warnings)


def _as_level(level: Any) -> int | None:
    """A level is Rust's `u32`."""
    if level is None:
        return None
    if level.__class__ is not int or not 0 <= level <= _MAX_LEVEL:
        raise PolicySetError(f"expected the level as a whole number from 0 to {_MAX_LEVEL}, got {level!r}")
    return level


def _as_schema(schema: Any) -> Schema:
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, (bytes, bytearray, memoryview)):
        schema = text_argument(schema, "schema text", SchemaError)
    if isinstance(schema, str) and not schema.lstrip().startswith("{"):
        return Schema.from_str(schema)
    if not isinstance(schema, (str, dict)):
        raise SchemaError(f"expected a schema as a Schema, Cedar text or JSON, got {type(schema).__name__}")
    return Schema.from_json(schema)


def _as_policies(policies: Any) -> tuple[list[Policy], list[tuple[str, Policy, tuple]]]:
    """Static policies and templates (to typecheck), and template links (id, linked policy, slot values)."""
    if isinstance(policies, (str, bytes, bytearray, memoryview)):
        from ..policyset import PolicySet

        policies = PolicySet.from_str(policies)
    if isinstance(policies, Policy):
        return [policies], []
    if hasattr(policies, "policies") and hasattr(policies, "templates"):
        link_info = getattr(policies, "links", {}) or {}
        static: list[Policy] = list(policies.templates.values())
        links = []
        for pid, p in policies.policies.items():
            link = link_info.get(pid)
            if link is None:
                static.append(p)
            else:
                links.append((pid, p, tuple(link.values)))
        return static, links
    if isinstance(policies, dict):
        listed = list(policies.values())
    elif isinstance(policies, Iterable):
        listed = list(policies)
    else:
        raise PolicySetError(f"expected policies as a PolicySet, Cedar text or a list of policies, "
                             f"got {type(policies).__name__}")
    for p in listed:
        if not isinstance(p, Policy):
            raise PolicySetError(f"expected a Policy, got {type(p).__name__}")
    return listed, []
