"""Schema loading: both syntaxes, Rust's name-resolution rules, well-formedness errors, printing."""

from __future__ import annotations

import json

import pytest

from impl.errors import SchemaError
from impl.schema import Schema
from impl.types import AttrType, BoolType, EntityType, ExtensionType, LongType, RecordType, SetType, StringType
from impl.values import EntityUID

PHOTOS = """
// a comment
@doc("people")
entity User in [Group] {
  name: String,
  age?: Long,
  "home page"?: String,
  friends: Set<User>,
} tags Set<String>;
entity Group;
entity Status enum ["draft", "final"];
type Ctx = { ip: ipaddr, when?: datetime };
action view, "edit" in [read] appliesTo { principal: [User], resource: Group, context: Ctx };
action read;
"""


def fails(text: str) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        Schema.from_str(text)
    return info.value


def fails_json(value: object) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        Schema.from_json(value)
    return info.value


def test_entity_types_are_resolved_with_parents_attributes_tags_and_enums() -> None:
    s = Schema.from_str(PHOTOS)
    user = s.entity_types["User"]
    assert user.member_of_types == ("Group",)
    assert user.attributes == RecordType({
        "name": AttrType(StringType()),
        "age": AttrType(LongType(), required=False),
        "home page": AttrType(StringType(), required=False),
        "friends": AttrType(SetType(EntityType("User"))),
    })
    assert user.tags == SetType(StringType())
    assert s.entity_types["Group"].descendants == {"User"}
    assert s.entity_types["Status"].enum_ids == ("draft", "final")


def test_actions_get_applies_to_context_and_transitive_groups() -> None:
    s = Schema.from_str(PHOTOS)
    edit = s.actions[EntityUID("Action", "edit")]
    assert edit.principal_types == ("User",) and edit.resource_types == ("Group",)
    assert edit.context == RecordType({"ip": AttrType(ExtensionType("ipaddr")), "when": AttrType(ExtensionType("datetime"), False)})
    assert edit.member_of == (EntityUID("Action", "read"),)
    assert s.actions[EntityUID("Action", "read")].descendants == {EntityUID("Action", "edit"), EntityUID("Action", "view")}
    read = s.actions[EntityUID("Action", "read")]
    assert read.principal_types == () and not read.applies


def test_unqualified_names_in_a_namespace_prefer_the_namespace_then_the_empty_namespace() -> None:
    s = Schema.from_str("""
        entity Shared;
        namespace NS { entity User { s: Shared, u: User, q: NS::User }; action a appliesTo { principal: User, resource: Shared }; }
    """)
    attrs = s.entity_types["NS::User"].attributes.attrs
    assert attrs["s"].type == EntityType("Shared")
    assert attrs["u"].type == EntityType("NS::User") == attrs["q"].type
    assert EntityUID("NS::Action", "a") in s.actions


def test_a_common_type_wins_over_an_entity_type_of_the_same_name() -> None:
    s = Schema.from_str("namespace NS { type T = Long; entity T; entity E { t: T }; }")
    assert s.entity_types["NS::E"].attributes.attrs["t"].type == LongType()


def test_builtin_names_can_be_shadowed_and_reached_through_cedar_namespace() -> None:
    s = Schema.from_str("entity Long; entity E { a: Long, b: __cedar::Long, c: Bool };")
    attrs = s.entity_types["E"].attributes.attrs
    assert attrs["a"].type == EntityType("Long")
    assert attrs["b"].type == LongType()
    assert attrs["c"].type == BoolType()


def test_a_namespace_action_type_may_be_an_attribute_type_but_not_a_principal_type() -> None:
    s = Schema.from_str('namespace N { entity A { act: Action }; action "x"; }')
    assert s.entity_types["N::A"].attributes.attrs["act"].type == EntityType("N::Action")
    err = fails('namespace N { action "x" appliesTo { principal: Action, resource: Action }; }')
    assert "undeclared entity type" in err.message and "N::Action" in err.message


def test_action_groups_resolve_in_the_namespace_then_the_empty_namespace() -> None:
    s = Schema.from_str('action top; namespace N { action a in [top, "b"]; action b; action c in N::Action::"b"; }')
    assert s.actions[EntityUID("N::Action", "a")].member_of == (EntityUID("Action", "top"), EntityUID("N::Action", "b"))
    assert s.actions[EntityUID("N::Action", "b")].descendants == {EntityUID("N::Action", "a"), EntityUID("N::Action", "c")}


