"""Cedar values: equality that never confuses Bool with Long, sets, records, JSON form."""

from impl.extensions import Datetime, Decimal, Duration, IPAddr
from impl.values import EntityUID, Record, Set, cedar_eq, key, to_cedar, to_json, type_name


def test_bool_is_never_equal_to_long() -> None:
    assert not cedar_eq(True, 1)
    assert not cedar_eq(1, True)
    assert not cedar_eq(False, 0)
    assert cedar_eq(True, True)
    assert cedar_eq(1, 1)


def test_set_keeps_true_and_one_apart() -> None:
    s = Set([1, True, 0, False])
    assert len(s) == 4
    assert True in s and 1 in s
    assert Set([1]) != Set([True])
    assert Set([0]) != Set([False])


def test_set_collapses_duplicates_and_ignores_order() -> None:
    assert Set([1, 2, 2, 3]) == Set([3, 2, 1])
    assert len(Set(["a", "a"])) == 1
    assert hash(Set([1, 2])) == hash(Set([2, 1]))


def test_set_iteration_yields_cedar_values() -> None:
    assert sorted(Set([True, 1]), key=repr) == [1, True]
    assert all(v.__class__ in (bool, int) for v in Set([True, 1]))


def test_record_equality_is_cedar_equality() -> None:
    assert Record({"a": 1}) != Record({"a": True})
    assert Record({"a": 1, "b": "x"}) == Record({"b": "x", "a": 1})
    assert Record({"a": 1}) != Record({"a": 1, "b": 2})
    assert Record({"a": Set([True])}) != Record({"a": Set([1])})
    assert hash(Record({"a": 1, "b": 2})) == hash(Record({"b": 2, "a": 1}))


def test_nested_sets_of_records_compare_structurally() -> None:
    a = Set([Record({"x": Set([1, 2])}), Record({"y": False})])
    b = Set([Record({"y": False}), Record({"x": Set([2, 1])})])
    assert a == b
    assert Set([Record({"y": False})]) != Set([Record({"y": 0})])


def test_values_of_different_kinds_are_unequal() -> None:
    uid = EntityUID("User", "alice")
    values = [True, 1, "User", uid, Set([]), Record({}), Decimal(10000), Duration(1),
              Datetime(1), IPAddr(False, 1, 32)]
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            assert cedar_eq(a, b) == (i == j), (a, b)


def test_entity_uids_compare_by_type_and_id() -> None:
    assert EntityUID("A", "x") == EntityUID("A", "x")
    assert EntityUID("A", "x") != EntityUID("B", "x")
    assert key(EntityUID("A", "x")) == EntityUID("A", "x")


def test_extension_values_compare_by_meaning() -> None:
    assert Decimal(10000) == Decimal(10000)
    assert IPAddr(False, 1, 32) != IPAddr(False, 1, 24)  # address and prefix
    assert IPAddr(False, 1, 32) != IPAddr(True, 1, 32)
    assert Duration(5) != Datetime(5)


def test_type_names_follow_rust_messages() -> None:
    assert type_name(True) == "bool"
    assert type_name(3) == "long"
    assert type_name("s") == "string"
    assert type_name(EntityUID("NS::User", "a")) == "(entity of type `NS::User`)"
    assert type_name(Set()) == "set"
    assert type_name(Record()) == "record"
    assert type_name(Decimal(0)) == "decimal"


def test_to_json_spells_out_escapes() -> None:
    v = Record({"u": EntityUID("User", "a"), "s": Set([1]), "d": Decimal(12345), "i": IPAddr(False, 0x0A000001, 32)})
    assert to_json(v) == {
        "u": {"__entity": {"type": "User", "id": "a"}},
        "s": [1],
        "d": {"__extn": {"fn": "decimal", "arg": "1.2345"}},
        "i": {"__extn": {"fn": "ip", "arg": "10.0.0.1/32"}},
    }
    assert to_json(True) is True


def test_to_cedar_prints_expressions() -> None:
    assert to_cedar(Record({"a": Set(["x"])})) == '{"a": ["x"]}'
    assert to_cedar(EntityUID("User", 'a"b')) == 'User::"a\\"b"'
    assert to_cedar(False) == "false"
