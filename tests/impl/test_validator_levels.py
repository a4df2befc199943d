"""Level validation (RFC 76): how many entity hops from the request a policy may read.

The cases follow the Rust validator's own level tests (`level_validate.rs`): for
each policy condition, the lowest level it validates at and, one level lower,
which expressions are reported.
"""

from __future__ import annotations

from collections import Counter

import pytest

from impl.errors import PolicySetError
from impl.policyset import PolicySet
from impl.schema import Schema
from impl.validator import ValidationResult, validate

SCHEMA = Schema.from_str("""
entity User in [User] {
  user: User,
  bool: Bool,
  other: String,
  ip: ipaddr,
  nested: { user: User },
} tags User;
entity Photo { user: User };
action view appliesTo {
  principal: [User],
  resource: [Photo],
  context: { user: User, nested: { user: User } },
};
""")

LITERAL_DEREF = "entity literals cannot be dereferenced at any level"


def policy(condition: str) -> str:
    return f"permit(principal, action, resource) when {{ {condition} }};"


def run(text: str, level: int | None) -> ValidationResult:
    return validate(PolicySet.from_str(text), SCHEMA, level=level)


def underlined(result: ValidationResult) -> Counter:
    """What each error points at, as written in the policy (None when it has no location)."""
    return Counter(e.loc.source.text[e.loc.start:e.loc.end] if e.loc is not None else None for e in result.errors)


def exceeded(needed: int, allowed: int) -> str:
    return f"this policy requires level {needed}, which exceeds the maximum allowed level ({allowed})"


def assert_requires(text: str, level: int, spans: list[str]) -> None:
    """`text` validates at `level` but not at `level - 1`, where exactly `spans` are reported."""
    at_level = run(text, level)
    assert at_level.passed, "\n".join(map(str, at_level.errors))
    if level == 0:
        assert not spans
        return
    below = run(text, level - 1)
    assert underlined(below) == Counter(spans), "\n".join(map(str, below.errors))
    for e in below.errors:
        assert e.kind == "entity_deref_level_violation" and e.policy_id == "policy0"
        assert e.message.startswith("this policy requires level ") and e.message.endswith(f"({level - 1})")


# ---------------------------------------------------------------- ported cases

LEVEL_ZERO = [
    "true",
    "1 > 0",
    'User::"alice" is User',
    "context has user",
    "context.user is User",
    "context.nested.user is User",
    "{foo: principal} has foo",
    "{foo: principal}.foo is User",
    "{foo: {bar: principal}}.foo.bar is User",
]


@pytest.mark.parametrize("condition", LEVEL_ZERO)
def test_reading_no_entity_needs_level_zero(condition: str) -> None:
    assert_requires(policy(condition), 0, [])


@pytest.mark.parametrize("text", [
    "permit(principal, action, resource);",
    'permit(principal == User::"alice", action, resource);',
    'permit(principal, action == Action::"view", resource);',
    "permit(principal is User, action, resource);",
])
def test_scopes_without_in_need_level_zero(text: str) -> None:
    assert_requires(text, 0, [])


