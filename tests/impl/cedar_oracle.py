"""cedarpy (the Rust engine) as an oracle: the outcome of many conditions in one call."""

from __future__ import annotations

from typing import Any

import pytest

cedarpy = pytest.importorskip("cedarpy")

REQUEST = {"principal": 'User::"alice"', "action": 'Action::"view"', "resource": 'Res::"r"', "context": {}}


def rust_outcomes(conditions: list[str], entities: list[Any] | None = None,
                  request: dict[str, Any] | None = None) -> list[str]:
    """For each condition, "sat", "no" or "err" as the Rust authorizer sees
    `permit(principal, action, resource) when { condition };`."""
    text = "\n".join(f"permit(principal, action, resource) when {{ {c} }};" for c in conditions)
    result = cedarpy.is_authorized(request or REQUEST, text, entities or [])
    diagnostics = result._authz_resp["diagnostics"]
    if "reason" not in diagnostics:
        raise AssertionError(f"Rust could not run the conditions: {diagnostics}")
    satisfied = set(diagnostics["reason"])
    erroring = {message.split("`")[1] for message in diagnostics["errors"]}
    return ["sat" if f"policy{i}" in satisfied else "err" if f"policy{i}" in erroring else "no"
            for i in range(len(conditions))]


def our_outcomes(conditions: list[str], entities: list[Any] | None = None,
                 request: dict[str, Any] | None = None) -> list[str]:
    """The same as `rust_outcomes`, computed by `impl`."""
    from impl.authorizer import is_authorized

    text = "\n".join(f"permit(principal, action, resource) when {{ {c} }};" for c in conditions)
    response = is_authorized(request or REQUEST, text, entities or [])
    satisfied = set(response.reasons)
    erroring = {e.policy_id for e in response.errors}
    return ["sat" if f"policy{i}" in satisfied else "err" if f"policy{i}" in erroring else "no"
            for i in range(len(conditions))]


def assert_same_outcomes(conditions: list[str], entities: list[Any] | None = None,
                         request: dict[str, Any] | None = None) -> None:
    ours = our_outcomes(conditions, entities, request)
    rust = rust_outcomes(conditions, entities, request)
    differences = [(c, o, r) for c, o, r in zip(conditions, ours, rust) if o != r]
    assert differences == [], "condition, ours, Rust's"


def rust_rejects_entities(entities: Any, schema: str | None, request: dict[str, Any] | None = None) -> bool:
    """Whether Rust fails to load `entities` (JSON text or list) against `schema`."""
    result = cedarpy.is_authorized(request or REQUEST, "permit(principal, action, resource);", entities, schema)
    diagnostics = result._authz_resp["diagnostics"]
    if "reason" in diagnostics:
        return False
    errors = " ".join(diagnostics["errors"])
    assert "entities" in errors, errors  # failed for another reason than the entities
    return True
