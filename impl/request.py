"""Request validation against a schema (Rust: `RequestSchema for ValidatorSchema`).

In Rust's order: the principal's and the resource's types must be declared
(and, for enumerated types, the id one of the declared ids); the action must
be declared; the principal and resource types must be among those the action
applies to; every entity reference in the context must be valid (enumerated
ids, declared actions), and the context must have the action's context type.
"""

from __future__ import annotations

from .conformance import invalid_entity_uid, invalid_entity_uid_in, type_mismatch
from .errors import RequestError
from .schema.model import Schema
from .values import EntityUID, Record, to_cedar


def validate_request(
    schema: Schema, principal: EntityUID, action: EntityUID, resource: EntityUID, context: Record
) -> None:
    """Raise `RequestError` if the request does not fit `schema`."""
    validate_scope(schema, principal, action, resource)
    validate_context(schema, action, context)


def validate_scope(schema: Schema, principal: EntityUID, action: EntityUID, resource: EntityUID) -> None:
    """The checks on the principal, action and resource (`RequestError` if one fails).

    They depend on the entity ids only for enumerated entity types."""
    for role, uid in (("principal", principal), ("resource", resource)):
        etype = schema.entity_types.get(uid[0])
        if etype is None:
            raise RequestError(f"{role} type `{uid[0]}` is not declared in the schema")
        if etype.enum_ids is not None:
            problem = invalid_entity_uid(uid, schema)
            if problem is not None:
                raise RequestError(problem)
    decl = schema.actions.get(action)
    if decl is None:
        raise RequestError(f"request's action `{action}` is not declared in the schema")
    if principal[0] not in decl.principal_types:
        raise RequestError(
            f"principal type `{principal[0]}` is not valid for `{action}`"
            + _valid_types(decl.principal_types)
        )
    if resource[0] not in decl.resource_types:
        raise RequestError(
            f"resource type `{resource[0]}` is not valid for `{action}`"
            + _valid_types(decl.resource_types)
        )


def validate_context(schema: Schema, action: EntityUID, context: Record) -> None:
    """The checks on the context of a request for `action`, a declared action (`RequestError`
    if one fails); those on the rest of the request come first (`validate_scope`)."""
    decl = schema.actions[action]
    problem = invalid_entity_uid_in(context, schema)
    if problem is not None:
        raise RequestError(f"context is not valid: {problem}")
    mismatch = type_mismatch(context, decl.context, unknowns_conform=False)
    if mismatch is not None:
        raise RequestError(f"context `{to_cedar(context)}` is not valid for `{action}`: {mismatch}")


def _valid_types(types: tuple[str, ...]) -> str:
    if not types:
        return "; the action applies to no requests"
    return "; valid types: " + ", ".join(f"`{t}`" for t in types)
