"""The semantics of Cedar expressions (Lean `Spec/Evaluator.lean`).

`evaluate(x, request, entities)` is the Z3 term for the `Result` of `x`. One
function per expression form (`eval_ite`, `eval_binary`, ...), taking the results
of the sub-expressions, so that a form's rule can be stated on symbolic results;
one rule per operator (`APPLY1`, `APPLY2`), listing the arms of Lean's match,
where any value shape no arm covers is a typeError.
"""

from __future__ import annotations

from typing import Callable

import z3

from spec import extfun
from spec.entities import Entities
from spec.errors import bind, bind_all, cases, err, ok
from spec.expr import (And, BinaryApp, Call, Expr, GetAttr, HasAttr, Is, Ite, Like, Lit, Or, Prim, RecordExpr,
                       SetExpr, UnaryApp, Var)
from spec.request import Request
from spec.terms import and_, eq, ite, not_, or_, select
from spec.values import (EntityUID, Entry, Value, bool_value, entity_uid, long_value, make_record, make_set,
                         map_contains, set_all, set_any, set_contains, string_val, string_value)
from spec.wildcard import wildcard_match

V = Value
Arms = list[tuple[z3.BoolRef, z3.DatatypeRef]]


def prim_value(p: Prim) -> z3.DatatypeRef:
    if isinstance(p, bool):
        return bool_value(p)
    if isinstance(p, int):
        return long_value(p)
    if isinstance(p, str):
        return string_value(p)
    return V.entity(entity_uid(p.ty, p.eid))


def _ok_bool(b: z3.BoolRef) -> z3.DatatypeRef:
    return ok(bool_value(b))


def _int_or_err(no_overflow: z3.BoolRef, i: z3.BitVecRef) -> z3.DatatypeRef:
    """Lean `intOrErr`: the 64-bit result, or arithBoundsError on overflow."""
    return ite(no_overflow, ok(long_value(i)), err("arithBoundsError"))


def _find_or_err(m: z3.ArrayRef, k: z3.SeqRef, kind: str) -> z3.DatatypeRef:
    """Lean `Map.findOrErr`."""
    entry = select(m, k)
    return ite(Entry.is_present(entry), ok(Entry.entry_value(entry)), err(kind))


def _both(recognizer, a: z3.DatatypeRef, b: z3.DatatypeRef) -> z3.BoolRef:
    return and_(recognizer(a), recognizer(b))


# ----- unary operators (Lean `apply₁`) -----

APPLY1: dict[object, Callable[[object, z3.DatatypeRef], Arms]] = {
    "not": lambda op, v: [(V.is_bool(v), _ok_bool(not_(V.b(v))))],
    "neg": lambda op, v: [(V.is_long(v), _int_or_err(z3.BVSNegNoOverflow(V.i(v)), -V.i(v)))],
    "isEmpty": lambda op, v: [(V.is_set(v), _ok_bool(z3.Length(V.elems(v)) == 0))],
    Like: lambda op, v: [(V.is_string(v), _ok_bool(wildcard_match(V.s(v), op.pattern)))],
    Is: lambda op, v: [(V.is_entity(v), _ok_bool(eq(EntityUID.ty(V.uid(v)), string_val(op.ety))))],
}


def apply1(op: object, v: z3.DatatypeRef) -> z3.DatatypeRef:
    return cases(*APPLY1[op if isinstance(op, str) else type(op)](op, v))


# ----- binary operators (Lean `apply₂`) -----

def in_entity(uid1: z3.DatatypeRef, uid2: z3.DatatypeRef, es: Entities) -> z3.BoolRef:
    """Lean `inₑ`: equal, or an ancestor."""
    return or_(eq(uid1, uid2), es.is_ancestor(uid1, uid2))


def in_set(uid: z3.DatatypeRef, s: z3.DatatypeRef, es: Entities) -> z3.DatatypeRef:
    """Lean `inₛ`: every element must be an entity; `in` some element."""
    return ite(set_all(s, V.is_entity), _ok_bool(set_any(s, lambda e: in_entity(uid, V.uid(e), es))),
               err("typeError"))


def _add(a: z3.BitVecRef, b: z3.BitVecRef) -> z3.DatatypeRef:
    return _int_or_err(z3.And(z3.BVAddNoOverflow(a, b, True), z3.BVAddNoUnderflow(a, b)), a + b)


