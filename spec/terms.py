"""Building Z3 terms at the speed of the C API.

The concrete mode builds a fresh term for every policy set and entity store,
node by node, and z3py spends about 15 µs on each: it re-derives every
argument's sort in Python and checks it. These helpers call the C API directly
(`z3.z3core`), which checks sorts itself (raising `z3.Z3Exception`), and build
exactly the terms z3py would. The datatypes' constructors, testers and
accessors become `Decl`s, so `Value.bool(b)` keeps its spelling.
"""

from __future__ import annotations

from typing import Any

import z3
from z3.z3core import (Z3_mk_and, Z3_mk_app, Z3_mk_eq, Z3_mk_ite, Z3_mk_not, Z3_mk_or, Z3_mk_select, Z3_mk_store,
                       Z3_substitute, Z3_substitute_funs)

_NUMERAL_BASE = {z3.BitVecNumRef: z3.BitVecRef, z3.IntNumRef: z3.ArithRef, z3.RatNumRef: z3.ArithRef}


def _like(model: z3.ExprRef, ast: Any) -> z3.ExprRef:
    """The term `ast`, of the sort of `model`, in the Python class z3py would give it."""
    cls = type(model)
    if cls is z3.QuantifierRef:  # a lambda: an array
        return z3.z3._to_expr_ref(ast, model.ctx)
    return _NUMERAL_BASE.get(cls, cls)(ast, model.ctx)


def _asts(args: tuple[z3.ExprRef, ...]) -> Any:
    return (z3.Ast * len(args))(*[a.ast for a in args])


class Decl(z3.FuncDeclRef):
    """A function symbol applied through the C API."""

    result: type  # the Python class of its applications

    def __call__(self, *args: Any) -> z3.ExprRef:
        if not all(isinstance(a, z3.ExprRef) for a in args):
            return super().__call__(*args)  # Python literals: z3py converts them
        return self.result(Z3_mk_app(self.ctx.ref(), self.ast, len(args), _asts(args)), self.ctx)


def fast_decl(f: z3.FuncDeclRef) -> Decl:
    """`f` itself, made a `Decl`."""
    f.__class__ = Decl
    f.result = type(z3.Const("_", f.range()))  # type: ignore[attr-defined]
    return f  # type: ignore[return-value]


def fast_decls(*datatypes: z3.DatatypeSortRef) -> None:
    """Make the constructors, testers and accessors of these datatypes `Decl`s."""
    for d in datatypes:
        for f in list(vars(d).values()):
            if type(f) is z3.FuncDeclRef:
                fast_decl(f)


def ite(c: z3.BoolRef, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
    """`z3.If(c, a, b)`, `a` and `b` of the same sort."""
    return _like(a, Z3_mk_ite(c.ctx.ref(), c.ast, a.ast, b.ast))


def and_(*args: z3.BoolRef) -> z3.BoolRef:
    """`z3.And(*args)`."""
    ctx = args[0].ctx if args else z3.main_ctx()
    return z3.BoolRef(Z3_mk_and(ctx.ref(), len(args), _asts(args)), ctx)


def or_(*args: z3.BoolRef) -> z3.BoolRef:
    """`z3.Or(*args)`."""
    ctx = args[0].ctx if args else z3.main_ctx()
    return z3.BoolRef(Z3_mk_or(ctx.ref(), len(args), _asts(args)), ctx)


def not_(a: z3.BoolRef) -> z3.BoolRef:
    return z3.BoolRef(Z3_mk_not(a.ctx.ref(), a.ast), a.ctx)


def eq(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """`a == b`, of the same sort."""
    return z3.BoolRef(Z3_mk_eq(a.ctx.ref(), a.ast, b.ast), a.ctx)


def select(m: z3.ArrayRef, k: z3.ExprRef) -> z3.ExprRef:
    """`m[k]`."""
    return z3.z3._to_expr_ref(Z3_mk_select(m.ctx.ref(), m.ast, k.ast), m.ctx)


def store(m: z3.ArrayRef, k: z3.ExprRef, v: z3.ExprRef) -> z3.ArrayRef:
    """`z3.Store(m, k, v)`."""
    return z3.ArrayRef(Z3_mk_store(m.ctx.ref(), m.ast, k.ast, v.ast), m.ctx)


def substitute(t: z3.ExprRef, pairs: list[tuple[z3.ExprRef, z3.ExprRef]]) -> z3.ExprRef:
    """`z3.substitute(t, *pairs)`."""
    if not pairs:
        return t
    froms, tos = _asts(tuple(a for a, _ in pairs)), _asts(tuple(b for _, b in pairs))
    return _like(t, Z3_substitute(t.ctx.ref(), t.ast, len(pairs), froms, tos))


def substitute_funs(t: z3.ExprRef, n: int, froms: Any, tos: Any) -> z3.ExprRef:
    """`z3.substitute_funs(t, *pairs)`, the `n` pairs given as C arrays of functions and bodies."""
    return _like(t, Z3_substitute_funs(t.ctx.ref(), t.ast, n, froms, tos)) if n else t
