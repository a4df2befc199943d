"""The policy index: which policies' scopes a request satisfies, without evaluating them.

A policy's condition is `principal-scope && action-scope && resource-scope &&
conditions` (`Policy.to_expr`). Each scope constraint is one of
`all`, `== E`, `in E`, `in [E1, ...]` (actions), `is T`, `is T in E`, and
decides a Boolean of the request entity `u` alone: with `A` the ancestors of
`u` in the entity store (empty if `u` is not in it), `== E` holds iff `u == E`;
`in E` iff `E in {u} | A`; `in [E1..]` iff some `Ei in {u} | A`; `is T` iff
`u.type == T`; `is T in E` iff both. These never error: the request variables
are always entity uids and the right-hand sides are entity literals.

INVARIANT: for every request `(P, A, R)` and entity store,
`candidates(...)` has bit `i` set exactly when the three scope constraints
of policy `i` all hold. Hence a policy without its bit evaluates to false
(never satisfied, never erroring), and for a policy with its bit the value of
`Policy.to_expr` is the value of its conditions alone (`true` if it has none).

Each scope dimension maps the keys above to a bitmask of policies (bit `i` =
the `i`-th policy in policy-set order); a request ORs the masks its entity
matches and ANDs the three dimensions. Skipping a policy costs nothing per
policy; the work per request grows with the number of ancestors.
"""

from __future__ import annotations

from typing import Iterable

from .ast import ActionConstraint, Policy, ScopeConstraint, Slot
from .entities import Entity
from .errors import LinkError
from .values import EntityUID

_EMPTY: frozenset = frozenset()


class ScopeIndex:
    """One scope dimension (principal, action or resource) of a `PolicyIndex`."""

    __slots__ = ("always", "eq", "in_", "is_", "is_in")

    def __init__(self) -> None:
        self.always = 0  # `all`
        self.eq: dict[EntityUID, int] = {}  # `== E`
        self.in_: dict[EntityUID, int] = {}  # `in E`, and each `Ei` of `in [E1, ...]`
        self.is_: dict[str, int] = {}  # `is T`
        self.is_in: dict[tuple[str, EntityUID], int] = {}  # `is T in E`

    def add_scope(self, bit: int, c: ScopeConstraint) -> None:
        if isinstance(c.entity, Slot):
            raise LinkError(f"cannot authorize with a template: slot `{c.entity.name}` is not linked", c.loc)
        if c.op == "all":
            self.always |= bit
        elif c.op == "==":
            self.eq[c.entity] = self.eq.get(c.entity, 0) | bit  # type: ignore[index,arg-type]
        elif c.op == "in":
            self.in_[c.entity] = self.in_.get(c.entity, 0) | bit  # type: ignore[index,arg-type]
        elif c.op == "is":
            self.is_[c.entity_type] = self.is_.get(c.entity_type, 0) | bit  # type: ignore[index,arg-type]
        else:  # "is_in"
            k = (c.entity_type, c.entity)
            self.is_in[k] = self.is_in.get(k, 0) | bit  # type: ignore[index,arg-type]

    def add_action(self, bit: int, c: ActionConstraint) -> None:
        if c.op == "all":
            self.always |= bit
        elif c.op == "==":
            self.eq[c.entities[0]] = self.eq.get(c.entities[0], 0) | bit
        else:
            for e in c.entities:
                self.in_[e] = self.in_.get(e, 0) | bit

    def mask(self, uid: EntityUID, entity: Entity | None) -> int:
        """The policies whose constraint in this dimension holds for `uid`."""
        m = self.always | self.eq.get(uid, 0) | self.is_.get(uid[0], 0)
        if self.in_ or self.is_in:
            ancestors = entity.ancestors if entity is not None else _EMPTY
            in_, is_in, etype = self.in_, self.is_in, uid[0]
            for target in (uid, *ancestors):
                m |= in_.get(target, 0) | is_in.get((etype, target), 0)
        return m


class PolicyIndex:
    """Scope buckets for a list of policies (see the module docstring for the invariant)."""

    __slots__ = ("principal", "action", "resource", "size")

    def __init__(self, policies: Iterable[Policy]) -> None:
        self.principal = ScopeIndex()
        self.action = ScopeIndex()
        self.resource = ScopeIndex()
        self.size = 0
        for i, p in enumerate(policies):
            bit = 1 << i
            self.principal.add_scope(bit, p.principal)
            self.action.add_action(bit, p.action)
            self.resource.add_scope(bit, p.resource)
            self.size = i + 1

    def candidates(self, principal: EntityUID, action: EntityUID, resource: EntityUID,
                   entities: dict[EntityUID, Entity]) -> int:
        """Bit `i` set iff policy `i`'s scope holds for this request."""
        return (
            self.principal.mask(principal, entities.get(principal))
            & self.action.mask(action, entities.get(action))
            & self.resource.mask(resource, entities.get(resource))
        )
