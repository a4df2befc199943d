"""Cedar `decimal`: a signed 64-bit integer counting ten-thousandths (Lean `Spec/Ext/Decimal.lean`).

The literal syntax is parsed here in Python (it defines which strings are decimal
literals); everything a policy can do with a decimal is a Z3 bitvector operation.
"""

from __future__ import annotations

import re

import z3

DIGITS = 4
I64_MIN, I64_MAX = -(2**63), 2**63 - 1

# Rust `^(-?\d+)\.(\d+)$`; non-ASCII digits match there but then fail `i64::from_str`.
_LITERAL = re.compile(r"(-?[0-9]+)\.([0-9]+)")


def parse(text: str) -> int | None:
    """The scaled integer a `decimal("...")` literal denotes, or None (extensionError).

    Rust `Decimal::from_str`: at most four fractional digits, and the integer part
    times 10^4, plus or minus the fraction, must fit in 64 bits.
    """
    match = _LITERAL.fullmatch(text)
    if match is None or len(match.group(2)) > DIGITS:
        return None
    left, right = match.group(1), match.group(2)
    if len(left.lstrip("-").lstrip("0")) > 19:  # cannot fit in 64 bits (and keeps `int` cheap)
        return None
    whole = int(left) * 10**DIGITS
    fraction = int(right) * 10 ** (DIGITS - len(right))
    value = whole - fraction if left.startswith("-") else whole + fraction
    if not (I64_MIN <= int(left) <= I64_MAX and I64_MIN <= whole <= I64_MAX and I64_MIN <= value <= I64_MAX):
        return None
    return value


def less_than(d1: z3.BitVecRef, d2: z3.BitVecRef) -> z3.BoolRef:
    return d1 < d2  # z3's `<` on bitvectors is signed


def less_than_or_equal(d1: z3.BitVecRef, d2: z3.BitVecRef) -> z3.BoolRef:
    return d1 <= d2


def greater_than(d1: z3.BitVecRef, d2: z3.BitVecRef) -> z3.BoolRef:
    return d1 > d2


def greater_than_or_equal(d1: z3.BitVecRef, d2: z3.BitVecRef) -> z3.BoolRef:
    return d1 >= d2
