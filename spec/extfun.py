"""Extension functions (Lean `Spec/ExtFun.lean`): one rule per function.

A constructor (`decimal`, `ip`, `datetime`, `duration`) is the parse function of
its literal syntax. Cedar cannot build strings, so every string a constructor can
ever see occurs in the policies, entities or request; the model looks the
argument up in `LITERAL[fn]`, an array from strings to results. The concrete
mode fills it from those strings (`literal_tables`, parsed in Python by `ext/`);
symbolic analyses constrain it on the literals they know (`literal_axioms`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable

import z3

from spec.errors import Result, cases, err, ok
from spec.terms import store
from spec.ext import datetime, decimal, ipaddr
from spec.values import String, Value, bool_value, long_value, string_val

_PARSERS: dict[str, Callable[[str], z3.DatatypeRef | None]] = {
    "decimal": lambda s: None if (d := decimal.parse(s)) is None else Value.decimal(z3.BitVecVal(d, 64)),
    "ip": lambda s: None if (ip := ipaddr.parse(s)) is None else Value.ipaddr(ip),
    "datetime": lambda s: None if (t := datetime.parse_datetime(s)) is None else Value.datetime(z3.BitVecVal(t, 64)),
    "duration": lambda s: None if (t := datetime.parse_duration(s)) is None else Value.duration(z3.BitVecVal(t, 64)),
}

LITERAL: dict[str, z3.ArrayRef] = {fn: z3.Array(f"{fn}.literal", String, Result) for fn in _PARSERS}


@lru_cache(maxsize=65536)
def _parse(fn: str, text: str) -> z3.DatatypeRef | None:
    return _PARSERS[fn](text)


def parse_literal(fn: str, text: str) -> z3.DatatypeRef:
    """The result of constructor `fn` on the literal `text`."""
    v = _parse(fn, text)
    return err("extensionError") if v is None else ok(v)


def parses(fn: str, text: str) -> bool:
    """Does constructor `fn` accept `text`?"""
    return _parse(fn, text) is not None


def is_literal(text: str) -> bool:
    """Does some constructor accept `text`?"""
    return any(_parse(fn, text) is not None for fn in _PARSERS)


@lru_cache(maxsize=1024)
def _tables(strings: frozenset[str]) -> tuple[tuple[z3.ExprRef, z3.ExprRef], ...]:
    tables = {fn: z3.K(String, err("extensionError")) for fn in _PARSERS}
    for s in sorted(strings):
        for fn in _PARSERS:
            if (v := _parse(fn, s)) is not None:
                tables[fn] = store(tables[fn], string_val(s), ok(v))
    return tuple((LITERAL[fn], tables[fn]) for fn in _PARSERS)


def literal_tables(strings: Iterable[str]) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    """Substitution pairs giving every constructor its value on `strings` (an extensionError elsewhere)."""
    return list(_tables(frozenset(strings)))


def literal_axioms(strings: Iterable[str]) -> list[z3.BoolRef]:
    """Each constructor's value on `strings`, as constraints on `LITERAL`."""
    return [LITERAL[fn][string_val(s)] == parse_literal(fn, s) for s in set(strings) for fn in _PARSERS]


def _res(no_error: z3.BoolRef, v: z3.DatatypeRef) -> z3.DatatypeRef:
    return z3.If(no_error, ok(v), err("extensionError"))


def _both(recognizer, a: z3.DatatypeRef, b: z3.DatatypeRef) -> z3.BoolRef:
    return z3.And(recognizer(a), recognizer(b))


def _ok_bool(b: z3.BoolRef) -> z3.DatatypeRef:
    return ok(bool_value(b))


def _ok_long(i: z3.BitVecRef) -> z3.DatatypeRef:
    return ok(long_value(i))


