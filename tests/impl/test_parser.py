"""The policy parser: Rust's grammar and its post-parse checks, errors with locations, no recursion."""

from __future__ import annotations

import json

import pytest

from impl.ast import (
    WILDCARD, ActionConstraint, And, BinaryApp, ExtCall, GetAttr, HasAttr, If, Is, Like, Lit, Or, RecordLit,
    ScopeConstraint, SetLit, Slot, UnaryApp, Var,
)
from impl.errors import ParseError
from impl.parser import MAX_DEPTH, parse_expr, parse_policies, parse_policies_with_comments, parse_policy, tokenize
from impl.values import EntityUID
from tests.corpus import corpus_tests, handwritten_tests

cedarpy = pytest.importorskip("cedarpy")


def cond(text: str):
    """The body of the single `when` condition of a policy with condition `text`."""
    (p,) = parse_policies(f"permit(principal, action, resource) when {{ {text} }};")
    return p.conditions[0].body


P, A, R, C = Var("principal"), Var("action"), Var("resource"), Var("context")


# ---------------------------------------------------------------- policies and scopes

def test_parses_every_scope_form() -> None:
    p = parse_policy('permit(principal == User::"a", action == Action::"v", resource in Folder::"f");')
    assert p.principal == ScopeConstraint("==", EntityUID("User", "a"))
    assert p.action == ActionConstraint("==", (EntityUID("Action", "v"),))
    assert p.resource == ScopeConstraint("in", EntityUID("Folder", "f"))
    p = parse_policy('forbid(principal is NS::User, action in [Action::"a", NS::Action::"b"], '
                     'resource is Photo in Album::"x");')
    assert p.effect == "forbid"
    assert p.principal == ScopeConstraint("is", entity_type="NS::User")
    assert p.action.entities == (EntityUID("Action", "a"), EntityUID("NS::Action", "b")) and p.action.is_list
    assert p.resource == ScopeConstraint("is_in", EntityUID("Album", "x"), "Photo")


def test_action_in_single_entity_and_empty_list() -> None:
    assert parse_policy('permit(principal, action in Action::"a", resource);').action.is_list is False
    assert parse_policy('permit(principal, action in [], resource);').action == ActionConstraint("in", ())


def test_scope_entities_may_be_parenthesized_and_trailing_comma_is_allowed() -> None:
    p = parse_policy('permit(principal == (User::"a"), action in ([Action::"x"]), resource,);')
    assert p.principal.entity == EntityUID("User", "a")
    assert p.action.entities == (EntityUID("Action", "x"),)


def test_templates_have_slots_in_scope() -> None:
    p = parse_policy("permit(principal in ?principal, action, resource is T in ?resource);")
    assert p.is_template and p.slots == ("?principal", "?resource")
    assert p.principal.entity == Slot("?principal")


def test_annotations_keep_order_and_valueless_form() -> None:
    p = parse_policy('@id("x") @if @b("\\u{41}") permit(principal, action, resource);')
    assert p.annotations == (("id", "x"), ("if", None), ("b", "A"))


def test_policies_are_named_by_position() -> None:
    ps = parse_policies('@id("a") permit(principal, action, resource); forbid(principal, action, resource);')
    assert [p.id for p in ps] == ["policy0", "policy1"]


def test_condition_order_and_kinds() -> None:
    p = parse_policy("permit(principal, action, resource) when { true } unless { false } when { 1 == 1 };")
    assert [c.kind for c in p.conditions] == ["when", "unless", "when"]


def test_empty_input_has_no_policies() -> None:
    assert parse_policies("") == [] and parse_policies("  // only a comment\n") == []


# ---------------------------------------------------------------- expressions

def test_precedence_of_boolean_and_arithmetic_operators() -> None:
    assert cond("true || false && true") == Or(Lit(True), And(Lit(False), Lit(True)))
    assert cond("1 + 2 * 3 < 4 - 5") == BinaryApp("<", BinaryApp("+", Lit(1), BinaryApp("*", Lit(2), Lit(3))),
                                                  BinaryApp("-", Lit(4), Lit(5)))
    assert cond("1 - 2 - 3") == BinaryApp("-", BinaryApp("-", Lit(1), Lit(2)), Lit(3))
    assert cond("a || b || c".replace("a", "true").replace("b", "false").replace("c", "true")) == \
        Or(Or(Lit(True), Lit(False)), Lit(True))


