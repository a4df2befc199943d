"""The extension function table: every extension function Cedar 4.x knows.

`EXTENSION_FUNCTIONS` maps a function name to its `ExtensionFunction`:
whether it is called as a function (`ip("...")`) or a method
(`a.isInRange(b)`, receiver first), its argument and result types (for the
validator and for schema-directed JSON parsing), and its implementation on
Cedar values. An implementation checks its argument types itself (type error)
and reports failures as extension errors, as Rust's extensions do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import ErrorKind, EvaluationError
from ..types import BoolType, CedarType, ExtensionType, LongType, StringType
from ..values import type_name
from . import datetime as _dt
from .datetime import Datetime, Duration, parse_datetime, parse_duration
from .decimal import Decimal, parse_decimal
from .ipaddr import IPAddr, parse_ipaddr

__all__ = [
    "EXTENSION_FUNCTIONS", "ExtensionFunction", "constructor_for",
    "Decimal", "IPAddr", "Datetime", "Duration",
]


@dataclass(frozen=True, slots=True)
class ExtensionFunction:
    name: str
    is_method: bool
    arg_types: tuple[CedarType, ...]
    return_type: CedarType
    call: Callable[..., Any]

    @property
    def is_constructor(self) -> bool:
        """A one-string-argument function returning an extension value (`ip`, `decimal`, ...)."""
        return self.arg_types == (STRING,) and isinstance(self.return_type, ExtensionType)


STRING, BOOL, LONG = StringType(), BoolType(), LongType()
DECIMAL, IPADDR = ExtensionType("decimal"), ExtensionType("ipaddr")
DATETIME, DURATION = ExtensionType("datetime"), ExtensionType("duration")


def _type_error(expected: str, v: object) -> EvaluationError:
    advice = ""
    if isinstance(v, str) and expected in ("decimal", "ipaddr", "datetime", "duration"):
        ctor = "ip" if expected == "ipaddr" else expected
        advice = f"; maybe you forgot to apply the `{ctor}` constructor?"
    return EvaluationError(ErrorKind.TYPE_ERROR, f"type error: expected {expected}, got {type_name(v)}{advice}")


def _unary(cls: type, expected: str, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call(a: object) -> Any:
        if a.__class__ is not cls:
            raise _type_error(expected, a)
        return f(a)

    return call


def _binary(cls1: type, exp1: str, cls2: type, exp2: str, f: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def call(a: object, b: object) -> Any:
        if a.__class__ is not cls1:
            raise _type_error(exp1, a)
        if b.__class__ is not cls2:
            raise _type_error(exp2, b)
        return f(a, b)

    return call


def _function(name: str, args: tuple[CedarType, ...], ret: CedarType, call: Callable[..., Any]) -> ExtensionFunction:
    return ExtensionFunction(name, False, args, ret, call)


def _method(name: str, args: tuple[CedarType, ...], ret: CedarType, call: Callable[..., Any]) -> ExtensionFunction:
    return ExtensionFunction(name, True, args, ret, call)


def _decimal_cmp(name: str, op: Callable[[int, int], bool]) -> ExtensionFunction:
    return _method(name, (DECIMAL, DECIMAL), BOOL,
                   _binary(Decimal, "decimal", Decimal, "decimal", lambda a, b: op(a.value, b.value)))


def _duration_getter(name: str, f: Callable[[Duration], int]) -> ExtensionFunction:
    return _method(name, (DURATION,), LONG, _unary(Duration, "duration", f))


_FUNCTIONS = (
    # decimal
    _function("decimal", (STRING,), DECIMAL, _unary(str, "string", parse_decimal)),
    _decimal_cmp("lessThan", lambda a, b: a < b),
    _decimal_cmp("lessThanOrEqual", lambda a, b: a <= b),
    _decimal_cmp("greaterThan", lambda a, b: a > b),
    _decimal_cmp("greaterThanOrEqual", lambda a, b: a >= b),
    # ipaddr
    _function("ip", (STRING,), IPADDR, _unary(str, "string", parse_ipaddr)),
    _method("isIpv4", (IPADDR,), BOOL, _unary(IPAddr, "ipaddr", lambda a: not a.is_v6)),
    _method("isIpv6", (IPADDR,), BOOL, _unary(IPAddr, "ipaddr", lambda a: a.is_v6)),
    _method("isLoopback", (IPADDR,), BOOL, _unary(IPAddr, "ipaddr", IPAddr.is_loopback)),
    _method("isMulticast", (IPADDR,), BOOL, _unary(IPAddr, "ipaddr", IPAddr.is_multicast)),
    _method("isInRange", (IPADDR, IPADDR), BOOL,
            _binary(IPAddr, "ipaddr", IPAddr, "ipaddr", IPAddr.is_in_range)),
    # datetime and duration
    _function("datetime", (STRING,), DATETIME, _unary(str, "string", parse_datetime)),
    _function("duration", (STRING,), DURATION, _unary(str, "string", parse_duration)),
    _method("offset", (DATETIME, DURATION), DATETIME,
            _binary(Datetime, "datetime", Duration, "duration", _dt.offset)),
    _method("durationSince", (DATETIME, DATETIME), DURATION,
            _binary(Datetime, "datetime", Datetime, "datetime", _dt.duration_since)),
    _method("toDate", (DATETIME,), DATETIME, _unary(Datetime, "datetime", _dt.to_date)),
    _method("toTime", (DATETIME,), DURATION, _unary(Datetime, "datetime", _dt.to_time)),
    _duration_getter("toMilliseconds", _dt.to_milliseconds),
    _duration_getter("toSeconds", _dt.to_seconds),
    _duration_getter("toMinutes", _dt.to_minutes),
    _duration_getter("toHours", _dt.to_hours),
    _duration_getter("toDays", _dt.to_days),
)

EXTENSION_FUNCTIONS: dict[str, ExtensionFunction] = {f.name: f for f in _FUNCTIONS}

_CONSTRUCTORS: dict[str, ExtensionFunction] = {
    f.return_type.name: f for f in _FUNCTIONS if f.is_constructor  # type: ignore[union-attr]
}


def constructor_for(extension_type: str) -> ExtensionFunction | None:
    """The one-string-argument constructor producing `extension_type` (`"ipaddr"` -> `ip`)."""
    return _CONSTRUCTORS.get(extension_type)