def test_cedar_syntax_errors_give_line_and_column() -> None:
    err = fails("entity User {\n  name String\n};")
    assert (err.line, err.column) == (2, 8)
    assert "unexpected token" in err.message and "`:`" in err.message


@pytest.mark.parametrize(("text", "words", "line"), [
    ("entity A in [B];", "failed to resolve type: `B`", 1),
    ("entity A;\nentity A;", "duplicate entity type declaration `A`", 2),
    ("action a;\naction a;", "duplicate action declaration `a`", 2),
    ("type T = Long;\ntype T = String;", "duplicate common type declaration `T`", 2),
    ("namespace N {}\nnamespace N {}", "duplicate namespace `N`", 2),
    ("@doc(\"a\")\n@doc(\"b\") entity A;", "duplicate annotation", 2),
    ("entity A;\naction a in [b];", "undeclared action", 2),
    ("action a in [b];\naction b in [a];", "cycle in action hierarchy", 1),
    ("type A = B;\ntype B = A;", "cycle in common type references", 1),
    ("entity __cedar;", "reserved", 1),
    ("namespace __cedar { }", "reserved", 1),
    ("entity if;", "reserved identifier", 1),
    ("type Long = String;", "reserved", 1),
    ("entity Action;", "`Action` cannot be declared as an entity type", 1),
    ("entity A;\nnamespace N { entity A; }", "illegally shadows", 1),
    ('action a appliesTo { principal: [], resource: A };', "lists no entity types", 1),
    ('entity A;\naction a appliesTo { resource: A };', "missing `principal`", 2),
    ('entity A;\naction a appliesTo { principal: A, principal: A, resource: A };', "duplicate `principal`", 2),
    ("type T = Long;\nentity A;\naction a appliesTo { principal: A, resource: A, context: T };", "context for action", 3),
    ('entity A { "a\\q": Long };', "not a valid escape", 1),
    ("entity A $ ;", "invalid token", 1),
])
def test_each_ill_formed_schema_is_a_located_schema_error(text: str, words: str, line: int) -> None:
    err = fails(text)
    assert words in err.message
    assert err.line == line


def test_repeated_record_attribute_keeps_the_last_declaration_as_rust_does() -> None:
    s = Schema.from_str("entity A { a: Long, a: String };")
    assert s.entity_types["A"].attributes.attrs["a"].type == StringType()


def test_ten_thousand_deep_nesting_is_a_clear_error_not_a_crash() -> None:
    deep = "entity A { a: " + "Set<" * 10_000 + "Long" + ">" * 10_000 + " };"
    assert "nested more than" in fails(deep).message
    record = "entity A { a: " + "{ a: " * 10_000 + "Long" + " }" * 10_000 + " };"
    assert "nested more than" in fails(record).message
    value = '{"type": "Set", "element": ' * 10_000 + '{"type": "Long"}' + "}" * 10_000
    text = '{"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {"a": ' + value + "}}}}, \"actions\": {}}}"
    assert "nested" in fails_json(text).message


def test_json_schema_reads_the_same_schema() -> None:
    s = Schema.from_json({
        "": {
            "entityTypes": {
                "User": {"memberOfTypes": ["Group"], "shape": {"type": "Record", "attributes": {
                    "name": {"type": "String"}, "age": {"type": "Long", "required": False},
                    "home page": {"type": "String", "required": False},
                    "friends": {"type": "Set", "element": {"type": "Entity", "name": "User"}},
                }}, "tags": {"type": "Set", "element": {"type": "String"}}, "annotations": {"doc": "people"}},
                "Group": {},
                "Status": {"enum": ["draft", "final"]},
            },
            "commonTypes": {"Ctx": {"type": "Record", "attributes": {
                "ip": {"type": "Extension", "name": "ipaddr"},
                "when": {"type": "EntityOrCommon", "name": "datetime", "required": False},
            }}},
            "actions": {
                "view": {"memberOf": [{"id": "read"}], "appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Group"], "context": {"type": "Ctx"}}},
                "edit": {"memberOf": [{"id": "read", "type": "Action"}], "appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Group"], "context": {"type": "Ctx"}}},
                "read": {},
            },
        }
    })
    assert s == Schema.from_str(PHOTOS)


