"""The strict validator: one readable, located error for each class of validation failure."""

from __future__ import annotations

import pytest

from impl.ast import ActionConstraint, BinaryApp, Condition, ExtCall, GetAttr, Lit, Policy, ScopeConstraint, Var
from impl.errors import EntityError, RequestError
from impl.policyset import PolicySet
from impl.schema import Schema
from impl.validator import ValidationResult, validate, validate_entities, validate_request
from impl.values import EntityUID

SCHEMA = Schema.from_str("""
entity Group;
entity User in [Group] { name: String, age?: Long, boss?: User } tags String;
entity Doc in [Group] { owner: User, labels: Set<String>, level: Long };
entity Color enum ["red", "blue"];
action view, edit in [all] appliesTo { principal: User, resource: Doc, context: { ip: ipaddr, mfa?: Bool } };
action paint appliesTo { principal: User, resource: Color };
action all;
""")


def check(text: str) -> ValidationResult:
    return validate(PolicySet.from_str(text), SCHEMA)


def only_error(text: str, kind: str, *also: str) -> str:
    """The first error of `kind`, checking that `kind` (and the `also` kinds it entails) are all there is."""
    result = check(text)
    kinds = {e.kind for e in result.errors}
    assert kinds == {kind, *also}, [str(e) for e in result.errors]
    return str(next(e for e in result.errors if e.kind == kind))


VIEW = 'permit(principal, action == Action::"view", resource)'  # one request environment: User, view, Doc


def passes(text: str) -> None:
    result = check(text)
    assert result.passed, "\n".join(str(e) for e in result.errors)


def test_a_well_typed_policy_passes() -> None:
    passes('permit(principal, action == Action::"view", resource) when { resource.owner == principal && context.ip.isLoopback() };')


def test_error_names_policy_line_column_and_snippet() -> None:
    result = check('permit(principal, action, resource);\nforbid(principal, action == Action::"view", resource)\n  when { principal.nme == "a" };')
    [error] = result.errors
    assert error.policy_id == "policy1"
    assert (error.loc.line, error.loc.column) == (3, 10)
    assert "attribute `nme` not found on entity type `User`" in error.message
    assert error.help == "did you mean `name`?"
    assert "principal.nme" in str(error) and "^^^^^^^^^^^^^" in str(error)


def test_unknown_entity_type() -> None:
    text = only_error('permit(principal == Usr::"a", action, resource);', "unrecognized_entity_type", "invalid_action_application")
    assert "unrecognized entity type `Usr`" in text and "did you mean `User`?" in text
    assert "`Foo`" in only_error("permit(principal, action, resource) when { resource is Foo };", "unrecognized_entity_type")


def test_unknown_action() -> None:
    text = only_error('permit(principal, action == Action::"veiw", resource);', "unrecognized_action", "invalid_action_application")
    assert 'unrecognized action `Action::"veiw"`' in text and 'did you mean `Action::"view"`?' in text


def test_enumerated_entity_with_undeclared_id() -> None:
    text = only_error('permit(principal, action == Action::"paint", resource == Color::"green");', "invalid_enum_entity")
    assert 'valid entity eids: "red", "blue"' in text


def test_scope_that_no_action_applies_to() -> None:
    text = only_error('permit(principal, action == Action::"paint", resource is Doc);', "invalid_action_application")
    assert "unable to find an applicable action" in text


def test_operand_of_the_wrong_type() -> None:
    text = only_error('permit(principal, action, resource) when { principal.name + 1 > 2 };', "unexpected_type")
    assert "expected `Long` but saw `String`" in text
    assert "Bool" in only_error("permit(principal, action, resource) when { 1 };", "unexpected_type")


def test_comparison_of_incompatible_types_in_strict_mode() -> None:
    assert "`==`" in only_error('permit(principal, action, resource) when { principal.name == 1 };', "incompatible_types")
    assert "`contains`" in only_error(VIEW + " when { resource.labels.contains(1) };", "incompatible_types")
    only_error('permit(principal, action, resource) when { [1, "a"].isEmpty() };', "incompatible_types")
    only_error(VIEW + ' when { (if context.mfa then 1 else "a") == 1 };', "unsafe_optional_attribute_access", "incompatible_types")
    assert "conditional" in only_error(VIEW + ' when { context has mfa && (if context.mfa then 1 else "a") == 1 };', "incompatible_types")


def test_literal_comparisons_and_disjoint_entities_are_not_errors() -> None:
    passes('permit(principal, action, resource) when { 1 == "a" || principal == resource || true };')


def test_optional_attribute_needs_a_has_guard() -> None:
    text = only_error("permit(principal, action, resource) when { principal.age > 3 };", "unsafe_optional_attribute_access")
    assert "`age`" in text and "has age" in text
    passes("permit(principal, action, resource) when { principal has age && principal.age > 3 };")
    passes("permit(principal, action, resource) when { if principal has age then principal.age > 3 else false };")
    passes("permit(principal, action, resource) when { principal has boss.age && principal.boss.age > 3 };")


