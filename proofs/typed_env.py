"""Any schema, request type, request and entity store, symbolically (Lean `TypeEnv`, `InstanceOfWellFormedEnvironment`).

The schema is a handful of uninterpreted functions: every schema is one
interpretation of them. Only what the typing rules read is there:

    is_entity_type(E)      E is declared (`schema.entity_types`)
    attrs_of(E), tags_of(E), has_tags(E)
    ancestor_type(E1, E2)  an entity of type E1 may have an ancestor of type E2 (`TypeEnv.descendent_of`, E1 != E2)
    is_action_type(E), is_action(uid), action_ancestor(a, b)
    valid_uid(uid)         a declared id (enumerations, actions: `Schema.valid_uid`)

The request (`REQ`) and store (`ES`) are the model's symbolic ones; the
well-formedness facts below (`entity_is_well_formed`, `request_is_well_formed`)
are the hypotheses of soundness, stated for the entities a lemma looks at:
Lean's `InstanceOfSchemaEntry` and `InstanceOfRequestType`.
"""

from __future__ import annotations

import z3

from spec.entities import symbolic_entities
from spec.request import symbolic_request
from spec.types import TypeSort
from spec.values import EMPTY_MAP, EntityUID, Entry, Value

Str = z3.StringSort()
Bool = z3.BoolSort()

is_entity_type = z3.Function("schema.is_entity_type", Str, Bool)
attrs_of = z3.Function("schema.attrs_of", Str, TypeSort)
has_tags = z3.Function("schema.has_tags", Str, Bool)
tags_of = z3.Function("schema.tags_of", Str, TypeSort)
ancestor_type = z3.Function("schema.ancestor_type", Str, Str, Bool)
is_action_type = z3.Function("schema.is_action_type", Str, Bool)
is_action = z3.Function("schema.is_action", EntityUID, Bool)
action_ancestor = z3.Function("schema.action_ancestor", EntityUID, EntityUID, Bool)
valid_uid = z3.Function("schema.valid_uid", EntityUID, Bool)

# The request type: principal and resource entity types, the action, the context's record type.
PRINCIPAL_TYPE, RESOURCE_TYPE = z3.String("reqty.principal"), z3.String("reqty.resource")
ACTION = z3.Const("reqty.action", EntityUID)
CONTEXT_TYPE = z3.Const("reqty.context", TypeSort)

REQ, ES = symbolic_request("request"), symbolic_entities("entities")


def descendent(ety1: z3.ExprRef, ety2: z3.ExprRef) -> z3.BoolRef:
    """`TypeEnv.descendent_of`: equal, or a possible ancestor type."""
    return z3.Or(ety1 == ety2, ancestor_type(ety1, ety2))


def action_descendent(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """`TypeEnv.action_descendent_of`."""
    return z3.Or(a == b, action_ancestor(a, b))


def stored_attrs(uid: z3.ExprRef) -> z3.DatatypeRef:
    """The entity's attributes as a record value (its key is irrelevant to typing)."""
    return Value.record(ES.attrs[uid], z3.StringVal(""))


def entity_is_well_formed(uid: z3.ExprRef, inst) -> z3.BoolRef:
    """Lean `InstanceOfSchemaEntry` for the entity `uid`, but for the quantifiers over its ancestors and tags
    (`ancestor_is_well_formed`, `tag_is_well_formed`)."""
    ty = EntityUID.ty(uid)
    return z3.And(z3.Implies(is_action(uid), ES.exists[uid]),
                  z3.Implies(ES.exists[uid], valid_uid(uid)),
                  z3.Implies(z3.And(ES.exists[uid], is_entity_type(ty)), inst(stored_attrs(uid), attrs_of(ty))),
                  z3.Implies(z3.And(ES.exists[uid], is_entity_type(ty), z3.Not(has_tags(ty))), ES.tags[uid] == EMPTY_MAP),
                  z3.Implies(z3.Not(is_entity_type(ty)), z3.And(ES.attrs[uid] == EMPTY_MAP, ES.tags[uid] == EMPTY_MAP)))


def ancestor_is_well_formed(uid: z3.ExprRef, a: z3.ExprRef) -> z3.BoolRef:
    """An ancestor's type is allowed; an action's ancestors are the schema's."""
    return z3.And(z3.Implies(z3.And(ES.exists[uid], ES.ancestors[uid][a]), ancestor_type(EntityUID.ty(uid), EntityUID.ty(a))),
                  z3.Implies(is_action(uid), ES.ancestors[uid][a] == action_ancestor(uid, a)))


def tag_is_well_formed(uid: z3.ExprRef, k: z3.ExprRef, inst) -> z3.BoolRef:
    """A tag, when the type has tags, has the tags' type."""
    ty, entry = EntityUID.ty(uid), ES.tags[uid][k]
    return z3.Implies(z3.And(ES.exists[uid], is_entity_type(ty), has_tags(ty), Entry.is_present(entry)),
                      inst(Entry.entry_value(entry), tags_of(ty)))


def request_is_well_formed(inst) -> z3.BoolRef:
    """Lean `InstanceOfRequestType` (and that the request type's action is an action)."""
    return z3.And(EntityUID.ty(REQ.principal) == PRINCIPAL_TYPE, valid_uid(REQ.principal),
                  REQ.action == ACTION, is_action(ACTION), valid_uid(ACTION),
                  EntityUID.ty(REQ.resource) == RESOURCE_TYPE, valid_uid(REQ.resource),
                  inst(REQ.context, CONTEXT_TYPE), TypeSort.is_record_type(CONTEXT_TYPE))
