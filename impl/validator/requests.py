"""Checking a request or an entity store against a schema.

These are the validator's entry points for data rather than policies. The
checks themselves live where the data is read, so each rule has one
implementation: request validation in `impl.request` (Rust's
`RequestSchema for ValidatorSchema`), entity conformance in `impl.entities`
(Rust's `entities/conformance.rs`, applied by schema-directed loading).
"""

from __future__ import annotations

from typing import Any

from ..schema.model import Schema


def validate_request(request: Any, schema: Schema) -> None:
    """Raise `RequestError` unless `request` (a `Request` or request dict) fits `schema`.

    The action must be declared, the principal and resource of types it applies
    to (with declared ids for enumerated types), and the context of its context type.
    """
    from ..authorizer import as_request
    from ..request import validate_request as check

    r = as_request(request, schema)
    check(schema, r.principal, r.action, r.resource, r.context)


def validate_entities(entities: Any, schema: Schema) -> None:
    """Raise `EntityError` unless every entity (an `Entities` store or entities JSON) conforms to `schema`."""
    from ..entities import Entities

    json_form = entities.to_json() if isinstance(entities, Entities) else entities
    Entities.from_json(json_form, schema)