def test_unary_binds_tighter_than_binary_and_looser_than_member_access() -> None:
    assert cond("!context.a") == UnaryApp("!", GetAttr(C, "a"))
    assert cond("-context.a * 2") == BinaryApp("*", UnaryApp("neg", GetAttr(C, "a")), Lit(2))
    assert cond("!!true") == UnaryApp("!", UnaryApp("!", Lit(True)))


def test_relations_do_not_chain() -> None:
    with pytest.raises(ParseError, match="multiple relational operators"):
        cond("1 < 2 < 3")
    assert cond("(1 < 2) == true") == BinaryApp("==", BinaryApp("<", Lit(1), Lit(2)), Lit(True))


def test_every_relational_operator() -> None:
    for op in ("==", "!=", "<", "<=", ">", ">=", "in"):
        assert cond(f"principal {op} resource") == BinaryApp(op, P, R)


def test_negative_literals_fold_once_and_cover_i64_min() -> None:
    assert cond("-9223372036854775808") == Lit(-9223372036854775808)
    assert cond("--1") == UnaryApp("neg", Lit(-1))
    assert cond("-(1)") == UnaryApp("neg", Lit(1))
    assert cond("-1.a") == UnaryApp("neg", GetAttr(Lit(1), "a"))
    for text in ("9223372036854775808", "-(9223372036854775808)", "-9223372036854775809", "18446744073709551616"):
        with pytest.raises(ParseError, match="too large"):
            cond(text)


def test_chained_unary_operators_are_limited_to_four() -> None:
    assert cond("!!!!true") == UnaryApp("!", UnaryApp("!", UnaryApp("!", UnaryApp("!", Lit(True)))))
    with pytest.raises(ParseError, match="too many occurrences of `!`"):
        cond("!!!!!true")
    with pytest.raises(ParseError, match="too many occurrences of `-`"):
        cond("-----1")
    with pytest.raises(ParseError):
        cond("!-1")  # a unary operator applies to a member, not to another kind of unary


def test_has_with_a_path_desugars_like_rust() -> None:
    ca = GetAttr(C, "a")
    assert cond("context has a.b") == And(HasAttr(C, "a"), HasAttr(ca, "b"))
    assert cond('context has "a b"') == HasAttr(C, "a b")
    assert cond("context has principal") == HasAttr(C, "principal")
    for bad in ("context has if", "context has a.if", 'context has "a".b', "context has a::b", "context has (a)",
                'context has a["b"]', "context has 1", "context has true"):
        with pytest.raises(ParseError):
            cond(bad)


def test_like_patterns_distinguish_wildcards_from_escaped_stars() -> None:
    assert cond('context like "a*b\\*c"') == Like(C, ("a", WILDCARD, "b*c"))
    assert cond('context like "\\u{2a}"') == Like(C, (WILDCARD,))
    assert cond('context like ""') == Like(C, ())
    with pytest.raises(ParseError, match="pattern literal"):
        cond('context like ("a")')


def test_is_with_and_without_in() -> None:
    assert cond("principal is A::B") == Is(P, "A::B")
    assert cond("principal is User in resource") == Is(P, "User", R)
    with pytest.raises(ParseError, match="entity type name"):
        cond('principal is "User"')


def test_if_then_else_and_literals() -> None:
    assert cond("if true then [1, {a: 2}] else {}") == If(
        Lit(True), SetLit((Lit(1), RecordLit((("a", Lit(2)),)))), RecordLit(()))


def test_attribute_access_forms() -> None:
    assert cond('context["a b"].c') == GetAttr(GetAttr(C, "a b"), "c")
    assert cond('User::"x".name') == GetAttr(Lit(EntityUID("User", "x")), "name")
    assert cond('A::B::"x"') == Lit(EntityUID("A::B", "x"))
    assert cond("context.principal") == GetAttr(C, "principal")


