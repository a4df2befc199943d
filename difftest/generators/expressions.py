"""Random Cedar expressions in the JSON policy form, driven by the schema and the data.

One generator serves three modes, as Cedar's own generators do:
- `validated`: type-directed against the schema, optional attributes and tags
  read only under `has` / `hasTag` guards, extension constructors given valid
  literals, so the strict validator accepts most policies;
- `typed`: the same, plus a little type confusion and unguarded reads;
- `untyped`: much type confusion: operators get operands of random types and
  attributes are read from whatever is at hand (type and attribute errors).

Literals are drawn half the time from the values actually present in the
entities and contexts, so comparisons are true often enough to reach allow
decisions, forbid overrides and deep evaluation paths.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from . import est
from .entities import ENTITY_IDS, TAG_KEYS, EntityStore, ValueGen
from .est import Est
from .schema import (
    BOOL, EXT_TYPES, LONG, STRING, Attr, EntityT, ExtT, Prim, RecordT, SchemaSpec, SetT, Type, action_type,
    resolve,
)
from .values import (
    EXT_CONSTRUCTOR, EntityRef, ExtValue, MAX_LONG, MIN_LONG, Value, calendar_instant, datetime_spelling,
    duration_spelling, epoch_ms,
    ext_literal, ip_pair, long_value, matching_string, pattern, string_value,
)

MODES = ("untyped", "typed", "validated")


@dataclass(slots=True)
class Env:
    """What a policy's scope tells about the request variables."""

    principal: tuple[str, ...]
    resource: tuple[str, ...]
    actions: tuple[EntityRef, ...]
    context: RecordT | None  # known when every action in scope has this context type


@dataclass(frozen=True, slots=True)
class Path:
    """An attribute/tag access chain, with the guards that make each step safe."""

    expr: Est
    type: Type
    guards: tuple[Est, ...]


