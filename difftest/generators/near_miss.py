"""Near misses: valid policy text with one construct just outside (or at the very edge of) the grammar.

Random character edits (`mutate.py`) mostly break a text early and crudely; a
parser's error paths sit behind the constructs that almost parse: a record key
written as a path (`{a::b: 1}`), a slot in a condition, a sixth `!`, a number
one past the largest Long, `is` followed by a string, a method called as a
function, two relational operators in a row. Each near miss adds one such
snippet (built around an expression or an entity taken from the case) to one
policy of an otherwise valid policy set, as a condition or as a scope.
The JSON policy form gets the same treatment (`near_miss_json`).
"""

from __future__ import annotations

import copy
import random
from typing import Any, Callable

_KEYS = ("a::b", "if", "true", "principal", '"a"', "1", "a.b", "?principal", '"a"::b', "is", "__cedar", "a-b", "é")
_HAS = ("a::b", "a.b", "a.b.c", '"a"', "if", "true", "1", 'a["b"]', "principal", "a.if", "a::b.c", "is", "in",
        '"a".b', "a.is", "then", "?principal", "context.a", "a.b()", "__cedar")
_FIELDS = ("a", "if", "true", "principal", "a::b", "1", "is", "like", "has", "__cedar", "contains", "_x", "é")
_TYPES = ("User", "1", '"User"', 'User::"a"', "principal", "__cedar::User", "A::B", "if", "Action", "context",
          "A::__cedar", "A::if", "?principal", "User.a", "is", "[User]", "A::B::C")
_PATTERNS = ('"a*"', '"\\*"', "principal", '"\\q"', '"a" + "b"', "1", '"**"', '"\\u{2a}"', '"*\\**"', '"\\\\*"', '""',
             'ip("1.2.3.4")', '"a\\"*"')
_FUNCTIONS = ("ip", "decimal", "datetime", "duration", "foo", "contains", "isEmpty", "lessThan", "a::ip", "__cedar::ip",
              "offset", "toDate", "isInRange", "getTag", "like", "principal", "if", "A::B::decimal", "toDays")
_METHODS = ("contains", "containsAll", "containsAny", "isEmpty", "getTag", "hasTag", "lessThan", "isIpv4", "ip",
            "foo", "toDays", "offset", "like", "isInRange", "greaterThanOrEqual", "durationSince", "toTime", "has",
            "a::b", "decimal", "if")
_ARGS = ('"1.2.3.4"', "1", '"1.0"', '"1d"', '"2024-01-01"', "principal", "[1]", '"a"', "true")
_NUMBERS = ("9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "--9223372036854775808", "-(9223372036854775808)", "- 9223372036854775808", "18446744073709551615",
            "18446744073709551616", "0009", "-0", "99999999999999999999999", "1.0", "1e3", "0x10", "-(-9223372036854775808)")
_STRINGS = ('"\\u{110000}"', '"\\u{D800}"', '"\\x80"', '"\\x7f"', '"\\\'"', '"\\u{0}"', '"\\u{}"', '"\\u{1F600}"',
            '"\\u{0000001}"', '"\\u{1234567}"', '"\\*"', '"\\0"', '"\\r\\n\\t"', '"\\a"', '"a\rb"', '"\\u00e9"',
            '"\\x4"', '"\\xg0"', '"a\\x"', '"\\x0G"', '"\\x41"', '"\\u{41"')
_UIDS = ('User::"a"::"b"', "User::a", 'User::"a".b', 'if::"a"', '__cedar::User::"a"', 'A::B::"a"', 'Action::"a"',
         'true::"a"', 'User::principal::"a"', 'User :: "a"', 'User::""', 'User::"\\u{0}"', 'A::is::"a"', 'is::"a"')


def _pick(rng: random.Random, pool: tuple[str, ...]) -> str:
    return rng.choice(pool)


