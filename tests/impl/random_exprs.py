"""Random Cedar condition text over a fixed request and entity store, for differential tests."""

from __future__ import annotations

import json
import random
from typing import Callable

ENTITIES = [
    {"uid": {"type": "User", "id": "alice"},
     "attrs": {"age": 30, "name": "alice", "tags": ["a", "b"], "boss": {"__entity": {"type": "User", "id": "bob"}},
               "rec": {"x": 1, "y": True}, "ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}},
               "d": {"__extn": {"fn": "decimal", "arg": "1.5"}}, "flags": [True, 1, False, 0]},
     "parents": [{"type": "Group", "id": "g1"}], "tags": {"t1": 5, "t2": "x"}},
    {"uid": {"type": "User", "id": "bob"}, "attrs": {"age": -5, "rec": {"x": True, "y": 1}}, "parents": [{"type": "Group", "id": "g2"}]},
    {"uid": {"type": "Group", "id": "g1"}, "attrs": {}, "parents": [{"type": "Group", "id": "g2"}]},
    {"uid": {"type": "Group", "id": "g2"}, "attrs": {}, "parents": []},
    {"uid": {"type": "Res", "id": "r"}, "attrs": {"owner": {"__entity": {"type": "User", "id": "alice"}},
                                                 "n": 9223372036854775807}, "parents": []},
]
CONTEXT = {"n": 5, "s": "hello*world", "b": True, "set": [1, 2, True, "x"], "r": {"a": 1, "b": {"c": False}},
           "e": {"__entity": {"type": "User", "id": "alice"}}, "big": -9223372036854775808}
REQUEST = {"principal": 'User::"alice"', "action": 'Action::"view"', "resource": 'Res::"r"', "context": CONTEXT}

_LEAVES = [
    "0", "1", "-1", "5", "2", "9223372036854775807", "-9223372036854775808", "true", "false",
    '""', '"a"', '"hello*world"', '"10.0.0.1"', '"\u00e9"', '"*"',
    'User::"alice"', 'User::"bob"', 'Group::"g1"', 'Group::"g2"', 'Res::"r"', 'User::"nobody"',
    "principal", "resource", "action", "context", "context.n", "context.s", "context.set", "context.r",
    "context.e", "context.big", "principal.age", "principal.tags", "principal.rec", "principal.boss",
    "principal.flags", "resource.n", "principal.ip", "principal.d",
]
_IPS = ["10.0.0.1", "10.0.0.0/8", "::1", "127.0.0.1", "::ffff:1.2.3.4", "1.2.3.4/33", "224.0.0.1", "ff00::1",
        "01.2.3.4", "::", "1::2::3", "a:b:c:d:e:f:0:1/64", "1.2.3.4/0"]
_DECIMALS = ["1.5", "-0.0001", "922337203685477.5807", "922337203685477.5808", "1.23456", "1", "-1.0"]
_DATETIMES = ["2024-01-01", "2024-02-30", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.123+0130",
              "1970-01-01T00:00:00-2359", "0000-01-01", "9999-12-31T23:59:59.999Z"]
_DURATIONS = ["1d", "1h30m", "-5ms", "9223372036854775807ms", "9223372036854775808ms", "-9223372036854775808ms", ""]
_ATTRS = ["age", "x", "y", "owner", "a", "b", "c", "tags", "n", "rec"]


def random_condition(r: random.Random, depth: int) -> str:
    if depth <= 0:
        return r.choice(_LEAVES)
    sub: Callable[[], str] = lambda: random_condition(r, depth - 1)  # noqa: E731
    q = json.dumps
    forms: list[Callable[[], str]] = [
        lambda: f"({sub()} && {sub()})",
        lambda: f"({sub()} || {sub()})",
        lambda: f"(!{sub()})",
        lambda: f"({sub()} {r.choice(['==', '!=', '<', '<=', '>', '>='])} {sub()})",
        lambda: f"({sub()} {r.choice(['+', '-', '*'])} {sub()})",
        lambda: f"(-{sub()})",
        lambda: f"({sub()} in {sub()})",
        lambda: f"({sub()} has {r.choice(_ATTRS)})",
        lambda: f"(({sub()}).{r.choice(_ATTRS)})",
        lambda: f"({sub()} like " + r.choice(['"*"', '"h*d"', '"hello\\*world"', '""', '"a*"', '"*o*o*"']) + ")",
        lambda: f"({sub()} is {r.choice(['User', 'Group', 'Res'])})",
        lambda: f"({sub()} is {r.choice(['User', 'Group'])} in {sub()})",
        lambda: f"(({sub()}).{r.choice(['contains', 'containsAll', 'containsAny'])}({sub()}))",
        lambda: "[" + ", ".join(sub() for _ in range(r.randrange(4))) + "]",
        lambda: "{" + ", ".join(f"{r.choice(_ATTRS)}{i}: {sub()}" for i in range(r.randrange(3))) + "}",
        lambda: f"(if {sub()} then {sub()} else {sub()})",
        lambda: f"(({sub()}).isEmpty())",
        lambda: f"(({sub()}).{r.choice(['hasTag', 'getTag'])}({sub()}))",
        lambda: f"ip({q(r.choice(_IPS))}).{r.choice(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast'])}()",
        lambda: f"ip({q(r.choice(_IPS))}).isInRange(ip({q(r.choice(_IPS))}))",
        lambda: f"({sub()}).isInRange({sub()})",
        lambda: f"decimal({q(r.choice(_DECIMALS))}).{r.choice(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'])}(decimal({q(r.choice(_DECIMALS))}))",
        lambda: f"datetime({q(r.choice(_DATETIMES))}).offset(duration({q(r.choice(_DURATIONS))}))",
        lambda: f"datetime({q(r.choice(_DATETIMES))}).{r.choice(['toDate()', 'toTime()'])}",
        lambda: f"datetime({q(r.choice(_DATETIMES))}).durationSince(datetime({q(r.choice(_DATETIMES))}))",
        lambda: f"duration({q(r.choice(_DURATIONS))}).{r.choice(['toMilliseconds', 'toSeconds', 'toMinutes', 'toHours', 'toDays'])}()",
    ]
    return r.choice(forms)()
