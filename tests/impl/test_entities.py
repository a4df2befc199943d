"""The entity store: JSON forms, hierarchy, schema-directed loading and conformance."""

from __future__ import annotations

import json
from typing import Any

import pytest

from impl.entities import Entities, Entity, parse_context
from impl.errors import EntityError
from impl.extensions import Datetime, Decimal, Duration, IPAddr
from impl.schema import Schema
from impl.values import EntityUID, Record, Set

from .cedar_oracle import rust_rejects_entities

SCHEMA_TEXT = """
namespace App {
  entity Org;
  entity Group in [Org];
  entity User in [Group] {
    age: Long,
    ip?: ipaddr, boss?: User, d?: decimal, when?: datetime, dur?: duration,
    s?: Set<String>, r?: { a: Long, b?: Bool }, e?: Set<User>,
  } tags String;
  entity Color enum ["red", "green"];
  entity Doc { color: Color };
  action view appliesTo { principal: User, resource: Doc, context: { ip: ipaddr, n?: Long } };
  action read in [view] appliesTo { principal: User, resource: Doc };
}
"""
SCHEMA = Schema.from_str(SCHEMA_TEXT)
REQUEST = {"principal": 'App::User::"alice"', "action": 'App::Action::"view"', "resource": 'App::Doc::"d"',
           "context": {"ip": "1.2.3.4"}}


def uid(t: str, i: str) -> EntityUID:
    return EntityUID(t, i)


def entity(t: str, i: str, attrs: dict | None = None, parents: list | None = None, **extra: Any) -> dict:
    return {"uid": {"type": t, "id": i}, "attrs": attrs or {}, "parents": parents or [], **extra}


def user(i: str, **attrs: Any) -> dict:
    return entity("App::User", i, {"age": 1, **attrs})


# ---------------------------------------------------------------- without a schema


def test_plain_json_values_and_escapes() -> None:
    store = Entities.from_json([entity("User", "a", {
        "n": 1, "b": True, "s": "x", "set": [1, True, 1], "rec": {"k": {"nested": []}},
        "ref": {"__entity": {"type": "User", "id": "b"}},
        "looks_like_ref": {"type": "User", "id": "b"},
        "ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}},
        "later": {"__extn": {"fn": "offset", "args": [{"__extn": {"fn": "datetime", "arg": "1970-01-01"}},
                                                       {"__extn": {"fn": "duration", "arg": "5ms"}}]}},
        "bool_from_call": {"__extn": {"fn": "isIpv4", "arg": {"__extn": {"fn": "ip", "arg": "::1"}}}},
    })])
    attrs = store.attrs(uid("User", "a"))
    assert attrs is not None
    assert attrs["n"] == 1 and attrs["b"] is True and attrs["s"] == "x"
    assert attrs["set"] == Set([1, True])
    assert attrs["rec"] == Record({"k": Record({"nested": Set()})})
    assert attrs["ref"] == uid("User", "b")
    assert attrs["looks_like_ref"] == Record({"type": "User", "id": "b"})
    assert attrs["ip"] == IPAddr(False, 0x0A000001, 32)
    assert attrs["later"] == Datetime(5)
    assert attrs["bool_from_call"] is False


def test_uid_and_parents_accept_both_reference_forms() -> None:
    store = Entities.from_json([
        {"uid": {"__entity": {"type": "User", "id": "a"}}, "attrs": {}, "parents": [{"type": "G", "id": "g"}]},
        {"uid": {"type": "G", "id": "g"}, "attrs": {}, "parents": [{"__entity": {"type": "G", "id": "h"}}]},
    ])
    assert store.ancestors(uid("User", "a")) == {uid("G", "g"), uid("G", "h")}


def test_ancestors_are_transitively_closed() -> None:
    store = Entities.from_json([
        entity("U", "a", parents=[{"type": "G", "id": "1"}]),
        entity("G", "1", parents=[{"type": "G", "id": "2"}, {"type": "G", "id": "3"}]),
        entity("G", "2", parents=[{"type": "G", "id": "4"}]),
        entity("G", "3", parents=[{"type": "G", "id": "4"}]),
    ])
    assert store.ancestors(uid("U", "a")) == {uid("G", n) for n in "1234"}
    assert store.ancestors(uid("G", "4")) == set()
    assert store.ancestors(uid("U", "missing")) == set()


