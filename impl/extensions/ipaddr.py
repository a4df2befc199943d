"""The `ipaddr` extension: IPv4/IPv6 addresses and CIDR ranges.

Parsing follows Rust's `cedar-policy-core/src/extensions/ipaddr.rs`, which
delegates to Rust's `std::net::IpAddr` parser:
- IPv4: exactly four dot-separated decimal octets of 1-3 ASCII digits, value
  at most 255, no leading zeros (`01.2.3.4` is rejected);
- IPv6: groups of 1-4 hex digits (leading zeros allowed), at most one `::`
  standing for at least one zero group; no zone ids;
- Cedar rejects any string with at least two `:` and at least two `.`, so IPv4
  embedded in IPv6 (`::ffff:1.2.3.4`) is never accepted — write it in hex;
- an optional `/prefix`: ASCII digits, no leading zero, at most 32 (IPv4) or
  128 (IPv6), at most 2 or 3 characters;
- the whole string is at most 43 bytes.
A value keeps the address as written (not masked) and its prefix; equality
compares both, and IPv4 never equals IPv6.
"""

from __future__ import annotations

from ..errors import ErrorKind, EvaluationError
from ..values import ExtensionValue

_MAX_LEN = 43
_DEC = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_HELP = "valid IP strings are IPv4/IPv6 addresses or CIDR ranges like `127.0.0.1`, `127.0.0.1/24`, or `ffee::/64`"


