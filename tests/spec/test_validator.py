"""The validator (Lean `Typechecker.lean`, strict): typing rules, `has_type`, and agreement with Cedar on the corpus."""

from __future__ import annotations

import impl
import z3

from spec.expr import expr_of_json, Uid
from spec.policy import policies_of_json
from spec.schema import RequestType, schema_of_json
from spec.types import (BoolType, EntityType, ExtType, LongType, Qualified, SetType, StringType, has_type, record_type)
from spec.validator import NONE, TypeEnv, TypingError, type_of, validate
from spec.values import Value, long_value, make_record, make_set, string_value
from tests.corpus import corpus_tests, handwritten_tests
from tests.spec.helpers import expr_json, policy_json

SCHEMA = schema_of_json(impl.Schema.from_str('''
entity Group;
entity User in [Group] = { age: Long, nick?: String, friends: Set<User> } tags String;
entity Color enum ["red", "blue"];
action view appliesTo { principal: [User], resource: [User], context: { mfa: Bool } };
''').to_json())
ENV = TypeEnv(SCHEMA, RequestType("User", Uid("Action", "view"), "User", SCHEMA.actions[Uid("Action", "view")].context))


def _type(src: str) -> object:
    r = type_of(expr_of_json(expr_json(src)), NONE, ENV)
    return r if isinstance(r, TypingError) else r[0]


def test_literals_and_variables() -> None:
    assert _type("true") == BoolType("tt") and _type("1") == LongType() and _type('"s"') == StringType()
    assert _type("principal") == EntityType("User")
    assert _type('Color::"green"') == TypingError("unknownEntity", "Color")


def test_boolean_operators_track_constant_truth() -> None:
    assert _type("false && principal.nope") == BoolType("ff")
    assert _type("context.mfa || true") == BoolType("tt")
    assert _type('principal is Group') == BoolType("ff")
    assert _type("1 && true").kind == "unexpectedType"


def test_optional_attributes_need_a_has_guard() -> None:
    assert _type("principal.nick").kind == "attrNotFound"
    assert _type('principal has nick && principal.nick == "x"') == BoolType()
    assert _type('if principal has nick then principal.nick else "y"') == StringType()


def test_tags_need_a_has_tag_guard() -> None:
    assert _type('principal.getTag("t")').kind == "tagNotFound"
    assert _type('principal.hasTag("t") && principal.getTag("t") == "v"') == BoolType()


def test_sets_need_compatible_element_types() -> None:
    assert _type("[1, 2]") == SetType(LongType())
    assert _type('[1, "a"]').kind == "incompatibleSetTypes"
    assert _type("[]").kind == "emptySetErr"
    assert _type("principal.friends.contains(1)").kind == "lubErr"


def test_extension_constructors_need_a_valid_literal() -> None:
    assert _type('decimal("1.0")') == ExtType("decimal")
    assert _type('decimal("x")').kind == "extensionErr"
    assert _type('decimal(if true then "1.0" else "2.0")').kind == "extensionErr"


def test_validate_reports_the_policies_that_do_not_typecheck() -> None:
    policies = policies_of_json(policy_json(
        'permit(principal, action, resource) when { principal.age > 1 };'
        'permit(principal, action, resource) when { principal.age > "1" };'
        'permit(principal, action == Action::"view", resource is Group);'))
    assert set(validate(policies, SCHEMA)) == {"policy1", "policy2"}


def test_has_type_describes_instances_of_a_type() -> None:
    env = SCHEMA
    record_t = record_type({"a": Qualified(LongType()), "b": Qualified(StringType(), required=False)})
    solver = z3.Solver()
    v = z3.Const("v", Value)
    solver.add(has_type(v, record_t, env), v == make_record({"a": long_value(1), "c": long_value(2)}))
    assert solver.check() == z3.unsat  # undeclared attribute
    solver = z3.Solver()
    solver.add(has_type(v, SetType(LongType()), env), v == make_set([long_value(1), string_value("x")]))
    assert solver.check() == z3.unsat
    solver = z3.Solver()
    solver.add(has_type(v, record_t, env), v == make_record({"a": long_value(1)}))
    assert solver.check() == z3.sat


def test_validation_agrees_with_cedar_on_the_handwritten_tests_and_a_corpus_sample() -> None:
    disagreements = []
    for t in [*handwritten_tests(), *corpus_tests(sample=400)]:
        schema = schema_of_json(impl.Schema.from_str(t.schema).to_json())
        errors = validate(policies_of_json(impl.PolicySet.from_str(t.policies).to_json()), schema)
        if (not errors) != t.should_validate:
            disagreements.append((t.name, errors))
    assert disagreements == []


def test_a_typing_rule_can_be_stated_and_proved_on_symbolic_sub_results() -> None:
    from spec.entities import symbolic_entities
    from spec.errors import Result, ok
    from spec.evaluator import eval_binary
    from spec.symbolic import lift_ite
    v1, v2 = z3.Consts("v1 v2", Value)
    r = eval_binary("contains", ok(v1), ok(v2), symbolic_entities())
    solver = z3.Solver()
    solver.add(has_type(v1, SetType(LongType()), SCHEMA), has_type(v2, LongType(), SCHEMA),
               z3.Not(lift_ite(z3.And(Result.is_ok(r), has_type(Result.ok_value(r), BoolType(), SCHEMA)))))
    assert solver.check() == z3.unsat