def test_method_and_function_calls() -> None:
    assert cond("[1].contains(1)") == BinaryApp("contains", SetLit((Lit(1),)), Lit(1))
    assert cond("context.isEmpty()") == UnaryApp("isEmpty", C)
    assert cond('principal.getTag("t")') == BinaryApp("getTag", P, Lit("t"))
    assert cond('ip("1.2.3.4").isInRange(ip("1.0.0.0/8"))') == ExtCall(
        "isInRange", (ExtCall("ip", (Lit("1.2.3.4"),)), ExtCall("ip", (Lit("1.0.0.0/8"),))))
    assert cond('ip("a", "b")') == ExtCall("ip", (Lit("a"), Lit("b")))  # extension arity is checked when evaluated
    for bad, message in [("foo(1)", "not a valid function"), ("context.foo()", "not a valid method"),
                         ("contains(1)", "method, not a function"), ('context.ip("x")', "function, not a method"),
                         ("context.contains()", "exactly 1 argument"), ("[].isEmpty(1)", "exactly 0 arguments"),
                         ("principal(1)", "not a valid function call"), ("(1)(2)", "function calls must be"),
                         ("a::b(1)", "not a valid function"), ("ip.x", "no fields or methods")]:
        with pytest.raises(ParseError, match=message):
            cond(bad)


def test_record_literals() -> None:
    assert cond('{a: 1, "b c": 2, principal: 3}') == RecordLit((("a", Lit(1)), ("b c", Lit(2)), ("principal", Lit(3))))
    for bad in ("{a: 1, a: 2}", '{a: 1, "a": 2}', "{if: 1}", "{true: 1}", "{a::b: 1}", "{1: 1}", "{__cedar: 1}"):
        with pytest.raises(ParseError):
            cond(bad)


def test_reserved_identifiers_are_rejected_where_rust_rejects_them() -> None:
    for bad in ("context.if", "context.in", "context.__cedar", "__cedar::A::\"x\"", "if::a::\"x\"", "principal is in",
                "[in]", "x"):
        with pytest.raises(ParseError):
            cond(bad)
    assert cond("context.permit") == GetAttr(C, "permit")


def test_string_escapes_follow_rust() -> None:
    assert cond('"\\n\\r\\t\\\\\\0\\\'\\"\\x41\\u{1F600}\\u{1_0}"') == Lit("\n\r\t\\\0'\"A\U0001F600\x10")
    for bad in ('"\\q"', '"\\x80"', '"\\u{D800}"', '"\\u{110000}"', '"\\u{1234567}"', '"\\u{}"', '"\\u{_1}"',
                '"\\*"', '"a\rb"'):
        with pytest.raises(ParseError, match="escape|carriage"):
            cond(bad)


def test_slots_only_in_the_scope() -> None:
    with pytest.raises(ParseError, match="template slot"):
        cond("?principal == principal")
    with pytest.raises(ParseError, match="instead of \\?resource"):
        parse_policy("permit(principal, action, resource == ?principal);")
    with pytest.raises(ParseError, match="not a valid template slot"):
        parse_policy("permit(principal == ?other, action, resource);")
    with pytest.raises(ParseError):
        parse_policy("permit(principal, action == ?principal, resource);")


def test_parse_expr_reads_a_standalone_expression() -> None:
    assert parse_expr("principal.age >= 18") == BinaryApp(">=", GetAttr(P, "age"), Lit(18))
    with pytest.raises(ParseError):
        parse_expr("?principal")


def test_locations_point_into_the_source() -> None:
    p = parse_policy('permit(principal, action, resource)\nwhen { context.a };', "f.cedar")
    body = p.conditions[0].body
    assert (body.loc.line, body.loc.column) == (2, 8)
    assert body.loc.source.name == "f.cedar"


def test_comments_are_collected_with_offsets() -> None:
    text = "// top\npermit(principal, action, resource); // end"
    _policies, comments = parse_policies_with_comments(text)
    assert [(c.text, text[c.start:c.end]) for c in comments] == [("// top", "// top"), ("// end", "// end")]


