"""Policy sets: ids, templates and linking, JSON and Cedar text."""

from __future__ import annotations

import json

import pytest

from impl.ast import ScopeConstraint
from impl.errors import LinkError, ParseError, PolicySetError
from impl.policyset import PolicySet
from impl.values import EntityUID

cedarpy = pytest.importorskip("cedarpy")

TEMPLATE = 'permit(principal == ?principal, action, resource in ?resource) when { context.ok };'
ALICE, DOCS = EntityUID("User", "alice"), EntityUID("Folder", "docs")


def test_ids_come_from_id_annotations_or_position() -> None:
    ps = PolicySet.from_str('@id("a") permit(principal, action, resource); forbid(principal, action, resource);')
    assert list(ps.policies) == ["a", "policy1"]
    assert ps.get("a").effect == "permit" and ps.get("policy1").effect == "forbid"


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(PolicySetError, match="already exists"):
        PolicySet.from_str('@id("x") permit(principal, action, resource); @id("x") forbid(principal, action, resource);')
    with pytest.raises(PolicySetError):
        PolicySet.from_str('@id("policy1") permit(principal, action, resource); permit(principal, action, resource);')
    with pytest.raises(PolicySetError):
        PolicySet.from_str(f'@id("t") permit(principal, action, resource); @id("t") {TEMPLATE}')


def test_templates_are_kept_apart_from_policies() -> None:
    ps = PolicySet.from_str(f"permit(principal, action, resource); {TEMPLATE}")
    assert list(ps.policies) == ["policy0"] and list(ps.templates) == ["policy1"]
    assert len(ps) == 1 and [p.id for p in ps] == ["policy0"]
    assert "policy1" in ps and ps.get("policy1").is_template


def test_linking_substitutes_the_slots() -> None:
    ps = PolicySet.from_str(TEMPLATE)
    linked = ps.link("policy0", "link1", {"?principal": ALICE, "?resource": {"type": "Folder", "id": "docs"}})
    assert linked.principal == ScopeConstraint("==", ALICE)
    assert linked.resource == ScopeConstraint("in", DOCS)
    assert linked.conditions == ps.templates["policy0"].conditions
    assert ps.policies["link1"] is linked and len(ps) == 1
    assert ps.links["link1"].values == (("?principal", ALICE), ("?resource", DOCS))


def test_linking_checks_slots_template_and_id() -> None:
    ps = PolicySet.from_str(f"permit(principal, action, resource); {TEMPLATE}")
    with pytest.raises(LinkError, match="no value provided for `\\?resource`"):
        ps.link("policy1", "l", {"?principal": ALICE})
    with pytest.raises(LinkError, match="not a slot"):
        ps.link("policy1", "l", {"?principal": ALICE, "?resource": DOCS, "?other": ALICE})
    with pytest.raises(LinkError, match="no template"):
        ps.link("nope", "l", {})
    with pytest.raises(LinkError, match="no template"):
        ps.link("policy0", "l", {})  # a static policy is not a template
    with pytest.raises(LinkError, match="already exists"):
        ps.link("policy1", "policy0", {"?principal": ALICE, "?resource": DOCS})
    with pytest.raises(LinkError):
        ps.link("policy1", "l", {"?principal": "alice", "?resource": DOCS})
    assert not ps.links


def test_link_many_links_each_in_turn() -> None:
    ps = PolicySet.from_str(TEMPLATE)
    linked = ps.link_many([("policy0", "a", {"?principal": ALICE, "?resource": DOCS}),
                           ("policy0", "b", {"principal": {"type": "User", "id": "bob"}, "resource": DOCS})])
    assert [p.id for p in linked] == ["a", "b"] and list(ps.links) == ["a", "b"]
    assert ps.get("b").principal == ScopeConstraint("==", EntityUID("User", "bob"))
    assert ps.link_many([]) == []


