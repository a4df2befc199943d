"""The formatter: `cedar format`'s layout, minimal parentheses, meaning kept, idempotent."""

from __future__ import annotations

import random
import sys

import pytest

from impl.ast import (
    WILDCARD, ActionConstraint, And, BinaryApp, Condition, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or, Policy,
    RecordLit, ScopeConstraint, SetLit, UnaryApp, Var,
)
from impl.format import format_expr, format_policies, format_policy, format_text
from impl.parser import parse_policies, parse_policy
from impl.values import EntityUID
from tests.corpus import corpus_tests, handwritten_tests

cedarpy = pytest.importorskip("cedarpy")

P, C = Var("principal"), Var("context")


def policy_with(body) -> Policy:
    return Policy("policy0", "permit", ScopeConstraint(), ActionConstraint(), ScopeConstraint(),
                  (Condition("when", body),))


def roundtrip(body) -> str:
    """Format a policy with condition `body`, check it parses back to the same AST, return the condition text."""
    p = policy_with(body)
    text = format_policy(p)
    assert parse_policy(text) == p, text
    return format_expr(body)


# ---------------------------------------------------------------- layout

LAYOUTS = [
    ("permit(principal,action,resource);", "permit (principal, action, resource);\n"),
    ('@id("x") @advice permit(principal == User::"a", action, resource) when { true } unless { false };',
     '@id("x")\n@advice\npermit (\n  principal == User::"a",\n  action,\n  resource\n)\n'
     "when { true }\nunless { false };\n"),
    ("permit(principal, action, resource) when { 1111111111 + 2222222222 + 3333333333 + 4444444444 + 5555555555 + "
     "6666666666 + 7777777777 };",
     "permit (principal, action, resource)\nwhen\n{\n  1111111111 +\n  2222222222 +\n  3333333333 +\n  4444444444 +\n"
     "  5555555555 +\n  6666666666 +\n  7777777777\n};\n"),
    ("permit(principal, action, resource) when { {a: 1, \"b c\": [1,2]} };",
     'permit (principal, action, resource)\nwhen { { a: 1, "b c": [1, 2] } };\n'),
]


@pytest.mark.parametrize("source,expected", LAYOUTS)
def test_layout_matches_cedar_format(source: str, expected: str) -> None:
    assert format_text(source) == expected
    assert cedarpy.format_policies(source) == expected


def test_policies_are_separated_by_blank_lines() -> None:
    text = format_text("permit(principal, action, resource); forbid(principal, action, resource);")
    assert text == "permit (principal, action, resource);\n\nforbid (principal, action, resource);\n"


def test_long_member_chains_break_before_each_access() -> None:
    source = ("permit(principal, action, resource) when { context.aaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb"
              ".cccccccccccccccccccccccccc.ddddddddddddddddddddddd == 1 };")
    assert format_text(source) == cedarpy.format_policies(source)


def test_width_counts_display_columns_of_wide_characters() -> None:
    source = 'permit(principal, action, resource is a) when { true && "𰰰" like "*𰰰" && "𰰰" like "*𰰰" && resource in resource };'
    assert format_text(source) == cedarpy.format_policies(source)


# ---------------------------------------------------------------- parentheses

def test_parentheses_only_where_the_grammar_needs_them() -> None:
    assert roundtrip(Or(And(Lit(True), Lit(False)), Lit(True))) == "true && false || true"
    assert roundtrip(And(Or(Lit(True), Lit(False)), Lit(True))) == "(true || false) && true"
    assert roundtrip(BinaryApp("-", Lit(1), BinaryApp("-", Lit(2), Lit(3)))) == "1 - (2 - 3)"
    assert roundtrip(BinaryApp("-", BinaryApp("-", Lit(1), Lit(2)), Lit(3))) == "1 - 2 - 3"
    assert roundtrip(BinaryApp("*", BinaryApp("+", Lit(1), Lit(2)), Lit(3))) == "(1 + 2) * 3"
    assert roundtrip(BinaryApp("<", BinaryApp("<", Lit(1), Lit(2)), Lit(3))) == "(1 < 2) < 3"
    assert roundtrip(GetAttr(BinaryApp("+", Lit(1), Lit(2)), "a")) == "(1 + 2).a"
    assert roundtrip(If(Lit(True), If(Lit(True), Lit(1), Lit(2)), Lit(3))) == "if true then if true then 1 else 2 else 3"
    assert roundtrip(BinaryApp("+", If(Lit(True), Lit(1), Lit(2)), Lit(3))) == "(if true then 1 else 2) + 3"


def test_negation_never_turns_into_a_literal() -> None:
    assert roundtrip(Lit(-5)) == "-5"
    assert roundtrip(UnaryApp("neg", Lit(5))) == "-(5)"
    assert roundtrip(UnaryApp("neg", Lit(-5))) == "--5"
    assert roundtrip(UnaryApp("neg", UnaryApp("neg", Lit(5)))) == "--(5)"
    assert roundtrip(GetAttr(Lit(-5), "a")) == "(-5).a"
    assert roundtrip(UnaryApp("neg", GetAttr(Lit(5), "a"))) == "-5.a"
    assert roundtrip(UnaryApp("!", Lit(-5))) == "!(-5)"
    assert roundtrip(Lit(-9223372036854775808)) == "-9223372036854775808"