def _sub(a: z3.BitVecRef, b: z3.BitVecRef) -> z3.DatatypeRef:
    return _int_or_err(z3.And(z3.BVSubNoOverflow(a, b), z3.BVSubNoUnderflow(a, b, True)), a - b)


def _mul(a: z3.BitVecRef, b: z3.BitVecRef) -> z3.DatatypeRef:
    return _int_or_err(z3.And(z3.BVMulNoOverflow(a, b, True), z3.BVMulNoUnderflow(a, b)), a * b)


def _compare(less: Callable[[z3.BitVecRef, z3.BitVecRef], z3.BoolRef]) -> Callable[..., Arms]:
    """`<` or `<=`: on longs, datetimes and durations."""
    return lambda v1, v2, es: [(_both(V.is_long, v1, v2), _ok_bool(less(V.i(v1), V.i(v2)))),
                               (_both(V.is_datetime, v1, v2), _ok_bool(less(V.dt(v1), V.dt(v2)))),
                               (_both(V.is_duration, v1, v2), _ok_bool(less(V.dur(v1), V.dur(v2))))]


APPLY2: dict[str, Callable[[z3.DatatypeRef, z3.DatatypeRef, Entities], Arms]] = {
    "eq": lambda v1, v2, es: [(z3.BoolVal(True), _ok_bool(eq(v1, v2)))],
    "less": _compare(lambda a, b: a < b),
    "lessEq": _compare(lambda a, b: a <= b),
    "add": lambda v1, v2, es: [(_both(V.is_long, v1, v2), _add(V.i(v1), V.i(v2)))],
    "sub": lambda v1, v2, es: [(_both(V.is_long, v1, v2), _sub(V.i(v1), V.i(v2)))],
    "mul": lambda v1, v2, es: [(_both(V.is_long, v1, v2), _mul(V.i(v1), V.i(v2)))],
    "contains": lambda v1, v2, es: [(V.is_set(v1), _ok_bool(set_contains(v1, v2)))],
    "containsAll": lambda v1, v2, es: [(_both(V.is_set, v1, v2), _ok_bool(set_all(v2, lambda e: set_contains(v1, e))))],
    "containsAny": lambda v1, v2, es: [(_both(V.is_set, v1, v2), _ok_bool(set_any(v1, lambda e: set_contains(v2, e))))],
    "mem": lambda v1, v2, es: [(_both(V.is_entity, v1, v2), _ok_bool(in_entity(V.uid(v1), V.uid(v2), es))),
                               (and_(V.is_entity(v1), V.is_set(v2)), in_set(V.uid(v1), v2, es))],
    "hasTag": lambda v1, v2, es: [(and_(V.is_entity(v1), V.is_string(v2)),
                                   _ok_bool(map_contains(es.tags_or_empty(V.uid(v1)), V.s(v2))))],
    "getTag": lambda v1, v2, es: [(and_(V.is_entity(v1), V.is_string(v2)),
                                   ite(select(es.exists, V.uid(v1)),
                                       _find_or_err(select(es.tags, V.uid(v1)), V.s(v2), "tagDoesNotExist"),
                                       err("entityDoesNotExist")))],
}


def apply2(op: str, v1: z3.DatatypeRef, v2: z3.DatatypeRef, es: Entities) -> z3.DatatypeRef:
    return cases(*APPLY2[op](v1, v2, es))


# ----- attributes -----

def has_attr(v: z3.DatatypeRef, a: str, es: Entities) -> z3.DatatypeRef:
    """Lean `hasAttr`: of a record, or of an entity (false if it does not exist)."""
    name = string_val(a)
    return cases((V.is_record(v), _ok_bool(map_contains(V.attrs(v), name))),
                 (V.is_entity(v), _ok_bool(map_contains(es.attrs_or_empty(V.uid(v)), name))))


def get_attr(v: z3.DatatypeRef, a: str, es: Entities) -> z3.DatatypeRef:
    """Lean `getAttr`: of a record, or of an entity that exists."""
    name = string_val(a)
    return cases((V.is_record(v), _find_or_err(V.attrs(v), name, "attrDoesNotExist")),
                 (V.is_entity(v), ite(select(es.exists, V.uid(v)),
                                      _find_or_err(select(es.attrs, V.uid(v)), name, "attrDoesNotExist"),
                                      err("entityDoesNotExist"))))


# ----- expressions (Lean `evaluate`): each form, on the results of its sub-expressions -----