def test_whitespace_is_unicode_whitespace_as_in_rust() -> None:
    assert parse_policies("permit(principal,\u00a0action,\u2028resource);")
    with pytest.raises(ParseError, match="invalid token"):
        parse_policies("permit(principal,\x1caction, resource);")


# ---------------------------------------------------------------- errors

MALFORMED = [
    # (text, line, column, message fragment)
    ("permit(principal, action, resource)", 1, 36, "unexpected end of input"),
    ('permit(principal, action, resource) when { "abc };', 1, 44, "unterminated string"),
    ('permit(principal, action, resource) when {\n  "a\\qb" };', 2, 5, "not a valid escape"),
    ("permit(principal, action, resource) when { {a: 1, a: 2} };", 1, 51, "duplicate key"),
    ('@a("x")\n@a("y") permit(principal, action, resource);', 2, 1, "duplicate annotation"),
    ("permit(principal, action, resource) when { 1 < 2 < 3 };", 1, 44, "multiple relational"),
    ("permit(principal, action, resource) when { principal $ 1 };", 1, 54, "invalid token `$`"),
    ("permit(principal, action, resource) when { a & b };", 1, 46, "invalid token `&`"),
    ("permit(principal, action, resource) when { foo(1) };", 1, 44, "not a valid function"),
    ("permit(principal, action, resource) when { 99999999999999999999 };", 1, 44, "too large"),
    ("permit(principal, action, resource) when { context.if };", 1, 52, "reserved"),
    ("permit(principal == ?resource, action, resource);", 1, 21, "instead of ?principal"),
    ("permit(principal, action);", 1, 1, "missing the `resource` variable"),
    ("permit(principal, action, resource, context);", 1, 37, "extra element"),
    ("permit(action, principal, resource);", 1, 8, "where the variable `principal` must be used"),
    ("allow(principal, action, resource);", 1, 1, "invalid policy effect"),
    ("permit(principal, action, resource) where { true };", 1, 37, "invalid policy condition"),
    ("permit(principal, action, resource) when { };", 1, 37, "cannot be empty"),
    ("permit(principal: User, action, resource);", 1, 17, "type constraints"),
    ('permit(principal = User::"a", action, resource);', 1, 18, "'=' is not a valid operator"),
    ('permit(principal in User::"a" is User, action, resource);', 1, 8, "`is` must come first"),
    ('permit(principal is User == User::"a", action, resource);', 1, 8, "`is` cannot be used together with `==`"),
    ('permit(principal in [User::"a"], action, resource);', 1, 21, "found set of entity uids"),
    ('permit(principal, action == User::"a", resource);', 1, 29, "type `Action`"),
    ('permit(principal, action is Action, resource);', 1, 19, "`is` cannot appear in the action scope"),
    ("permit(principal, action, resource) when { 1 / 2 };", 1, 46, "division"),
    ("permit(principal, action, resource) when { 1 % 2 };", 1, 46, "remainder"),
    ('permit(principal, action, resource) when { Action::{a: 1} };', 1, 44, "invalid entity literal"),
    ("permit(principal, action, resource) when { true }", 1, 50, "unexpected end of input"),
    ("permit(principal, action, resource) when { true };;", 1, 51, "unexpected token `;`"),
    ('permit(principal, action, resource) when { "a\\\n b" };', 1, 44, "line break"),
    ("permit(principal, action, resource)\n  when { context.a.b(1) };", 2, 19, "not a valid method"),
]