CASES = [
    # one hop
    ("principal.bool", 1, ["principal.bool"]),
    ("principal.nested.user is User", 1, ["principal.nested.user"]),
    ("principal has user", 1, ["principal has user"]),
    ('principal.hasTag("tag") && principal.getTag("tag") is User', 1,
     ['principal.hasTag("tag")', 'principal.getTag("tag")']),
    ('principal in User::"other"', 1, ['principal in User::"other"']),
    ('principal in [User::"other"]', 1, ['principal in [User::"other"]']),
    ('action in Action::"view"', 1, ['action in Action::"view"']),
    ("context.user.bool", 1, ["context.user.bool"]),
    ("context.nested.user.bool", 1, ["context.nested.user.bool"]),
    ('Action::"view" in action', 1, ['Action::"view" in action']),
    # two hops
    ("principal.user.bool", 2, ["principal.user.bool"]),
    ("principal.nested.user.bool", 2, ["principal.nested.user.bool"]),
    ('principal.hasTag("tag") && principal.getTag("tag").bool', 2, ['principal.getTag("tag").bool']),
    ('principal.user.hasTag("tag") && principal.user.getTag("tag") is User', 2,
     ['principal.user.hasTag("tag")', 'principal.user.getTag("tag")']),
    ("context.user.user.bool", 2, ["context.user.user.bool"]),
    ("context.nested.user.nested.user.bool", 2, ["context.nested.user.nested.user.bool"]),
    # three hops
    ('principal.user.hasTag("t") && principal.user.getTag("t") in resource.user', 3,
     ['principal.user.getTag("t") in resource.user']),
    ("principal.nested.user.nested.user.bool", 3, ["principal.nested.user.nested.user.bool"]),
    ("principal has user.user.bool && principal.user.user.bool", 3,
     ["principal has user.user.bool", "principal.user.user.bool"]),
    ('principal.hasTag("foo") && principal.getTag("foo").hasTag("bar") && principal.getTag("foo").getTag("bar").bool',
     3, ['principal.getTag("foo").getTag("bar").bool']),
    # the key of a tag read and the right operand of `in` are checked too
    ('principal.hasTag(principal.user.other) && principal.getTag(principal["user"]["other"]) is User', 2,
     ["principal.user.other", 'principal["user"]["other"]']),
    ('principal.hasTag(principal.user.user.other) && principal.getTag(principal.user["user"]["other"]).bool', 3,
     ["principal.user.user.other", 'principal.user["user"]["other"]']),
    ("principal in principal.user.user", 2, ["principal.user.user"]),
    # every part of an `if`
    ("if principal.user.user.bool then principal.bool else resource.user.bool", 3, ["principal.user.user.bool"]),
    ("if principal.bool then principal.bool else resource.user.user.bool", 3, ["resource.user.user.bool"]),
    ("if principal.bool then principal.user.user.bool else resource.user.bool", 3, ["principal.user.user.bool"]),
    ("if context.user.user.user.bool then resource.user.user.bool else principal.user.user.bool", 3,
     ["context.user.user.user.bool", "resource.user.user.bool", "principal.user.user.bool"]),
    # an `if` whose value is dereferenced counts its deeper branch
    ("(if principal.bool then principal.user else resource.user).bool", 2,
     ["(if principal.bool then principal.user else resource.user).bool"]),
    ("(if principal.bool then principal.user else resource.user.user).bool", 3,
     ["(if principal.bool then principal.user else resource.user.user).bool"]),
    ("(if principal.bool then principal.user.user else resource.user).bool", 3,
     ["(if principal.bool then principal.user.user else resource.user).bool"]),
    ("(if principal.user.bool then principal.user.user else resource.user.user).bool", 3,
     ["(if principal.user.bool then principal.user.user else resource.user.user).bool"]),
    ("(if principal.user.user.bool then principal.user.user else resource.user.user).bool", 3,
     ["(if principal.user.user.bool then principal.user.user else resource.user.user).bool",
      "principal.user.user.bool"]),
    # record literals: the attribute read out is the target, the others are ordinary expressions
    ("{foo: principal, bar: principal.user.user.user.user}.foo.bool", 4, ["principal.user.user.user.user"]),
    ("{foo: principal, bar: principal.user.user, baz: resource.user.user}.foo.bool", 2,
     ["principal.user.user", "resource.user.user"]),
    ("{foo: principal.user, bar: principal.bool} == {foo: principal.nested.user, bar: false}", 1,
     ["principal.user", "principal.bool", "principal.nested.user"]),
    ("{foo: {bar: principal}}.foo.bar.bool", 1, ["{foo: {bar: principal}}.foo.bar.bool"]),
    ("{foo: principal.user}.foo.bool", 2, ["{foo: principal.user}.foo.bool"]),
    ("{biz: {foo: {bar: principal.user}}.foo}.biz.bar.bool", 2,
     ["{biz: {foo: {bar: principal.user}}.foo}.biz.bar.bool"]),
    ("{biz: {foo: {bar: principal}.bar.user}.foo}.biz.bool", 2,
     ["{biz: {foo: {bar: principal}.bar.user}.foo}.biz.bool"]),
    ("{biz: {baz: {bar: {foo: principal.nested.user}.foo.nested.user}}.baz}.biz.bar.nested.user.bool", 4,
     ["{biz: {baz: {bar: {foo: principal.nested.user}.foo.nested.user}}.baz}.biz.bar.nested.user.bool"]),
    # dereferences nested inside other operators
    ("[principal.bool].contains(true)", 1, ["principal.bool"]),
    ("[context.user.user, principal.user].containsAny([resource.user])", 1,
     ["context.user.user", "principal.user", "resource.user"]),
    ('principal.ip.isInRange(ip("192.168.0.0/12"))', 1, ['principal.ip.isInRange(ip("192.168.0.0/12"))']),
    ('ip("192.168.0.0").isInRange(principal.ip)', 1, ["principal.ip"]),
    ('principal.other like "*"', 1, ["principal.other"]),
    ("! ( principal.bool )", 1, ["principal.bool"]),
    # what the typechecker evaluates is checked, even under a constant
    ("(principal.bool || true) || true", 1, ["principal.bool"]),
    ("(principal.bool && false) && false", 1, ["principal.bool"]),
    ("if (principal.bool && false) then true else false", 1, ["principal.bool"]),
    ("if true then principal.bool else false", 1, ["principal.bool"]),
    ("if false then true else principal.bool", 1, ["principal.bool"]),
]


@pytest.mark.parametrize(("condition", "level", "spans"), CASES, ids=[c[0] for c in CASES])
def test_required_level_and_what_is_reported_below_it(condition: str, level: int, spans: list[str]) -> None:
    assert_requires(policy(condition), level, spans)


@pytest.mark.parametrize("condition", [
    "true || principal.bool",
    "false && principal.bool",
    "if false then principal.bool else false",
    "if true then true else principal.bool",
])
def test_what_the_typechecker_short_circuits_is_not_checked(condition: str) -> None:
    assert_requires(policy(condition), 0, [])