def _as_bool(r: z3.DatatypeRef, f: Callable[[z3.BoolRef], z3.DatatypeRef]) -> z3.DatatypeRef:
    """`do let b ← r.as Bool; f b`."""
    return bind(r, lambda v: ite(V.is_bool(v), f(V.b(v)), err("typeError")))


def eval_ite(r1: z3.DatatypeRef, r2: z3.DatatypeRef, r3: z3.DatatypeRef) -> z3.DatatypeRef:
    return _as_bool(r1, lambda b: ite(b, r2, r3))


def eval_and(r1: z3.DatatypeRef, r2: z3.DatatypeRef) -> z3.DatatypeRef:
    return _as_bool(r1, lambda b: ite(b, _as_bool(r2, _ok_bool), _ok_bool(b)))


def eval_or(r1: z3.DatatypeRef, r2: z3.DatatypeRef) -> z3.DatatypeRef:
    return _as_bool(r1, lambda b: ite(b, _ok_bool(b), _as_bool(r2, _ok_bool)))


def eval_unary(op: object, r: z3.DatatypeRef) -> z3.DatatypeRef:
    return bind(r, lambda v: apply1(op, v))


def eval_binary(op: str, r1: z3.DatatypeRef, r2: z3.DatatypeRef, es: Entities) -> z3.DatatypeRef:
    return bind(r1, lambda v1: bind(r2, lambda v2: apply2(op, v1, v2, es)))


def eval_has_attr(r: z3.DatatypeRef, a: str, es: Entities) -> z3.DatatypeRef:
    return bind(r, lambda v: has_attr(v, a, es))


def eval_get_attr(r: z3.DatatypeRef, a: str, es: Entities) -> z3.DatatypeRef:
    return bind(r, lambda v: get_attr(v, a, es))


def eval_set(rs: list[z3.DatatypeRef]) -> z3.DatatypeRef:
    return bind_all(rs, lambda vs: ok(make_set(vs)))


def eval_record(names: list[str], rs: list[z3.DatatypeRef]) -> z3.DatatypeRef:
    return bind_all(rs, lambda vs: ok(make_record(dict(zip(names, vs)))))


def eval_call(fn: str, rs: list[z3.DatatypeRef]) -> z3.DatatypeRef:
    return bind_all(rs, lambda vs: extfun.call(fn, vs))


def _var(x: Var, req: Request) -> z3.DatatypeRef:
    return {"principal": V.entity(req.principal), "action": V.entity(req.action),
            "resource": V.entity(req.resource), "context": req.context}[x.name]


Eval = Callable[[Expr], z3.DatatypeRef]
_EVALUATE: dict[type, Callable[[Expr, Eval, Request, Entities], z3.DatatypeRef]] = {
    Lit: lambda x, ev, req, es: ok(prim_value(x.prim)),
    Var: lambda x, ev, req, es: ok(_var(x, req)),
    Ite: lambda x, ev, req, es: eval_ite(ev(x.cond), ev(x.then_expr), ev(x.else_expr)),
    And: lambda x, ev, req, es: eval_and(ev(x.a), ev(x.b)),
    Or: lambda x, ev, req, es: eval_or(ev(x.a), ev(x.b)),
    UnaryApp: lambda x, ev, req, es: eval_unary(x.op, ev(x.arg)),
    BinaryApp: lambda x, ev, req, es: eval_binary(x.op, ev(x.a), ev(x.b), es),
    HasAttr: lambda x, ev, req, es: eval_has_attr(ev(x.expr), x.attr, es),
    GetAttr: lambda x, ev, req, es: eval_get_attr(ev(x.expr), x.attr, es),
    SetExpr: lambda x, ev, req, es: eval_set([ev(e) for e in x.elems]),
    RecordExpr: lambda x, ev, req, es: eval_record([a for a, _ in x.attrs], [ev(e) for _, e in x.attrs]),
    Call: lambda x, ev, req, es: eval_call(x.fn, [ev(e) for e in x.args]),
}


def apply_rule(x: Expr, ev: Eval, req: Request, es: Entities) -> z3.DatatypeRef:
    """The rule of `x`'s form, given `ev`, the results of its sub-expressions."""
    return _EVALUATE[type(x)](x, ev, req, es)


def evaluate(x: Expr, req: Request, es: Entities) -> z3.DatatypeRef:
    """The `Result` of evaluating `x` for `req` against `es`."""
    return apply_rule(x, lambda e: evaluate(e, req, es), req, es)