def test_long_unary_chains_are_split_after_four() -> None:
    e = Lit(True)
    for _ in range(6):
        e = UnaryApp("!", e)
    assert roundtrip(e) == "!!(!!!!true)"
    e = Lit(-1)
    for _ in range(4):
        e = UnaryApp("neg", e)
    assert roundtrip(e) == "-(----1)"


def test_attributes_and_keys_that_are_not_identifiers_are_quoted() -> None:
    assert roundtrip(GetAttr(C, "if")) == 'context["if"]'
    assert roundtrip(GetAttr(C, "a b")) == 'context["a b"]'
    assert roundtrip(HasAttr(C, "__cedar")) == 'context has "__cedar"'
    assert roundtrip(RecordLit((("in", Lit(1)), ("ok", Lit(2))))) == '{ "in": 1, ok: 2 }'


def test_strings_and_patterns_are_escaped() -> None:
    assert roundtrip(Lit('a"b\\c\n\0')) == '"a\\"b\\\\c\\n\\0"'
    assert roundtrip(Like(C, ("a*b", WILDCARD, '"'))) == 'context like "a\\*b*\\""'


def test_calls_print_in_their_style() -> None:
    ip = ExtCall("ip", (Lit("1.2.3.4"),))
    assert roundtrip(ExtCall("isInRange", (ip, ip))) == 'ip("1.2.3.4").isInRange(ip("1.2.3.4"))'
    assert roundtrip(BinaryApp("contains", SetLit(()), Lit(1))) == "[].contains(1)"
    assert roundtrip(UnaryApp("isEmpty", C)) == "context.isEmpty()"
    assert roundtrip(Is(P, "A::B", Lit(EntityUID("G", "g")))) == 'principal is A::B in G::"g"'


# ---------------------------------------------------------------- whole corpus, random ASTs

def test_corpus_formats_to_a_fixed_point_of_cedar_format_and_keeps_meaning() -> None:
    for test in [*handwritten_tests(), *corpus_tests()]:
        policies = parse_policies(test.policies)
        text = format_policies(policies)
        assert parse_policies(text) == policies, test.name
        assert format_text(text) == text, test.name
        assert cedarpy.format_policies(text) == text, test.name


def _random_expr(rng: random.Random, depth: int = 0):
    leaves = [Lit(0), Lit(7), Lit(-3), Lit(True), Lit("s"), Lit("é 日"), Lit(EntityUID("NS::T", "x")), P, C]
    if depth > 4 or rng.random() < 0.25:
        return rng.choice(leaves)
    sub = lambda: _random_expr(rng, depth + 1)  # noqa: E731
    pick = rng.randrange(12)
    if pick == 0:
        return If(sub(), sub(), sub())
    if pick == 1:
        return rng.choice([And, Or])(sub(), sub())
    if pick == 2:
        return UnaryApp(rng.choice(["!", "neg", "isEmpty"]), sub())
    if pick in (3, 4):
        return BinaryApp(rng.choice(["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "in", "contains", "getTag"]),
                         sub(), sub())
    if pick == 5:
        return GetAttr(sub(), rng.choice(["a", "if", "b c"]))
    if pick == 6:
        return HasAttr(sub(), rng.choice(["a", "is"]))
    if pick == 7:
        return Like(sub(), rng.choice([("a", WILDCARD), (), ("*",)]))
    if pick == 8:
        return Is(sub(), "A::B", sub() if rng.random() < 0.5 else None)
    if pick == 9:
        return SetLit(tuple(sub() for _ in range(rng.randrange(3))))
    if pick == 10:
        return RecordLit(tuple((k, sub()) for k in rng.sample(["a", "in", "x y"], rng.randrange(3))))
    return ExtCall(rng.choice(["ip", "lessThan", "offset"]), tuple(sub() for _ in range(rng.randrange(1, 3))))


def test_random_expressions_round_trip_and_agree_with_cedar_format() -> None:
    rng = random.Random(7)
    for _ in range(300):
        body = _random_expr(rng)
        if rng.random() < 0.2:
            for _ in range(rng.randrange(1, 7)):
                body = UnaryApp(rng.choice(["!", "neg"]), body)
        p = policy_with(body)
        text = format_policies([p])
        assert parse_policies(text) == [p], text
        assert cedarpy.format_policies(text) == text


def test_deep_expressions_format_without_recursion() -> None:
    body = Lit(True)
    for _ in range(450):  # depth 900, within the parser's limit
        body = UnaryApp("!", SetLit((body,)))
    text = format_policy(policy_with(body))
    back = parse_policy(text).conditions[0].body
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)  # comparing the ASTs recurses (the dataclass `__eq__`)
    try:
        assert back == body
    finally:
        sys.setrecursionlimit(limit)
