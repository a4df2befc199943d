"""Cedar `ipaddr`: an IPv4 or IPv6 address with a prefix length (Lean `Spec/Ext/IPAddr.lean`).

An `IPNet` is the address as a 32- or 128-bit bitvector and the prefix length
(0..32 or 0..128) as an 8-bit bitvector. Two `ip` values are equal exactly when
version, address and prefix are equal (Rust derives `PartialEq` on them), so
`ip("10.0.0.1/24") != ip("10.0.0.0/24")`.
"""

from __future__ import annotations

import re

import z3

from spec.terms import fast_decls

IPNet = z3.Datatype("IPNet")
IPNet.declare("ipv4", ("v4_addr", z3.BitVecSort(32)), ("v4_prefix", z3.BitVecSort(8)))
IPNet.declare("ipv6", ("v6_addr", z3.BitVecSort(128)), ("v6_prefix", z3.BitVecSort(8)))
IPNet = IPNet.create()
fast_decls(IPNet)

_V4_NUM = re.compile(r"0|[1-9][0-9]{0,2}")
_V6_NUM = re.compile(r"[0-9a-fA-F]{1,4}")
_PREFIX = re.compile(r"0|[1-9][0-9]*")
MAX_TEXT_BYTES = 43  # len("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789/128")


def _v4(text: str) -> int | None:
    """Rust `Ipv4Addr::from_str`: four decimal octets, no leading zeros."""
    parts = text.split(".")
    if len(parts) != 4 or not all(_V4_NUM.fullmatch(p) and int(p) <= 255 for p in parts):
        return None
    return int.from_bytes(bytes(int(p) for p in parts), "big")


def _groups(text: str) -> list[int] | None:
    if text == "":
        return []
    parts = text.split(":")
    return [int(p, 16) for p in parts] if all(_V6_NUM.fullmatch(p) for p in parts) else None


def _v6(text: str) -> int | None:
    """Rust `Ipv6Addr::from_str`: eight hex groups, or fewer around one `::` that stands for at least one."""
    halves = text.split("::")
    if len(halves) == 1:
        groups = _groups(text)
        groups = groups if groups is not None and len(groups) == 8 else None
    elif len(halves) == 2:
        head, tail = _groups(halves[0]), _groups(halves[1])
        ok = head is not None and tail is not None and len(head) + len(tail) <= 7
        groups = head + [0] * (8 - len(head) - len(tail)) + tail if ok else None  # type: ignore[operator]
    else:
        groups = None
    return None if groups is None else sum(g << (16 * (7 - i)) for i, g in enumerate(groups))


def _prefix(text: str, width: int, digits: int) -> int | None:
    if len(text) > digits or not _PREFIX.fullmatch(text) or int(text) > width:
        return None
    return int(text)


def parse(text: str) -> z3.DatatypeRef | None:
    """The `IPNet` an `ip("...")` literal denotes, or None (extensionError).

    Rust `IPAddr::from_str`: at most 43 bytes; no IPv4 embedded in IPv6 (rejected
    as "two colons and two dots"); an optional `/prefix` without leading zeros.
    """
    if len(text.encode()) > MAX_TEXT_BYTES or (text.count(":") >= 2 and text.count(".") >= 2):
        return None
    addr_text, slash, prefix_text = text.partition("/")
    v4 = _v4(addr_text)
    if v4 is not None:
        prefix = _prefix(prefix_text, 32, 2) if slash else 32
        return None if prefix is None else IPNet.ipv4(z3.BitVecVal(v4, 32), z3.BitVecVal(prefix, 8))
    v6 = _v6(addr_text)
    if v6 is not None:
        prefix = _prefix(prefix_text, 128, 3) if slash else 128
        return None if prefix is None else IPNet.ipv6(z3.BitVecVal(v6, 128), z3.BitVecVal(prefix, 8))
    return None


def is_ipv4(ip: z3.DatatypeRef) -> z3.BoolRef:
    return IPNet.is_ipv4(ip)


def is_ipv6(ip: z3.DatatypeRef) -> z3.BoolRef:
    return IPNet.is_ipv6(ip)


def _network_and_broadcast(addr: z3.BitVecRef, prefix: z3.BitVecRef) -> tuple[z3.BitVecRef, z3.BitVecRef]:
    """Lowest and highest address of the range: Rust's netmask/hostmask (shifts past the width give 0)."""
    width = addr.size()
    ones = z3.BitVecVal(2**width - 1, width)
    prefix = z3.ZeroExt(width - 8, prefix)
    netmask = ones << (z3.BitVecVal(width, width) - prefix)
    hostmask = z3.LShR(ones, prefix)
    return addr & netmask, addr | hostmask


def _within(addr1: z3.BitVecRef, prefix1: z3.BitVecRef, addr2: z3.BitVecRef, prefix2: z3.BitVecRef) -> z3.BoolRef:
    low1, high1 = _network_and_broadcast(addr1, prefix1)
    low2, high2 = _network_and_broadcast(addr2, prefix2)
    return z3.And(z3.ULE(low2, low1), z3.ULE(high1, high2))


def is_in_range(ip1: z3.DatatypeRef, ip2: z3.DatatypeRef) -> z3.BoolRef:
    """`ip1.isInRange(ip2)`: same version and ip1's range lies within ip2's."""
    v4 = z3.And(is_ipv4(ip1), is_ipv4(ip2),
                _within(IPNet.v4_addr(ip1), IPNet.v4_prefix(ip1), IPNet.v4_addr(ip2), IPNet.v4_prefix(ip2)))
    v6 = z3.And(is_ipv6(ip1), is_ipv6(ip2),
                _within(IPNet.v6_addr(ip1), IPNet.v6_prefix(ip1), IPNet.v6_addr(ip2), IPNet.v6_prefix(ip2)))
    return z3.Or(v4, v6)


def is_loopback(ip: z3.DatatypeRef) -> z3.BoolRef:
    """Within 127.0.0.0/8 or ::1/128."""
    return is_in_range(ip, z3.If(is_ipv4(ip), _LOOPBACK_V4, _LOOPBACK_V6))


def is_multicast(ip: z3.DatatypeRef) -> z3.BoolRef:
    """Within 224.0.0.0/4 or ff00::/8."""
    return is_in_range(ip, z3.If(is_ipv4(ip), _MULTICAST_V4, _MULTICAST_V6))


_LOOPBACK_V4, _LOOPBACK_V6 = parse("127.0.0.0/8"), parse("::1/128")
_MULTICAST_V4, _MULTICAST_V6 = parse("224.0.0.0/4"), parse("ff00::/8")
