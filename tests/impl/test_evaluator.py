"""The evaluator: each operator's semantics and error kind, short-circuiting, deep
expressions, and random conditions compared with the Rust engine."""

from __future__ import annotations

import random

import pytest

from impl import ast
from impl.entities import Entities
from impl.errors import ErrorKind, EvaluationError, ParseError
from impl.evaluator import MAX_DEPTH, Env, compile_expr, evaluate
from impl.extensions import Decimal
from impl.parser import parse_expr
from impl.values import EntityUID, Record, Set

from .cedar_oracle import assert_same_outcomes
from .random_exprs import ENTITIES, REQUEST, random_condition

STORE = Entities.from_json(ENTITIES)
ALICE = EntityUID("User", "alice")


def ev(text: str) -> object:
    return evaluate(text, REQUEST, STORE)


def error_kind(text: str) -> ErrorKind:
    with pytest.raises(EvaluationError) as info:
        ev(text)
    return info.value.kind


@pytest.mark.parametrize("text, value", [
    ("1", 1), ("true", True), ('"s"', "s"), ('User::"alice"', ALICE),
    ("principal", ALICE), ("action", EntityUID("Action", "view")), ("resource", EntityUID("Res", "r")),
    ("context.n", 5), ("[1, true, 1]", Set([1, True])), ('{a: 1, "b c": [false]}', Record({"a": 1, "b c": Set([False])})),
])
def test_literals_and_variables(text: str, value: object) -> None:
    result = ev(text)
    assert result == value and result.__class__ is value.__class__


def test_and_or_short_circuit_and_check_types() -> None:
    assert ev('false && (1 + "a")') is False
    assert ev('true || (1 + "a")') is True
    assert ev("true && false") is False
    assert ev("false || true") is True
    assert error_kind("true && 1") is ErrorKind.TYPE_ERROR
    assert error_kind("1 && false") is ErrorKind.TYPE_ERROR
    assert error_kind("false || 1") is ErrorKind.TYPE_ERROR
    assert error_kind('(1 + "a") && false') is ErrorKind.TYPE_ERROR


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert ev('if true then 1 else (1 + "a")') == 1
    assert ev('if false then principal.nope else "b"') == "b"
    assert error_kind("if 1 then 2 else 3") is ErrorKind.TYPE_ERROR


@pytest.mark.parametrize("text, value", [
    ("9223372036854775806 + 1", 2**63 - 1), ("-9223372036854775807 - 1", -(2**63)),
    ("3037000499 * 3037000499", 3037000499**2), ("-(-9223372036854775807)", 2**63 - 1), ("7 - 10", -3),
])
def test_arithmetic_in_range(text: str, value: int) -> None:
    assert ev(text) == value


@pytest.mark.parametrize("text", [
    "9223372036854775807 + 1", "-9223372036854775807 - 2", "3037000500 * 3037000500",
    "-9223372036854775807 * 2", "-context.big", "context.big * -1", "context.big - 1",
])
def test_arithmetic_overflow_is_arith_bounds_error(text: str) -> None:
    assert error_kind(text) is ErrorKind.ARITH_BOUNDS_ERROR


@pytest.mark.parametrize("text", ['1 + "a"', "true + 1", "-true", '"a" * 2', "1 < true", '"a" < "b"',
                                  'decimal("1.0") < decimal("2.0")', "[] < []", "!1"])
def test_operand_type_errors(text: str) -> None:
    assert error_kind(text) is ErrorKind.TYPE_ERROR


def test_equality_is_structural_and_keeps_bools_apart() -> None:
    assert ev("1 == 1") is True
    assert ev("1 == true") is False
    assert ev("[1] == [true]") is False
    assert ev("{a: 1} == {a: true}") is False
    assert ev("[1, 2] == [2, 1, 1]") is True
    assert ev('principal == User::"alice"') is True
    assert ev('User::"alice" == "alice"') is False
    assert ev("principal.flags == [true, false, 0, 1]") is True
    assert ev("principal.flags.contains(1) && principal.flags.contains(true)") is True
    assert ev('1 != "1"') is True
    assert ev('ip("10.0.0.1") == ip("10.0.0.1/32")') is True


def test_comparisons() -> None:
    assert ev("1 < 2") is True and ev("2 <= 2") is True and ev("3 > 2") is True and ev("2 >= 3") is False
    assert ev('datetime("2024-01-01") < datetime("2024-01-02")') is True
    assert ev('duration("1h") >= duration("60m")') is True
    assert error_kind('datetime("2024-01-01") < duration("1h")') is ErrorKind.TYPE_ERROR


