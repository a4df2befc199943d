"""Primitive Cedar values and extension-literal strings, biased toward the edges.

Implementations disagree at the edges, not in the middle: integers near
+-2^63 and 0/+-1, strings with escapes, `*` and non-ASCII characters, IP
addresses at range boundaries and special (loopback, multicast, v4-mapped)
addresses, datetimes at format and overflow edges, decimals at their bounds.
Every generator takes a `random.Random`, so one integer seed (or hypothesis'
`st.randoms()`) drives it.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from typing import Any, Sequence

MAX_LONG = 2**63 - 1
MIN_LONG = -(2**63)


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity reference value `type::"id"` (type fully qualified)."""

    type: str
    id: str

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}


@dataclass(frozen=True, slots=True)
class ExtValue:
    """An extension value written as its constructor call, e.g. `ip("10.0.0.1")`."""

    fn: str
    arg: str


Value = Any  # bool | int | str | EntityRef | ExtValue | list (Set) | dict (Record)

# ------------------------------------------------------------------ Long

_LONG_EDGES = (
    0, 1, -1, 2, -2, MAX_LONG, MIN_LONG, MAX_LONG - 1, MIN_LONG + 1,
    2**62, -(2**62), 2**32, -(2**32), 2**31 - 1, -(2**31), 3037000499, 3037000500, -3037000500,
    4611686018427387904, 10, 100, 42,
)


def long_value(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        return rng.choice(_LONG_EDGES)
    if r < 0.8:
        return rng.randint(-10, 10)
    if r < 0.9:
        return rng.randint(MIN_LONG, MAX_LONG)
    return clamp_long(rng.choice((MAX_LONG, MIN_LONG)) + rng.randint(-3, 3))


def clamp_long(n: int) -> int:
    return max(MIN_LONG, min(MAX_LONG, n))


# ------------------------------------------------------------------ String

STRING_POOL = (
    "", "a", "b", "ab", "abc", "alice", "bob", "A", "*", "**", "a*", "*a", "a*b", "\\", "\\*",
    '"', "'", "\n", "\t", "\r", "\0", " ", "  a ", "é", "e\u0301", "日本語", "🦀", "\U0001f600x",
    "\u200b", "\ufeff", "\x7f", "\u2028", "a\nb", "Ā", "ß", "SS", "İ", "null", "true", "0", "-1",
    "192.168.0.1", "1.0", "2024-01-01",
)


def string_value(rng: random.Random, pool: Sequence[str] = ()) -> str:
    r = rng.random()
    if pool and r < 0.35:
        return rng.choice(pool)
    if r < 0.8:
        return rng.choice(STRING_POOL)
    n = rng.randint(0, 6)
    alphabet = "ab*\\\"é🦀 \n\0Zz09_"
    return "".join(rng.choice(alphabet) for _ in range(n))


# ------------------------------------------------------------------ like patterns

WILDCARD = "Wildcard"


def pattern(rng: random.Random, pool: Sequence[str] = ()) -> list[Any]:
    """A `like` pattern in the JSON policy form: `"Wildcard"` and `{"Literal": s}` elements."""
    elems: list[Any] = []
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.4:
            elems.append(WILDCARD)
        else:
            chunk = rng.choice(("a", "b", "ab", "*", "\\", "é", "🦀", "\n", " ", '"', "\\*"))
            if pool and rng.random() < 0.3:
                s = rng.choice(pool)
                chunk = s[: rng.randint(0, len(s))] if s else s
            if chunk:
                elems.append({"Literal": chunk})
    return elems


def matching_string(rng: random.Random, pat: Sequence[Any]) -> str:
    """A string the pattern matches (wildcards filled randomly), sometimes nudged to a near miss."""
    out = []
    for e in pat:
        if e == WILDCARD:
            out.append(rng.choice(("", "", "x", "a", "*", "ab", "🦀")))
        else:
            out.append(e["Literal"])
    s = "".join(out)
    r = rng.random()
    if r < 0.12:
        s = s[:-1] if s and rng.random() < 0.5 else s + rng.choice("ab*")
    elif r < 0.3:  # one literal chunk left out, doubled or moved: every chunk must be matched, in order
        literals = [i for i, e in enumerate(pat) if e != WILDCARD]
        if literals:
            i = rng.choice(literals)
            how = rng.choice(("drop", "double", "first"))
            chunk = pat[i]["Literal"]
            parts = out[:i] + ([] if how == "drop" else [chunk + chunk] if how == "double" else []) + out[i + 1:]
            s = ("".join(parts) if how != "first" else chunk + "".join(out[:i] + out[i + 1:]))
    return s


# ------------------------------------------------------------------ decimal

_DECIMAL_VALID = (
    "0.0", "1.0", "-1.0", "0.1", "-0.1", "0.0001", "-0.0001", "1.2345", "-0.0", "00.5", "1.10", "1.1",
    "922337203685477.5807", "-922337203685477.5808", "922337203685477.5806", "-922337203685477.5807",
    "12.34", "3.14",
)
_DECIMAL_INVALID = (
    "922337203685477.5808", "-922337203685477.5809", "1.23456", "1", "1.", ".5", "-.5", "+1.0", "1,0",
    "", "abc", "1.0.0", " 1.0", "1e3", "--1.0", "9223372036854775807.0",
)


def decimal_literal(rng: random.Random, valid: float = 0.85) -> str:
    if rng.random() >= valid:
        return rng.choice(_DECIMAL_INVALID)
    if rng.random() < 0.6:
        return rng.choice(_DECIMAL_VALID)
    whole = rng.choice((0, 1, 9, 10, 999, rng.randint(0, 922337203685477)))
    frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 4)))
    return f"{'-' if rng.random() < 0.4 else ''}{whole}.{frac}"


