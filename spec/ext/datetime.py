"""Cedar `datetime` and `duration`: signed 64-bit millisecond counts (Lean `Spec/Ext/Datetime.lean`).

A datetime is milliseconds since the Unix epoch (UTC); a duration is a signed
number of milliseconds. The two literal syntaxes are parsed here in Python
(Rust `parse_datetime`, `parse_duration`); the operations are Z3 bitvector terms.
Operations that can overflow return `(no_overflow, result)`.
"""

from __future__ import annotations

import re

import z3

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
MS_PER_SECOND, MS_PER_MINUTE, MS_PER_HOUR, MS_PER_DAY = 1000, 60_000, 3_600_000, 86_400_000

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_HMS = re.compile(r"T([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MS_AND_OFFSET = re.compile(r"(\.([0-9]{3}))?(Z|((\+|-)([0-9]{2})([0-9]{2})))")
_DURATION = re.compile(r"-?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?")


def _days_from_civil(year: int, month: int, day: int) -> int | None:
    """Days since 1970-01-01 of a proleptic Gregorian date (chrono `NaiveDate::from_ymd_opt`), None if invalid."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= month <= 12 and 1 <= day <= month_days[month - 1]):
        return None
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_datetime(text: str) -> int | None:
    """Milliseconds since the epoch denoted by a `datetime("...")` literal, or None (extensionError).

    Accepted: `YYYY-MM-DD`, optionally followed by `Thh:mm:ss`, an optional `.SSS`
    and then `Z` or a `(+|-)hhmm` offset (hh < 24, mm < 60), normalised to UTC.
    """
    date = _DATE.match(text)
    if date is None:
        return None
    days = _days_from_civil(*(int(g) for g in date.groups()))
    rest = text[date.end():]
    if rest == "":
        return None if days is None else days * MS_PER_DAY
    hms = _HMS.match(rest)
    tail = _MS_AND_OFFSET.fullmatch(rest[hms.end():]) if hms else None
    if hms is None or tail is None or days is None:
        return None
    hour, minute, second = (int(g) for g in hms.groups())
    if not (hour < 24 and minute < 60 and second < 60):
        return None
    offset_ms = 0
    if tail.group(4):
        offset_hours, offset_minutes = int(tail.group(6)), int(tail.group(7))
        if not (offset_hours < 24 and offset_minutes < 60):
            return None
        sign = 1 if tail.group(5) == "+" else -1
        offset_ms = sign * (offset_hours * MS_PER_HOUR + offset_minutes * MS_PER_MINUTE)
    millis = int(tail.group(2) or 0)
    return days * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * MS_PER_SECOND + millis - offset_ms


def parse_duration(text: str) -> int | None:
    """Milliseconds denoted by a `duration("...")` literal, or None (extensionError).

    Rust `parse_duration`: units d, h, m, s, ms in that order, each at most once,
    an optional leading `-`; every partial sum must stay within 64 bits.
    """
    match = _DURATION.fullmatch(text)
    if text in ("", "-") or match is None:
        return None
    sign = -1 if text.startswith("-") else 1
    units = [(10, 1), (8, MS_PER_SECOND), (6, MS_PER_MINUTE), (4, MS_PER_HOUR), (2, MS_PER_DAY)]
    total = 0
    for group, scale in units:
        digits = match.group(group) or "0"
        if len(digits.lstrip("0")) > 20:  # beyond u64, so Rust reports overflow (and keeps `int` cheap)
            return None
        amount = int(digits)
        if scale > 1 and (amount > I64_MAX or amount * scale > I64_MAX):  # `i64::try_from`, `checked_mul`
            return None
        total += sign * amount * scale
        if not I64_MIN <= total <= I64_MAX:
            return None
    return total


def offset(datetime: z3.BitVecRef, duration: z3.BitVecRef) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """`dt.offset(dur)`: checked addition."""
    return z3.And(z3.BVAddNoOverflow(datetime, duration, True), z3.BVAddNoUnderflow(datetime, duration)), datetime + duration


def duration_since(datetime: z3.BitVecRef, other: z3.BitVecRef) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """`dt.durationSince(other)`: checked subtraction."""
    return z3.And(z3.BVSubNoOverflow(datetime, other), z3.BVSubNoUnderflow(datetime, other, True)), datetime - other


def _day() -> z3.BitVecRef:
    return z3.BitVecVal(MS_PER_DAY, 64)


def to_date(datetime: z3.BitVecRef) -> tuple[z3.BoolRef, z3.BitVecRef]:
    """`dt.toDate()`: rounded down to midnight, `epoch - epoch.rem_euclid(day)` (checked)."""
    rem = z3.SRem(datetime, _day())
    rem_euclid = z3.If(rem < 0, rem + _day(), rem)
    return z3.BVSubNoUnderflow(datetime, rem_euclid, True), datetime - rem_euclid


def to_time(datetime: z3.BitVecRef) -> z3.BitVecRef:
    """`dt.toTime()`: the duration since the last midnight."""
    rem = z3.SRem(datetime, _day())
    return z3.If(z3.And(datetime < 0, rem != 0), rem + _day(), rem)


def to_milliseconds(duration: z3.BitVecRef) -> z3.BitVecRef:
    return duration


def to_seconds(duration: z3.BitVecRef) -> z3.BitVecRef:
    return to_milliseconds(duration) / 1000  # z3's `/` on bitvectors truncates toward zero, like Rust


def to_minutes(duration: z3.BitVecRef) -> z3.BitVecRef:
    return to_seconds(duration) / 60


def to_hours(duration: z3.BitVecRef) -> z3.BitVecRef:
    return to_minutes(duration) / 60


def to_days(duration: z3.BitVecRef) -> z3.BitVecRef:
    return to_hours(duration) / 24