@dataclass(slots=True)
class ValuePool:
    """Values present in the data, by kind, to draw literals that actually match."""

    longs: list[int] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    ext: dict[str, list[str]] = field(default_factory=dict)  # constructor -> literal args
    uids: dict[str, list[EntityRef]] = field(default_factory=dict)

    def add(self, v: Value) -> None:
        if isinstance(v, bool):
            return
        if isinstance(v, int):
            self.longs.append(v)
        elif isinstance(v, str):
            self.strings.append(v)
        elif isinstance(v, EntityRef):
            self.uids.setdefault(v.type, []).append(v)
        elif isinstance(v, ExtValue):
            self.ext.setdefault(v.fn, []).append(v.arg)
        elif isinstance(v, list):
            for x in v:
                self.add(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                self.strings.append(k)
                self.add(x)

    @classmethod
    def from_data(cls, store: EntityStore, contexts: list[dict[str, Value]]) -> "ValuePool":
        pool = cls()
        for e in store.entities:
            pool.add(e.uid)
            pool.add(e.attrs)
            if e.tags:
                pool.strings.extend(e.tags)
                pool.add(list(e.tags.values()))
        for c in contexts:
            pool.add(c)
        return pool


@dataclass(slots=True)
class ExprSettings:
    mode: str = "typed"
    max_depth: int = 4

    @property
    def chaos(self) -> float:
        """Chance, per node, of a type-confused operand or an unguarded read."""
        return {"untyped": 0.3, "typed": 0.04, "validated": 0.0}[self.mode]


def has_optional(t: Type) -> bool:
    """Whether a record literal can never match `t` in the validator (literal attributes are required)."""
    t = resolve(t)
    if isinstance(t, SetT):
        return has_optional(t.elem)
    if isinstance(t, RecordT):
        return any(not a.required or has_optional(a.type) for _, a in t.attrs)
    return False


class ExprGen:
    def __init__(self, rng: random.Random, schema: SchemaSpec, store: EntityStore, pool: ValuePool,
                 env: Env, settings: ExprSettings, stats: Counter | None = None) -> None:
        self.rng = rng
        self.schema = schema
        self.store = store
        self.pool = pool
        self.env = env
        self.s = settings
        self.stats = stats if stats is not None else Counter()
        self.values = ValueGen(rng, schema, store.by_type, tuple(pool.strings[:50]))
        self._paths: list[Path] | None = None

    # ------------------------------------------------------------------ helpers

    @property
    def validated(self) -> bool:
        return self.s.mode == "validated"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def chaos(self) -> bool:
        return self.s.chaos > 0 and self.rng.random() < self.s.chaos

    def pick(self, options: list[tuple[float, Callable[[], Est]]]) -> Est:
        total = sum(w for w, _ in options if w > 0)
        r = self.rng.random() * total
        for w, f in options:
            if w <= 0:
                continue
            r -= w
            if r <= 0:
                return f()
        return options[-1][1]()

    def note(self, form: str) -> None:
        self.stats[form] += 1

    def entity_types(self) -> list[str]:
        return list(self.schema.entity_types)

    def random_type(self, depth: int = 1) -> Type:
        rng = self.rng
        kinds = ["Bool", "Long", "Long", "String", "String", "Ext", "Entity", "Entity"]
        if depth > 0:
            kinds += ["Set", "Record"]
        k = rng.choice(kinds)
        if k in ("Bool", "Long", "String"):
            return Prim(k)
        if k == "Ext":
            return ExtT(rng.choice(EXT_TYPES))
        if k == "Entity":
            if self.entity_types() and not self.chance(0.1):
                return EntityT(rng.choice(self.entity_types()))
            return EntityT(action_type(self._action_ns()))
        if k == "Set":
            return SetT(self.random_type(depth - 1))
        names = rng.sample(("a", "b", "name", "x"), rng.randint(0, 2))
        return RecordT(tuple((n, Attr(self.random_type(depth - 1))) for n in names))

    def _action_ns(self) -> str:
        t = self.schema.actions[0].uid.type
        return t.rsplit("::", 1)[0] if "::" in t else ""

    # ------------------------------------------------------------------ paths

    def roots(self) -> list[Path]:
        env, rng = self.env, self.rng
        out: list[Path] = []
        if len(env.principal) == 1:
            out.append(Path(est.var("principal"), EntityT(env.principal[0]), ()))
        if len(env.resource) == 1:
            out.append(Path(est.var("resource"), EntityT(env.resource[0]), ()))
        if env.context is not None:
            out.append(Path(est.var("context"), env.context, ()))
        uids = [e.uid for e in self.store.entities if e.uid.type in self.schema.entity_types]
        for u in rng.sample(uids, min(2, len(uids))):
            out.append(Path(est.value(u), EntityT(u.type), ()))
        return out

    def paths(self) -> list[Path]:
        """Access chains of up to three steps from the variables and a few entity literals."""
        if self._paths is not None:
            return self._paths
        frontier = self.roots()
        out: list[Path] = []
        for _ in range(3):
            nxt: list[Path] = []
            for p in frontier:
                nxt.extend(self._steps(p))
            out.extend(nxt)
            frontier = nxt
            if len(out) > 300:
                break
        self._paths = out
        return out

    def _steps(self, p: Path) -> list[Path]:
        t = resolve(p.type)
        out: list[Path] = []
        if isinstance(t, EntityT):
            et = self.schema.entity_types.get(t.name)
            if et is None or et.enum is not None:
                return out
            shape = et.shape
            if et.tags is not None:
                key = est.value(self.rng.choice(TAG_KEYS))
                guard = est.binary("hasTag", p.expr, key)
                out.append(Path(est.binary("getTag", p.expr, key), resolve(et.tags), p.guards + (guard,)))
        elif isinstance(t, RecordT):
            shape = t
        else:
            return out
        for name, a in shape.attrs:
            guards = p.guards if a.required else p.guards + (est.has_attr(p.expr, name),)
            out.append(Path(est.get_attr(p.expr, name), resolve(a.type), guards))
        return out

    def paths_of(self, t: Type, guarded_ok: bool) -> list[Path]:
        return [p for p in self.paths() if p.type == t and (guarded_ok or not p.guards)]

    # ------------------------------------------------------------------ typed expressions

    def expr(self, t: Type, depth: int) -> Est:
        t = resolve(t)
        if self.chaos():
            self.note("chaos")
            t = self.random_type()
        if isinstance(t, Prim):
            if t == BOOL:
                return self.bool_expr(depth)
            if t == LONG:
                return self.long_expr(depth)
            return self.string_expr(depth)
        if isinstance(t, EntityT):
            return self.entity_expr(t.name, depth)
        if isinstance(t, SetT):
            return self.set_expr(t, depth)
        if isinstance(t, RecordT):
            return self.record_expr(t, depth)
        assert isinstance(t, ExtT)
        return self.ext_expr(t.name, depth)

    def leaf_path(self, t: Type) -> Est | None:
        """An attribute read of type `t`; unguarded reads of optional attributes outside `validated`."""
        paths = self.paths_of(t, guarded_ok=not self.validated and self.chance(0.3))
        if not paths:
            return None
        self.note("attr_read")
        return self.rng.choice(paths).expr

    def _with_path(self, t: Type, weight: float, options: list[tuple[float, Callable[[], Est]]]) -> Est:
        path = self.leaf_path(t) if self.chance(weight) else None
        return path if path is not None else self.pick(options)

    def long_lit(self) -> Est:
        if self.pool.longs and self.chance(0.4):
            return est.value(self.rng.choice(self.pool.longs))
        return est.value(long_value(self.rng))

    def long_expr(self, depth: int) -> Est:
        if depth <= 0:
            return self._with_path(LONG, 0.5, [(1, self.long_lit)])

        def arith() -> Est:
            op = self.rng.choice(("+", "-", "*"))
            self.note(op)
            return est.binary(op, self.long_expr(depth - 1), self.long_expr(depth - 1))

        def neg() -> Est:
            self.note("neg")
            return est.unary("neg", self.long_expr(depth - 1))

        def dur() -> Est:
            m = self.rng.choice(("toMilliseconds", "toSeconds", "toMinutes", "toHours", "toDays"))
            self.note(m)
            return est.call(m, [self.ext_expr("duration", depth - 1)])

        return self._with_path(LONG, 0.35, [
            (3, self.long_lit), (3, arith), (1, neg), (1, dur), (0.5, lambda: self.ite(LONG, depth)),
        ])

    def string_lit(self) -> Est:
        if self.pool.strings and self.chance(0.5):
            return est.value(self.rng.choice(self.pool.strings))
        return est.value(string_value(self.rng))

    def string_expr(self, depth: int) -> Est:
        options: list[tuple[float, Callable[[], Est]]] = [(3, self.string_lit)]
        if depth > 0:
            options.append((0.5, lambda: self.ite(STRING, depth)))
        return self._with_path(STRING, 0.4, options)

    def uid_lit(self, type_name: str) -> Est:
        actions = [a.uid for a in self.schema.actions if a.uid.type == type_name]
        if actions and not self.chance(0.05):
            return est.value(self.rng.choice(actions))
        if not self.validated and self.chance(0.05):
            return est.value(EntityRef(type_name, self.rng.choice(ENTITY_IDS) + "_missing"))
        if not self.validated and self.chance(0.03):
            self.note("undeclared")
            return est.value(EntityRef(self.undeclared_type(type_name), self.rng.choice(ENTITY_IDS)))
        return est.value(self.values.entity_ref(type_name))

    def undeclared_type(self, near: str) -> str:
        """An entity type the schema does not declare, close to `near` (the validator's unrecognized types)."""
        base = near.rsplit("::", 1)[-1]
        ns = near.rsplit("::", 1)[0] if "::" in near else ""
        return self.rng.choice((f"{base}s", f"Other::{base}", base if ns else f"NS::{base}", "Undeclared",
                                f"{ns}::Action" if ns else "Other::Action", base.lower() or "x"))

    def entity_expr(self, type_name: str, depth: int) -> Est:
        options: list[tuple[float, Callable[[], Est]]] = [(3, lambda: self.uid_lit(type_name))]
        for v, types in (("principal", self.env.principal), ("resource", self.env.resource)):
            if type_name in types and (len(types) == 1 or not self.validated):
                options.append((3, lambda v=v: est.var(v)))
        if type_name.endswith("Action") and self.env.actions:
            options.append((2, lambda: est.var("action")))
        if depth > 0:
            options.append((0.3, lambda: self.ite(EntityT(type_name), depth)))
        return self._with_path(EntityT(type_name), 0.3, options)

    def set_expr(self, t: SetT, depth: int) -> Est:
        def lit() -> Est:
            n = self.rng.randint(1 if self.validated else 0, 3)
            self.note("set_literal")
            return est.set_([self.expr(t.elem, depth - 1) for _ in range(n)])

        options: list[tuple[float, Callable[[], Est]]] = []
        if not (self.validated and has_optional(t.elem)):
            options.append((3, lit))
        if depth > 0:
            options.append((0.3, lambda: self.ite(t, depth)))
        if not options:
            path = self.leaf_path(t)
            return path if path is not None else est.set_([])
        return self._with_path(t, 0.5, options)

    def record_expr(self, t: RecordT, depth: int) -> Est:
        def lit() -> Est:
            self.note("record_literal")
            fields = {}
            for name, a in t.attrs:
                if a.required or self.chance(0.5):
                    fields[name] = self.expr(a.type, max(0, depth - 1))
            return est.record(fields)

        options: list[tuple[float, Callable[[], Est]]] = []
        if not (self.validated and has_optional(t)):
            options.append((2, lit))
        if self.env.context == t:
            options.append((2, lambda: est.var("context")))
        if not options:
            path = self.leaf_path(t)
            return path if path is not None else est.var("context")
        return self._with_path(t, 0.5, options)

    def ext_lit(self, fn: str) -> Est:
        self.note(fn)
        pooled = self.pool.ext.get(fn)
        if pooled and self.chance(0.4):
            arg = self.rng.choice(pooled)
        else:
            arg = ext_literal(self.rng, fn, valid=1.0 if self.validated else 0.85)
        return est.call(fn, [est.value(arg)])

    def ext_expr(self, type_name: str, depth: int) -> Est:
        fn = EXT_CONSTRUCTOR[type_name]
        options: list[tuple[float, Callable[[], Est]]] = [(3, lambda: self.ext_lit(fn))]
        if depth > 0 and type_name == "datetime":
            def offset() -> Est:
                self.note("offset")
                return est.call("offset", [self.ext_expr("datetime", depth - 1), self.ext_arg("duration", depth - 1)])

            def to_date() -> Est:
                self.note("toDate")
                return est.call("toDate", [self.ext_expr("datetime", depth - 1)])

            options += [(1, offset), (0.7, to_date)]
        if depth > 0 and type_name == "duration":
            def since() -> Est:
                self.note("durationSince")
                return est.call("durationSince", [self.ext_expr("datetime", depth - 1),
                                                  self.ext_arg("datetime", depth - 1)])

            def to_time() -> Est:
                self.note("toTime")
                return est.call("toTime", [self.ext_expr("datetime", depth - 1)])

            options += [(1, since), (0.7, to_time)]
        if depth > 0:
            options.append((0.2, lambda: self.ite(ExtT(type_name), depth)))
        return self._with_path(ExtT(type_name), 0.35, options)

    def ext_arg(self, type_name: str, depth: int) -> Est:
        """The argument of a two-argument extension function: of its type, bar the odd confusion
        (the type checks of each argument in turn)."""
        return self.expr(ExtT(type_name), depth)

    def ite(self, t: Type, depth: int) -> Est:
        self.note("if")
        return est.ite(self.bool_expr(depth - 1), self.expr(t, depth - 1), self.expr(t, depth - 1))

    def any_typed(self, depth: int) -> tuple[Type, Est]:
        """An expression of a random type, preferring the types present in the schema's data."""
        paths = self.paths()
        if paths and self.chance(0.5):
            p = self.rng.choice(paths)
            if not p.guards or not self.validated:
                return p.type, p.expr
        t = self.random_type()
        if self.validated and isinstance(t, RecordT) and has_optional(t):
            t = LONG
        return t, self.expr(t, depth)

    # ------------------------------------------------------------------ Boolean expressions

    def bool_expr(self, depth: int) -> Est:
        if depth <= 0:
            return self._with_path(BOOL, 0.4, [(1, self.bool_lit), (1, self.small_pred)])
        d = depth - 1
        options: list[tuple[float, Callable[[], Est]]] = [
            (0.6, self.bool_lit),
            (1.5, lambda: self.logic(d)),
            (1, lambda: self.negation(d)),
            (2.5, lambda: self.compare(d)),
            (2, lambda: self.guarded_use(d)),
            (1.2, lambda: self.membership(d)),
            (0.8, lambda: self.is_test(d)),
            (0.8, lambda: self.has_test(d)),
            (0.8, lambda: self.like_test(d)),
            (1.2, lambda: self.set_test(d)),
            (1.0, lambda: self.tag_test(d)),
            (1.6, lambda: self.ext_test(d)),
            (0.6, lambda: self.narrow(d)),
            (0.5 if self.s.mode != "validated" else 0, lambda: self.dead_branch(d)),
            ({"untyped": 1.2, "typed": 0.6}.get(self.s.mode, 0), lambda: self.trap(d)),
            (0.4, lambda: self.ite(BOOL, depth)),
        ]
        return self._with_path(BOOL, 0.15, options)

    def bool_lit(self) -> Est:
        return est.value(self.chance(0.5))

    def small_pred(self) -> Est:
        return self.pick([
            (1, lambda: self.compare(0)), (1, lambda: self.is_test(0)), (1, lambda: self.has_test(0)),
            (1, lambda: self.membership(0)),
        ])

    def logic(self, d: int) -> Est:
        op = self.rng.choice(("&&", "||"))
        self.note(op)
        return est.binary(op, self.bool_expr(d), self.bool_expr(d))

    def negation(self, d: int) -> Est:
        self.note("!")
        return est.unary("!", self.bool_expr(d))

    def compare(self, d: int) -> Est:
        rng = self.rng
        kind = rng.choice(("eq", "eq", "order", "order", "ext_order"))
        if kind == "order":
            op = rng.choice(("<", "<=", ">", ">="))
            self.note(op)
            return est.binary(op, self.long_expr(d), self.long_expr(d))
        if kind == "ext_order":
            t = rng.choice(("datetime", "duration"))
            op = rng.choice(("<", "<=", ">", ">="))
            self.note(f"{op}({t})")
            return est.binary(op, self.ext_expr(t, d), self.ext_expr(t, d))
        op = rng.choice(("==", "!="))
        self.note(op)
        t, left = self.any_typed(d)
        return est.binary(op, left, self.expr(t, d))

    def guarded_use(self, d: int) -> Est:
        """Read a (possibly optional) attribute or tag under the guards that make it safe, then test it."""
        paths = self.paths()
        if not paths:
            return self.compare(d)
        p = self.rng.choice(paths)
        body = self.predicate(p.expr, p.type, d)
        guards = list(p.guards)
        if guards and not self.validated and self.chance(0.25):
            self.note("unguarded_read")
            guards = guards[: self.rng.randint(0, len(guards) - 1)]
        self.note("guarded_read" if guards else "attr_read")
        return est.and_(*guards, body) if guards else body

    def predicate(self, e: Est, t: Type, d: int) -> Est:
        """A Boolean test about `e`, whose type is `t`."""
        rng = self.rng
        t = resolve(t)
        if t == BOOL:
            return e if rng.random() < 0.6 else est.unary("!", e)
        if t == LONG:
            op = rng.choice(("==", "!=", "<", "<=", ">", ">="))
            self.note(op)
            return est.binary(op, e, self.long_expr(d))
        if t == STRING:
            if rng.random() < 0.5:
                return self._like(e)
            self.note("==")
            return est.binary(rng.choice(("==", "!=")), e, self.string_expr(d))
        if isinstance(t, EntityT):
            r = rng.random()
            if r < 0.3:
                self.note("==")
                return est.binary("==", e, self.entity_expr(t.name, d))
            if r < 0.7:
                return self._in(e, t.name, d)
            if r < 0.85:
                self.note("is")
                return est.is_(e, rng.choice(self.entity_types() or [t.name]))
            return self._has(e, t)
        if isinstance(t, SetT):
            return self._set_pred(e, t, d)
        if isinstance(t, RecordT):
            if rng.random() < 0.5 or (self.validated and has_optional(t)):
                return self._has(e, t)
            self.note("==")
            return est.binary("==", e, self.record_expr(t, d))
        assert isinstance(t, ExtT)
        return self._ext_pred(e, t.name, d)

    def _like(self, e: Est) -> Est:
        self.note("like")
        pat = pattern(self.rng, self.pool.strings[:30])
        if "Value" in e and isinstance(e["Value"], str) and self.chance(0.5):
            e = est.value(matching_string(self.rng, pat))
        return est.like(e, pat)

    def like_test(self, d: int) -> Est:
        if self.chance(0.4):
            pat = pattern(self.rng, self.pool.strings[:30])
            self.note("like")
            return est.like(est.value(matching_string(self.rng, pat)), pat)
        return self._like(self.string_expr(d))

    def _in(self, e: Est, type_name: str, d: int) -> Est:
        """`e in X` where X is an entity or a set of entities of an ancestor type."""
        rng = self.rng
        ancestors = [t for t in self.entity_types() if type_name in self.schema.descendant_types(t)]
        target = rng.choice(ancestors) if ancestors and rng.random() < 0.85 else type_name
        if self.chaos():
            target = rng.choice(self.entity_types() or [type_name])
        if rng.random() < 0.3:
            sets = [p for p in self.paths() if isinstance(p.type, SetT) and isinstance(p.type.elem, EntityT)
                    and (not p.guards or not self.validated)]
            if sets and rng.random() < 0.5:
                self.note("in[attr set]")
                return est.binary("in", e, rng.choice(sets).expr)
            self.note("in[set]")
            elems = [self.entity_expr(target, d) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.3:  # a set that is not a constant: its members are computed
                elems.append(est.ite(est.value(True), self.entity_expr(target, 0), self.entity_expr(target, 0)))
            return est.binary("in", e, est.set_(elems))
        self.note("in")
        return est.binary("in", e, self.entity_expr(target, d))

    def membership(self, d: int) -> Est:
        rng = self.rng
        if self.env.actions and rng.random() < 0.25:
            groups = [a.uid for a in self.schema.actions]
            self.note("action in")
            if rng.random() < 0.5:
                return est.binary("in", est.var("action"), est.value(rng.choice(groups)))
            picked = rng.sample(groups, min(2, len(groups)))
            return est.binary("in", est.var("action"), est.set_([est.value(g) for g in picked]))
        var = rng.choice(("principal", "resource"))
        types = self.env.principal if var == "principal" else self.env.resource
        if not types:
            return self.bool_lit()
        if self.chance(0.3) or not self.entity_types():
            return self._in(est.var(var), rng.choice(types), d)
        t = rng.choice(self.entity_types())
        return self._in(self.entity_expr(t, d), t, d)

    def is_test(self, d: int) -> Est:
        rng = self.rng
        types = self.entity_types()
        if not types:
            return self.bool_lit()
        var = rng.choice(("principal", "resource"))
        subject = est.var(var) if rng.random() < 0.7 else self.entity_expr(rng.choice(types), d)
        t = rng.choice(types)
        if not self.validated and self.chance(0.05):
            self.note("undeclared")
            t = self.undeclared_type(t)
        if rng.random() < 0.3:
            self.note("is_in")
            ancestors = [a for a in types if t in self.schema.descendant_types(a)] or [t]
            return est.is_(subject, t, self.entity_expr(rng.choice(ancestors), d))
        self.note("is")
        return est.is_(subject, t)

    def _has(self, e: Est, t: Type) -> Est:
        rng = self.rng
        self.note("has")
        t = resolve(t)
        shape: RecordT | None = None
        if isinstance(t, RecordT):
            shape = t
        elif isinstance(t, EntityT):
            et = self.schema.entity_types.get(t.name)
            shape = et.shape if et is not None and et.enum is None else None
        names = [n for n, _ in shape.attrs] if shape else []
        if names and rng.random() < 0.75:
            name = rng.choice(names)
        else:
            name = rng.choice(("name", "age", "missing", "a", "owner", ""))
        return est.has_attr(e, name)

    def has_test(self, d: int) -> Est:
        options = [p for p in self.paths() if isinstance(p.type, (EntityT, RecordT))]
        options += self.roots()
        if not options:
            return self.bool_lit()
        p = self.rng.choice(options)
        body = self._has(p.expr, p.type)
        return est.and_(*p.guards, body) if p.guards and (self.validated or self.chance(0.7)) else body

    def _set_pred(self, e: Est, t: SetT, d: int) -> Est:
        rng = self.rng
        r = rng.random()
        if r < 0.4 and not (self.validated and has_optional(t.elem)):
            self.note("contains")
            return est.binary("contains", e, self.expr(t.elem, d))
        if r < 0.7 and not (self.validated and has_optional(t.elem)):
            op = rng.choice(("containsAll", "containsAny"))
            self.note(op)
            other = self.set_expr(t, d)
            return est.binary(op, e, other) if rng.random() < 0.5 else est.binary(op, other, e)
        self.note("isEmpty")
        return est.unary("isEmpty", e)

    def set_test(self, d: int) -> Est:
        sets = [p for p in self.paths() if isinstance(p.type, SetT) and (not p.guards or not self.validated)]
        if sets and self.chance(0.6):
            p = self.rng.choice(sets)
            return self._set_pred(p.expr, p.type, d)
        entity = EntityT(self.rng.choice(self.entity_types())) if self.entity_types() else LONG
        t = SetT(self.rng.choice((LONG, STRING, entity)))
        return self._set_pred(self.set_expr(t, d), t, d)

    def tag_test(self, d: int) -> Est:
        """`e.hasTag(k)`, and `e.hasTag(k) && e.getTag(k) ...` for entity types with tags."""
        rng = self.rng
        tagged = [t for t in self.schema.entity_types.values() if t.tags is not None]
        if tagged and rng.random() < 0.7:
            et = rng.choice(tagged)
            subject = self._subject_of_type(et.name, d)
            key = est.value(rng.choice(TAG_KEYS) if rng.random() < 0.8 else string_value(rng))
            has = est.binary("hasTag", subject, key)
            self.note("hasTag")
            if rng.random() < 0.6:
                self.note("getTag")
                get = est.binary("getTag", subject, key)
                body = self.predicate(get, resolve(et.tags), d)
                if not self.validated and self.chance(0.4):
                    self.note("unguarded_tag")
                    return body
                return est.and_(has, body)
            return has
        if self.entity_types():
            self.note("hasTag")
            t = rng.choice(self.entity_types())
            return est.binary("hasTag", self._subject_of_type(t, d), self.string_expr(d))
        return self.bool_lit()

    def _subject_of_type(self, type_name: str, d: int) -> Est:
        if self.env.principal == (type_name,) and self.chance(0.5):
            return est.var("principal")
        if self.env.resource == (type_name,) and self.chance(0.5):
            return est.var("resource")
        return self.entity_expr(type_name, d)

    def _ext_pred(self, e: Est, type_name: str, d: int) -> Est:
        rng = self.rng
        if type_name == "decimal":
            m = rng.choice(("lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"))
            self.note(m)
            return est.call(m, [e, self.ext_arg("decimal", d)])
        if type_name == "ipaddr":
            m = rng.choice(("isIpv4", "isIpv6", "isLoopback", "isMulticast", "isInRange", "isInRange"))
            self.note(m)
            if m == "isInRange":
                other = self.ext_arg("ipaddr", d)
                return est.call(m, [e, other] if rng.random() < 0.7 else [other, e])
            return est.call(m, [e])
        if rng.random() < 0.3:
            self.note("==")
            return est.binary("==", e, self.ext_expr(type_name, d))
        op = rng.choice(("<", "<=", ">", ">="))
        self.note(f"{op}({type_name})")
        return est.binary(op, e, self.ext_expr(type_name, d))

    def ext_test(self, d: int) -> Est:
        r = self.rng.random()
        if r < 0.25:
            return self.same_instant()
        if r < 0.4:
            return self.calendar()
        if r < 0.55:
            return self.address_in_range()
        t = self.rng.choice(EXT_TYPES)
        return self._ext_pred(self.ext_expr(t, d), t, d)

    def address_in_range(self) -> Est:
        """An address at (or just past) the edge of a range: `isInRange`, and equal spellings of one address."""
        text, network, inside = ip_pair(self.rng)
        self.note("exact:ip")
        addr = est.call("ip", [est.value(text)])
        r = self.rng.random()
        if r < 0.6:
            return est.call("isInRange", [addr, est.call("ip", [est.value(network)])])
        if r < 0.8:
            m = self.rng.choice(("isIpv4", "isIpv6", "isLoopback", "isMulticast"))
            return est.call(m, [est.call("ip", [est.value(network)]) if self.chance(0.5) else addr])
        same = network if network.endswith("/128") or network.endswith("/32") else text
        return est.binary("==", addr, est.call("ip", [est.value(same)]))

    def calendar(self) -> Est:
        """Two dates anywhere in years 1-9999 (month ends, leap days, centuries), written as datetimes at
        random offsets, and the exact answer Python's calendar gives for their order or distance."""
        rng = self.rng
        a, b = calendar_instant(rng), calendar_instant(rng)
        if rng.random() < 0.5:  # close together: across one month or year boundary
            b = a + rng.choice((1, -1, 86_400_000, -86_400_000, 29 * 86_400_000, 31 * 86_400_000, 366 * 86_400_000))
        sa, sb = datetime_spelling(rng, a), datetime_spelling(rng, b)
        if sa is None or sb is None:
            return self.bool_lit()
        da, db = est.call("datetime", [est.value(sa)]), est.call("datetime", [est.value(sb)])
        kind = rng.choice(("since", "order", "date", "offset"))
        self.note(f"calendar:{kind}")
        if kind == "since":
            return est.binary("==", est.call("durationSince", [da, db]),
                              est.call("duration", [est.value(duration_spelling(rng, a - b))]))
        if kind == "order":
            op, truth = rng.choice((("<", a < b), ("<=", a <= b), (">", a > b), (">=", a >= b)))
            return est.binary("==", est.binary(op, da, db), est.value(truth))
        if kind == "date":
            midnight = datetime_spelling(rng, a - a % 86_400_000)
            if midnight is None:
                return self.bool_lit()
            return est.binary("==", est.call("toDate", [da]), est.call("datetime", [est.value(midnight)]))
        return est.binary("==", est.call("offset", [da, est.call("duration", [est.value(duration_spelling(rng, b - a))])]),
                          db)

    def same_instant(self) -> Est:
        """Two spellings of one instant or one duration (offsets, units, `offset`, `toDate`, `toTime`),
        compared exactly, so that an arithmetic slip anywhere in the datetime code flips the answer."""
        rng = self.rng
        ms = epoch_ms(rng)
        a, b = datetime_spelling(rng, ms), datetime_spelling(rng, ms)
        if a is None or b is None:
            return self.bool_lit()
        dt_a = est.call("datetime", [est.value(a)])
        kind = rng.choice(("eq", "offset", "since", "date", "time", "duration"))
        self.note(f"exact:{kind}")
        if kind == "eq":
            return est.binary(rng.choice(("==", "<=", ">=")), dt_a, est.call("datetime", [est.value(b)]))
        if kind == "offset":
            delta = rng.choice((1, -1, 1000, 3_600_000, -86_400_000, rng.randint(-10**11, 10**11)))
            c = datetime_spelling(rng, ms + delta)
            if c is None:
                return self.bool_lit()
            shifted = est.call("offset", [dt_a, est.call("duration", [est.value(duration_spelling(rng, delta))])])
            return est.binary("==", shifted, est.call("datetime", [est.value(c)]))
        if kind == "since":
            other = ms + rng.choice((0, 1, -1, 86_400_000, rng.randint(-10**11, 10**11)))
            c = datetime_spelling(rng, other)
            if c is None:
                return self.bool_lit()
            since = est.call("durationSince", [dt_a, est.call("datetime", [est.value(c)])])
            return est.binary("==", since, est.call("duration", [est.value(duration_spelling(rng, ms - other))]))
        day = 86_400_000
        if kind == "date":
            midnight = datetime_spelling(rng, ms - ms % day)
            if midnight is None:
                return self.bool_lit()
            return est.binary("==", est.call("toDate", [dt_a]), est.call("datetime", [est.value(midnight)]))
        if kind == "time":
            return est.binary("==", est.call("toTime", [dt_a]),
                              est.call("duration", [est.value(duration_spelling(rng, ms % day))]))
        dur = rng.randint(-10**12, 10**12)
        left = est.call("duration", [est.value(duration_spelling(rng, dur))])
        unit, size = rng.choice((("toDays", 86_400_000), ("toHours", 3_600_000), ("toMinutes", 60_000),
                                 ("toSeconds", 1000), ("toMilliseconds", 1)))
        whole = abs(dur) // size * (1 if dur >= 0 else -1)  # toX truncates toward zero
        if rng.random() < 0.5:
            return est.binary("==", est.call(unit, [left]), est.value(whole))
        return est.binary("==", left, est.call("duration", [est.value(duration_spelling(rng, dur))]))

    # ------------------------------------------------------------------ Python's traps

    def trap_operand(self, kind: str) -> Est:
        """A value of `kind` from the ones a Python engine is most likely to confuse: `1` and `true`,
        `0` and `false`, empty and one-element collections, equal extension values spelled apart."""
        rng = self.rng
        if kind == "long":
            e = est.value(rng.choice((0, 1, -1, 2, MAX_LONG, MIN_LONG)))
        elif kind == "bool":
            e = est.value(rng.random() < 0.5)
        elif kind == "string":
            e = est.value(rng.choice(("", "a", "1", "true", "0")))
        elif kind == "entity":
            types = self.entity_types() or ["User"]
            e = est.value(EntityRef(rng.choice(types), rng.choice(("a", "1", "")))) if rng.random() < 0.6 \
                else est.var(rng.choice(("principal", "resource", "action")))
        elif kind == "set":
            e = est.set_([self.trap_operand(rng.choice(("long", "bool"))) for _ in range(rng.randint(0, 2))])
        elif kind == "record":
            e = est.record({k: self.trap_operand(rng.choice(("long", "bool"))) for k in rng.sample(("a", "b"), rng.randint(0, 2))})
        elif kind == "ext":
            e = self._trap_ext(rng.choice(("decimal", "datetime", "duration", "ipaddr")))
        else:
            e = self._trap_ext(kind)
        if rng.random() < 0.25:  # the same value, computed: no constant folding on this side
            e = est.ite(est.value(True), e, e)
        return e

    def _trap_ext(self, type_name: str) -> Est:
        spellings = {
            "decimal": ("1.0", "1.00", "1.0000", "-0.0", "0.0"),
            "datetime": ("1970-01-01", "1970-01-01T00:00:00Z", "1970-01-01T01:00:00+0100", "1970-01-01T00:00:00.001Z"),
            "duration": ("0ms", "1ms", "1h", "60m", "3600s", "-0ms", "1d"),
            "ipaddr": ("127.0.0.1", "127.0.0.1/32", "127.0.0.1/8", "::1", "::1/128", "0.0.0.0/0"),
        }[type_name]
        fn = EXT_CONSTRUCTOR[type_name]
        return est.call(fn, [est.value(self.rng.choice(spellings))])

    def trap(self, d: int) -> Est:
        """An operator applied where Python and Cedar part ways: ordering across types (Python
        orders `1 < true`), arithmetic on Bools, `==` and set membership between `1` and `true`
        (Python's `1 == True`), truthiness (`if 1`, `!""`), `contains` on a string, `isEmpty` on a
        record, and equal extension values written differently."""
        rng = self.rng
        kinds = ("long", "bool", "string", "entity", "set", "record", "decimal", "datetime", "duration", "ipaddr")
        shape = rng.choice(("order", "order", "eq", "eq", "arith", "truthy", "member", "member", "guard", "guard"))
        self.note(f"trap:{shape}")
        if shape == "guard":
            return self.guard_after_error(d)
        if shape == "order":
            a = rng.choice(("long", "long", "datetime", "duration", "decimal"))
            b = a if rng.random() < 0.3 else rng.choice(kinds)
            left, right = (a, b) if rng.random() < 0.5 else (b, a)
            return est.binary(rng.choice(("<", "<=", ">", ">=")), self.trap_operand(left), self.trap_operand(right))
        if shape == "eq":
            a = rng.choice(kinds)
            b = a if rng.random() < 0.5 else rng.choice(("long", "bool") if a in ("long", "bool") else kinds)
            return est.binary(rng.choice(("==", "!=")), self.trap_operand(a), self.trap_operand(b))
        if shape == "arith":
            if rng.random() < 0.3:
                return est.binary("==", est.unary("neg", self.trap_operand(rng.choice(("bool", "long", "string")))),
                                  self.trap_operand("long"))
            op = rng.choice(("+", "-", "*"))
            left, right = rng.choice((("long", "bool"), ("bool", "long"), ("bool", "bool"), ("long", "long"),
                                      ("long", "string"), ("duration", "long")))
            return est.binary("==", est.binary(op, self.trap_operand(left), self.trap_operand(right)),
                              self.trap_operand("long"))
        if shape == "truthy":
            odd = self.trap_operand(rng.choice(("long", "string", "set", "record", "bool")))
            form = rng.choice(("if", "not", "and", "or"))
            if form == "if":
                return est.ite(odd, self.bool_lit(), self.bool_lit())
            if form == "not":
                return est.unary("!", odd)
            pair = [odd, self.bool_lit()]
            rng.shuffle(pair)
            return est.binary("&&" if form == "and" else "||", *pair)
        op = rng.choice(("contains", "containsAll", "containsAny", "in", "isEmpty", "like", "has", "hasTag"))
        subject = self.trap_operand(rng.choice(("set", "set", "string", "record", "long", "entity")))
        if op == "isEmpty":
            return est.unary("isEmpty", subject)
        if op == "like":
            return est.like(subject, [rng.choice(("Wildcard", {"Literal": "1"}))])
        if op == "has":
            return est.has_attr(subject, rng.choice(("a", "b")))
        if op == "in":
            return est.binary("in", self.trap_operand(rng.choice(("entity", "entity", "long", "bool"))),
                              self.trap_operand(rng.choice(("entity", "set", "record", "string"))))
        other = self.trap_operand(rng.choice(("long", "bool", "string", "set")))
        return est.binary(op, subject, other)

    def guard_after_error(self, d: int) -> Est:
        """A guarded read with an ill-typed operand before, between or around its guards: a typechecker
        must not let a guard that sits in an erroring expression vouch for the read (nor lose one that
        does not)."""
        rng = self.rng
        guarded = [p for p in self.paths() if p.guards]
        bad = rng.choice((
            est.binary("||", self.bool_lit(), est.value(1)), est.binary("&&", est.value("a"), self.bool_lit()),
            est.unary("!", est.value(1)), est.ite(est.value(1), self.bool_lit(), self.bool_lit()),
            est.binary("==", est.binary("+", est.value(1), est.value(True)), est.value(2)),
        ))
        if not guarded:
            return est.binary("&&", bad, self.bool_expr(d))
        p = rng.choice(guarded)
        body = self.predicate(p.expr, p.type, d)
        guards = list(p.guards)
        shape = rng.choice(("before", "between", "or", "if"))
        if shape == "before":
            return est.and_(bad, *guards, body)
        if shape == "between":
            i = rng.randint(0, len(guards))
            return est.and_(*guards[:i], bad, *guards[i:], body)
        if shape == "or":
            return est.binary("&&", est.binary("||", est.and_(*guards), bad), body)
        return est.ite(est.and_(*guards, bad), body, self.bool_lit())

    def dead_branch(self, d: int) -> Est:
        """A literal comparison deciding `&&`, `||` or `if` next to an ill-typed operand: the validator
        types `1 == 1` as `true` and skips what can never run, evaluation short-circuits past it."""
        rng = self.rng
        a = rng.choice((1, "a", True, EntityRef(rng.choice(self.entity_types() or ["User"]), "x")))
        b = a if rng.random() < 0.5 else rng.choice((2, "b", False, 1))
        cond = est.binary(rng.choice(("==", "!=")), est.value(a), est.value(b))
        junk = self.wild(min(d, 2))
        self.note("dead_branch")
        shape = rng.choice(("and", "or", "if", "if_else"))
        if shape == "and":
            return est.binary("&&", cond, junk)
        if shape == "or":
            return est.binary("||", cond, junk)
        if shape == "if":
            return est.ite(cond, self.bool_expr(d), junk)
        return est.ite(cond, junk, self.bool_expr(d))

    def narrow(self, d: int) -> Est:
        """`principal is T && ...`: the right side may read T's attributes, as the validator allows."""
        rng = self.rng
        var = rng.choice(("principal", "resource"))
        types = self.env.principal if var == "principal" else self.env.resource
        if not types:
            return self.bool_lit()
        t = rng.choice(types)
        saved_env, saved_paths = self.env, self._paths
        self.env = Env(
            (t,) if var == "principal" else saved_env.principal,
            (t,) if var == "resource" else saved_env.resource,
            saved_env.actions, saved_env.context,
        )
        self._paths = None
        try:
            self.note("is")
            return est.and_(est.is_(est.var(var), t), self.bool_expr(d))
        finally:
            self.env, self._paths = saved_env, saved_paths

    # ------------------------------------------------------------------ untyped extras

    def wild(self, depth: int) -> Est:
        """An expression of no particular type: any operator over any operands (type errors welcome)."""
        rng = self.rng
        if depth <= 0:
            return self.pick([
                (2, lambda: est.value(rng.choice((True, False, 0, 1, -1, MAX_LONG, MIN_LONG, "", "a")))),
                (2, lambda: est.var(rng.choice(("principal", "action", "resource", "context")))),
                (1, lambda: self.expr(self.random_type(0), 0)),
            ])
        d = depth - 1
        op = rng.choice((
            "==", "!=", "<", "<=", ">", ">=", "&&", "||", "+", "-", "*", "in", "contains", "containsAll",
            "containsAny", "getTag", "hasTag", "!", "neg", "isEmpty", ".", "has", "like", "is", "if",
            "Set", "Record", "ext",
        ))
        self.note(f"wild:{op}")
        if op in ("!", "neg", "isEmpty"):
            return est.unary(op, self.wild(d))
        if op == ".":
            return est.get_attr(self.wild(d), rng.choice(("name", "age", "a", "owner", "")))
        if op == "has":
            return est.has_attr(self.wild(d), rng.choice(("name", "age", "a", "owner", "")))
        if op == "like":
            return est.like(self.wild(d), pattern(rng))
        if op == "is":
            return est.is_(self.wild(d), rng.choice(self.entity_types() or ["User"]))
        if op == "if":
            return est.ite(self.wild(d), self.wild(d), self.wild(d))
        if op == "Set":
            return est.set_([self.wild(d) for _ in range(rng.randint(0, 3))])
        if op == "Record":
            return est.record({rng.choice(("a", "b", "if", "")): self.wild(d) for _ in range(rng.randint(0, 2))})
        if op == "ext":
            name, arity = rng.choice(_WILD_CALLS)
            if name in EXT_CONSTRUCTOR.values() and rng.random() < 0.7:
                return est.call(name, [est.value(ext_literal(rng, name))])
            return est.call(name, [self.wild(d) for _ in range(arity)])
        return est.binary(op, self.wild(d), self.wild(d))

    def condition(self) -> Est:
        """A `when`/`unless` body."""
        depth = self.rng.randint(1, self.s.max_depth)
        if self.s.mode == "untyped" and self.chance(0.35):
            return self.wild(depth)
        return self.bool_expr(depth)


_WILD_CALLS = (
    ("decimal", 1), ("ip", 1), ("datetime", 1), ("duration", 1), ("lessThan", 2), ("isIpv4", 1), ("isInRange", 2),
    ("offset", 2), ("toDays", 1), ("toTime", 1), ("durationSince", 2),
)
"""Extension calls for untyped expressions, with their arities (arguments of any type)."""


def deep_expr(rng: random.Random, depth: int) -> Est:
    """One Boolean expression nested `depth` levels deep (recursion limits in parsers, evaluators,
    validators and printers). Depth stays below what the Rust engine survives (it overflows its stack
    somewhere past a thousand levels)."""
    kind = rng.choice(("not", "plus", "if", "set", "record", "and", "neg"))
    if kind == "not":
        e: Est = est.value(True)
        for _ in range(depth):
            e = est.unary("!", e)
        return e
    if kind in ("plus", "neg"):
        e = est.value(1)
        for _ in range(depth):
            e = est.binary("+", e, est.value(1)) if kind == "plus" else est.unary("neg", e)
        return est.binary("==", e, est.value(depth + 1))
    if kind == "if":
        e = est.value(True)
        for i in range(depth):
            e = est.ite(est.binary("<", est.value(i), est.value(depth // 2)), e, est.value(False))
        return e
    if kind == "set":
        e = est.set_([])
        for _ in range(depth):
            e = est.set_([e])
        return est.unary("!", est.unary("isEmpty", e))
    if kind == "record":
        e = est.value(True)
        for _ in range(depth):
            e = est.record({"a": e})
        for _ in range(depth):
            e = est.get_attr(e, "a")
        return e
    e = est.value(True)
    for i in range(depth):
        e = est.binary("&&" if i % 2 else "||", e, est.value(i % 3 == 0))
    return e