# ------------------------------------------------------------------ ipaddr

_IP_VALID = (
    "0.0.0.0", "127.0.0.1", "127.255.255.255", "126.255.255.255", "128.0.0.0", "10.0.0.1", "10.0.0.0/8",
    "192.168.1.1", "192.168.0.0/16", "1.2.3.4", "1.2.3.4/32", "1.2.3.4/31", "1.2.3.0/24", "0.0.0.0/0",
    "127.0.0.0/8", "127.0.0.1/32", "224.0.0.0", "224.0.0.1", "224.0.0.0/4", "239.255.255.255",
    "240.0.0.0", "255.255.255.255", "255.255.255.255/32", "::", "::1", "::2", "::/0", "::1/128",
    "::1/127", "ff00::", "ff00::/8", "ff02::1", "feff::1", "fe80::1", "2001:db8::1", "2001:db8::/32",
    "::ffff:0:0/96", "::ffff:7f00:1", "::ffff:e000:1", "::7f00:1",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:8", "1::8", "1:2:3:4:5:6:7:8/64",
    "2001:DB8::1", "0:0:0:0:0:0:0:1",
)
_IP_INVALID = (
    "1.2.3.4/33", "1.2.3", "256.0.0.1", "01.2.3.4", "1.2.3.4/", "1.2.3.4/-1", " 1.2.3.4", "1.2.3.4 ",
    ":::", "1:2:3:4:5:6:7:8:9", "::/129", "fe80::1%eth0", "[::1]", "1.2.3.4/08", "", "localhost",
    "1.2.3.4/1/2", "::ffff:1.2.3.4/200", "12345::", "1.2.3.4.5",
    "1.2.3.4/a", "1.2.3.4/+8", "1.2.3.4/ 8", "1.2.3.4/008", "10.0.0.0/032", "::1/0128", "::1/1a", "::1/-0",
    # embedded IPv4 notation in IPv6 addresses is rejected by Cedar
    "::ffff:127.0.0.1", "::ffff:1.2.3.4", "::ffff:224.0.0.1", "::127.0.0.1",
)


def ip_literal(rng: random.Random, valid: float = 0.88) -> str:
    if rng.random() >= valid:
        return rng.choice(_IP_INVALID)
    if rng.random() < 0.7:
        return rng.choice(_IP_VALID)
    if rng.random() < 0.5:
        addr = ".".join(str(rng.choice((0, 1, 127, 128, 224, 255, rng.randint(0, 255)))) for _ in range(4))
        return addr + (f"/{rng.randint(0, 32)}" if rng.random() < 0.4 else "")
    groups = [f"{rng.choice((0, 1, 0xFFFF, 0xFF00, 0xFE80, rng.randint(0, 0xFFFF))):x}" for _ in range(8)]
    return ":".join(groups) + (f"/{rng.randint(0, 128)}" if rng.random() < 0.4 else "")