def test_a_long_chain_does_not_exhaust_the_stack() -> None:
    n = 5000
    store = Entities.from_json([entity("G", str(i), parents=[{"type": "G", "id": str(i + 1)}]) for i in range(n)])
    assert len(store.ancestors(uid("G", "0"))) == n


@pytest.mark.parametrize("parents", [
    [("a", "a")],
    [("a", "b"), ("b", "a")],
    [("a", "b"), ("b", "c"), ("c", "a")],
])
def test_cycles_are_errors(parents: list[tuple[str, str]]) -> None:
    ids = {x for pair in parents for x in pair}
    data = [entity("G", i, parents=[{"type": "G", "id": p} for c, p in parents if c == i]) for i in sorted(ids)]
    with pytest.raises(EntityError, match="ancestor"):
        Entities.from_json(data)
    assert rust_rejects_entities(data, None)


def test_identical_duplicates_are_allowed_but_conflicting_ones_are_not() -> None:
    a = entity("User", "a", {"x": 1})
    assert len(Entities.from_json([a, a])) == 1
    with pytest.raises(EntityError, match="duplicate entity"):
        Entities.from_json([a, entity("User", "a", {"x": True})])


def test_tags() -> None:
    store = Entities.from_json([entity("User", "a", tags={"t": [1], "u": "x"})])
    assert store.tags(uid("User", "a")) == {"t": Set([1]), "u": "x"}


@pytest.mark.parametrize("data", [
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {}}]',                      # no parents
    '[{"uid": {"type": "User", "id": "a"}, "parents": []}]',                    # no attrs
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": 1, "x": 2}, "parents": []}]',  # duplicate key
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": 1.5}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": null}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": 9223372036854775808}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__expr": "1"}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "ip", "arg": "bad"}}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "nope", "arg": "1"}}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "ip", "args": []}}}, "parents": []}]',
    '[{"uid": {"type": "User ", "id": "a"}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "if", "id": "a"}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "__cedar::User", "id": "a"}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "A::", "id": "a"}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "User", "id": 1}, "attrs": {}, "parents": []}]',
    '[{"uid": "User::\\"a\\"", "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "Action", "id": "a"}, "attrs": {}, "parents": [{"type": "User", "id": "b"}]}]',
    '[{"uid": {"type": "User", "id": "\\ud800"}, "attrs": {}, "parents": []}]',
    '{"uid": {"type": "User", "id": "a"}, "attrs": {}, "parents": []}',
    '[1]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": [], "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {}, "parents": {}}]',
    '[',
    '[{"uid": ["User", "a", "b"], "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__entity": {"type": "A", "id": "b", "y": 1.5}}}, "parents": []}]',
])
def test_malformed_entities_json_is_an_entity_error(data: str) -> None:
    with pytest.raises(EntityError):
        Entities.from_json(data)
    assert rust_rejects_entities(data, None)


@pytest.mark.parametrize("data", [
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {}, "parents": [], "extra": 1}]',
    '[{"uid": {"type": "User", "id": "a", "extra": 1}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__entity": {"type": "A"}}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "ip"}}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__entity": {"type": "A", "id": "b"}, "y": 1}}, "parents": []}]',
    '[{"uid": {"type": "A::B::C", "id": ""}, "attrs": {}, "parents": []}]',
    '[{"uid": ["User", "a"], "attrs": {}, "parents": [{"__entity": ["G", "g"]}]}]',
    '[{"uid": {"__entity": {"type": "User", "id": "a"}, "x": 1.5}, "attrs": {}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "unknown", "arg": "u"}}}, "parents": []}]',
    '[{"uid": {"type": "User", "id": "a"}, "attrs": {"x": {"__extn": {"fn": "ip", "arg": "::1", "y": null}}}, "parents": []}]',
    '[]',
])
def test_json_rust_tolerates_loads(data: str) -> None:
    Entities.from_json(data)
    assert not rust_rejects_entities(data, None)


