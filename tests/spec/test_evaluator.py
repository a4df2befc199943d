"""Each expression form of the model, on concrete values: results and errors (Lean `Evaluator.lean`)."""

from __future__ import annotations

import pytest

from tests.spec.helpers import error, ok, run

ALICE = {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 30, "nick": "al", "manager": {"__entity": {"type": "User", "id": "bob"}}},
         "parents": [{"type": "Group", "id": "staff"}], "tags": {"level": 3}}
STAFF = {"uid": {"type": "Group", "id": "staff"}, "attrs": {}, "parents": [{"type": "Group", "id": "all"}]}
STORE = [ALICE, STAFF]


@pytest.mark.parametrize("src, value", [
    ("true", True), ("-5", -5), ('"a\\u{1F600}"', "a\U0001F600"),
    ('User::"x"', {"__entity": {"type": "User", "id": "x"}}),
])
def test_literals_evaluate_to_themselves(src: str, value: object) -> None:
    assert ok(src) == value


def test_variables_read_the_request() -> None:
    assert ok("principal") == {"__entity": {"type": "User", "id": "alice"}}
    assert ok("action") == {"__entity": {"type": "Action", "id": "view"}}
    assert ok("resource") == {"__entity": {"type": "Photo", "id": "p"}}
    assert ok("context", context={"k": 1}) == {"k": 1}


def test_if_then_else_takes_one_branch_and_needs_a_boolean_guard() -> None:
    assert ok("if true then 1 else 1 + principal") == 1
    assert ok("if false then principal.nope else 2") == 2
    assert error("if 1 then 2 else 3") == "typeError"
    assert error("if principal.nope then 2 else 3") == "entityDoesNotExist"


def test_and_or_short_circuit_and_check_both_operands_are_booleans() -> None:
    assert ok("false && 1") is False and ok("true || 1") is True
    assert error("true && 1") == "typeError" and error("false || 1") == "typeError"
    assert error("1 && true") == "typeError"
    assert ok("true && false") is False and ok("false || true") is True


@pytest.mark.parametrize("src, result", [
    ("!true", ("ok", False)), ("!1", ("error", "typeError")),
    ("-(5)", ("ok", -5)), ("-(-9223372036854775807 - 1)", ("error", "arithBoundsError")),
    ("[].isEmpty()", ("ok", True)), ("[1].isEmpty()", ("ok", False)), ('"a".isEmpty()', ("error", "typeError")),
    ('"abc" like "a*"', ("ok", True)), ('"a*c" like "a\\*c"', ("ok", True)), ('"abc" like "a\\*c"', ("ok", False)),
    ('"" like "*"', ("ok", True)), ('1 like "*"', ("error", "typeError")),
    ('principal is User', ("ok", True)), ('principal is Group', ("ok", False)), ('1 is User', ("error", "typeError")),
])
def test_unary_operators(src: str, result: tuple) -> None:
    assert run(src) == result


@pytest.mark.parametrize("src, result", [
    ("1 == 1", ("ok", True)), ('1 == "1"', ("ok", False)), ("[1, 2, 2] == [2, 1]", ("ok", True)),
    ("{a: [1, 2], b: {}} == {b: {}, a: [2, 1]}", ("ok", True)), ("{a: 1} == {a: 1, b: 2}", ("ok", False)),
    ('decimal("1.0") == decimal("1.0000")', ("ok", True)), ('ip("10.0.0.1/8") == ip("10.0.0.0/8")', ("ok", False)),
    ("1 < 2", ("ok", True)), ("2 <= 2", ("ok", True)), ("3 > 2", ("ok", True)), ("2 >= 3", ("ok", False)),
    ('1 < "2"', ("error", "typeError")), ('decimal("1.0") < decimal("2.0")', ("error", "typeError")),
    ('datetime("2020-01-01") < datetime("2021-01-01")', ("ok", True)), ('duration("1h") <= duration("60m")', ("ok", True)),
    ('datetime("2020-01-01") < duration("1h")', ("error", "typeError")),
    ("9223372036854775807 + 1", ("error", "arithBoundsError")), ("-9223372036854775807 - 2", ("error", "arithBoundsError")),
    ("4611686018427387904 * 2", ("error", "arithBoundsError")), ("3 * -4", ("ok", -12)), ("7 - 10", ("ok", -3)),
    ('1 + "a"', ("error", "typeError")),
    ("[1, 2].contains(2)", ("ok", True)), ("[[1]].contains([1])", ("ok", True)), ("1.contains(1)", ("error", "typeError")),
    ("[1, 2, 3].containsAll([3, 1])", ("ok", True)), ("[1].containsAll([1, 2])", ("ok", False)),
    ("[1].containsAny([2, 1])", ("ok", True)), ("[1].containsAny([])", ("ok", False)),
    ("[1].containsAll(1)", ("error", "typeError")),
])
def test_binary_operators(src: str, result: tuple) -> None:
    assert run(src) == result