# ------------------------------------------------------------------ datetime / duration

_DATETIME_VALID = (
    "1970-01-01", "2024-02-29", "2024-01-01T00:00:00Z", "2024-01-01T23:59:59.999Z",
    "2024-01-01T00:00:00.000+0000", "2024-01-01T00:00:00+2359", "2024-01-01T00:00:00-2359",
    "1969-12-31T23:59:59Z", "1969-12-31T12:00:00.001Z", "0000-01-01", "9999-12-31T23:59:59.999Z",
    "2000-03-01T12:30:45+0530", "1900-01-01", "2038-01-19T03:14:08Z",
)
_DATETIME_INVALID = (
    "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01-01T00:00Z", "2024-01-01T00:00:00",
    "2024-01-01T00:00:00.1Z", "2024-01-01 00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00+2400", "2024-01-01T00:00:00+0060", "", "10000-01-01", "-001-01-01",
    "2024-01-01T00:00:00.1234Z", "2024-01-01Z", "2024-01-32",
)
_DURATION_VALID = (
    "0ms", "1ms", "-1ms", "1d", "1h", "1m", "1s", "1d2h3m4s5ms", "-1d2h", "24h", "-0ms", "1000ms",
    "9223372036854775807ms", "-9223372036854775808ms", "106751991167d", "-106751991167d", "2562047788015h",
)
_DURATION_INVALID = (
    "9223372036854775808ms", "-9223372036854775809ms", "106751991168d", "1d1d", "1h1d", "", "d", "1",
    "1.5h", "-", "--1d", "+1d", "1D", "1 d", "1ms1s", "1y",
)


def month_end(rng: random.Random, past: bool) -> str:
    """The last day of a month, or (`past`) the day after it, as Cedar's date: every month, since a
    parser keeps a table of month lengths (and leap years) to get wrong."""
    y, mo = rng.choice((1900, 2000, 2023, 2024, 2100, rng.randint(1970, 2100))), rng.randint(1, 12)
    return f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1] + past:02d}"


def datetime_literal(rng: random.Random, valid: float = 0.85) -> str:
    if rng.random() >= valid:
        return month_end(rng, past=True) if rng.random() < 0.6 else rng.choice(_DATETIME_INVALID)
    if rng.random() < 0.6:
        return rng.choice(_DATETIME_VALID)
    y, mo, d = rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28)
    if rng.random() < 0.2:
        d = calendar.monthrange(y, mo)[1]
    s = f"{y:04d}-{mo:02d}-{d:02d}"
    form = rng.randint(0, 3)
    if form == 0:
        return s
    s += f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    if form == 2:
        s += f".{rng.randint(0, 999):03d}"
    if rng.random() < 0.5:
        return s + "Z"
    return s + f"{rng.choice('+-')}{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}"


def duration_literal(rng: random.Random, valid: float = 0.85) -> str:
    if rng.random() >= valid:
        return rng.choice(_DURATION_INVALID)
    if rng.random() < 0.5:
        return rng.choice(_DURATION_VALID)
    parts = []
    for unit, hi in (("d", 400), ("h", 48), ("m", 120), ("s", 120), ("ms", 5000)):
        if rng.random() < 0.4:
            parts.append(f"{rng.randint(0, hi)}{unit}")
    if not parts:
        parts.append(f"{rng.randint(0, 10)}ms")
    return ("-" if rng.random() < 0.3 else "") + "".join(parts)


def ext_literal(rng: random.Random, fn: str, valid: float = 0.88) -> str:
    """A constructor argument for extension function `fn` (decimal, ip, datetime, duration)."""
    return {
        "decimal": decimal_literal,
        "ip": ip_literal,
        "datetime": datetime_literal,
        "duration": duration_literal,
    }[fn](rng, valid)


