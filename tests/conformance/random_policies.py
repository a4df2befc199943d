"""Random policies over a schema, for comparing our validator's verdicts with Rust's (cedarpy).

Two generators, so both sides of the verdict get exercised:
- `typed_policy`: type-directed; the scope fixes one request environment and
  the condition is mostly well typed (attribute paths with their `has`
  guards), with near misses at rate `miss` (a dropped guard, mismatched
  operands, an empty set);
- `wild_policy`: any shape at all, over the schema's names and a few unknown ones.
"""

from __future__ import annotations

import random
import re

from impl.schema import Schema
from impl.types import BoolType, CedarType, EntityType, ExtensionType, LongType, RecordType, SetType, StringType
from impl.values import quote_string as q

_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_RESERVED = {"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"}
_EXT_LITERALS = {"ipaddr": 'ip("10.0.0.1")', "decimal": 'decimal("1.25")',
                 "datetime": 'datetime("2024-01-01")', "duration": 'duration("2h")'}


def _is_ident(name: str) -> bool:
    return bool(_IDENT.fullmatch(name)) and name not in _RESERVED


def _access(x: str, attr: str) -> str:
    return f"{x}.{attr}" if _is_ident(attr) else f"{x}[{q(attr)}]"


def _has(attr: str) -> str:
    return attr if _is_ident(attr) else q(attr)


class _Base:
    def __init__(self, schema: Schema, rnd: random.Random) -> None:
        self.schema = schema
        self.rnd = rnd
        self.entity_types = sorted(schema.entity_types)

    def euid_of(self, etype: str) -> str:
        e = self.schema.entity_types.get(etype)
        if e is not None and e.enum_ids:
            return f"{etype}::{q(self.rnd.choice(e.enum_ids))}"
        return f"{etype}::{q(self.rnd.choice(['a', 'b']))}"