def test_message_gives_the_level_needed_and_the_level_allowed() -> None:
    text = policy("principal.user.user.user.user.user.bool")
    for allowed in (0, 2):
        [error] = run(text, allowed).errors
        assert error.message == exceeded(6, allowed)
        assert underlined(run(text, allowed)) == Counter(["principal.user.user.user.user.user.bool"])


def test_record_read_reports_the_level_its_entity_needs() -> None:
    [error] = run(policy("{foo: principal.user}.foo.bool"), 0).errors
    assert error.message == exceeded(2, 0)


def test_level_error_is_located_with_line_column_and_snippet() -> None:
    result = run('permit(principal, action, resource)\nwhen { principal.user.bool };', 1)
    [error] = result.errors
    assert (error.loc.line, error.loc.column) == (2, 8)
    assert str(error) == ("<input>:2:8: policy `policy0`: " + exceeded(2, 1) + "\n"
                          "when { principal.user.bool };\n"
                          "       ^^^^^^^^^^^^^^^^^^^")


# ---------------------------------------------------------------- entity literals

LITERAL_CASES = [
    ('User::"alice".bool', 1, ['User::"alice"']),
    ('User::"alice" has user', 1, ['User::"alice"']),
    ('User::"alice" has user.user', 2, ['User::"alice"']),
    ('User::"alice".hasTag("foo")', 1, ['User::"alice"']),
    ('User::"alice" in User::"bob"', 1, ['User::"alice"']),
    ('(if principal.bool then User::"alice" else principal).bool', 1, ['User::"alice"']),
    ('(if principal.bool then User::"alice" else User::"bob").bool', 1, ['User::"alice"', 'User::"bob"']),
    ('{foo: User::"alice", bar: User::"bob"}.foo.bool', 1, ['User::"alice"']),
]


@pytest.mark.parametrize(("condition", "level", "spans"), LITERAL_CASES, ids=[c[0] for c in LITERAL_CASES])
def test_entity_literal_cannot_be_dereferenced_at_any_level(condition: str, level: int, spans: list[str]) -> None:
    result = run(policy(condition), level)
    assert underlined(result) == Counter(spans), "\n".join(map(str, result.errors))
    assert {e.message for e in result.errors} == {LITERAL_DEREF}


def test_the_request_action_literal_may_be_dereferenced() -> None:
    assert run(policy('Action::"view" in action'), 1).passed
    assert run(policy('Action::"view" in [Action::"view"]'), 1).passed


def test_an_entity_literal_may_be_compared_or_tested_without_a_level() -> None:
    assert run(policy('principal == User::"alice" && resource.user != User::"bob"'), 1).passed
    assert run(policy('principal in User::"alice"'), 1).passed  # only the left of `in` is dereferenced


# ---------------------------------------------------------------- scopes, templates, the policy set


def test_an_in_scope_dereferences_the_variable_and_has_no_location() -> None:
    text = 'permit(principal in User::"a", action in [Action::"view"], resource);'
    result = run(text, 0)
    assert [(e.message, e.loc) for e in result.errors] == [(exceeded(1, 0), None)]  # both scopes: one distinct error
    assert run(text, 1).passed


def test_is_in_reads_the_ancestors_only_when_the_type_can_match() -> None:
    result = run(policy("principal is User in resource.user"), 0)
    assert underlined(result) == Counter(["principal is User in resource.user", "resource.user"])
    assert run(policy("principal is Photo in resource.user"), 0).passed  # `is` is false, so `in` never runs


def test_template_slot_scope_needs_level_one() -> None:
    text = "permit(principal in ?principal, action, resource == ?resource);"
    assert not run(text, 0).passed
    assert run(text, 1).passed


def test_an_impossible_policy_is_still_checked() -> None:
    result = run(policy("principal.bool && principal is Photo"), 0)
    assert underlined(result) == Counter(["principal.bool"])
    assert [w.kind for w in result.warnings] == ["impossible_policy"]


def test_level_errors_follow_type_errors_and_name_their_policy() -> None:
    text = policy("principal.nosuch") + "\n" + policy("resource.user.bool")
    result = run(text, 1)
    assert [(e.policy_id, e.kind) for e in result.errors] == [
        ("policy0", "attribute_not_found"), ("policy1", "entity_deref_level_violation")]


def test_without_a_level_nothing_changes() -> None:
    text = policy("principal.user.user.user.bool")
    assert validate(PolicySet.from_str(text), SCHEMA).passed
    assert run(text, None).passed
    assert not run(text, 3).passed and run(text, 4).passed


def test_a_very_long_dereference_chain_and_conjunction() -> None:
    deep = policy("principal" + ".user" * 200 + ".bool")
    assert not run(deep, 200).passed and run(deep, 201).passed
    wide = policy(" && ".join(["principal.user.bool"] * 3000))
    assert underlined(run(wide, 1)) == Counter({"principal.user.bool": 3000})


@pytest.mark.parametrize("level", [-1, 2**32, True, 1.0, "1"])
def test_a_level_must_be_a_u32(level: object) -> None:
    with pytest.raises(PolicySetError, match="expected the level"):
        validate(PolicySet.from_str(policy("true")), SCHEMA, level=level)  # type: ignore[arg-type]
