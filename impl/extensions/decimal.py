"""The `decimal` extension: fixed-point numbers with four fractional digits.

A decimal is stored as the signed 64-bit integer `value * 10^4`, exactly as
Rust's `cedar-policy-core/src/extensions/decimal.rs` and Lean's
`Cedar.Spec.Ext.Decimal` do, so the range is -922337203685477.5808 to
922337203685477.5807. Decimals compare only through the methods
`lessThan`/`lessThanOrEqual`/`greaterThan`/`greaterThanOrEqual`; the `<`
operators reject them (decimal does not overload operators).
"""

from __future__ import annotations

import re

from ..errors import ErrorKind, EvaluationError
from ..values import LONG_MAX, LONG_MIN, ExtensionValue

DIGITS = 4
_SCALE = 10**DIGITS
# Rust: `^(-?\d+)\.(\d+)$`; Rust's `\d` also matches non-ASCII digits, which then
# fail integer conversion, so accepting ASCII digits only is the same language.
_DECIMAL_RE = re.compile(r"(-?)([0-9]+)\.([0-9]+)", re.ASCII)
_HELP = (
    "valid decimal strings look like `12.34`: digits are required on both sides of `.`, "
    "up to 4 fractional digits are allowed, and the value must be in range "
    "-922337203685477.5808 to 922337203685477.5807"
)


class Decimal(ExtensionValue):
    __slots__ = ("value",)
    type_name = "decimal"
    constructor = "decimal"

    def __init__(self, value: int) -> None:
        self.value = value  # the decimal times 10^4, within signed 64 bits

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Decimal and self.value == other.value  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((Decimal, self.value))

    def to_string(self) -> str:
        sign = "-" if self.value < 0 else ""
        whole, frac = divmod(abs(self.value), _SCALE)
        return f"{sign}{whole}.{frac:04d}"


def parse_decimal(s: str) -> Decimal:
    """`decimal(s)`; raises an extension error for malformed or out-of-range text."""
    m = _DECIMAL_RE.fullmatch(s)
    if m is None:
        raise EvaluationError(ErrorKind.EXTENSION_ERROR, f"`{s}` is not a well-formed decimal value; {_HELP}")
    sign, whole, frac = m.groups()
    if len(frac) > DIGITS:
        raise EvaluationError(ErrorKind.EXTENSION_ERROR, f"too many digits after the decimal in `{s}`; at most {DIGITS} digits are supported")
    whole = whole.lstrip("0") or "0"  # `int()` refuses thousands of digits, even zeros
    if len(whole) > 19:  # cannot fit
        raise EvaluationError(ErrorKind.EXTENSION_ERROR, f"overflow when converting `{s}` to decimal; {_HELP}")
    magnitude = int(whole) * _SCALE + int(frac) * 10 ** (DIGITS - len(frac))
    value = -magnitude if sign else magnitude
    if not LONG_MIN <= value <= LONG_MAX:
        raise EvaluationError(ErrorKind.EXTENSION_ERROR, f"overflow when converting `{s}` to decimal; {_HELP}")
    return Decimal(value)