def _expression_snippets(rng: random.Random, x: str, y: str, uid: str) -> list[Callable[[], str]]:
    """Builders of one near-miss expression each, around the sub-expressions `x`, `y` and the entity `uid`."""
    return [
        lambda: "{" + _pick(rng, _KEYS) + ": " + x + "}",
        lambda: rng.choice(("{a: 1, a: 2}", '{"a": 1, a: 2}', "{a: 1,}", "{,}", "{a}", "{a: }", "{: 1}", "{if: 1}")),
        lambda: f"{x} has {_pick(rng, _HAS)}",
        lambda: f"{x}.{_pick(rng, _FIELDS)}",
        lambda: f"{x}[{rng.choice(('a', '1', chr(34) + 'a' + chr(34), 'principal', ''))}]",
        lambda: f"{x} is {_pick(rng, _TYPES)}" + (f" in {rng.choice((y, uid, '[' + uid + ']', '?principal'))}"
                                                    if rng.random() < 0.4 else ""),
        lambda: f"{x} like {_pick(rng, _PATTERNS)}",
        lambda: rng.choice(("?principal", "?resource", "?x", "?principal == principal", f"{x} in ?resource",
                            "principal.?a", "?principal.a")),
        lambda: f"{_pick(rng, _FUNCTIONS)}(" + ", ".join(rng.choice((x,) + _ARGS) for _ in range(rng.randint(0, 3))) + ")",
        lambda: f"{x}.{_pick(rng, _METHODS)}(" + ", ".join(rng.choice((y,) + _ARGS) for _ in range(rng.randint(0, 3))) + ")",
        lambda: f"{_pick(rng, _NUMBERS)} == {x}",
        lambda: "!" * rng.randint(3, 6) + x,
        lambda: "-" * rng.randint(3, 6) + rng.choice(("1", "9223372036854775808", x, "(1)")),
        lambda: f"{x} {rng.choice(('<', '==', 'in', '!=', '>='))} {y} {rng.choice(('<', '==', 'in', 'has a', 'like ' + chr(34) + chr(34)))}"
                + ("" if rng.random() < 0.3 else f" {x}"),
        lambda: f"{x} {rng.choice(('/', '%', '+ +', '* -', '=', '<>', '=<', '===', '& ', '| ', '!', '^'))} {y}",
        lambda: rng.choice((f"if {x} then {y}", f"if {x} then {y} else", f"if if {x} then {y} else {x} then {y} else {x}",
                            f"if {x} {y} else {x}", f"if {x} then {y} else if {x} then {y}")),
        lambda: f"{_pick(rng, _STRINGS)} == {x}",
        lambda: f"{_pick(rng, _UIDS)} == {x}",
        lambda: rng.choice((f"[{x}, {y},]", "[,]", f"[{x} {y}]", "[]", f"[[{x}]]", f"({x}, {y})", f"(({x})")),
        lambda: rng.choice(("principal::a", "context.a::b", "principal()", "context(1)", "action::\"a\"", "resource.a()",
                            "Action", "User", "User::", "principal.is", "context has principal.a")),
        lambda: f"{x} && {rng.choice(('', '&&', '||', 'when'))} {y}",
    ]


_SCOPES = {
    "principal": ("principal == ?principal", "principal in ?principal", "principal == ?resource", "principal is User",
                  "principal is User in ?principal", "principal in {uid} is User", "principal == [{uid}]",
                  "principal in [{uid}]", "principal = {uid}", "principal is 1", 'principal == "a"',
                  "principal == User", "principal: User", "principal is User == {uid}", "principal is User in {uid}",
                  "principal in ?resource", "principal is ?principal", "principal in {uid}, principal", "principal <= {uid}",
                  "principal is User::\"a\"", "principal is Action", "principal in [?principal]", "principal in []"),
    "action": ("action == ?principal", "action in [{action}, {action}]", "action in []", "action == [{action}]",
               "action is Action", "action in {action}", "action == {uid}", "action in [{uid}]", "action in ?resource",
               "action is Action in {action}", "action in [{action},]", "action == Action", "action in Action::\"a\" == x",
               'action == NS::Action::"a"', 'action in [Action::"a", NS::Action::"b"]', "action in ({action})"),
    "resource": ("resource == ?resource", "resource in ?resource", "resource == ?principal", "resource is User",
                 "resource is User in ?resource", "resource in [{uid}]", "resource is User in ?principal",
                 "resource == {uid}", "resource in {uid} is User", "resource in ?principal", "resource is 1"),
}