def test_json_nested_deeper_than_rust_allows_is_rejected() -> None:
    def nest(n: int) -> Any:
        v: Any = 1
        for _ in range(n):
            v = [v]
        return v

    ok = [entity("User", "a", {"x": nest(124)})]
    deep = [entity("User", "a", {"x": nest(125)})]
    Entities.from_json(ok)
    assert not rust_rejects_entities(ok, None)
    with pytest.raises(EntityError):
        Entities.from_json(deep)
    assert rust_rejects_entities(deep, None)
    with pytest.raises(EntityError):
        Entities.from_json("[" * 100_000 + "]" * 100_000)


# ---------------------------------------------------------------- with a schema


def test_schema_directed_implicit_forms() -> None:
    store = Entities.from_json([
        user("alice", ip="10.0.0.1", boss={"type": "App::User", "id": "bob"}, d="1.5", when="2024-01-01",
             dur="1h", s=["a"], r={"a": 1}, e=[{"type": "App::User", "id": "bob"}]),
        user("bob", ip={"__extn": {"fn": "ip", "arg": "::1"}}, boss={"__entity": {"type": "App::User", "id": "x"}},
             d={"fn": "decimal", "arg": "2.0"}),
    ], SCHEMA)
    alice = store.attrs(uid("App::User", "alice"))
    assert alice is not None
    assert alice["ip"] == IPAddr(False, 0x0A000001, 32)
    assert alice["boss"] == uid("App::User", "bob")
    assert alice["d"] == Decimal(15000)
    assert alice["when"] == Datetime(1704067200000)
    assert alice["dur"] == Duration(3600000)
    assert alice["r"] == Record({"a": 1})
    assert alice["e"] == Set([uid("App::User", "bob")])
    bob = store.attrs(uid("App::User", "bob"))
    assert bob is not None and bob["d"] == Decimal(20000) and bob["ip"] == IPAddr(True, 1, 128)


def test_schema_adds_action_entities_with_their_ancestors() -> None:
    store = Entities.from_json([], SCHEMA)
    assert store.ancestors(uid("App::Action", "read")) == {uid("App::Action", "view")}
    assert uid("App::Action", "view") in store


def test_consistent_action_entity_in_json_is_accepted() -> None:
    data = [entity("App::Action", "read", parents=[{"type": "App::Action", "id": "view"}])]
    Entities.from_json(data, SCHEMA)
    assert not rust_rejects_entities(data, SCHEMA_TEXT, REQUEST)


def test_transitively_allowed_parent_type_is_accepted() -> None:
    data = [entity("App::User", "a", {"age": 1}, parents=[{"type": "App::Org", "id": "o"}])]
    Entities.from_json(data, SCHEMA)
    assert not rust_rejects_entities(data, SCHEMA_TEXT, REQUEST)


@pytest.mark.parametrize("data, message", [
    ([entity("App::Nope", "a")], "not declared in the schema"),
    ([entity("App::User", "a")], "attribute `age`"),
    ([user("a", nope=1)], "nope"),
    ([user("a", age="old")], "age"),
    ([entity("App::User", "a", {"age": True})], "age"),
    ([user("a", ip="not an ip")], "ip"),
    ([user("a", ip=5)], "ip"),
    ([user("a", boss={"type": "App::Group", "id": "g"})], "boss"),
    ([user("a", boss="bob")], "boss"),
    ([user("a", s=[1])], "s"),
    ([user("a", s="x")], "s"),
    ([user("a", r={"b": True})], "a"),
    ([user("a", r={"a": 1, "c": 2})], "c"),
    ([user("a", d={"__extn": {"fn": "ip", "arg": "1.2.3.4"}})], "d"),
    ([user("a", d={"fn": "decimal", "arg": "1.5", "args": []})], None),
    ([entity("App::Doc", "d", {"color": {"type": "App::Color", "id": "blue"}})], "blue"),
    ([entity("App::Color", "blue")], "blue"),
    ([entity("App::User", "a", {"age": 1}, parents=[{"type": "App::Doc", "id": "d"}])], "App::Doc"),
    ([entity("App::User", "a", {"age": 1}, tags={"t": 1})], "t"),
    ([entity("App::Org", "o", tags={"t": "x"})], "tag"),
    ([entity("App::Action", "view", parents=[{"type": "App::Action", "id": "read"}])], "view"),
    ([entity("App::Action", "nope")], "nope"),
    ([entity("App::Action", "read")], "read"),
    ([entity("App::Action", "view", {"x": 1})], "view"),
    ([user("a", boss={"type": "App::Action", "id": "nope"})], None),
])
def test_schema_conformance_errors(data: list, message: str | None) -> None:
    if message is None:
        rejected = rust_rejects_entities(data, SCHEMA_TEXT, REQUEST)
        if rejected:
            with pytest.raises(EntityError):
                Entities.from_json(data, SCHEMA)
        else:
            Entities.from_json(data, SCHEMA)
        return
    with pytest.raises(EntityError, match=message):
        Entities.from_json(data, SCHEMA)
    assert rust_rejects_entities(data, SCHEMA_TEXT, REQUEST)


