"""The extension types: literal syntax (checked against Cedar itself) and every extension function."""

from __future__ import annotations

import cedarpy
import pytest

from spec.ext import datetime, decimal, ipaddr
from tests.spec.helpers import error, ok, run

DECIMALS = ["1.0", "-1.5", "0.0001", "-0.0001", "1.23456", "1.", ".5", "1", "+1.0", "1.0.0", "-", "-.1", "00012.3400",
            "922337203685477.5807", "922337203685477.5808", "-922337203685477.5808", "-922337203685477.5809",
            "1e3", " 1.0", "1.0 ", "١.٠", "99999999999999999999.0"]
IPS = ["1.2.3.4", "1.2.3.4/32", "1.2.3.4/33", "1.2.3.4/08", "01.2.3.4", "256.1.1.1", "1.2.3", "::", "::1", "::1/128",
       "::1/129", "ffff::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8::", "::ffff:1.2.3.4", "1::2::3",
       "12345::", "FFFF::abcd/64", "1.2.3.4/", "1.2.3.4/ 8", "::/0", "0.0.0.0/0", "1:2:3:4:5:6:7::8", "a.b.c.d"]
DATETIMES = ["2020-01-01", "2020-02-29", "2021-02-29", "2020-13-01", "0000-01-01", "9999-12-31T23:59:59.999Z",
             "2020-01-01T00:00:00Z", "2020-01-01T23:59:60Z", "2020-01-01T24:00:00Z", "2020-01-01T10:00:00+0130",
             "2020-01-01T10:00:00-2359", "2020-01-01T10:00:00+2400", "2020-01-01T10:00:00+0060", "2020-01-01T10:00:00.5Z",
             "2020-01-01T10:00:00.123+0100", "2020-01-01T10:00:00", "2020-1-01", "20200101", "2020-01-01Z", "1969-12-31T23:59:59Z"]
DURATIONS = ["1h", "-1d2h3m4s5ms", "1ms", "1m1ms", "0s", "", "-", "1", "1d1d", "1s1m", "9223372036854775807ms",
             "-9223372036854775808ms", "9223372036854775808ms", "106751991167d", "106751992d", "1h-1m", "01h"]


def _rust(src: str) -> str:
    """What Cedar (the Rust engine, through cedarpy) makes of a condition: allow, deny, or error."""
    policy = f"permit(principal, action, resource) when {{ {src} }};"
    request = {"principal": 'User::"a"', "action": 'Action::"v"', "resource": 'R::"r"', "context": {}}
    response = cedarpy.is_authorized(request, policy, "[]")
    return "error" if response.diagnostics.errors else response.decision.value.lower()


def _cedar_string(text: str) -> str:
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\u{{{ord(c):x}}}" for c in text) + '"'


@pytest.mark.parametrize("text", DECIMALS)
def test_decimal_literals_parse_as_in_cedar(text: str) -> None:
    value = decimal.parse(text)
    canonical = None if value is None else f"{'-' if value < 0 else ''}{abs(value) // 10**4}.{abs(value) % 10**4:04d}"
    expected = "error" if value is None else "allow"
    assert _rust(f"decimal({_cedar_string(text)}) == decimal(\"{canonical or '0.0'}\")") == expected


@pytest.mark.parametrize("text", IPS)
def test_ip_literals_parse_as_in_cedar(text: str) -> None:
    parsed = ipaddr.parse(text)
    if parsed is None:
        assert _rust(f"ip({_cedar_string(text)}) == ip(\"0.0.0.0\")") == "error"
    else:
        assert _rust(f"ip({_cedar_string(text)}) == ip(\"{ok(f'ip({_cedar_string(text)})')['__extn']['arg']}\")") == "allow"


@pytest.mark.parametrize("text", DATETIMES)
def test_datetime_literals_parse_as_in_cedar(text: str) -> None:
    ms = datetime.parse_datetime(text)
    target = f'datetime("1970-01-01").offset(duration("{ms if ms is not None else 0}ms"))'
    assert _rust(f"datetime({_cedar_string(text)}) == {target}") == ("error" if ms is None else "allow")


@pytest.mark.parametrize("text", DURATIONS)
def test_duration_literals_parse_as_in_cedar(text: str) -> None:
    ms = datetime.parse_duration(text)
    assert _rust(f'duration({_cedar_string(text)}) == duration("{ms if ms is not None else 0}ms")') == \
        ("error" if ms is None else "allow")


@pytest.mark.parametrize("src, result", [
    ('decimal("1.5").lessThan(decimal("1.6"))', True), ('decimal("-1.5").lessThanOrEqual(decimal("-1.5"))', True),
    ('decimal("2.0").greaterThan(decimal("1.9999"))', True), ('decimal("1.0").greaterThanOrEqual(decimal("1.0001"))', False),
    ('ip("10.1.2.3").isIpv4()', True), ('ip("::1").isIpv6()', True), ('ip("127.9.9.9/8").isLoopback()', True),
    ('ip("127.0.0.1/7").isLoopback()', False), ('ip("::1/127").isLoopback()', False),
    ('ip("239.1.1.1").isMulticast()', True), ('ip("ff01::1").isMulticast()', True), ('ip("ff00::/7").isMulticast()', False),
    ('ip("10.1.2.3").isInRange(ip("10.0.0.0/8"))', True), ('ip("10.0.0.0/7").isInRange(ip("10.0.0.0/8"))', False),
    ('ip("1.2.3.4").isInRange(ip("0.0.0.0/0"))', True), ('ip("::1").isInRange(ip("0.0.0.0/0"))', False),
    ('datetime("2020-01-01T12:00:00Z").toDate() == datetime("2020-01-01")', True),
    ('datetime("1969-12-31T12:00:00Z").toDate() == datetime("1969-12-31")', True),
    ('datetime("1969-12-31T12:00:00Z").toTime() == duration("12h")', True),
    ('datetime("2020-01-02").durationSince(datetime("2020-01-01")) == duration("1d")', True),
    ('datetime("2020-01-01").offset(duration("-1d")) == datetime("2019-12-31")', True),
    ('duration("-1d23h").toDays()', -1), ('duration("90m").toHours()', 1), ('duration("-90s").toMinutes()', -1),
    ('duration("1500ms").toSeconds()', 1), ('duration("1s").toMilliseconds()', 1000),
])
def test_extension_functions(src: str, result: object) -> None:
    assert ok(src) == result


def test_extension_functions_report_overflow_as_extension_errors() -> None:
    assert error('datetime("9999-12-31").offset(duration("9223372036854775807ms"))') == "extensionError"
    assert error('datetime("1970-01-01").offset(duration("-9223372036854775807ms")).offset(duration("-1d"))') == "extensionError"
    assert error('datetime("9999-12-31").durationSince(datetime("1970-01-01").offset(duration("-9223372036854775807ms")))') \
        == "extensionError"
    assert error('datetime("1970-01-01").offset(duration("-9223372036854775807ms")).toDate()') == "extensionError"


def test_extension_functions_reject_wrong_arguments_with_type_errors() -> None:
    assert error('ip("1.2.3.4").isLoopback(1)') == "typeError"
    assert run('duration("1h").toDays()') == ("ok", 0)
    assert error('datetime("2020-01-01").toDays()') == "typeError"