def near_miss_text(rng: random.Random, printed: list[str], samples: list[str], uids: list[str], actions: list[str]) -> str:
    """A policy set text: `printed` (the case's policies as text) with one near miss added.

    `samples` are sub-expressions of the case (as text) to build the snippet around, `uids` and
    `actions` entity literals of the case."""
    x = rng.choice(samples) if samples and rng.random() < 0.7 else rng.choice(("principal", "context", "1", '"a"'))
    y = rng.choice(samples) if samples and rng.random() < 0.5 else rng.choice(("resource", "true", "[1]", "{a: 1}"))
    uid = rng.choice(uids) if uids else 'User::"a"'
    action = rng.choice(actions) if actions else 'Action::"view"'
    policies = list(printed) or ["permit(principal, action, resource);"]
    i = rng.randrange(len(policies))
    r = rng.random()
    if r < 0.6:
        snippet = rng.choice(_expression_snippets(rng, x, y, uid))()
        body = policies[i].rstrip().rstrip(";")
        policies[i] = f"{body}\n{rng.choice(('when', 'unless'))} {{ {snippet} }};"
    elif r < 0.85:
        scopes = ["principal", "action", "resource"]
        which = rng.choice(scopes)
        scopes[scopes.index(which)] = rng.choice(_SCOPES[which]).format(uid=uid, action=action)
        policies[i] = f"{rng.choice(('permit', 'forbid'))}({', '.join(scopes)})" + rng.choice((";", f" when {{ {x} }};"))
    else:
        policies[i] = rng.choice((
            '@id("a") @id("b") ' + policies[i], '@a::b("x") ' + policies[i], '@if("x") ' + policies[i],
            "@id " + policies[i], "@id() " + policies[i], "@id(1) " + policies[i], '@id("\\u{110000}") ' + policies[i],
            "permit(action, principal, resource);", "permit(principal, action);", "permit(principal, action, resource, context);",
            "allow(principal, action, resource);", "permit(principal, action, resource) when {};",
            f"permit(principal, action, resource) whe {{ {x} }};", "permit(principal, action, resource)",
            f"permit(principal, action, resource) when {{ {x} }} unless {{ {y} }} when {{ true }};",
            "permit(principal,action,resource)when{true};", "permit (principal, action, resource) ; ;",
            f"forbid(principal in {uid}, action in [{action}], resource is User in {uid});",
        ))
    return "\n\n".join(policies) + "\n"


# ------------------------------------------------------------------ the JSON policy form

_ODD_VALUES = ({"Value": 1.5}, {"Value": [1]}, {"Value": {"a": 1}}, {"Value": None}, {"Value": {"__extn": {"fn": "ip", "arg": "::1"}}},
               {"Value": {"__entity": {"type": "", "id": "a"}}}, {"Value": {"type": "A", "id": "a"}}, {"Value": 2**63},
               {"Value": -(2**63)}, {"Var": "x"}, {"Var": "Principal"}, {"Slot": "?principal"}, {"Slot": "?resource"},
               {"Slot": "?x"}, {"Unknown": {"name": "u"}}, {"Set": {}}, {"Record": []}, {"Record": {"": {"Value": 1}}},
               {"ip": []}, {"ip": [{"Value": "1.2.3.4"}, {"Value": "1.2.3.4"}]}, {"foo": [{"Value": 1}]},
               {"lessThan": [{"decimal": [{"Value": "1.0"}]}]}, {"like": {"left": {"Value": "a"}, "pattern": "a*"}},
               {"like": {"left": {"Value": "a"}, "pattern": [{"Literal": ""}, "Wildcard", {"Literal": "*"}]}},
               {"is": {"left": {"Var": "principal"}, "entity_type": "1"}}, {"is": {"left": {"Var": "principal"}, "entity_type": "A::B"}},
               {"has": {"left": {"Var": "context"}, "attr": "a::b"}}, {".": {"left": {"Var": "context"}, "attr": 1}},
               {"!": {"arg": {"Value": True}, "extra": 1}}, {"neg": {"left": {"Value": 1}}}, {"&&": {"left": {"Value": True}}},
               {"if-then-else": {"if": {"Value": True}, "then": {"Value": 1}}}, {"==": {"left": {"Value": 1}, "right": {"Value": 1}}, "!": {}},
               {"contains": {"left": {"Set": []}, "right": {"Value": 1}}}, {"isEmpty": {"arg": {"Set": []}}},
               {"getTag": {"left": {"Var": "principal"}, "right": {"Value": 1}}}, {"offset": [{"Value": 1}]},
               {"in": {"left": {"Var": "principal"}, "right": {"Set": [{"Var": "resource"}]}}})