@pytest.mark.parametrize("src, result", [
    ('principal in Group::"staff"', ("ok", True)), ('principal in Group::"all"', ("ok", True)),
    ('principal in principal', ("ok", True)), ('Group::"staff" in User::"alice"', ("ok", False)),
    ('User::"ghost" in User::"ghost"', ("ok", True)), ('User::"ghost" in Group::"staff"', ("ok", False)),
    ('principal in [User::"x", Group::"all"]', ("ok", True)), ('principal in []', ("ok", False)),
    ('principal in [Group::"all", 1]', ("error", "typeError")), ('1 in Group::"all"', ("error", "typeError")),
    ('principal in "staff"', ("error", "typeError")),
])
def test_in_follows_the_transitively_closed_hierarchy(src: str, result: tuple) -> None:
    assert run(src, entities=STORE) == result


@pytest.mark.parametrize("src, result", [
    ("principal.age", ("ok", 30)), ("principal.manager", ("ok", {"__entity": {"type": "User", "id": "bob"}})),
    ("principal.nope", ("error", "attrDoesNotExist")), ("principal.manager.age", ("error", "entityDoesNotExist")),
    ("{a: 1}.a", ("ok", 1)), ("{a: 1}.b", ("error", "attrDoesNotExist")), ("1.a", ("error", "typeError")),
    ("principal has age", ("ok", True)), ("principal has nope", ("ok", False)),
    ("principal.manager has age", ("ok", False)), ("{a: 1} has a", ("ok", True)), ('"s" has a', ("error", "typeError")),
    ("principal has manager.age", ("ok", False)),
])
def test_attributes_of_records_and_entities(src: str, result: tuple) -> None:
    assert run(src, entities=STORE) == result


@pytest.mark.parametrize("src, result", [
    ('principal.hasTag("level")', ("ok", True)), ('principal.hasTag("age")', ("ok", False)),
    ('principal.getTag("level")', ("ok", 3)), ('principal.getTag("age")', ("error", "tagDoesNotExist")),
    ('principal.manager.hasTag("level")', ("ok", False)),
    ('principal.manager.getTag("level")', ("error", "entityDoesNotExist")),
    ('principal.getTag(1)', ("error", "typeError")), ('"x".hasTag("a")', ("error", "typeError")),
])
def test_tags(src: str, result: tuple) -> None:
    assert run(src, entities=STORE) == result


def test_set_and_record_literals_evaluate_their_elements_in_order() -> None:
    assert ok("[3, 1, 3, 2]") == [1, 2, 3]
    assert ok("[{b: 1}, {a: 1}, {a: 1}]") == [{"a": 1}, {"b": 1}]
    assert ok('{z: [User::"a"], a: -1}') == {"a": -1, "z": [{"__entity": {"type": "User", "id": "a"}}]}
    assert error("[1, principal.nope, 1 + true]") == "entityDoesNotExist"
    assert error("{a: 1 + true, b: principal.nope}") == "typeError"


def test_extension_calls_check_their_arguments() -> None:
    assert error('decimal("1.0").lessThan(1)') == "typeError"
    assert error('ip("1.2.3.4").isInRange(decimal("1.0"))') == "typeError"
    assert error('decimal("x")') == "extensionError"
    assert ok('decimal(context.s)', context={"s": "2.5"}) == {"__extn": {"fn": "decimal", "arg": "2.5000"}}
    assert error('ip(context.s)', context={"s": "2.5"}) == "extensionError"


def test_the_first_error_in_evaluation_order_wins() -> None:
    assert error("principal.nope + (1 + true)") == "entityDoesNotExist"
    assert error("(1 + true) + principal.nope") == "typeError"