@pytest.mark.parametrize("text,line,column,fragment", MALFORMED)
def test_malformed_input_gives_a_located_parse_error(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_policies(text)
    err = info.value
    assert fragment in str(err)
    assert (err.line, err.column) == (line, column)
    assert "^" in str(err)  # the caret snippet


def test_rust_rejects_every_malformed_example_too() -> None:
    for text, *_ in MALFORMED:
        with pytest.raises(Exception):
            cedarpy.policies_to_json_str(text)


def test_several_broken_policies_are_reported_together() -> None:
    text = ("permit(principal, action, resource) when { x };\n"
            "permit(principal, action, resource);\n"
            "forbid(principal, action) when { true };")
    with pytest.raises(ParseError) as info:
        parse_policies(text)
    errors = info.value.errors  # type: ignore[attr-defined]
    assert [(e.line, e.column) for e in errors] == [(1, 44), (3, 1)]
    assert "2 errors" in info.value.message


# ---------------------------------------------------------------- deep nesting

@pytest.mark.parametrize("build", [
    lambda n: "(" * n + "1" + ")" * n,
    lambda n: "if true then " * n + "1" + " else 2" * n,
    lambda n: "!(" * n + "true" + ")" * n,
    lambda n: "[" * n + "]" * n,
    lambda n: " && ".join(["true"] * n),
    lambda n: "context" + ".a" * n,
    lambda n: "(" * n,
])
def test_deep_nesting_never_overflows_the_stack(build) -> None:
    for n in (400, 10_000):
        try:
            parse_policies(f"permit(principal, action, resource) when {{ {build(n)} }};")
        except ParseError as e:
            assert n > MAX_DEPTH or "unexpected" in e.message


def test_operators_nest_to_any_depth_as_in_rust() -> None:
    """Rust's parser sets no depth limit (its evaluator and validator stop deep expressions)."""
    for n in (500, 5 * MAX_DEPTH):
        body = cond("if true then " * n + "true" + " else false" * n)
        depth = 0
        while isinstance(body, If):
            body, depth = body.then, depth + 1
        assert depth == n


def test_brackets_nest_at_most_max_depth_deep() -> None:
    """Rust's parser recurses on brackets and overflows its stack (cedarpy dies at ~600): an error here."""
    body = cond("!(" * (MAX_DEPTH - 1) + "true" + ")" * (MAX_DEPTH - 1))  # inside the `when { }`
    for _ in range(MAX_DEPTH - 1):
        body = body.arg
    assert body == cond("true")
    with pytest.raises(ParseError, match="nested too deeply") as info:
        parse_policies("permit(principal, action, resource) when {\n" + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "};")
    assert (info.value.line, info.value.column) == (2, MAX_DEPTH)


# ---------------------------------------------------------------- against Rust

TRICKY = [
    "principal has principal.x", "-5.foo", "--9223372036854775808", "true.x", '"ab".x', 'A::"a"["x"]',
    "context.a::b", 'ip("1").isInRange()', "principal in principal is A", "principal is principal",
    "if::x::\"a\"", '{"__cedar": 1}', "principal has context", "1 + -2", "1 - -2", "[1,]", "{a: 1,}", "{}",
    'context.a.b.c has d.e', 'principal like "\\u{2a}\\*"', "!!!!false", "----1", "(-1).a", "x = 1",
    "principal.contains(1, 2)", "decimal(\"1.0\").lessThan()", "datetime(\"x\").toDays(1)", 'duration("1h")',
    "context[\"a\"][\"b\"]", "context[principal]", "[principal, action].containsAll([])",
]


@pytest.mark.parametrize("text", TRICKY)
def test_accepts_and_rejects_exactly_what_rust_does(text: str) -> None:
    from impl import est

    policy = f"permit(principal, action, resource) when {{ {text} }};"
    try:
        expected = json.loads(cedarpy.policies_to_json_str(policy))["staticPolicies"]["policy0"]
    except ValueError:
        expected = None
    try:
        got = est.policy_to_json(parse_policy(policy))
    except ParseError:
        got = None
    assert got == expected


def test_every_integration_policy_set_parses() -> None:
    count = 0
    for test in [*handwritten_tests(), *corpus_tests()]:
        count += len(parse_policies(test.policies, test.name))
    assert count >= 7809


def test_tokenizer_keywords_beat_identifiers_only_on_equal_length() -> None:
    tokens, _ = tokenize("principal principals ?principal ?principals :: : == =")
    assert [t.type for t in tokens] == ["PRINCIPAL", "IDENT", "PRINCIPAL_SLOT", "OTHER_SLOT", "_DCOLON", "COLON",
                                        "EQEQ", "EQ"]