def test_capabilities_flow_through_or_only_when_both_sides_grant_them() -> None:
    only_error("permit(principal, action, resource) when { (principal has age || true) && principal.age > 3 };",
               "unsafe_optional_attribute_access")
    passes("permit(principal, action, resource) when { (principal has age || principal has age) && principal.age > 3 };")


def test_tags_need_has_tag_and_a_declared_tag_type() -> None:
    assert "tag" in only_error('permit(principal, action, resource) when { principal.getTag("t") == "x" };', "unsafe_tag_access")
    passes('permit(principal, action, resource) when { principal.hasTag("t") && principal.getTag("t") == "x" };')
    # `Doc` declares no tags, so `hasTag` is `false` and the `getTag` after `&&` is never looked at
    passes(VIEW + ' when { resource.hasTag("t") && resource.getTag("t") == 1 };')


def test_empty_set_literal_is_forbidden() -> None:
    assert "empty set" in only_error(VIEW + " when { resource.labels.containsAny([]) };", "empty_set_forbidden")


def test_extension_constructor_needs_a_valid_literal() -> None:
    only_error("permit(principal, action, resource) when { ip(principal.name).isLoopback() };", "non_literal_extension_constructor")
    text = only_error('permit(principal, action, resource) when { decimal("1.2.3").lessThan(decimal("1.0")) };',
                      "function_argument_validation")
    assert "decimal" in text
    only_error('permit(principal, action, resource) when { ip("1.2.3.4", "x").isLoopback() };', "wrong_number_arguments")


def test_undefined_extension_function_in_a_hand_made_ast() -> None:
    policy = Policy("p", "permit", ScopeConstraint(), ActionConstraint(), ScopeConstraint(),
                    (Condition("when", ExtCall("frobnicate", (Lit("x"),))),))
    result = validate([policy], SCHEMA)
    assert [e.kind for e in result.errors] == ["undefined_extension"]


def test_hand_made_ast_needs_no_parser() -> None:
    body = BinaryApp("==", GetAttr(Var("resource"), "owner"), Var("principal"))
    policy = Policy("p", "permit", ScopeConstraint(), ActionConstraint("==", (EntityUID("Action", "view"),)), ScopeConstraint(),
                    (Condition("when", body),))
    assert validate([policy], SCHEMA).passed


def test_impossible_policy_is_a_warning_not_an_error() -> None:
    result = check('permit(principal, action, resource) when { principal in Doc::"d" };')
    assert result.passed
    assert [w.kind for w in result.warnings] == ["impossible_policy"]


def test_action_in_groups_types_as_true_or_false() -> None:
    result = check('permit(principal, action in Action::"all", resource is Color);')
    assert [e.kind for e in result.errors] == ["invalid_action_application"]
    passes('permit(principal, action in Action::"all", resource) when { resource.level > 1 };')


def test_templates_typecheck_with_their_slot_types_and_links_are_checked() -> None:
    ps = PolicySet.from_str('permit(principal in ?principal, action == Action::"view", resource) when { principal.name == "a" };')
    assert validate(ps, SCHEMA).passed
    ps.link("policy0", "bad", {"?principal": EntityUID("Nope", "x")})
    ps.link("policy0", "good", {"?principal": EntityUID("Group", "g")})
    result = validate(ps, SCHEMA)
    assert {(e.policy_id, e.kind) for e in result.errors} == {("bad", "unrecognized_entity_type"), ("bad", "invalid_action_application")}


def test_validate_accepts_text_and_json_schemas() -> None:
    text = 'entity U; action a appliesTo { principal: U, resource: U };'
    assert validate("permit(principal, action, resource);", text).passed
    assert validate("permit(principal, action, resource);", Schema.from_str(text).to_json()).passed


def test_request_and_entity_validation() -> None:
    request = {"principal": {"type": "User", "id": "a"}, "action": {"type": "Action", "id": "view"},
               "resource": {"type": "Doc", "id": "d"}, "context": {"ip": {"__extn": {"fn": "ip", "arg": "1.2.3.4"}}}}
    validate_request(request, SCHEMA)
    with pytest.raises(RequestError):
        validate_request({**request, "resource": {"type": "Color", "id": "red"}}, SCHEMA)
    validate_entities([{"uid": {"type": "Group", "id": "g"}, "attrs": {}, "parents": []}], SCHEMA)
    with pytest.raises(EntityError):
        validate_entities([{"uid": {"type": "User", "id": "u"}, "attrs": {}, "parents": []}], SCHEMA)


def test_errors_agree_with_cedarpy_on_a_sample() -> None:
    cedarpy = pytest.importorskip("cedarpy")
    policies = [
        'permit(principal, action, resource) when { principal.age > 3 };',
        'permit(principal, action, resource) when { principal has age && principal.age > 3 };',
        'permit(principal, action in Action::"all", resource is Color);',
        'permit(principal, action, resource) when { principal in Doc::"d" };',
        'permit(principal, action, resource) when { [1, "a"].isEmpty() };',
        'permit(principal, action, resource) when { context.ip.isInRange(ip("10.0.0.0/8")) };',
    ]
    for text in policies:
        assert validate(text, SCHEMA).passed == cedarpy.validate_policies(text, SCHEMA.to_cedar()).validation_passed, text