class IPAddr(ExtensionValue):
    __slots__ = ("is_v6", "addr", "prefix")
    type_name = "ipaddr"
    constructor = "ip"

    def __init__(self, is_v6: bool, addr: int, prefix: int) -> None:
        self.is_v6 = is_v6
        self.addr = addr  # 32- or 128-bit unsigned
        self.prefix = prefix

    def __eq__(self, other: object) -> bool:
        return (
            other.__class__ is IPAddr
            and self.is_v6 == other.is_v6  # type: ignore[attr-defined]
            and self.addr == other.addr  # type: ignore[attr-defined]
            and self.prefix == other.prefix  # type: ignore[attr-defined]
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((IPAddr, self.is_v6, self.addr, self.prefix))

    @property
    def width(self) -> int:
        return 128 if self.is_v6 else 32

    def is_loopback(self) -> bool:
        if self.is_v6:
            return self.addr == 1 and self.prefix >= 128
        return (self.addr >> 24) == 127 and self.prefix >= 8

    def is_multicast(self) -> bool:
        if self.is_v6:
            return (self.addr >> 120) == 0xFF and self.prefix >= 8
        return 224 <= (self.addr >> 24) <= 239 and self.prefix >= 4

    def is_in_range(self, other: "IPAddr") -> bool:
        """Whether every address of this range lies in `other`'s range."""
        if self.is_v6 != other.is_v6:
            return False
        width = self.width
        full = (1 << width) - 1
        self_host = full >> self.prefix
        other_host = full >> other.prefix
        self_net = self.addr & ~self_host & full
        other_net = other.addr & ~other_host & full
        return other_net <= self_net and (self.addr | self_host) <= (other.addr | other_host)

    def to_string(self) -> str:
        return f"{_format_v6(self.addr) if self.is_v6 else _format_v4(self.addr)}/{self.prefix}"


def _format_v4(addr: int) -> str:
    return ".".join(str((addr >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _format_v6(addr: int) -> str:
    """RFC 5952 text: lowercase, the first longest run of two or more zero groups as `::`.

    IPv4-mapped addresses stay in hex, since Cedar would not read back the dotted form.
    """
    groups = [(addr >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    best_start, best_len, run_start = -1, 1, -1
    for i, g in enumerate(groups + [1]):
        if g == 0:
            if run_start < 0:
                run_start = i
        elif run_start >= 0:
            if i - run_start > best_len:
                best_start, best_len = run_start, i - run_start
            run_start = -1
    text = [f"{g:x}" for g in groups]
    if best_start < 0:
        return ":".join(text)
    return ":".join(text[:best_start]) + "::" + ":".join(text[best_start + best_len :])


def _parse_v4(s: str) -> int | None:
    parts = s.split(".")
    if len(parts) != 4:
        return None
    addr = 0
    for part in parts:
        if not 1 <= len(part) <= 3 or not _DEC.issuperset(part):
            return None
        if len(part) > 1 and part[0] == "0":
            return None
        octet = int(part)
        if octet > 255:
            return None
        addr = (addr << 8) | octet
    return addr


def _read_groups(s: str, pos: int, limit: int, groups: list[int]) -> int:
    """Read up to `limit` colon-separated hex groups from `pos`; return the new position.

    A separator and the group after it are consumed together or not at all (as
    Rust's `read_separator` inside `read_atomically`).
    """
    n = len(s)
    for i in range(limit):
        p = pos
        if i > 0:
            if p >= n or s[p] != ":":
                return pos
            p += 1
        q = p
        while q < n and q - p < 4 and s[q] in _HEX:
            q += 1
        if q == p:
            return pos
        groups.append(int(s[p:q], 16))
        pos = q
    return pos


def _parse_v6(s: str) -> int | None:
    head: list[int] = []
    pos = _read_groups(s, 0, 8, head)
    tail: list[int] = []
    if len(head) < 8:
        if not s.startswith("::", pos):
            return None
        pos = _read_groups(s, pos + 2, 7 - len(head), tail)
    if pos != len(s):
        return None
    groups = head + [0] * (8 - len(head) - len(tail)) + tail
    addr = 0
    for g in groups:
        addr = (addr << 16) | g
    return addr


def _parse_addr(s: str) -> tuple[bool, int] | None:
    v4 = _parse_v4(s)
    if v4 is not None:
        return False, v4
    v6 = _parse_v6(s)
    if v6 is not None:
        return True, v6
    return None


def _parse_prefix(s: str, max_value: int, max_len: int) -> int:
    if len(s) > max_len:
        raise _error(f"error parsing prefix: string length {len(s)} is too large")
    if not _DEC.issuperset(s):
        raise _error(f"error parsing prefix `{s}`: encountered non-digit")
    if s.startswith("0") and s != "0":
        raise _error(f"error parsing prefix `{s}`: leading zero(s)")
    if not s:
        raise _error("error parsing prefix from the string ``: cannot parse integer from empty string")
    value = int(s)
    if value > max_value:
        raise _error(f"error parsing prefix: {value} is larger than the limit {max_value}")
    return value


def _error(message: str) -> EvaluationError:
    return EvaluationError(ErrorKind.EXTENSION_ERROR, f"{message}; {_HELP}")


def _at_least_two(s: str, c: str) -> bool:
    first = s.find(c)
    return first >= 0 and s.find(c, first + 1) >= 0


def parse_ipaddr(s: str) -> IPAddr:
    """`ip(s)`; raises an extension error for anything Rust's parser rejects."""
    if len(s.encode("utf-8", "surrogatepass")) > _MAX_LEN:
        raise _error(f"error parsing IP address from string `{s}`: string length is too large")
    if _at_least_two(s, ":") and _at_least_two(s, "."):
        raise _error(f"error parsing IP address from string: We do not accept IPv4 embedded in IPv6 (e.g., ::ffff:127.0.0.1). Found: `{s}`")
    addr_text, slash, prefix_text = s.partition("/")
    parsed = _parse_addr(addr_text)
    if parsed is None:
        raise _error(f"invalid IP address: {s}")
    is_v6, addr = parsed
    if slash:
        prefix = _parse_prefix(prefix_text, 128, 3) if is_v6 else _parse_prefix(prefix_text, 32, 2)
    else:
        prefix = 128 if is_v6 else 32
    return IPAddr(is_v6, addr, prefix)
