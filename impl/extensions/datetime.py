"""The `datetime` extension: instants (`datetime`) and spans of time (`duration`).

Both are signed 64-bit counts of milliseconds (a datetime counts from the Unix
epoch, ignoring leap seconds), as in Rust's
`cedar-policy-core/src/extensions/datetime.rs`. Unlike decimals, both overload
`<`, `<=`, `>`, `>=` (between two values of the same type).

Accepted datetime strings (checked syntax first, then the calendar):
`YYYY-MM-DD`, then optionally `THH:MM:SS` followed by `Z`, `.SSSZ`,
`(+|-)hhmm` or `.SSS(+|-)hhmm` (offset hours < 24, minutes < 60).
Durations: an optional `-`, then quantity-unit pairs in the order `d h m s ms`,
each optional but at least one present (`1d2h3m4s5ms`, `-90m`).
"""

from __future__ import annotations

import re

from ..errors import ErrorKind, EvaluationError
from ..values import LONG_MAX, LONG_MIN, ExtensionValue

DAY_MS = 86_400_000
_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HMS_RE = re.compile(r"T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MS_OFFSET_RE = re.compile(r"(\.([0-9]{3}))?(Z|(([+-])([0-9]{2})([0-9]{2})))")
_DURATION_RE = re.compile(r"-?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?")
_UNIT_MS = (DAY_MS, 3_600_000, 60_000, 1_000, 1)
_EPOCH_DATE = "1970-01-01"


class Datetime(ExtensionValue):
    __slots__ = ("epoch",)
    type_name = "datetime"
    constructor = "datetime"

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch  # milliseconds since 1970-01-01T00:00:00Z

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Datetime and self.epoch == other.epoch  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((Datetime, self.epoch))

    def __lt__(self, other: "Datetime") -> bool:
        return self.epoch < other.epoch

    def __le__(self, other: "Datetime") -> bool:
        return self.epoch <= other.epoch

    def iso(self) -> str | None:
        """The ISO 8601 UTC text of this instant, or None outside years 0000-9999."""
        days, ms = divmod(self.epoch, DAY_MS)
        year, month, day = _civil_from_days(days)
        if not 0 <= year <= 9999:
            return None
        secs, milli = divmod(ms, 1000)
        return f"{year:04d}-{month:02d}-{day:02d}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{milli:03d}Z"

    def to_string(self) -> str:
        iso = self.iso()
        return iso if iso is not None else f"{_EPOCH_DATE} offset by {self.epoch}ms"

    def to_json(self) -> dict:
        """`datetime("...")` when expressible, else Rust's canonical `offset` call."""
        if self.iso() is not None:
            return super().to_json()
        return {
            "__extn": {
                "fn": "offset",
                "args": [
                    {"__extn": {"fn": "datetime", "arg": _EPOCH_DATE}},
                    {"__extn": {"fn": "duration", "arg": f"{self.epoch}ms"}},
                ],
            }
        }

    def __repr__(self) -> str:
        if self.iso() is not None:
            return super().__repr__()
        return f'datetime("{_EPOCH_DATE}").offset(duration("{self.epoch}ms"))'


class Duration(ExtensionValue):
    __slots__ = ("ms",)
    type_name = "duration"
    constructor = "duration"

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Duration and self.ms == other.ms  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((Duration, self.ms))

    def __lt__(self, other: "Duration") -> bool:
        return self.ms < other.ms

    def __le__(self, other: "Duration") -> bool:
        return self.ms <= other.ms

    def to_string(self) -> str:
        return f"{self.ms}ms"


# ---------------------------------------------------------------- calendar


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (year 0 exists)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


# ---------------------------------------------------------------- parsing


def _error(message: str) -> EvaluationError:
    return EvaluationError(ErrorKind.EXTENSION_ERROR, message)


def parse_datetime(s: str) -> Datetime:
    """`datetime(s)`: syntax is checked left to right before the calendar, as Rust does."""
    m = _DATE_RE.match(s)
    if m is None:
        raise _error(f"error parsing `{s}` as a datetime: invalid date pattern; a valid datetime string should start with YYYY-MM-DD")
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    rest = s[m.end() :]
    hour = minute = second = milli = offset_secs = 0
    if rest:
        hms = _HMS_RE.match(rest)
        if hms is None:
            raise _error(f"error parsing `{s}` as a datetime: invalid hour/minute/second pattern; a valid datetime string should have HH:MM:SS after the date")
        hour, minute, second = int(hms[1]), int(hms[2]), int(hms[3])
        tail = _MS_OFFSET_RE.fullmatch(rest[hms.end() :])
        if tail is None:
            raise _error(f"error parsing `{s}` as a datetime: invalid millisecond and/or offset pattern; a valid datetime should end with Z|.SSSZ|(+|-)hhmm|.SSS(+|-)hhmm")
        if tail[2] is not None:
            milli = int(tail[2])
        if tail[4] is not None:
            off_h, off_m = int(tail[6]), int(tail[7])
            if off_h >= 24 or off_m >= 60:
                raise _error(f"error parsing `{s}` as a datetime: invalid offset range: {off_h}{off_m}")
            offset_secs = (off_h * 3600 + off_m * 60) * (1 if tail[5] == "+" else -1)
    if not (1 <= month <= 12 and 1 <= day <= (29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1])):
        raise _error(f"error parsing `{s}` as a datetime: invalid date: {m[0]}")
    if hour >= 24 or minute >= 60 or second >= 60:
        raise _error(f"error parsing `{s}` as a datetime: invalid hour/minute/second: {hour:02d}:{minute:02d}:{second:02d}")
    epoch = (
        _days_from_civil(year, month, day) * DAY_MS
        + ((hour * 60 + minute) * 60 + second - offset_secs) * 1000
        + milli
    )
    return Datetime(epoch)