_ODD_SCOPES = ({"op": "==", "slot": "?principal"}, {"op": "==", "slot": "?resource"}, {"op": "in", "slot": "?principal"},
               {"op": "in", "entities": []}, {"op": "==", "entities": [{"type": "Action", "id": "a"}]},
               {"op": "is", "entity_type": "User", "in": {"slot": "?principal"}}, {"op": "is", "entity_type": "User", "in": {"slot": "?resource"}},
               {"op": "is", "entity_type": "Action"}, {"op": "is"}, {"op": "like"}, {"op": "All", "entity": {"type": "A", "id": "a"}},
               {"op": "all"}, {"op": "==", "entity": {"type": "A", "id": "a"}, "slot": "?principal"},
               {"op": "in", "entity": {"__entity": {"type": "A", "id": "a"}}}, {"op": "==", "entity": {"type": "Action", "id": "a"}},
               {"op": "is", "entity_type": "User", "in": {"entity": {"type": "A", "id": "a"}}},
               {"op": "in", "entities": [{"type": "A", "id": "a"}, {"type": "Action", "id": "a"}]},
               {"op": "is", "entity_type": "", "in": {"entity": {"type": "A", "id": "a"}}})


def _expression_slots(policy: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(container, key) of every expression position inside `policy`'s conditions."""
    out: list[tuple[Any, Any]] = []
    todo: list[tuple[Any, Any]] = [(c, "body") for c in policy.get("conditions") or [] if isinstance(c, dict) and "body" in c]
    while todo:
        parent, k = todo.pop()
        out.append((parent, k))
        e = parent[k]
        if not isinstance(e, dict) or len(e) != 1:
            continue
        (op, body), = e.items()
        if op in ("Value", "Var", "Slot", "Unknown"):
            continue
        if isinstance(body, list):
            todo += [(body, i) for i in range(len(body))]
        elif isinstance(body, dict):
            if op == "Record":
                todo += [(body, name) for name in body]
            else:
                todo += [(body, name) for name in ("arg", "left", "right", "if", "then", "else", "in") if name in body]
    return out


def near_miss_json(rng: random.Random, doc: dict[str, Any]) -> Any:
    """The JSON policy set `doc` with one near miss: an odd expression somewhere in a condition (a
    slot, a float, an unknown function, a wrong arity), an odd scope, or an odd link."""
    out = copy.deepcopy(doc)
    policies = [p for group in ("staticPolicies", "templates") for p in (out.get(group) or {}).values()]
    r = rng.random()
    if policies and r < 0.55:
        spots = _expression_slots(rng.choice(policies))
        if spots:
            parent, k = rng.choice(spots)
            parent[k] = copy.deepcopy(rng.choice(_ODD_VALUES))
            return out
    if policies and r < 0.85:
        p = rng.choice(policies)
        p[rng.choice(("principal", "action", "resource"))] = copy.deepcopy(rng.choice(_ODD_SCOPES))
        return out
    links = out.setdefault("templateLinks", [])
    ids = list(out.get("templates") or {}) + list(out.get("staticPolicies") or {}) + ["nope"]
    link: dict[str, Any] = {"templateId": rng.choice(ids), "newId": rng.choice(("l0", "policy0", "link0", "")),
                            "values": {}}
    static = link["templateId"] in (out.get("staticPolicies") or {})
    # (Rust 4.12 panics on a link of a static policy with no values; that finds nothing about the engine)
    for slot in rng.sample(("?principal", "?resource", "?x"), rng.randint(1 if static else 0, 2)):
        link["values"][slot] = rng.choice(({"type": "A", "id": "a"}, {"__entity": {"type": "A", "id": "a"}}, "A::\"a\"",
                                           {"type": "A"}, 1))
    links.append(link)
    return out