def test_in_follows_the_transitive_hierarchy() -> None:
    assert ev('principal in Group::"g2"') is True
    assert ev("principal in principal") is True
    assert ev('principal in [Group::"x", Group::"g1"]') is True
    assert ev('principal in [Group::"x"]') is False
    assert ev('User::"nobody" in User::"nobody"') is True
    assert ev('User::"nobody" in Group::"g1"') is False
    assert ev("principal in [context.e]") is True
    assert ev("principal in []") is False


def test_in_type_errors() -> None:
    assert error_kind('1 in Group::"g1"') is ErrorKind.TYPE_ERROR
    assert error_kind("principal in 1") is ErrorKind.TYPE_ERROR
    assert error_kind('principal in [Group::"g1", 1]') is ErrorKind.TYPE_ERROR
    assert error_kind("principal in [principal, 1]") is ErrorKind.TYPE_ERROR  # every element is checked


def test_attributes_of_entities_and_records() -> None:
    assert ev("principal.age") == 30
    assert ev("principal.boss.age") == -5
    assert ev("principal has age") is True
    assert ev("principal has nope") is False
    assert ev('User::"nobody" has age') is False
    assert ev("context.r.b.c") is False
    assert ev("context.r has b") is True
    assert error_kind('User::"nobody".age') is ErrorKind.ENTITY_DOES_NOT_EXIST
    assert error_kind("principal.nope") is ErrorKind.ATTR_DOES_NOT_EXIST
    assert error_kind("context.nope") is ErrorKind.ATTR_DOES_NOT_EXIST
    assert error_kind("(1).a") is ErrorKind.TYPE_ERROR
    assert error_kind("1 has a") is ErrorKind.TYPE_ERROR
    assert error_kind('principal.boss.boss') is ErrorKind.ATTR_DOES_NOT_EXIST


def test_tags() -> None:
    assert ev('principal.getTag("t1")') == 5
    assert ev('principal.hasTag("t2")') is True
    assert ev('principal.hasTag("age")') is False
    assert ev('User::"nobody".hasTag("t1")') is False
    assert error_kind('principal.getTag("age")') is ErrorKind.TAG_DOES_NOT_EXIST
    assert error_kind('User::"nobody".getTag("t1")') is ErrorKind.ENTITY_DOES_NOT_EXIST
    assert error_kind('context.getTag("t1")') is ErrorKind.TYPE_ERROR
    assert error_kind("principal.getTag(1)") is ErrorKind.TYPE_ERROR


@pytest.mark.parametrize("value, pattern, expected", [
    ("hello*world", "hello\\*world", True), ("hello*world", "h*d", True), ("hello*world", "*", True),
    ("", "*", True), ("", "", True), ("a", "", False), ("abc", "a*b*c", True), ("ac", "a*b*c", False),
    ("aaa", "a*a*a", True), ("aa", "a*a*a", False), ("x*y", "x\\**", True), ("éa", "é*", True),
    ("abcabc", "*abc", True), ("abcab", "*abc", False), ("abab", "ab*ab", True), ("aba", "ab*ab", False),
])
def test_like(value: str, pattern: str, expected: bool) -> None:
    assert evaluate(f'"{value}" like "{pattern}"', REQUEST, STORE) is expected


def test_like_needs_a_string() -> None:
    assert error_kind('1 like "*"') is ErrorKind.TYPE_ERROR


def test_is() -> None:
    assert ev("principal is User") is True
    assert ev("principal is Group") is False
    assert ev('principal is User in Group::"g2"') is True
    assert ev('principal is Group in Group::"g2"') is False
    assert ev('principal is Group in 1') is False  # the `in` is not evaluated when the type differs
    assert error_kind("1 is User") is ErrorKind.TYPE_ERROR
    assert error_kind("principal is User in 1") is ErrorKind.TYPE_ERROR


def test_set_operations() -> None:
    assert ev("[1, 2].contains(1)") is True
    assert ev("[1, 2].contains(true)") is False
    assert ev("[1, 2, 3].containsAll([1, 3])") is True
    assert ev("[1].containsAll([true])") is False
    assert ev("[1, 2].containsAny([3, 2])") is True
    assert ev("[].containsAny([])") is False
    assert ev("[].isEmpty()") is True and ev("[[]].isEmpty()") is False
    assert error_kind("1.contains(1)") is ErrorKind.TYPE_ERROR
    assert error_kind("[1].containsAll(1)") is ErrorKind.TYPE_ERROR
    assert error_kind("{}.isEmpty()") is ErrorKind.TYPE_ERROR


def test_extension_calls() -> None:
    assert ev('decimal("1.5")') == Decimal(15000)
    assert ev('principal.ip.isInRange(ip("10.0.0.0/8"))') is True
    assert ev('principal.d.lessThan(decimal("2.0"))') is True
    assert error_kind('ip("nope")') is ErrorKind.EXTENSION_ERROR
    assert error_kind("ip(1)") is ErrorKind.TYPE_ERROR
    assert error_kind('"10.0.0.1".isIpv4()') is ErrorKind.TYPE_ERROR