EXT_CONSTRUCTOR = {"decimal": "decimal", "ipaddr": "ip", "datetime": "datetime", "duration": "duration"}
"""Extension type name -> its constructor function."""


# ------------------------------------------------------------------ equal instants, equal durations

_UNITS_MS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1))


def duration_spelling(rng: random.Random, ms: int) -> str:
    """A duration literal for exactly `ms` milliseconds, in a random mix of units."""
    sign, rest, parts = ("-" if ms < 0 else ""), abs(ms), []
    for unit, size in _UNITS_MS:
        if rest >= size and (unit == "ms" or rng.random() < 0.7):
            parts.append(f"{rest // size}{unit}")
            rest %= size
    if rest or not parts:
        parts.append(f"{rest}ms")
    return sign + "".join(parts)


def datetime_spelling(rng: random.Random, epoch_ms: int) -> str | None:
    """A datetime literal for the instant `epoch_ms`, written at a random UTC offset (None if out of range)."""
    import datetime as dt

    offset_min = rng.choice((0, 0, 60, -60, 330, -570, 1439, -1439, rng.randint(-1439, 1439)))
    try:
        local = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=epoch_ms, minutes=offset_min)
    except OverflowError:
        return None
    if not 0 <= local.year <= 9999:
        return None
    text = f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    ms = local.microsecond // 1000
    if offset_min == 0 and ms == 0 and local.hour == local.minute == local.second == 0 and rng.random() < 0.5:
        return text
    text += f"T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if ms or rng.random() < 0.3:
        text += f".{ms:03d}"
    if offset_min == 0 and rng.random() < 0.7:
        return text + "Z"
    sign = "+" if offset_min >= 0 else "-"
    return text + f"{sign}{abs(offset_min) // 60:02d}{abs(offset_min) % 60:02d}"


def epoch_ms(rng: random.Random) -> int:
    """An instant, biased toward the epoch, day boundaries and the ends of the representable range."""
    day = 86_400_000
    return rng.choice((
        0, -1, 1, day, -day, day - 1, -day + 1, rng.randint(-2 * 10**12, 4 * 10**12),
        rng.randint(-100, 100) * day, 253402300799999, -62167219200000,
    ))


def calendar_instant(rng: random.Random) -> int:
    """Milliseconds since the epoch of an instant at a calendar edge: the first or last day of a month
    (February of leap and common years, centuries), in years 1-9999, at midnight or just off it."""
    import datetime as dt

    year = rng.choice((rng.randint(1, 9999), rng.randint(1900, 2100), rng.choice((1, 4, 100, 400, 1600, 1900, 2000,
                                                                                  2024, 2100, 9999))))
    month = rng.choice((1, 2, 2, 3, 12, rng.randint(1, 12)))
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day if year < 9999 or month < 12 else 31
    day = rng.choice((1, last, rng.randint(1, last)))
    days = (dt.date(year, month, day) - dt.date(1970, 1, 1)).days
    return days * 86_400_000 + rng.choice((0, 0, 1, -1, 86_399_999, rng.randint(0, 86_399_999)))


# ------------------------------------------------------------------ address ranges


def ip_pair(rng: random.Random) -> tuple[str, str, bool]:
    """(address, range, whether the address is in the range), at the range's edges or just outside,
    in IPv4 or IPv6, computed with Python's `ipaddress` (written the way Cedar accepts them)."""
    import ipaddress

    v6 = rng.random() < 0.5
    bits = 128 if v6 else 32
    prefix = rng.choice((0, 1, 8, 16, 31, bits - 1, bits, rng.randint(0, bits)))
    base = rng.getrandbits(bits) >> (bits - prefix) << (bits - prefix) if prefix else 0
    size = 1 << (bits - prefix)
    addr = rng.choice((base, base + size - 1, base - 1, base + size, base + rng.randrange(size)))
    addr %= 1 << bits
    inside = base <= addr < base + size
    make = ipaddress.IPv6Address if v6 else ipaddress.IPv4Address
    network = f"{make(base)}/{prefix}"
    text = str(make(addr))
    if v6 and rng.random() < 0.3:
        text = make(addr).exploded  # the long form must mean the same address
    return text, network, inside
