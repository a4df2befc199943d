"""Values: one canonical form per Cedar value, so Z3's equality is Cedar's; strings survive Z3's alphabet."""

from __future__ import annotations

import z3

from spec.values import (Value, entity_uid, long_value, make_record, make_set, string_of, string_val, string_value,
                         value_json, with_concrete_key)


def _ground(v: z3.ExprRef) -> z3.ExprRef:
    return z3.simplify(with_concrete_key(v))


def test_sets_are_equal_whatever_the_order_and_repetition_of_their_elements() -> None:
    one, two = long_value(1), long_value(2)
    assert _ground(make_set([one, two, one])).eq(_ground(make_set([two, one])))
    assert not _ground(make_set([one])).eq(_ground(make_set([one, two])))
    assert value_json(_ground(make_set([two, one, two]))) == [1, 2]


def test_nested_sets_and_records_are_canonical_too() -> None:
    inner = [make_set([long_value(2), long_value(1)]), make_set([long_value(1), long_value(2)])]
    assert value_json(_ground(make_set(inner))) == [[1, 2]]
    r1 = make_record({"b": make_set([string_value("x")]), "a": long_value(1)})
    r2 = make_record({"a": long_value(1), "b": make_set([string_value("x"), string_value("x")])})
    assert _ground(r1).eq(_ground(r2))


def test_keys_tell_apart_values_that_print_alike() -> None:
    values = [string_value("1"), long_value(1), string_value("a:b"), string_value("a"),
              Value.entity(entity_uid("A", "b:c")), Value.entity(entity_uid("A:b", "c")),
              make_set([string_value("ab")]), make_set([string_value("a"), string_value("b")])]
    assert len({_ground(make_set([v])).sexpr() for v in values}) == len(values)
    assert len(value_json(_ground(make_set(values)))) == len(values)


def test_strings_round_trip_through_z3_whatever_their_characters() -> None:
    for s in ["", "plain", "back\\slash", "\\u{41}", '"quoted"', "\x00\x1f", "é", "\U0001F600", "\U00030000", "\U0010FFFF"]:
        assert string_of(z3.simplify(string_val(s))) == s
    assert not z3.is_true(z3.simplify(string_val("\\u{41}") == string_val("A")))