def test_extension_call_arity_and_unknown_function_fail_after_arguments() -> None:
    env = Env(ALICE, ALICE, ALICE, Record(), STORE.by_uid)
    bad_arity = ast.ExtCall("ip", (ast.Lit("1.2.3.4"), ast.Lit("x")))
    with pytest.raises(EvaluationError) as info:
        compile_expr(bad_arity)(env)
    assert "wrong number of arguments" in info.value.message
    erroring_argument = ast.ExtCall("nope", (ast.GetAttr(ast.Var("context"), "missing"),))
    with pytest.raises(EvaluationError) as info:
        compile_expr(erroring_argument)(env)
    assert info.value.kind is ErrorKind.ATTR_DOES_NOT_EXIST


def test_constant_extension_errors_surface_at_evaluation_not_compilation() -> None:
    f = compile_expr(ast.ExtCall("ip", (ast.Lit("bad"),)))
    with pytest.raises(EvaluationError):
        f(Env(ALICE, ALICE, ALICE, Record(), {}))


# ---------------------------------------------------------------- deep expressions


def _env() -> Env:
    return Env(ALICE, ALICE, ALICE, Record(), {})


@pytest.mark.parametrize("left_nested", [True, False])
def test_ten_thousand_nested_ands_evaluate(left_nested: bool) -> None:
    e: ast.Expr = ast.Lit(True)
    for _ in range(10_000):
        e = ast.And(e, ast.Lit(True)) if left_nested else ast.And(ast.Lit(True), e)
    assert compile_expr(e)(_env()) is True
    e = ast.Or(ast.Lit(False), e)
    for _ in range(10_000):
        e = ast.Or(e, ast.Lit(False)) if left_nested else ast.Or(ast.Lit(False), e)
    assert compile_expr(e)(_env()) is True


def test_deep_arithmetic_fails_cleanly() -> None:
    e: ast.Expr = ast.Lit(1)
    for _ in range(10_000):
        e = ast.BinaryApp("+", e, ast.Lit(1))
    with pytest.raises(EvaluationError, match="recursion limit"):
        compile_expr(e)(_env())
    shallow: ast.Expr = ast.Lit(1)
    for _ in range(MAX_DEPTH - 5):
        shallow = ast.BinaryApp("+", shallow, ast.Lit(1))
    assert compile_expr(shallow)(_env()) == MAX_DEPTH - 4


def test_deep_expression_behind_a_false_guard_is_never_reached() -> None:
    e: ast.Expr = ast.Lit(True)
    for _ in range(5_000):
        e = ast.UnaryApp("!", e)
    guarded = ast.And(ast.Lit(False), e)
    assert compile_expr(guarded)(_env()) is False


# ---------------------------------------------------------------- against the Rust engine


@pytest.mark.parametrize("seed", range(4))
def test_random_conditions_agree_with_rust(seed: int) -> None:
    r = random.Random(seed)
    conditions: list[str] = []
    while len(conditions) < 150:
        c = random_condition(r, r.randrange(1, 5))
        try:  # the generator can write text Cedar's grammar rejects (`!-1`); parsing is not under test
            parse_expr(c)
        except ParseError:
            continue
        conditions.append(c)
    assert_same_outcomes(conditions, ENTITIES, REQUEST)


def test_unknowns_from_json_fail_only_when_read() -> None:
    unknown = {"__extn": {"fn": "unknown", "arg": "u"}}
    entities = [{"uid": {"type": "User", "id": "alice"}, "parents": [], "tags": {"t": unknown},
                 "attrs": {"u": unknown, "r": {"k": 1, "u": unknown}, "s": [1, unknown]}}]
    conditions = [
        "principal has u", "principal.u == 1", "true || principal.u", "principal.u || true",
        "principal.r.k == 1", "principal.r has u", "principal.r.u == 1", "principal.s.contains(1)",
        'principal.hasTag("t")', 'principal.getTag("t") == 1', "false && principal.s.isEmpty()",
    ]
    assert_same_outcomes(conditions, entities, REQUEST)


def test_record_literal_fields_are_evaluated_in_key_order_so_the_first_error_is_rusts() -> None:
    """Rust keeps a record literal's fields sorted (a BTreeMap): `b` fails first, whatever the source order."""
    assert error_kind('{"if": -(-9223372036854775808), b: 1 + "a"}') is ErrorKind.TYPE_ERROR
    assert error_kind('{b: -(-9223372036854775808), "if": 1 + "a"}') is ErrorKind.ARITH_BOUNDS_ERROR
