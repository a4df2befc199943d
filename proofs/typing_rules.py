"""The validator's typing rules (`spec/validator.py`) as Z3 formulas over symbolic types.

`spec.validator.type_of` works on Python types; a proof about every type needs
the rules over Z3 types (`spec.types.TypeSort`). `TypingRules` restates them,
one method per rule, in the validator's own order and words: each returns a
`Typing`, when the validator gives the expression a type (`ok`), that type, and
the capabilities the expression establishes when it evaluates to true (as their
invariant, `caps`). A sub-expression appears as a `Sub`: its type, whether it was
typechecked at all (the validator skips the other branch of `if true`), and its
capabilities' invariant. Where the validator computes a lub, the rule takes the
candidate result type as an argument (the lemma then holds for any candidate
that is the lub, so for the one the validator computes).

`tests/proofs/test_typing_rules.py` checks this restatement against
`spec.validator.type_of` on concrete types (the rules without a lub, and
attribute access on records), so those cannot drift from the validator. The rules are a parameter of obligation 8: a seeded
bug (`+` on strings, attribute access without `has`) is a subclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import z3

from proofs.instance_of import ANY_BOOL, FF, LONG, STRING, TT, declared_in, declares, ext, lub
from proofs.typed_env import (ACTION, CONTEXT_TYPE, PRINCIPAL_TYPE, RESOURCE_TYPE, action_descendent, attrs_of,
                              descendent, has_tags, is_action_type, is_entity_type, tags_of, valid_uid)
from spec.types import FieldSort as F
from spec.types import TypeSort as T
from spec.values import EntityUID

TRUE = z3.BoolVal(True)


@dataclass(frozen=True)
class Typing:
    ok: z3.BoolRef
    ty: z3.ExprRef
    caps: z3.BoolRef = TRUE


@dataclass(frozen=True)
class Sub:
    ty: z3.ExprRef
    typed: z3.BoolRef = TRUE
    caps: z3.BoolRef = TRUE


def is_bool(t: z3.ExprRef) -> z3.BoolRef:
    """`isinstance(t, BoolType)` (whose kind is one of three)."""
    return z3.And(T.is_bool_type(t), z3.Or(t == ANY_BOOL, t == TT, t == FF))


def lub_exists(t1: z3.ExprRef, t2: z3.ExprRef) -> z3.BoolRef:
    w = z3.Const("lub.witness", T)
    return z3.Exists([w], lub(t1, t2, w))


ORDERED = (LONG, ext("datetime"), ext("duration"))
CONSTRUCTORS = {"decimal": "decimal", "ip": "ipaddr", "datetime": "datetime", "duration": "duration"}
SIGNATURES: dict[str, tuple[tuple[z3.ExprRef, ...], z3.ExprRef]] = {
    **{f: ((ext("decimal"), ext("decimal")), ANY_BOOL)
       for f in ("lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual")},
    **{f: ((ext("ipaddr"),), ANY_BOOL) for f in ("isIpv4", "isIpv6", "isLoopback", "isMulticast")},
    "isInRange": ((ext("ipaddr"), ext("ipaddr")), ANY_BOOL),
    "offset": ((ext("datetime"), ext("duration")), ext("datetime")),
    "durationSince": ((ext("datetime"), ext("datetime")), ext("duration")),
    "toDate": ((ext("datetime"),), ext("datetime")), "toTime": ((ext("datetime"),), ext("duration")),
    **{f: ((ext("duration"),), LONG) for f in ("toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays")},
}


class TypingRules:
    """`spec.validator.type_of`, rule by rule."""

    # ----- literals and variables -----

    def lit_bool(self, b: bool) -> Typing:
        return Typing(TRUE, TT if b else FF)

    def lit_long(self) -> Typing:
        return Typing(TRUE, LONG)

    def lit_string(self) -> Typing:
        return Typing(TRUE, STRING)

    def lit_entity(self, uid: z3.ExprRef) -> Typing:
        return Typing(valid_uid(uid), T.entity_type(EntityUID.ty(uid)))

    def var(self, name: str) -> Typing:
        return Typing(TRUE, {"principal": T.entity_type(PRINCIPAL_TYPE), "action": T.entity_type(EntityUID.ty(ACTION)),
                             "resource": T.entity_type(RESOURCE_TYPE), "context": CONTEXT_TYPE}[name])

    # ----- control -----

    def ite(self, c: Sub, a: Sub, b: Sub, joined: z3.ExprRef) -> Typing:
        """`a` is typed under `c`'s capabilities; `joined` is the candidate lub of the branches."""
        ok = z3.And(c.typed, z3.If(c.ty == TT, a.typed, z3.If(c.ty == FF, b.typed,
                                   z3.And(c.ty == ANY_BOOL, a.typed, b.typed, lub(a.ty, b.ty, joined)))))
        ty = z3.If(c.ty == TT, a.ty, z3.If(c.ty == FF, b.ty, joined))
        caps = z3.If(c.ty == TT, z3.And(c.caps, a.caps), z3.If(c.ty == FF, b.caps, z3.Or(z3.And(c.caps, a.caps), b.caps)))
        return Typing(ok, ty, caps)

    def and_(self, a: Sub, b: Sub) -> Typing:
        """`b` is typed under `a`'s capabilities, unless `a` is `false`."""
        ok = z3.And(a.typed, is_bool(a.ty), z3.Or(a.ty == FF, z3.And(b.typed, is_bool(b.ty))))
        false = z3.Or(a.ty == FF, b.ty == FF)
        return Typing(ok, z3.If(false, FF, z3.If(b.ty == TT, a.ty, ANY_BOOL)),
                      z3.If(false, TRUE, z3.And(a.caps, b.caps)))

    def or_(self, a: Sub, b: Sub) -> Typing:
        ok = z3.And(a.typed, is_bool(a.ty), z3.Or(a.ty == TT, z3.And(b.typed, is_bool(b.ty))))
        ty = z3.If(a.ty == TT, TT, z3.If(a.ty == FF, b.ty, z3.If(b.ty == TT, TT, ANY_BOOL)))
        caps = z3.If(a.ty == TT, TRUE, z3.If(a.ty == FF, b.caps, z3.If(b.ty == TT, TRUE,
                     z3.If(b.ty == FF, a.caps, z3.Or(a.caps, b.caps)))))
        return Typing(ok, ty, caps)

    # ----- unary operators -----

    def not_(self, a: Sub) -> Typing:
        return Typing(z3.And(a.typed, is_bool(a.ty)), z3.If(a.ty == TT, FF, z3.If(a.ty == FF, TT, ANY_BOOL)))

    def neg(self, a: Sub) -> Typing:
        return Typing(z3.And(a.typed, a.ty == LONG), LONG)

    def like(self, a: Sub) -> Typing:
        return Typing(z3.And(a.typed, a.ty == STRING), ANY_BOOL)

    def is_empty(self, a: Sub) -> Typing:
        return Typing(z3.And(a.typed, T.is_set_type(a.ty)), ANY_BOOL)

    def is_(self, a: Sub, ety: z3.SeqRef) -> Typing:
        return Typing(z3.And(a.typed, T.is_entity_type(a.ty)), z3.If(T.ety(a.ty) == ety, TT, FF))

    # ----- binary operators -----

    def eq(self, a: Sub, b: Sub) -> Typing:
        """Not both literals: compatible types, or two entity types (then never equal)."""
        both_entities = z3.And(T.is_entity_type(a.ty), T.is_entity_type(b.ty))
        ok = z3.And(a.typed, b.typed, z3.Or(lub_exists(a.ty, b.ty), both_entities))
        return Typing(ok, z3.If(lub_exists(a.ty, b.ty), ANY_BOOL, FF))

    def eq_literals(self, same_kind: bool, equal: z3.BoolRef, a: Sub, b: Sub) -> Typing:
        """Two literals (of the same Python type or not): decided."""
        return Typing(z3.And(a.typed, b.typed), z3.If(z3.And(same_kind, equal), TT, FF))

    def mem(self, a: Sub, b: Sub) -> Typing:
        """`in` an entity or a set of entities (not an action literal in literals)."""
        target = z3.If(T.is_set_type(b.ty), T.elem_type(b.ty), b.ty)
        shapes = z3.And(T.is_entity_type(a.ty), z3.Or(T.is_entity_type(b.ty),
                                                       z3.And(T.is_set_type(b.ty), T.is_entity_type(T.elem_type(b.ty)))))
        return Typing(z3.And(a.typed, b.typed, shapes),
                      z3.If(descendent(T.ety(a.ty), T.ety(target)), ANY_BOOL, FF))

    def mem_action_literal(self, action: z3.ExprRef, targets: Sequence[z3.ExprRef], a: Sub, b: Sub) -> Typing:
        """An action literal `in` literals: decided by the schema's action hierarchy."""
        shapes = z3.And(T.is_entity_type(a.ty), z3.Or(T.is_entity_type(b.ty),
                                                       z3.And(T.is_set_type(b.ty), T.is_entity_type(T.elem_type(b.ty)))))
        return Typing(z3.And(a.typed, b.typed, shapes),
                      z3.If(z3.Or([action_descendent(action, u) for u in targets]), TT, FF))

    def has_tag(self, a: Sub, b: Sub, known: z3.BoolRef, own: z3.BoolRef) -> Typing:
        """`known`: the capability is in the context; `own`: its invariant, established when true."""
        ety = T.ety(a.ty)
        shapes = z3.And(a.typed, b.typed, T.is_entity_type(a.ty), b.ty == STRING)
        ok = z3.And(shapes, z3.Or(is_entity_type(ety), is_action_type(ety)))
        ty = z3.If(z3.Or(z3.Not(is_entity_type(ety)), z3.Not(has_tags(ety))), FF, z3.If(known, TT, ANY_BOOL))
        return Typing(ok, ty, z3.If(ty == ANY_BOOL, own, TRUE))

    def get_tag(self, a: Sub, b: Sub, known: z3.BoolRef) -> Typing:
        ety = T.ety(a.ty)
        ok = z3.And(a.typed, b.typed, T.is_entity_type(a.ty), b.ty == STRING, is_entity_type(ety), has_tags(ety), known)
        return Typing(ok, tags_of(ety))

    def compare(self, a: Sub, b: Sub) -> Typing:
        """`<` and `<=`."""
        return Typing(z3.And(a.typed, b.typed, a.ty == b.ty, z3.Or([a.ty == t for t in ORDERED])), ANY_BOOL)

    def arith(self, a: Sub, b: Sub) -> Typing:
        """`+`, `-`, `*`."""
        return Typing(z3.And(a.typed, b.typed, a.ty == LONG, b.ty == LONG), LONG)

    def contains(self, a: Sub, b: Sub) -> Typing:
        return Typing(z3.And(a.typed, b.typed, T.is_set_type(a.ty), lub_exists(b.ty, T.elem_type(a.ty))), ANY_BOOL)

    def contains_all_any(self, a: Sub, b: Sub) -> Typing:
        """`containsAll`, `containsAny`."""
        return Typing(z3.And(a.typed, b.typed, T.is_set_type(a.ty), T.is_set_type(b.ty),
                             lub_exists(T.elem_type(a.ty), T.elem_type(b.ty))), ANY_BOOL)

    # ----- attributes -----

    def _attributes(self, t: z3.ExprRef) -> tuple[z3.BoolRef, z3.BoolRef, z3.ExprRef]:
        """`_attrs_of`: (a record or declared entity type, an action's type (no attributes), the record type)."""
        ety = T.ety(t)
        declared = z3.Or(T.is_record_type(t), z3.And(T.is_entity_type(t), is_entity_type(ety)))
        action = z3.And(T.is_entity_type(t), z3.Not(is_entity_type(ety)), is_action_type(ety))
        return declared, action, z3.If(T.is_record_type(t), t, attrs_of(ety))

    def has_attr(self, a: Sub, attr: z3.SeqRef, i: z3.ArithRef, known: z3.BoolRef, own: z3.BoolRef) -> Typing:
        """`i`: the candidate index of `attr` among the record type's fields."""
        declared, action, rty = self._attributes(a.ty)
        found = declared_in(rty, attr)
        ok = z3.And(a.typed, z3.Or(declared, action), z3.Implies(z3.And(declared, found), declares(rty, attr, i)))
        certain = z3.Or(known, z3.And(F.required(T.fields(rty)[i]), T.is_record_type(a.ty)))
        ty = z3.If(z3.Or(action, z3.Not(found)), FF, z3.If(certain, TT, ANY_BOOL))
        return Typing(ok, ty, z3.If(ty == ANY_BOOL, own, TRUE))

    def get_attr(self, a: Sub, attr: z3.SeqRef, i: z3.ArithRef, known: z3.BoolRef) -> Typing:
        declared, _, rty = self._attributes(a.ty)
        f = T.fields(rty)[i]
        ok = z3.And(a.typed, declared, declares(rty, attr, i), z3.Or(F.required(f), known))
        return Typing(ok, F.field_type(f))

    # ----- sets and records: one element or attribute at a time -----

    def set_first(self, a: Sub) -> Typing:
        """The set of one element: a set of its type."""
        return Typing(a.typed, T.set_type(a.ty))

    def set_next(self, elements: z3.ExprRef, a: Sub, joined: z3.ExprRef) -> Typing:
        """One more element: the lub of the element type so far and its type (`joined`, a candidate)."""
        return Typing(z3.And(a.typed, lub(elements, a.ty, joined)), T.set_type(joined))

    def record_next(self, fields: z3.SeqRef, attr: z3.SeqRef, a: Sub) -> Typing:
        """One more attribute (names ascend, as in `record_type`): a required field of its type."""
        return Typing(a.typed, T.record_type(z3.Concat(fields, z3.Unit(F.field(attr, TRUE, a.ty)))))

    # ----- extension functions -----

    def constructor(self, fn: str, parses: z3.BoolRef) -> Typing:
        """`decimal("..")` and the like: of a string literal that parses."""
        return Typing(parses, ext(CONSTRUCTORS[fn]))

    def call(self, fn: str, args: Sequence[Sub]) -> Typing:
        params, result = SIGNATURES[fn]
        ok = z3.And([a.typed for a in args] + [a.ty == p for a, p in zip(args, params)]) \
            if len(args) == len(params) else z3.BoolVal(False)
        return Typing(ok, result)


RULES = TypingRules()