def test_valid_enum_entity_is_accepted() -> None:
    data = [entity("App::Doc", "d", {"color": {"type": "App::Color", "id": "red"}}), entity("App::Color", "green")]
    store = Entities.from_json(data, SCHEMA)
    assert store.attrs(uid("App::Doc", "d")) == {"color": uid("App::Color", "red")}
    assert not rust_rejects_entities(data, SCHEMA_TEXT, REQUEST)


# ---------------------------------------------------------------- writing


def test_to_json_round_trips_without_the_schema() -> None:
    store = Entities.from_json([
        user("alice", ip="10.0.0.1", boss={"type": "App::User", "id": "bob"}, d="1.5", when="2024-01-01",
             dur="-1h", s=["a"], r={"a": 1, "b": False}),
        entity("App::Group", "g", parents=[{"type": "App::Org", "id": "o"}]),
    ], SCHEMA)
    out = store.to_json()
    json.dumps(out)  # plain JSON
    again = Entities.from_json(out)
    assert {e.uid for e in again} == {e.uid for e in store}
    for e in store:
        other = again.get(e.uid)
        assert other is not None
        assert Record(other.attrs) == Record(e.attrs)
        assert other.ancestors == e.ancestors
    assert uid("App::Action", "read") in again


def test_entities_built_from_python_objects() -> None:
    store = Entities([Entity(uid("U", "a"), {"x": 1}, [uid("G", "g")]), Entity(uid("G", "g"), parents=[uid("G", "h")])])
    assert store.ancestors(uid("U", "a")) == {uid("G", "g"), uid("G", "h")}


# ---------------------------------------------------------------- context


def test_context_with_schema_uses_the_actions_context_type() -> None:
    ctx = parse_context({"ip": "10.0.0.1", "n": 3}, SCHEMA, uid("App::Action", "view"))
    assert ctx == Record({"ip": IPAddr(False, 0x0A000001, 32), "n": 3})


@pytest.mark.parametrize("ctx", [{}, {"ip": "10.0.0.1", "x": 1}, [], {"ip": "bad"}, "not an object"])
def test_context_errors(ctx: Any) -> None:
    with pytest.raises(EntityError):
        parse_context(ctx, SCHEMA, uid("App::Action", "view"))


def test_context_without_schema() -> None:
    assert parse_context('{"a": [1, {"__entity": {"type": "U", "id": "x"}}]}') == Record(
        {"a": Set([1, uid("U", "x")])})
    with pytest.raises(EntityError):
        parse_context("[1]")
    with pytest.raises(EntityError):
        parse_context({"ip": "x"}, SCHEMA, uid("App::Action", "nope"))


def test_a_lone_surrogate_is_refused_even_in_the_key_of_a_field_rust_ignores() -> None:
    text = '[{"uid": {"type": "A", "id": "a"}, "attrs": {}, "parents": [], "\\udc00x": {}}]'
    with pytest.raises(EntityError, match="lone surrogate"):
        Entities.from_json(text)
    Entities.from_json(text.replace("\\udc00", "\\ud83d\\ude00"))  # a pair is fine
