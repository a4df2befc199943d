"""The extension types: every constructor, method and error condition, checked by hand
and against the Rust engine (cedarpy)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from impl.errors import ErrorKind, EvaluationError
from impl.extensions import EXTENSION_FUNCTIONS, Datetime, Duration, constructor_for
from impl.extensions.datetime import parse_datetime, parse_duration
from impl.extensions.decimal import parse_decimal
from impl.extensions.ipaddr import parse_ipaddr
from impl.values import quote_string

from .cedar_oracle import assert_same_outcomes


def call(name: str, *args: object) -> object:
    return EXTENSION_FUNCTIONS[name].call(*args)


def extension_error(f, *args) -> EvaluationError:  # type: ignore[no-untyped-def]
    with pytest.raises(EvaluationError) as info:
        f(*args)
    assert info.value.kind is ErrorKind.EXTENSION_ERROR
    return info.value


# ---------------------------------------------------------------- decimal


@pytest.mark.parametrize("text, value", [
    ("1.0", 10000), ("-1.0", -10000), ("0.0001", 1), ("-0.0001", -1), ("1.2", 12000),
    ("00012.3400", 123400), ("-0.0", 0), ("922337203685477.5807", 2**63 - 1),
    ("-922337203685477.5808", -(2**63)), ("0.5", 5000),
])
def test_decimal_parses_and_scales_by_10_000(text: str, value: int) -> None:
    assert parse_decimal(text).value == value


@pytest.mark.parametrize("text", [
    "1", "1.", ".5", "+1.0", "1e3", " 1.0", "1.0 ", "1.0\n", "1.23456", "1,0", "", "-", "-.5",
    "922337203685477.5808", "-922337203685477.5809", "99999999999999999999.0", "1" * 5000 + ".0",
    "\u0661.\u0660",  # Arabic-Indic digits
])
def test_decimal_rejects_malformed_or_out_of_range_text(text: str) -> None:
    extension_error(parse_decimal, text)


def test_decimal_prints_four_fractional_digits() -> None:
    assert parse_decimal("1.2").to_string() == "1.2000"
    assert parse_decimal("-0.5").to_string() == "-0.5000"
    assert repr(parse_decimal("-922337203685477.5808")) == 'decimal("-922337203685477.5808")'


def test_decimal_comparisons_are_methods() -> None:
    a, b = parse_decimal("1.5"), parse_decimal("1.50")
    assert a == b
    assert call("lessThanOrEqual", a, b) and not call("lessThan", a, b)
    assert call("greaterThan", parse_decimal("2.0"), a)
    assert call("greaterThanOrEqual", a, b)


def test_decimal_method_on_a_string_is_a_type_error() -> None:
    with pytest.raises(EvaluationError) as info:
        call("lessThan", "1.0", parse_decimal("1.0"))
    assert info.value.kind is ErrorKind.TYPE_ERROR
    assert "decimal" in info.value.message


# ---------------------------------------------------------------- ipaddr


@pytest.mark.parametrize("text, v6, addr, prefix", [
    ("127.0.0.1", False, 0x7F000001, 32),
    ("10.0.0.0/8", False, 0x0A000000, 8),
    ("0.0.0.0/0", False, 0, 0),
    ("255.255.255.255", False, 0xFFFFFFFF, 32),
    ("::", True, 0, 128),
    ("::1", True, 1, 128),
    ("1::", True, 1 << 112, 128),
    ("::/0", True, 0, 0),
    ("1:2:3:4:5:6:7:8", True, 0x00010002000300040005000600070008, 128),
    ("1:2:3:4:5:6:7::", True, 0x00010002000300040005000600070000, 128),
    ("::2:3:4:5:6:7:8", True, 0x00000002000300040005000600070008, 128),
    ("FFFF::0001/128", True, 0xFFFF << 112 | 1, 128),
    ("::ffff:ff00:1", True, 0xFFFFFF000001, 128),
    ("10.0.0.1/32", False, 0x0A000001, 32),
])
def test_ip_accepts_rusts_address_forms(text: str, v6: bool, addr: int, prefix: int) -> None:
    ip = parse_ipaddr(text)
    assert (ip.is_v6, ip.addr, ip.prefix) == (v6, addr, prefix)


@pytest.mark.parametrize("text", [
    "01.2.3.4",          # leading zero in an IPv4 octet
    "1.2.3.256", "1.2.3", "1.2.3.4.5", "1.2.3.4.", "1..2.3", " 1.2.3.4", "1.2.3.4 ",
    "::ffff:1.2.3.4",    # IPv4 embedded in IPv6
    "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1::2::3", ":::", ":1::", "1:::2", "12345::",
    "fe80::1%eth0", "g::", "",
    "1.2.3.4/33", "::/129", "1.2.3.4/01", "::/0128", "1.2.3.4/", "1.2.3.4/a", "1.2.3.4/+1",
    "1.2.3.4/1/2", "abcd:ef01:2345:6789:abcd:ef01:2345:6789/1280",
    "abcd:ef01:2345:6789:abcd:ef01:2345:67890/12",
])
def test_ip_rejects_what_rust_rejects(text: str) -> None:
    extension_error(parse_ipaddr, text)


def test_ip_equality_compares_address_and_prefix() -> None:
    assert parse_ipaddr("10.0.0.1") == parse_ipaddr("10.0.0.1/32")
    assert parse_ipaddr("10.0.0.1/24") != parse_ipaddr("10.0.0.0/24")
    assert parse_ipaddr("::0") == parse_ipaddr("0:0:0:0:0:0:0:0")
    assert parse_ipaddr("0.0.0.0") != parse_ipaddr("::")


def test_ip_predicates() -> None:
    assert parse_ipaddr("127.0.0.1").is_loopback()
    assert parse_ipaddr("127.255.0.0/8").is_loopback()
    assert not parse_ipaddr("127.0.0.0/7").is_loopback()
    assert parse_ipaddr("::1").is_loopback()
    assert not parse_ipaddr("::1/127").is_loopback()
    assert not parse_ipaddr("::ffff:7f00:1").is_loopback()
    assert parse_ipaddr("224.0.0.1").is_multicast()
    assert parse_ipaddr("239.255.255.255/4").is_multicast()
    assert not parse_ipaddr("224.0.0.0/3").is_multicast()
    assert not parse_ipaddr("240.0.0.1").is_multicast()
    assert parse_ipaddr("ff02::1").is_multicast()
    assert not parse_ipaddr("ff00::/7").is_multicast()
    assert call("isIpv4", parse_ipaddr("1.2.3.4")) and call("isIpv6", parse_ipaddr("::"))


def test_ip_is_in_range() -> None:
    r = parse_ipaddr
    assert r("10.1.2.3").is_in_range(r("10.0.0.0/8"))
    assert r("10.0.0.0/16").is_in_range(r("10.0.0.0/8"))
    assert not r("10.0.0.0/8").is_in_range(r("10.0.0.0/16"))
    assert r("10.0.0.0/8").is_in_range(r("10.0.0.0/8"))
    assert r("1.2.3.4").is_in_range(r("0.0.0.0/0"))
    assert not r("1.2.3.4").is_in_range(r("::/0"))
    assert r("::1").is_in_range(r("::/0"))
    assert r("fe80::1").is_in_range(r("fe80::/10"))
    assert not r("fec0::1").is_in_range(r("fe80::/10"))


def test_ip_prints_rfc5952_and_never_dotted_ipv6() -> None:
    assert parse_ipaddr("1:0:0:1:0:0:0:1").to_string() == "1:0:0:1::1/128"
    assert parse_ipaddr("0:0:1:0:0:1:0:0").to_string() == "::1:0:0:1:0:0/128"
    assert parse_ipaddr("1:2:3:4:5:6:7:0").to_string() == "1:2:3:4:5:6:7:0/128"
    assert parse_ipaddr("::ffff:102:304").to_string() == "::ffff:102:304/128"
    assert parse_ipaddr("ABCD::").to_string() == "abcd::/128"


# ---------------------------------------------------------------- datetime


@pytest.mark.parametrize("text, epoch", [
    ("1970-01-01", 0),
    ("2024-01-01", 1704067200000),
    ("2024-01-01T00:00:00Z", 1704067200000),
    ("2024-01-01T00:00:00.001Z", 1704067200001),
    ("2024-01-01T01:00:00+0100", 1704067200000),
    ("2023-12-31T23:00:00-0100", 1704067200000),
    ("2024-01-01T00:00:00.500+2359", 1704067200500 - (23 * 60 + 59) * 60000),
    ("1969-12-31T23:59:59.999Z", -1),
    ("0000-01-01", -62167219200000),
    ("9999-12-31T23:59:59.999Z", 253402300799999),
    ("2000-02-29", 951782400000),
    ("0000-02-29", -62167219200000 + 59 * 86400000),
])
def test_datetime_formats(text: str, epoch: int) -> None:
    assert parse_datetime(text).epoch == epoch


@pytest.mark.parametrize("text", [
    "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01T", "2024-01-01T00:00:00",
    "2024-01-01T00:00Z", "2024-01-01 00:00:00Z", "2024-01-01t00:00:00z", "2024-01-01Z",
    "2024-01-01T00:00:00.12Z", "2024-01-01T00:00:00.1234Z", "2024-01-01T00:00:00+01",
    "2024-01-01T00:00:00+01:00", "2024-01-01T00:00:00Z ", "2024-01-01\n", "2024-01-01T00:00:00Z\n",
    "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-01-00",
    "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
    "2024-01-01T00:00:00+2400", "2024-01-01T00:00:00-0060", "+2024-01-01", "",
])
def test_datetime_rejects(text: str) -> None:
    extension_error(parse_datetime, text)


def test_datetime_methods() -> None:
    dt = parse_datetime("2024-03-15T12:34:56.789Z")
    assert call("toDate", dt) == parse_datetime("2024-03-15")
    assert call("toTime", dt) == Duration(((12 * 60 + 34) * 60 + 56) * 1000 + 789)
    before = parse_datetime("1969-12-31T23:00:00Z")
    assert call("toDate", before) == parse_datetime("1969-12-31")
    assert call("toTime", before) == Duration(23 * 3600000)
    assert call("toTime", parse_datetime("1969-12-31")) == Duration(0)
    assert call("offset", dt, Duration(-789)) == parse_datetime("2024-03-15T12:34:56Z")
    assert call("durationSince", dt, parse_datetime("2024-03-15")) == call("toTime", dt)


def test_datetime_overflow_is_an_extension_error() -> None:
    extension_error(call, "offset", Datetime(2**63 - 1), Duration(1))
    extension_error(call, "durationSince", Datetime(-(2**63)), Datetime(1))
    extension_error(call, "toDate", Datetime(-(2**63)))
    assert call("toDate", Datetime(2**63 - 1)).epoch == (2**63 - 1) - (2**63 - 1) % 86400000
    assert call("toTime", Datetime(-(2**63))).ms == (-(2**63)) % 86400000


def test_datetime_json_form_reads_back() -> None:
    assert parse_datetime("2024-01-01").to_json() == {"__extn": {"fn": "datetime", "arg": "2024-01-01T00:00:00.000Z"}}
    far = Datetime(2**62)
    assert far.to_json()["__extn"]["fn"] == "offset"


# ---------------------------------------------------------------- duration


@pytest.mark.parametrize("text, ms", [
    ("1d2h3m4s5ms", 93784005), ("1ms", 1), ("1m", 60000), ("1m1ms", 60001), ("-1d", -86400000),
    ("0ms", 0), ("0d0h0m0s0ms", 0), ("-0s", 0), ("2h", 7200000), ("10s", 10000),
    ("9223372036854775807ms", 2**63 - 1), ("-9223372036854775808ms", -(2**63)),
    ("106751991167d", 106751991167 * 86400000), ("0000001s", 1000),
])
def test_duration_units(text: str, ms: int) -> None:
    assert parse_duration(text).ms == ms


@pytest.mark.parametrize("text", [
    "", "-", "1", "1s1m", "1d1d", "1h1d", "1 d", "1d ", " 1d", "1h\n", "+1d", "1.5h", "1w", "1y",
    "--1d", "1D", "9223372036854775808ms", "-9223372036854775809ms", "106751991168d",
    "99999999999999999999999d", "1" * 5000 + "ms", "-d",
])
def test_duration_rejects(text: str) -> None:
    extension_error(parse_duration, text)


def test_duration_conversions_truncate_toward_zero() -> None:
    d = parse_duration("-1d23h59m59s999ms")
    assert call("toMilliseconds", d) == -(2 * 86400000 - 1)
    assert call("toSeconds", d) == -172799
    assert call("toMinutes", d) == -2879
    assert call("toHours", d) == -47
    assert call("toDays", d) == -1
    assert call("toSeconds", Duration(1999)) == 1
    assert call("toDays", Duration(-1)) == 0


def test_constructors_by_type() -> None:
    assert constructor_for("ipaddr").name == "ip"  # type: ignore[union-attr]
    assert constructor_for("decimal").name == "decimal"  # type: ignore[union-attr]
    assert constructor_for("datetime").name == "datetime"  # type: ignore[union-attr]
    assert constructor_for("duration").name == "duration"  # type: ignore[union-attr]
    assert {f.name for f in EXTENSION_FUNCTIONS.values() if f.is_method} >= {"isInRange", "offset", "toDays"}


# ---------------------------------------------------------------- against the Rust engine


def _canonical_check(ctor: str, text: str) -> str:
    """A condition true in Rust iff `ctor(text)` succeeds with the value `impl` computes,
    and erroring iff it fails."""
    lit = quote_string(text)
    try:
        value = {"ip": parse_ipaddr, "decimal": parse_decimal, "datetime": parse_datetime,
                 "duration": parse_duration}[ctor](text)
    except EvaluationError:
        return f"{ctor}({lit}) == {ctor}({lit})"
    if isinstance(value, Datetime):
        return f'{ctor}({lit}) == datetime("1970-01-01").offset(duration("{value.epoch}ms"))'
    if isinstance(value, Duration):
        return f'{ctor}({lit}) == duration("{value.ms}ms")'
    return f"{ctor}({lit}) == {ctor}({quote_string(value.to_string())})"  # type: ignore[attr-defined]


IP_TEXTS = [
    "127.0.0.1", "10.0.0.0/8", "01.2.3.4", "0.0.0.0", "1.2.3.256", "::", "::1", "1::", ":::", "::ffff:1.2.3.4",
    "::1.2.3.4", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::/129", "::/128", "1.2.3.4/33",
    "1.2.3.4/032", "1.2.3.4/0", "FFFF::", "fe80::1%1", "1::2::3", "12345::", "0:0:0:0:0:0:0:0/64",
    "1.2.3.4/", "1.2.3", "1.2.3.4.5", "::ffff:ff00:1", "a:b:c:d:e:f:1.2", "1.2.3.4/1/2", "0001::", "1.2.3.04",
    "255.255.255.255/32", "abcd:ef01:2345:6789:abcd:ef01:2345:6789/128", "::1:2:3:4:5:6:7", "1:2::3:4:5:6:7",
]
DECIMAL_TEXTS = [
    "1.0", "-1.0", "0.0001", "1.00001", "1.", ".1", "1", "+1.0", "922337203685477.5807", "922337203685477.5808",
    "-922337203685477.5808", "-922337203685477.5809", "0000.0", "-0.0", "1e3", "12.34", "1.2.3", "-", "",
]
DATETIME_TEXTS = [
    "2024-01-01", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.123Z", "2024-01-01T00:00:00+0100",
    "2024-01-01T00:00:00.999-2359", "2024-01-01T00:00:00+2400", "2024-01-01T00:00:00+0060", "2023-02-29",
    "2024-02-29", "1900-02-29", "0000-02-29", "9999-12-31T23:59:59.999Z", "2024-01-01T24:00:00Z",
    "2024-01-01T23:59:60Z", "2024-01-01T00:00:00", "2024-01-01 ", "2024-1-1", "2024-01-01T00:00:00.12Z",
    "0000-01-01T00:00:00+2359", "9999-12-31T23:59:59-2359",
]
DURATION_TEXTS = [
    "1d2h3m4s5ms", "1ms", "1m", "-1d", "0ms", "", "-", "1", "1s1m", "9223372036854775807ms",
    "9223372036854775808ms", "-9223372036854775808ms", "106751991167d", "106751991168d", "-106751991167d300000s",
    "1d1h1m1s1ms", "2562047788015h", "2562047788016h", "153722867280912m", "153722867280913m",
]


def test_constructors_agree_with_rust_on_edge_cases() -> None:
    conditions = [_canonical_check("ip", t) for t in IP_TEXTS]
    conditions += [_canonical_check("decimal", t) for t in DECIMAL_TEXTS]
    conditions += [_canonical_check("datetime", t) for t in DATETIME_TEXTS]
    conditions += [_canonical_check("duration", t) for t in DURATION_TEXTS]
    assert_same_outcomes(conditions)


def test_methods_agree_with_rust() -> None:
    ips = ["10.0.0.1", "10.0.0.0/8", "127.0.0.1/8", "127.0.0.1/7", "::1", "::1/127", "224.1.1.1/4",
           "224.1.1.1/3", "ff00::/8", "ff00::/7", "::ffff:7f00:1", "0.0.0.0/0", "::/0"]
    conditions = []
    for a in ips:
        for m in ("isIpv4", "isIpv6", "isLoopback", "isMulticast"):
            conditions.append(f'ip("{a}").{m}()')
        for b in ips:
            conditions.append(f'ip("{a}").isInRange(ip("{b}"))')
    durations = ["-1d23h59m59s999ms", "1999ms", "-1ms", "-9223372036854775808ms", "9223372036854775807ms"]
    for d in durations:
        for m in ("toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays"):
            conditions.append(f'duration("{d}").{m}() == {call(m, parse_duration(d))}')
    datetimes = ["1969-12-31T23:00:00Z", "1969-12-31", "2024-03-15T12:34:56.789Z", "0000-01-01"]
    for d in datetimes:
        conditions.append(f'datetime("{d}").toDate() == datetime("1970-01-01").offset(duration("{call("toDate", parse_datetime(d)).epoch}ms"))')  # type: ignore[attr-defined]
        conditions.append(f'datetime("{d}").toTime() == duration("{call("toTime", parse_datetime(d)).ms}ms")')  # type: ignore[attr-defined]
    conditions += [
        'datetime("1970-01-01").offset(duration("9223372036854775807ms")).offset(duration("1ms")) == datetime("1970-01-01")',
        'datetime("1970-01-01").offset(duration("-9223372036854775808ms")).toDate() == datetime("1970-01-01")',
        'datetime("1970-01-01").offset(duration("-9223372036854775808ms")).durationSince(datetime("1970-01-02")) == duration("1ms")',
        'datetime("2024-01-01") < datetime("2024-01-02")', 'duration("1h") >= duration("60m")',
        'datetime("2024-01-01") < duration("1h")', 'decimal("1.0") < decimal("2.0")',
        'decimal("1.0").lessThan(decimal("1.00"))', 'decimal("1.0").lessThanOrEqual(decimal("1.00"))',
        'decimal("-1.0").greaterThan(decimal("-2.0"))', '"1.0".lessThan(decimal("1.0"))',
        'ip("1.2.3.4") == ip("1.2.3.4/32")', 'ip("1.2.3.4/24") == ip("1.2.3.0/24")',
        'decimal("1.0") == decimal("1.0000")', 'datetime("2024-01-01") == datetime("2024-01-01T00:00:00.000Z")',
    ]
    assert_same_outcomes(conditions)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789abcdef:./", max_size=20))
def test_ip_strings_agree_with_rust(text: str) -> None:
    assert_same_outcomes([_canonical_check("ip", text)])


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"-?[0-9]{0,16}(\.[0-9]{0,6})?", fullmatch=True))
def test_decimal_strings_agree_with_rust(text: str) -> None:
    assert_same_outcomes([_canonical_check("decimal", text)])


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?(Z|[+-][0-9]{4}))?", fullmatch=True))
def test_datetime_strings_agree_with_rust(text: str) -> None:
    assert_same_outcomes([_canonical_check("datetime", text)])


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"-?([0-9]{1,20}d)?([0-9]{1,20}h)?([0-9]{1,20}m)?([0-9]{1,20}s)?([0-9]{1,20}ms)?", fullmatch=True))
def test_duration_strings_agree_with_rust(text: str) -> None:
    assert_same_outcomes([_canonical_check("duration", text)])