def test_link_many_links_none_when_one_fails() -> None:
    ps = PolicySet.from_str(TEMPLATE)
    ps.link("policy0", "kept", {"?principal": ALICE, "?resource": DOCS})
    good = ("policy0", "a", {"?principal": ALICE, "?resource": DOCS})
    with pytest.raises(LinkError, match="already exists"):
        ps.link_many([good, ("policy0", "kept", {"?principal": ALICE, "?resource": DOCS})])
    with pytest.raises(LinkError, match="each link is"):
        ps.link_many([good, "policy0"])
    assert list(ps.links) == ["kept"] and "a" not in ps


def test_json_form_matches_rust_and_round_trips() -> None:
    text = f"permit(principal, action, resource) when {{ {{b: 1, a: 2}} has a }}; {TEMPLATE}"
    ps = PolicySet.from_str(text)
    assert json.dumps(ps.to_json(), separators=(",", ":")) == cedarpy.policies_to_json_str(text)
    ps.link("policy1", "l", {"?principal": ALICE, "?resource": DOCS})
    doc = ps.to_json()
    assert doc["templateLinks"] == [{"templateId": "policy1", "newId": "l", "values": {
        "?principal": {"type": "User", "id": "alice"}, "?resource": {"type": "Folder", "id": "docs"}}}]
    again = PolicySet.from_json(json.dumps(doc))
    assert again == ps and again.policies["l"] == ps.policies["l"]


def test_rust_reads_our_json_back() -> None:
    ps = PolicySet.from_str(TEMPLATE)
    ps.link("policy0", "l", {"?principal": ALICE, "?resource": DOCS})
    assert 'principal == User::"alice"' in cedarpy.policies_from_json_str(ps.to_json_str())


def test_json_policy_set_errors() -> None:
    with pytest.raises(ParseError, match="missing field `templates`"):
        PolicySet.from_json({"staticPolicies": {}, "templateLinks": []})
    static = {"effect": "permit", "principal": {"op": "==", "slot": "?principal"}, "action": {"op": "All"},
              "resource": {"op": "All"}, "conditions": []}
    with pytest.raises(ParseError, match="expected a static policy"):
        PolicySet.from_json({"staticPolicies": {"p": static}, "templates": {}, "templateLinks": []})
    with pytest.raises(LinkError):
        PolicySet.from_json({"staticPolicies": {}, "templates": {"t": static},
                             "templateLinks": [{"templateId": "t", "newId": "l", "values": {}}]})
    with pytest.raises(ParseError, match="invalid JSON"):
        PolicySet.from_json("{not json")


def test_a_template_without_slots_from_json_is_only_a_template() -> None:
    body = {"effect": "permit", "principal": {"op": "All"}, "action": {"op": "All"}, "resource": {"op": "All"},
            "conditions": []}
    ps = PolicySet.from_json({"staticPolicies": {}, "templates": {"t": body}, "templateLinks": []})
    assert list(ps.templates) == ["t"] and len(ps) == 0
    ps.link("t", "l", {})
    assert list(ps.policies) == ["l"]


def test_cedar_text_round_trips() -> None:
    text = f'@id("a") permit(principal, action, resource) when {{ 1 < 2 }};\n{TEMPLATE}'
    ps = PolicySet.from_str(text)
    again = PolicySet.from_str(ps.to_cedar())
    assert again == ps and str(ps) == ps.to_cedar()
    ps.link("policy1", "l", {"?principal": ALICE, "?resource": DOCS})
    with pytest.raises(PolicySetError):
        ps.to_cedar()
    assert 'linked from template `policy1`' in str(ps)


def test_merge_and_add() -> None:
    a = PolicySet.from_str('@id("a") permit(principal, action, resource);')
    b = PolicySet.from_str(f'@id("t") {TEMPLATE}')
    b.link("t", "l", {"?principal": ALICE, "?resource": DOCS})
    a.merge(b)
    assert list(a.policies) == ["a", "l"] and list(a.templates) == ["t"]
    with pytest.raises(PolicySetError):
        a.merge(PolicySet.from_str('@id("a") forbid(principal, action, resource);'))
    fresh = PolicySet(list(PolicySet.from_str("permit(principal, action, resource);")))
    assert list(fresh.policies) == ["policy0"]
