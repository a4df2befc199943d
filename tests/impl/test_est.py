"""The JSON policy form: written exactly as Rust writes it, read exactly as Rust reads it."""

from __future__ import annotations

import json

import pytest

from impl import est
from impl.ast import (
    WILDCARD, ActionConstraint, And, BinaryApp, ExtCall, GetAttr, HasAttr, Is, Like, Lit, RecordLit, ScopeConstraint,
    SetLit, Slot, UnaryApp, Var,
)
from impl.errors import ParseError
from impl.parser import MAX_DEPTH, parse_policies, parse_policy
from impl.values import EntityUID
from tests.corpus import corpus_tests, handwritten_tests

cedarpy = pytest.importorskip("cedarpy")

ALL = {"op": "All"}


def policy_json(**overrides):
    doc = {"effect": "permit", "principal": ALL, "action": ALL, "resource": ALL, "conditions": []}
    doc.update(overrides)
    return doc


def when(body):
    return policy_json(conditions=[{"kind": "when", "body": body}])


def body_of(doc):
    return est.policy_from_json(doc).conditions[0].body


def _corpus():
    return [*handwritten_tests(), *corpus_tests()]


def test_writes_what_rust_writes_for_every_corpus_policy_set() -> None:
    for test in _corpus():
        policies = parse_policies(test.policies)
        ours = {"templates": {p.id: est.policy_to_json(p) for p in policies if p.is_template},
                "staticPolicies": {p.id: est.policy_to_json(p) for p in policies if not p.is_template},
                "templateLinks": []}
        rust = cedarpy.policies_to_json_str(test.policies)
        assert json.dumps(ours, separators=(",", ":"), ensure_ascii=False) == rust, test.name


def test_text_to_json_to_ast_is_the_identity_on_the_corpus() -> None:
    for test in _corpus():
        for p in parse_policies(test.policies):
            doc = json.loads(est.dumps(est.policy_to_json(p)))
            back = est.policy_from_json(doc, p.id)
            assert back == p, test.name
            assert est.policy_to_json(back) == doc


