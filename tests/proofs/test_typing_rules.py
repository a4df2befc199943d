"""`proofs.typing_rules` (what obligation 8 is proved about) restates `spec.validator.type_of`: on concrete
types, each rule accepts exactly what the validator accepts and gives the same type.

Covered here: the rules without a least upper bound (whose Z3 form quantifies over candidate types):
`!`, `-`, `isEmpty`, `like`, `is`, `&&`, `||`, `<`, `<=`, `+`, `-`, `*`, and `e.a` / `e has a` of a record.
"""

from __future__ import annotations

import dataclasses
import itertools

import impl
import z3
from proofs.typing_rules import RULES, Sub, Typing
from spec.expr import And, BinaryApp, Expr, GetAttr, HasAttr, Is, Like, Or, UnaryApp, Var
from spec.schema import schema_of_json
from spec.types import (BoolType, CedarType, EntityType, ExtType, LongType, Qualified, RecordType, SetType,
                        StringType, type_term)
from spec.validator import NONE, TypeEnv, TypingError, type_of

SCHEMA = schema_of_json(impl.Schema.from_str(
    "entity User; action view appliesTo { principal: User, resource: User };").to_json())
TYPES: list[CedarType] = [BoolType("anyBool"), BoolType("tt"), BoolType("ff"), LongType(), StringType(),
                          EntityType("User"), SetType(LongType()), SetType(StringType()), ExtType("decimal"),
                          ExtType("datetime"), ExtType("duration"), RecordType((("x", Qualified(LongType())),))]


def _env(**attrs: CedarType) -> TypeEnv:
    reqty = dataclasses.replace(SCHEMA.environments()[0],
                                context=RecordType(tuple((a, Qualified(t)) for a, t in sorted(attrs.items()))))
    return TypeEnv(SCHEMA, reqty)


def _part(name: str) -> Expr:
    return GetAttr(Var("context"), name)


def _same(typing: Typing, outcome: object, what: object) -> None:
    ok = z3.simplify(typing.ok)
    assert z3.is_true(ok) or z3.is_false(ok), (what, ok)
    assert z3.is_true(ok) == (not isinstance(outcome, TypingError)), (what, outcome)
    if z3.is_true(ok):
        assert z3.simplify(typing.ty).eq(z3.simplify(type_term(outcome[0]))), (what, outcome, z3.simplify(typing.ty))


def test_unary_rules_are_the_validators() -> None:
    forms = {"not": RULES.not_, "neg": RULES.neg, "isEmpty": RULES.is_empty}
    for t in TYPES:
        a = Sub(type_term(t))
        for op, rule in forms.items():
            _same(rule(a), type_of(UnaryApp(op, _part("e1")), NONE, _env(e1=t)), (op, t))
        _same(RULES.like(a), type_of(UnaryApp(Like(("a", None)), _part("e1")), NONE, _env(e1=t)), ("like", t))
        for ety in ("User", "Group"):
            _same(RULES.is_(a, z3.StringVal(ety)), type_of(UnaryApp(Is(ety), _part("e1")), NONE, _env(e1=t)), ("is", t))


def test_binary_rules_without_a_lub_are_the_validators() -> None:
    forms = {"less": RULES.compare, "lessEq": RULES.compare, "add": RULES.arith, "sub": RULES.arith,
             "mul": RULES.arith}
    for t1, t2 in itertools.product(TYPES, repeat=2):
        for op, rule in forms.items():
            _same(rule(Sub(type_term(t1)), Sub(type_term(t2))),
                  type_of(BinaryApp(op, _part("e1"), _part("e2")), NONE, _env(e1=t1, e2=t2)), (op, t1, t2))


def test_and_or_rules_are_the_validators() -> None:
    for t1, t2 in itertools.product(TYPES[:5], repeat=2):
        a, b, env = Sub(type_term(t1)), Sub(type_term(t2)), _env(e1=t1, e2=t2)
        _same(RULES.and_(a, b), type_of(And(_part("e1"), _part("e2")), NONE, env), ("&&", t1, t2))
        _same(RULES.or_(a, b), type_of(Or(_part("e1"), _part("e2")), NONE, env), ("||", t1, t2))


def test_record_attribute_rules_are_the_validators() -> None:
    records = [RecordType(()), RecordType((("a", Qualified(LongType(), True)),)),
               RecordType((("a", Qualified(StringType(), False)),)),
               RecordType((("a", Qualified(LongType(), False)), ("b", Qualified(BoolType(), True))))]
    for rty, attr, known in itertools.product(records, ("a", "b", "c"), (False, True)):
        names = [a for a, _ in rty.attrs]
        i = z3.IntVal(names.index(attr) if attr in names else 0)
        capability = frozenset({(_part("e1"), ("attr", attr))}) if known else NONE
        env, sub = _env(e1=rty), Sub(type_term(rty))
        got = type_of(GetAttr(_part("e1"), attr), capability, env)
        _same(RULES.get_attr(sub, z3.StringVal(attr), i, z3.BoolVal(known)), got, ("get", rty, attr, known))
        has = type_of(HasAttr(_part("e1"), attr), capability, env)
        typing = RULES.has_attr(sub, z3.StringVal(attr), i, z3.BoolVal(known), z3.BoolVal(True))
        s = z3.Solver()  # `has_attr` asks whether the type declares `attr` (a quantifier over its fields)
        s.add(z3.Not(z3.And(typing.ok, typing.ty == type_term(has[0]))))
        assert s.check() == z3.unsat, ("has", rty, attr, known, has)