class _Typed(_Base):
    def __init__(self, schema: Schema, rnd: random.Random, miss: float) -> None:
        super().__init__(schema, rnd)
        self.miss = miss
        actions = [a for a in schema.actions.values() if a.applies]
        self.action = rnd.choice(actions) if actions else None
        if self.action is not None:
            self.principal = rnd.choice(self.action.principal_types)
            self.resource = rnd.choice(self.action.resource_types)
            self.paths = self._paths()

    def _attrs(self, t: CedarType) -> dict:
        if isinstance(t, RecordType):
            return t.attrs
        if isinstance(t, EntityType) and t.name in self.schema.entity_types:
            return self.schema.entity_types[t.name].attributes.attrs
        return {}

    def _paths(self) -> list[tuple[str, CedarType, list[str]]]:
        """Attribute paths from the variables (two steps deep), their types and the guards they need."""
        assert self.action is not None
        out = []
        stack = [("principal", EntityType(self.principal), [], 0), ("resource", EntityType(self.resource), [], 0),
                 ("context", self.action.context, [], 0)]
        while stack:
            x, t, guards, depth = stack.pop()
            out.append((x, t, guards))
            if depth < 2:
                for name, a in self._attrs(t).items():
                    need = guards if a.required else guards + [f"{x} has {_has(name)}"]
                    stack.append((_access(x, name), a.type, need, depth + 1))
        return out

    def of_type(self, want: CedarType, depth: int) -> tuple[str, list[str]]:
        found = [(x, g) for x, t, g in self.paths if t == want]
        if found and self.rnd.random() < 0.6:
            x, guards = self.rnd.choice(found)
            if guards and self.rnd.random() < self.miss:
                guards = guards[:-1]
            return x, guards
        return self.make(want, depth)

    def some_type(self) -> CedarType:
        return self.rnd.choice([t for _, t, _ in self.paths] + [LongType(), StringType(), BoolType()])

    def pick(self, pred) -> tuple[str, CedarType, list[str]] | None:
        found = [p for p in self.paths if pred(p[1])]
        return self.rnd.choice(found) if found else None

    def make(self, want: CedarType, depth: int) -> tuple[str, list[str]]:
        r = self.rnd
        if isinstance(want, BoolType):
            return self.make_bool(depth)
        if isinstance(want, LongType):
            if depth > 3 or r.random() < 0.4:
                return str(r.randint(-5, 5)), []
            a, ga = self.of_type(LongType(), depth + 1)
            b, gb = self.of_type(LongType(), depth + 1)
            return f"({a} {r.choice(['+', '-', '*'])} {b})", ga + gb
        if isinstance(want, StringType):
            return q(r.choice(["a", "b", ""])), []
        if isinstance(want, ExtensionType):
            return _EXT_LITERALS[want.name], []
        if isinstance(want, EntityType):
            if want.name == self.action.uid.type:  # type: ignore[union-attr]
                return f"{want.name}::{q(self.action.uid.id)}", []  # type: ignore[union-attr]
            return self.euid_of(want.name), []
        if isinstance(want, SetType):
            if r.random() < self.miss:
                return "[]", []
            items = [self.of_type(want.element, depth + 1) for _ in range(r.randint(1, 2))]
            return "[" + ", ".join(x for x, _ in items) + "]", [g for _, gs in items for g in gs]
        if isinstance(want, RecordType):
            items = [(n, self.of_type(a.type, depth + 1)) for n, a in want.attrs.items() if a.required or r.random() < 0.5]
            return "{" + ", ".join(f"{q(n)}: {x}" for n, (x, _) in items) + "}", [g for _, (_, gs) in items for g in gs]
        return "true", []

    def make_bool(self, depth: int) -> tuple[str, list[str]]:
        r = self.rnd
        if depth > 3:
            return r.choice(["true", "false"]), []
        kind = r.randint(0, 13)
        if kind == 0:
            a, ga = self.of_type(BoolType(), depth + 1)
            b, gb = self.of_type(BoolType(), depth + 1)
            return f"({a} {r.choice(['&&', '||'])} {b})", ga + gb
        if kind == 1:
            t = self.some_type()
            a, ga = self.of_type(t, depth + 1)
            b, gb = self.of_type(t if r.random() > self.miss * 3 else self.some_type(), depth + 1)
            return f"({a} {r.choice(['==', '!='])} {b})", ga + gb
        if kind == 2:
            t = r.choice([LongType(), ExtensionType("datetime"), ExtensionType("duration")])
            a, ga = self.of_type(t, depth + 1)
            b, gb = self.of_type(t, depth + 1)
            return f"({a} {r.choice(['<', '<=', '>', '>='])} {b})", ga + gb
        if kind == 3:
            x, _, g = self.pick(lambda t: isinstance(t, EntityType))  # type: ignore[misc]
            return f"({x} in {self.euid_of(r.choice(self.entity_types))})", g
        if kind == 4:
            x, g = self.of_type(StringType(), depth + 1)
            return f'({x} like "*a*")', g
        if kind == 5:
            t = self.some_type()
            s, gs = self.of_type(SetType(t), depth + 1)
            e, ge = self.of_type(t, depth + 1)
            return f"{s}.contains({e})", gs + ge
        if kind == 6:
            t = self.some_type()
            s, gs = self.of_type(SetType(t), depth + 1)
            e, ge = self.of_type(SetType(t), depth + 1)
            return f"{s}.{r.choice(['containsAll', 'containsAny'])}({e})", gs + ge
        if kind == 7:
            x, t, g = self.pick(lambda t: isinstance(t, (EntityType, RecordType)))  # type: ignore[misc]
            return f"({x} has {_has(r.choice(list(self._attrs(t)) + ['zz']))})", g
        if kind == 8:
            c, gc = self.of_type(BoolType(), depth + 1)
            a, ga = self.of_type(BoolType(), depth + 1)
            b, gb = self.of_type(BoolType(), depth + 1)
            return f"(if {c} then {a} else {b})", gc + ga + gb
        if kind == 9:
            x, _, g = self.pick(lambda t: isinstance(t, EntityType))  # type: ignore[misc]
            return f"({x} is {r.choice(self.entity_types)})", g
        if kind == 10:
            tagged = self.pick(lambda t: isinstance(t, EntityType) and t.name in self.schema.entity_types
                               and self.schema.entity_types[t.name].tags is not None)
            if tagged is None:
                return "true", []
            x, t, g = tagged
            key = f'"k{r.randint(0, 1)}"'
            if self.schema.entity_types[t.name].tags == StringType():  # type: ignore[union-attr]
                return f'({x}.hasTag({key}) && {x}.getTag({key}) == "v")', g
            return f"{x}.hasTag({key})", g
        if kind == 11:
            x, g = self.of_type(ExtensionType("ipaddr"), depth + 1)
            return f"{x}.{r.choice(['isIpv4', 'isLoopback'])}()", g
        if kind == 12:
            x, gx = self.of_type(ExtensionType("decimal"), depth + 1)
            y, gy = self.of_type(ExtensionType("decimal"), depth + 1)
            return f"{x}.lessThan({y})", gx + gy
        x, g = self.of_type(BoolType(), depth + 1)
        return f"(!{x})", g