TRICKY_TEXT = [
    'permit(principal is User in ?principal, action in [Action::"a", NS::Action::"b"], resource == ?resource);',
    '@id("x") @flag permit(principal, action in [Action::"a"], resource is Photo) when { context has a.b.c };',
    'forbid(principal, action, resource) unless { principal like "a*\\*b" || {z: 1, a: [-5, -(5)]} != {} };',
    'permit(principal, action, resource) when { ip("1.2.3.4").isInRange(ip("1.0.0.0/8")) && '
    'decimal("1.5").lessThan(decimal("2")) && datetime("2024-01-01").offset(duration("1h")).toDays() > 1 };',
    'permit(principal, action, resource) when { principal.getTag("a") == resource.hasTag("b") && '
    '[1].containsAny([2]) && !context.isEmpty() && (if true then 1 * 2 else -3 + 4 <= 5) };',
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_matches_rust_on_every_construct(text: str) -> None:
    (p,) = parse_policies(text)
    rust = json.loads(cedarpy.policies_to_json_str(text))
    section = "templates" if p.is_template else "staticPolicies"
    assert est.policy_to_json(p) == rust[section]["policy0"]


def test_record_and_annotation_keys_are_sorted_like_rust() -> None:
    p = parse_policy('@z("1") @a("2") permit(principal, action, resource) when { {b: 1, a: 2} };')
    doc = est.policy_to_json(p)
    assert list(doc["annotations"]) == ["a", "z"]
    assert list(doc["conditions"][0]["body"]["Record"]) == ["a", "b"]


def test_valueless_annotation_is_null() -> None:
    assert est.policy_to_json(parse_policy("@a permit(principal, action, resource);"))["annotations"] == {"a": None}
    assert est.policy_from_json(policy_json(annotations={"a": None})).annotations == (("a", None),)


def test_like_patterns_are_one_literal_per_character() -> None:
    p = parse_policy('permit(principal, action, resource) when { context like "ab*" };')
    assert est.policy_to_json(p)["conditions"][0]["body"]["like"]["pattern"] == [
        {"Literal": "a"}, {"Literal": "b"}, "Wildcard"]
    assert body_of(when({"like": {"left": {"Var": "context"}, "pattern": [{"Literal": "a*"}, {"Literal": "b"},
                                                                           "Wildcard"]}})) \
        == Like(Var("context"), ("a*b", WILDCARD))


# ---------------------------------------------------------------- reading every form

def test_reads_values_with_escapes() -> None:
    assert body_of(when({"Value": {"__entity": {"type": "A::B", "id": "x"}}})) == Lit(EntityUID("A::B", "x"))
    assert body_of(when({"Value": {"__extn": {"fn": "ip", "arg": "1.2.3.4"}}})) == ExtCall("ip", (Lit("1.2.3.4"),))
    assert body_of(when({"Value": {"__extn": {"fn": "decimal", "args": ["1.0"]}}})) == ExtCall("decimal", (Lit("1.0"),))
    assert body_of(when({"Value": [1, {"a": True}]})) == SetLit((Lit(1), RecordLit((("a", Lit(True)),))))
    # an `__entity` key that is not a well-formed escape is an ordinary record field, as in Rust
    assert body_of(when({"Value": {"__entity": {"type": "A"}}})) == RecordLit((("__entity", RecordLit((("type", Lit("A")),))),))


def test_reads_every_operator_key() -> None:
    left, right = {"Var": "principal"}, {"Var": "resource"}
    for op in ("==", "!=", "in", "<", "<=", ">", ">=", "+", "-", "*", "contains", "containsAll", "containsAny",
               "getTag", "hasTag"):
        assert body_of(when({op: {"left": left, "right": right}})) == BinaryApp(op, Var("principal"), Var("resource"))
    assert body_of(when({"&&": {"left": left, "right": right}})) == And(Var("principal"), Var("resource"))
    for op in ("!", "neg", "isEmpty"):
        assert body_of(when({op: {"arg": left}})) == UnaryApp(op, Var("principal"))
    assert body_of(when({".": {"left": left, "attr": "a"}})) == GetAttr(Var("principal"), "a")
    assert body_of(when({"is": {"left": left, "entity_type": "T", "in": right}})) == Is(Var("principal"), "T",
                                                                                       Var("resource"))
    assert body_of(when({"lessThan": [left, right]})) == ExtCall("lessThan", (Var("principal"), Var("resource")))


def test_has_with_an_attribute_list_desugars() -> None:
    got = body_of(when({"has": {"left": {"Var": "context"}, "attr": ["a", "b"]}}))
    assert got == And(HasAttr(Var("context"), "a"), HasAttr(GetAttr(Var("context"), "a"), "b"))


def test_reads_scope_forms() -> None:
    uid = {"type": "User", "id": "u"}
    doc = policy_json(principal={"op": "is", "entity_type": "User", "in": {"slot": "?principal"}},
                      action={"op": "in", "entities": [{"type": "Action", "id": "a"}]},
                      resource={"op": "==", "entity": {"__entity": uid}})
    p = est.policy_from_json(doc)
    assert p.principal == ScopeConstraint("is_in", Slot("?principal"), "User")
    assert p.action == ActionConstraint("in", (EntityUID("Action", "a"),), is_list=True)
    assert p.resource == ScopeConstraint("==", EntityUID("User", "u"))
    assert est.policy_from_json(policy_json(principal={"op": "all"})).principal == ScopeConstraint()


# ---------------------------------------------------------------- malformed documents

MALFORMED = [
    (policy_json(effect="allow"), "effect"),
    ({k: v for k, v in policy_json().items() if k != "conditions"}, "missing field `conditions`"),
    (policy_json(extra=1), "extra"),
    (policy_json(principal={"op": "==", "slot": "?resource"}), "principal.slot"),
    (policy_json(principal={"op": "like"}), "principal.op"),
    (policy_json(action={"op": "==", "slot": "?principal"}), "slots are not allowed for actions"),
    (policy_json(action={"op": "==", "entity": {"type": "User", "id": "x"}}), "type `Action`"),
    (policy_json(resource={"op": "is", "entity_type": "A B"}), "resource.entity_type"),
    (when({"Value": 1.5}), "conditions[0].body.Value"),
    (when({"Value": None}), "body.Value"),
    (when({"Value": 2**63}), "64 bits"),
    (when({"Var": "nobody"}), "body.Var"),
    (when({"Slot": "?principal"}), "template slot"),
    (when({"foo": []}), "body.foo"),
    (when({}), "empty map"),
    (when({"!": {"arg": {"Value": True}}, "neg": {"arg": {"Value": 1}}}), "two keys"),
    (when({"&&": {"left": {"Value": True}}}), "missing field `right`"),
    (when({"Set": {"a": 1}}), "body.Set"),
    (when({"like": {"left": {"Var": "context"}, "pattern": ["*"]}}), "pattern[0]"),
    (when({"has": {"left": {"Var": "context"}, "attr": []}}), "has.attr"),
    (when({"Value": {"__extn": {"fn": "not a name", "arg": "x"}}}), "__extn.fn"),
    (when({"Value": {"__expr": "1 + 1"}}), "__expr"),
    (policy_json(annotations={"a b": "x"}), "annotations"),
    (policy_json(conditions=[{"kind": "if", "body": {"Value": True}}]), "conditions[0].kind"),
]


@pytest.mark.parametrize("doc,fragment", MALFORMED)
def test_malformed_json_policy_names_the_problem(doc, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        est.policy_from_json(doc)
    assert fragment in info.value.message


@pytest.mark.parametrize("doc,_fragment", MALFORMED)
def test_rust_rejects_every_malformed_example_too(doc, _fragment: str) -> None:
    with pytest.raises(ValueError):
        cedarpy.policies_from_json_str(json.dumps({"staticPolicies": {"p": doc}, "templates": {},
                                                   "templateLinks": []}))


def test_json_text_rejects_duplicate_keys_and_lone_surrogates() -> None:
    with pytest.raises(ParseError, match="duplicate key"):
        est.loads('{"a": 1, "a": 2}')
    with pytest.raises(ParseError, match="surrogate"):
        est.loads('["\\ud800"]')
    assert est.loads('["\\ud83d\\ude00"]') == ["\U0001F600"]
    with pytest.raises(ParseError) as info:
        est.loads('{\n  "a": }')
    assert (info.value.line, info.value.column) == (2, 8)


def test_deep_json_reads_iteratively_up_to_the_limit() -> None:
    body = {"Value": True}
    for _ in range(MAX_DEPTH - 1):
        body = {"!": {"arg": body}}
    assert est.policy_from_json(when(body)).conditions[0].body is not None
    deeper = body
    for _ in range(10):
        deeper = {"!": {"arg": deeper}}
    with pytest.raises(ParseError, match="nested too deeply"):
        est.policy_from_json(when(deeper))
    with pytest.raises(ParseError, match="nested too deeply"):
        est.loads("[" * 100_000 + "]" * 100_000)


def test_json_text_nests_at_most_127_levels_as_rusts_reader() -> None:
    assert est.loads("[" * 127 + "]" * 127) is not None
    with pytest.raises(ParseError, match="nested more than 127 levels"):
        est.loads("[" * 128 + "]" * 128)


def test_accepts_serdes_array_form_of_structs_like_rust() -> None:
    """Rust's serde also reads a struct from an array of its field values (but not expression objects)."""
    doc = ["permit", {"op": "==", "entity": ["User", "alice"]}, {"op": "in", "entities": [["Action", "a"]]},
           {"op": "All"}, [["when", {"Value": True}]]]
    p = est.policy_from_json(doc)
    assert p.principal == ScopeConstraint("==", EntityUID("User", "alice"))
    assert p.action.entities == (EntityUID("Action", "a"),) and p.conditions[0].kind == "when"
    with pytest.raises(ParseError):
        est.policy_from_json(when({"!": [{"Value": True}]}))
    with pytest.raises(ParseError, match="array of 2 values"):
        est.policy_from_json(policy_json(principal={"op": "==", "entity": ["User", "alice", "x"]}))


@pytest.mark.parametrize("extra", [1.5, 9223372036854775808, {"r": [-9223372036854775809]}])
def test_escape_fields_rust_ignores_still_may_not_hold_non_long_numbers(extra: object) -> None:
    for escape in ({"__entity": {"type": "A", "id": "b", "q": extra}}, {"__extn": {"fn": "ip", "arg": "1.2.3.4", "q": extra}}):
        body = {"==": {"left": {"Value": escape}, "right": {"Value": 1}}}
        doc = {"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"}, "resource": {"op": "All"},
               "conditions": [{"kind": "when", "body": body}]}
        with pytest.raises(ParseError, match="numbers must be 64-bit integers"):
            est.policy_set_from_json({"staticPolicies": {"p": doc}, "templates": {}, "templateLinks": []})