@pytest.mark.parametrize(("value", "words", "path"), [
    ({"": {"entityTypes": {}}}, "missing field `actions`", '$[""]'),
    ({"": {"entityTypes": {}, "actions": {}, "extra": 1}}, "unknown field `extra`", '$[""]'),
    ({"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {"x": {"type": "Lng"}}}}}, "actions": {}}},
     "failed to resolve type: `Lng`", '$[""].entityTypes.A.shape.attributes.x'),
    ({"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {}, "additionalAttributes": True}}}, "actions": {}}},
     "additionalAttributes", '$[""].entityTypes.A.shape'),
    ({"": {"entityTypes": {}, "actions": {"a": {"attributes": {}}}}}, "action attributes", '$[""].actions.a'),
    ({"": {"entityTypes": {"A": {"enum": []}}, "actions": {}}}, "at least one id", '$[""].entityTypes.A.enum'),
    ({"A ::B": {"entityTypes": {}, "actions": {}}}, "invalid namespace", '$["A ::B"]'),
    ({"": {"entityTypes": {}, "actions": {}, "annotations": {"a": "b"}}}, "empty namespace", '$[""]'),
    ({"": {"entityTypes": {"A": {"shape": {"type": "Long"}}}, "actions": {}}}, "other than `Record`", '$[""].entityTypes.A.shape'),
])
def test_json_schema_errors_name_the_json_path(value: object, words: str, path: str) -> None:
    err = fails_json(value)
    assert words in err.message
    assert err.message.startswith(path + ":")


def test_json_text_errors_give_line_and_column_and_duplicate_keys_are_errors() -> None:
    assert fails_json('{"": {\n "entityTypes": {,}}}').line == 2
    assert "duplicate key" in fails_json('{"": {"entityTypes": {"A": {}, "A": {}}, "actions": {}}}').message


def test_cedar_to_json_to_cedar_keeps_the_meaning() -> None:
    s = Schema.from_str(PHOTOS + 'namespace N { type T = Set<{a?: __cedar::Long}>; entity E in [User] { t: T } tags decimal; action "go" in [Action::"read"] appliesTo { principal: E, resource: [E, User] }; }')
    j = s.to_json()
    assert j["N"]["commonTypes"]["T"] == {"type": "Set", "element": {"type": "Record", "attributes": {
        "a": {"type": "EntityOrCommon", "name": "__cedar::Long", "required": False}}}}
    again = Schema.from_json(json.dumps(j))
    assert again == s
    assert Schema.from_str(again.to_cedar()) == s


def test_printing_lays_out_as_rust_does() -> None:
    s = Schema.from_str('namespace NS { entity G; entity U in [G] { a: Long, b?: Set<ipaddr> } tags String; type T = Set<Long>; action view, edit in ["grp"] appliesTo { principal: U, resource: [U, G], context: { t: T } }; action grp; }')
    assert s.to_cedar() == """namespace NS {
  type T = Set<Long>;

  entity G;

  entity U in [G] = {
    a: Long,
    b?: Set<ipaddr>
  } tags String;

  action "edit" in [Action::"grp"] appliesTo {
    principal: [U],
    resource: [U, G],
    context: {
      t: T
    }
  };

  action "grp";

  action "view" in [Action::"grp"] appliesTo {
    principal: [U],
    resource: [U, G],
    context: {
      t: T
    }
  };
}
"""


def test_json_only_forms_print_as_cedar_builtins() -> None:
    s = Schema.from_json({"": {"entityTypes": {"Long": {}, "A": {"shape": {"type": "Record", "attributes": {
        "n": {"type": "Long"}, "e": {"type": "Entity", "name": "Long"}}}}}, "actions": {}}})
    assert "n: __cedar::Long" in s.to_cedar()
    assert Schema.from_str(s.to_cedar()) == s


def test_a_schema_built_directly_can_still_be_printed() -> None:
    s = Schema.from_str(PHOTOS)
    built = Schema(s.entity_types, s.actions)
    assert Schema.from_str(built.to_cedar()) == s
    assert Schema.from_json(built.to_json()) == s


def test_cedar_printer_output_matches_cedarpy() -> None:
    cedarpy = pytest.importorskip("cedarpy")
    text = PHOTOS + 'namespace N { type T = {}; entity E { t: T, "x y": Bool }; action "q\'" appliesTo { principal: E, resource: E }; }'
    assert Schema.from_str(text).to_cedar() == str(cedarpy.Schema.from_str(text))