def typed_policy(schema: Schema, rnd: random.Random, miss: float = 0.1) -> str | None:
    """A mostly well-typed policy for one request environment (None if no action applies to anything)."""
    g = _Typed(schema, rnd, miss)
    if g.action is None:
        return None
    conditions = []
    for _ in range(rnd.randint(1, 2)):
        x, guards = g.of_type(BoolType(), 0)
        body = " && ".join(list(dict.fromkeys(guards)) + [x])
        conditions.append(f"{rnd.choice(['when', 'when', 'unless'])} {{ {body} }}")
    uid = g.action.uid
    principal = rnd.choice([f"principal is {g.principal}", f"principal == {g.euid_of(g.principal)}", "principal"])
    resource = rnd.choice([f"resource is {g.resource}", "resource"])
    return f"permit({principal}, action == {uid.type}::{q(uid.id)}, {resource}) {' '.join(conditions)};"


class _Wild(_Base):
    def __init__(self, schema: Schema, rnd: random.Random) -> None:
        super().__init__(schema, rnd)
        self.actions = sorted(schema.actions)
        self.attrs = sorted({a for e in schema.entity_types.values() for a in e.attributes.attrs}
                            | {a for x in schema.actions.values() for a in x.context.attrs} | {"foo"})

    def euid(self) -> str:
        r = self.rnd
        if self.actions and r.random() < 0.2:
            a = r.choice(self.actions)
            return f"{a.type}::{q(a.id)}"
        if not self.entity_types or r.random() < 0.05:
            return 'Unknown::"x"'
        return self.euid_of(r.choice(self.entity_types))

    def type_name(self) -> str:
        return self.rnd.choice(self.entity_types + ["Action", "Nope"])

    def var(self) -> str:
        return self.rnd.choice(["principal", "resource", "context", "action"])

    def leaf(self) -> str:
        r = self.rnd
        return r.choice([self.var(), "true", "false", str(r.randint(-3, 3)), '"s"', self.euid(),
                         _access(self.var(), r.choice(self.attrs))])

    def expr(self, d: int = 0) -> str:
        r = self.rnd
        if d > 4:
            return self.leaf()
        e = lambda: self.expr(d + 1)  # noqa: E731
        attr = lambda: r.choice(self.attrs)  # noqa: E731
        forms = [
            lambda: f"({e()} {r.choice(['&&', '||', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', 'in'])} {e()})",
            lambda: f"(!{e()})",
            lambda: _access(e(), attr()),
            lambda: f"({e()} has {_has(attr())})",
            lambda: f"(if {e()} then {e()} else {e()})",
            lambda: "[" + ", ".join(e() for _ in range(r.randint(0, 3))) + "]",
            lambda: "{" + ", ".join(f"{q(n)}: {e()}" for n in dict.fromkeys(attr() for _ in range(r.randint(0, 2)))) + "}",
            lambda: f"{e()}.{r.choice(['contains', 'containsAll', 'containsAny', 'hasTag', 'getTag'])}({e()})",
            lambda: f"({e()} is {self.type_name()})",
            lambda: f"({e()} is {self.type_name()} in {e()})",
            lambda: f'({e()} like "a*")',
            lambda: f"{e()}.isEmpty()",
            lambda: r.choice(['ip("1.2.3.4")', 'ip("bad")', 'decimal("1.5")', 'datetime("2020-01-01")',
                              'duration("1h")', f"ip({e()})", 'decimal("1.2.3")']),
            lambda: f"{e()}.{r.choice(['isIpv4', 'isLoopback', 'toDate', 'toMilliseconds', 'toTime'])}()",
            lambda: f"{e()}.{r.choice(['lessThan', 'isInRange', 'offset', 'durationSince'])}({e()})",
            lambda: f"({e()} has {_has(attr())}) && {e()}",
            self.leaf,
        ]
        return r.choice(forms)()

    def scope(self, var: str) -> str:
        r = self.rnd
        return r.choice([var, var, f"{var} == {self.euid()}", f"{var} in {self.euid()}", f"{var} is {self.type_name()}",
                         f"{var} is {self.type_name()} in {self.euid()}"])

    def action_scope(self) -> str:
        r = self.rnd
        if not self.actions or r.random() < 0.25:
            return "action"

        def one() -> str:
            a = r.choice(self.actions)
            return f"{a.type}::{q(a.id)}" if r.random() < 0.9 else 'Action::"zz"'

        return r.choice([f"action == {one()}", f"action in {one()}", "action in [" + ", ".join(one() for _ in range(r.randint(1, 3))) + "]"])


def wild_policy(schema: Schema, rnd: random.Random) -> str:
    g = _Wild(schema, rnd)
    conditions = " ".join(f"{rnd.choice(['when', 'unless'])} {{ {g.expr()} }}" for _ in range(rnd.randint(0, 2)))
    return f"permit({g.scope('principal')}, {g.action_scope()}, {g.scope('resource')}) {conditions};"
