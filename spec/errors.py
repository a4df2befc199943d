"""Evaluation errors and results (Lean `Spec/Value.lean`: `Error`, `Result`).

Every expression evaluates to a `Result`: `ok(value)` or `err(error)`, with one of
Cedar's six error kinds. Errors are values; nothing in the model raises, except
`InputError` for malformed JSON handed to the concrete front door.
"""

from __future__ import annotations

from typing import Callable

import z3

from spec.terms import fast_decls, ite
from spec.values import Value

ERROR_KINDS = ("entityDoesNotExist", "attrDoesNotExist", "tagDoesNotExist",
               "typeError", "arithBoundsError", "extensionError")

Error, _kinds = z3.EnumSort("Error", ERROR_KINDS)
ERRORS: dict[str, z3.ExprRef] = dict(zip(ERROR_KINDS, _kinds))

Result = z3.Datatype("Result")
Result.declare("ok", ("ok_value", Value))
Result.declare("err", ("error", Error))
Result = Result.create()
fast_decls(Result)


class InputError(ValueError):
    """Malformed policies, entities or request given to the model (not an evaluation error)."""


def ok(v: z3.DatatypeRef) -> z3.DatatypeRef:
    return Result.ok(v)


def err(kind: str) -> z3.DatatypeRef:
    return _ERR[kind]


_ERR = {kind: Result.err(e) for kind, e in ERRORS.items()}


def bind(r: z3.DatatypeRef, f: Callable[[z3.DatatypeRef], z3.DatatypeRef]) -> z3.DatatypeRef:
    """`do let v ← r; f v`: the first error wins."""
    return ite(Result.is_ok(r), f(Result.ok_value(r)), r)


def bind_all(rs: list[z3.DatatypeRef], f: Callable[[list[z3.DatatypeRef]], z3.DatatypeRef]) -> z3.DatatypeRef:
    """`do let vs ← rs.mapM id; f vs`: left to right, the first error wins."""
    if not rs:
        return f([])
    return bind(rs[0], lambda v: bind_all(rs[1:], lambda vs: f([v, *vs])))


def cases(*arms: tuple[z3.BoolRef, z3.DatatypeRef]) -> z3.DatatypeRef:
    """A pattern match: the result of the first arm whose condition holds; no arm, a typeError."""
    result = err("typeError")
    for condition, outcome in reversed(arms):
        result = ite(condition, outcome, result)
    return result


def error_kind(r: z3.DatatypeRef) -> str | None:
    """The error kind of a ground result, None for `ok`."""
    if r.decl().eq(Result.ok):
        return None
    if r.decl().eq(Result.err):
        return str(r.arg(0))
    raise RuntimeError(f"the model did not reduce to a result: {r}")