V = Value
# fn: (arity, rule); a rule gives the arms of Lean's match for that function.
CALLS: dict[str, tuple[int, Callable[..., list[tuple[z3.BoolRef, z3.DatatypeRef]]]]] = {
    "decimal": (1, lambda s: [(V.is_string(s), LITERAL["decimal"][V.s(s)])]),
    "lessThan": (2, lambda a, b: [(_both(V.is_decimal, a, b), _ok_bool(decimal.less_than(V.d(a), V.d(b))))]),
    "lessThanOrEqual": (2, lambda a, b: [(_both(V.is_decimal, a, b), _ok_bool(decimal.less_than_or_equal(V.d(a), V.d(b))))]),
    "greaterThan": (2, lambda a, b: [(_both(V.is_decimal, a, b), _ok_bool(decimal.greater_than(V.d(a), V.d(b))))]),
    "greaterThanOrEqual": (2, lambda a, b: [(_both(V.is_decimal, a, b), _ok_bool(decimal.greater_than_or_equal(V.d(a), V.d(b))))]),
    "ip": (1, lambda s: [(V.is_string(s), LITERAL["ip"][V.s(s)])]),
    "isIpv4": (1, lambda a: [(V.is_ipaddr(a), _ok_bool(ipaddr.is_ipv4(V.ip(a))))]),
    "isIpv6": (1, lambda a: [(V.is_ipaddr(a), _ok_bool(ipaddr.is_ipv6(V.ip(a))))]),
    "isLoopback": (1, lambda a: [(V.is_ipaddr(a), _ok_bool(ipaddr.is_loopback(V.ip(a))))]),
    "isMulticast": (1, lambda a: [(V.is_ipaddr(a), _ok_bool(ipaddr.is_multicast(V.ip(a))))]),
    "isInRange": (2, lambda a, b: [(_both(V.is_ipaddr, a, b), _ok_bool(ipaddr.is_in_range(V.ip(a), V.ip(b))))]),
    "datetime": (1, lambda s: [(V.is_string(s), LITERAL["datetime"][V.s(s)])]),
    "duration": (1, lambda s: [(V.is_string(s), LITERAL["duration"][V.s(s)])]),
    "offset": (2, lambda a, b: [(z3.And(V.is_datetime(a), V.is_duration(b)),
                                 _res(*_map_second(datetime.offset(V.dt(a), V.dur(b)), V.datetime)))]),
    "durationSince": (2, lambda a, b: [(_both(V.is_datetime, a, b),
                                        _res(*_map_second(datetime.duration_since(V.dt(a), V.dt(b)), V.duration)))]),
    "toDate": (1, lambda a: [(V.is_datetime(a), _res(*_map_second(datetime.to_date(V.dt(a)), V.datetime)))]),
    "toTime": (1, lambda a: [(V.is_datetime(a), ok(V.duration(datetime.to_time(V.dt(a)))))]),
    "toMilliseconds": (1, lambda a: [(V.is_duration(a), _ok_long(datetime.to_milliseconds(V.dur(a))))]),
    "toSeconds": (1, lambda a: [(V.is_duration(a), _ok_long(datetime.to_seconds(V.dur(a))))]),
    "toMinutes": (1, lambda a: [(V.is_duration(a), _ok_long(datetime.to_minutes(V.dur(a))))]),
    "toHours": (1, lambda a: [(V.is_duration(a), _ok_long(datetime.to_hours(V.dur(a))))]),
    "toDays": (1, lambda a: [(V.is_duration(a), _ok_long(datetime.to_days(V.dur(a))))]),
}


def _map_second(pair: tuple[z3.BoolRef, z3.BitVecRef], wrap) -> tuple[z3.BoolRef, z3.DatatypeRef]:
    return pair[0], wrap(pair[1])


def call(fn: str, args: list[z3.DatatypeRef]) -> z3.DatatypeRef:
    """Lean `call`: the function's rule, a typeError for any other argument shapes."""
    arity, rule = CALLS[fn]
    return cases(*rule(*args)) if len(args) == arity else err("typeError")
