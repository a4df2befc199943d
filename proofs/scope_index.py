"""The engine's scope index (`impl/policy_index.py`) as a Z3 formula, line for line.

`ScopeIndex` files each policy's constraint in one dimension under a key, and
`ScopeIndex.mask(uid, entity)` ORs the buckets a request entity hits:

    always                                        op "all"
    eq[uid]                                       op "=="
    is_[uid.type]                                 op "is"
    in_[target], target in (uid, *ancestors)      op "in" (each entity of an action list)
    is_in[(uid.type, target)], same targets       op "is_in"

with `ancestors` the entity's ancestors when the store holds it, else none.
`selects` says when one policy's bit is in that mask; `PolicyIndex.candidates`
ANDs the three dimensions. The model's store gives "holds `uid`" and
"`a` is an ancestor of `uid`" as `exists[uid]` and `ancestors[uid][a]`.
`tests/proofs/test_scope_index.py` checks this encoding against the engine's
index on every scope, request entity and store over a small universe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import z3

from spec.entities import Entities
from spec.values import EntityUID

SCOPE_OPS = ("all", "==", "in", "is", "is_in")  # impl.ast.ScopeConstraint.op
ACTION_OPS = ("all", "==", "in")  # impl.ast.ActionConstraint.op


def _targets(uid: z3.ExprRef, es: Entities) -> Callable[[z3.ExprRef], z3.BoolRef]:
    """`target in (uid, *ancestors)`: the keys of `in_` (and of `is_in`) the request entity hits."""
    return lambda target: z3.Or(target == uid, z3.And(es.exists[uid], es.ancestors[uid][target]))


@dataclass(frozen=True)
class IndexEncoding:
    """When a policy's constraint selects a request entity; a parameter, so a seeded bug can replace it."""

    def selects(self, op: str, entity: z3.ExprRef | None, entity_type: z3.ExprRef | None,
                uid: z3.ExprRef, es: Entities) -> z3.BoolRef:
        """A principal or resource constraint (`ScopeIndex.add_scope`, then `mask`)."""
        hits = _targets(uid, es)
        return {
            "all": lambda: z3.BoolVal(True),
            "==": lambda: uid == entity,
            "is": lambda: EntityUID.ty(uid) == entity_type,
            "in": lambda: hits(entity),
            "is_in": lambda: z3.And(EntityUID.ty(uid) == entity_type, hits(entity)),
        }[op]()

    def selects_action(self, op: str, entities: Sequence[z3.ExprRef], uid: z3.ExprRef, es: Entities) -> z3.BoolRef:
        """An action constraint (`ScopeIndex.add_action`, then `mask`)."""
        hits = _targets(uid, es)
        if op == "all":
            return z3.BoolVal(True)
        if op == "==":
            return uid == entities[0]
        return z3.Or([hits(e) for e in entities])


ENGINE_INDEX = IndexEncoding()