def parse_duration(s: str) -> Duration:
    """`duration(s)`; the total must fit in signed 64 bits."""
    m = _DURATION_RE.fullmatch(s) if s not in ("", "-") else None
    if m is None:
        raise _error(f"error parsing `{s}` as a duration: invalid duration pattern; a valid duration string is a concatenated sequence of quantity-unit pairs with an optional `-` at the beginning")
    total = 0
    for quantity, unit in zip(m.groups(), _UNIT_MS):
        if quantity is not None:
            quantity = quantity.lstrip("0") or "0"  # `int()` refuses thousands of digits, even zeros
            if len(quantity) > 20:
                raise _overflow(s)
            total += int(quantity) * unit
    if s.startswith("-"):
        total = -total
    if not LONG_MIN <= total <= LONG_MAX:
        raise _overflow(s)
    return Duration(total)


def _overflow(s: str) -> EvaluationError:
    return _error(f"error parsing `{s}` as a duration: Duration overflows internal representation; a duration in milliseconds must be representable by a signed 64 bit integer")


# ---------------------------------------------------------------- operations


def _checked(value: int, what: str) -> int:
    if not LONG_MIN <= value <= LONG_MAX:
        raise _error(f"overflows when {what}")
    return value


def offset(dt: Datetime, d: Duration) -> Datetime:
    return Datetime(_checked(dt.epoch + d.ms, f"adding an offset: {dt!r}+({d!r})"))


def duration_since(a: Datetime, b: Datetime) -> Duration:
    return Duration(_checked(a.epoch - b.epoch, f"computing the duration between {a!r} and {b!r}"))


def to_date(dt: Datetime) -> Datetime:
    return Datetime(_checked(dt.epoch - dt.epoch % DAY_MS, f"computing the date of {dt!r}"))


def to_time(dt: Datetime) -> Duration:
    return Duration(dt.epoch % DAY_MS)


def _truncate(n: int, unit: int) -> int:
    """Integer division rounding toward zero, as Rust's `/`."""
    q = abs(n) // unit
    return -q if n < 0 else q


def to_milliseconds(d: Duration) -> int:
    return d.ms


def to_seconds(d: Duration) -> int:
    return _truncate(d.ms, 1000)


def to_minutes(d: Duration) -> int:
    return _truncate(d.ms, 60_000)


def to_hours(d: Duration) -> int:
    return _truncate(d.ms, 3_600_000)


def to_days(d: Duration) -> int:
    return _truncate(d.ms, DAY_MS)
