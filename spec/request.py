"""Requests (Lean `Spec/Request.lean`): principal, action, resource and context."""

from __future__ import annotations

from dataclasses import dataclass

import z3

from spec.values import EntityUID, Value


@dataclass(frozen=True)
class Request:
    principal: z3.DatatypeRef  # an EntityUID
    action: z3.DatatypeRef     # an EntityUID
    resource: z3.DatatypeRef   # an EntityUID
    context: z3.DatatypeRef    # a Value, a record

    def substitution(self, other: "Request") -> list[tuple[z3.ExprRef, z3.ExprRef]]:
        """Pairs for `z3.substitute` replacing this (symbolic) request by `other`."""
        return [(self.principal, other.principal), (self.action, other.action),
                (self.resource, other.resource), (self.context, other.context)]


def symbolic_request(name: str = "request") -> Request:
    """An arbitrary request: four constants (the context need not even be a record)."""
    return Request(z3.Const(f"{name}.principal", EntityUID), z3.Const(f"{name}.action", EntityUID),
                   z3.Const(f"{name}.resource", EntityUID), z3.Const(f"{name}.context", Value))
