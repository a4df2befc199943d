"""Counterexamples to soundness lemmas, as Cedar: the form's parts become context attributes.

A counterexample to the soundness of, say, `e1 + e2` gives each part a type and a
result. It is printed as a policy over `context.e1`, `context.e2`, a request
whose context holds the parts' values (with the types the validator assumed),
the entities involved, and what the model then computes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import z3

from proofs import render
from spec.errors import Result, error_kind
from spec.symbolic import value_json
from spec.types import (BoolType, CedarType, EntityType, ExtType, LongType, Qualified, RecordType, SetType,
                        StringType)
from spec.types import TypeSort as T
from spec.values import EntityUID, Value, string_of, units

if TYPE_CHECKING:
    from proofs.typechecker import Part
    from proofs.typing_rules import Typing


def python_type(m: z3.ModelRef, t: z3.ExprRef) -> CedarType:
    """The type a model gives a symbolic type, as a `spec.types` value."""
    t = m.eval(t, model_completion=True)
    name = t.decl().name()
    if name == "bool_type":
        return BoolType(t.arg(0).as_string())
    if name in ("long_type", "string_type"):
        return LongType() if name == "long_type" else StringType()
    if name == "entity_type":
        return EntityType(string_of(t.arg(0)))
    if name == "set_type":
        return SetType(python_type(m, t.arg(0)))
    if name == "record_type":
        fields = [(string_of(f.arg(0)), Qualified(python_type(m, f.arg(2)), z3.is_true(f.arg(1))))
                  for f in units(t.arg(0))]
        return RecordType(tuple(fields))
    return ExtType(t.arg(0).as_string())


def type_text(t: CedarType) -> str:
    """A type in Cedar's schema syntax."""
    if isinstance(t, BoolType):
        return "Bool" if t.kind == "anyBool" else f"Bool (always {'true' if t.kind == 'tt' else 'false'})"
    if isinstance(t, (LongType, StringType)):
        return "Long" if isinstance(t, LongType) else "String"
    if isinstance(t, EntityType):
        return t.ety or '""'
    if isinstance(t, SetType):
        return f"Set<{type_text(t.elem)}>"
    if isinstance(t, RecordType):
        return "{" + ", ".join(f"{a}{'' if q.required else '?'}: {type_text(q.ty)}" for a, q in t.attrs) + "}"
    return t.name


def result_text(m: z3.ModelRef, r: z3.ExprRef, t: CedarType) -> str:
    r = m.eval(r, model_completion=True)
    kind = error_kind(r)
    return f"an error ({kind})" if kind is not None else value_text(m, Result.ok_value(r), t)


def value_text(m: z3.ModelRef, v: z3.ExprRef, t: CedarType) -> str:
    try:
        return render.value(value_json(m, v, t))
    except Exception:  # noqa: BLE001 - a value not of type `t` (the point of the counterexample)
        return str(m.eval(v, model_completion=True))


def _json(m: z3.ModelRef, v: z3.ExprRef, t: CedarType) -> Any:
    try:
        return value_json(m, v, t)
    except Exception:  # noqa: BLE001
        return str(m.eval(v, model_completion=True))


def explain_form(show: str, parts: list["Part"], result: z3.ExprRef, typing: "Typing") -> Callable[[z3.ModelRef], str]:
    """`show` writes the form with its parts as e1, e2, ... (in the order of `parts`)."""
    def explain(m: z3.ModelRef) -> str:
        ty = python_type(m, typing.ty)
        condition = show
        context, notes, schema = {}, [], []
        for n, p in enumerate(parts, 1):
            pt = python_type(m, p.sub.ty)
            condition = condition.replace(f"e{n}", f"context.e{n}")
            schema.append(f"e{n}: {type_text(pt)}")
            r = m.eval(p.result, model_completion=True)
            kind = error_kind(r)
            if kind is None:
                context[f"e{n}"] = _json(m, Result.ok_value(r), pt)
            else:
                notes.append(f"  e{n} ({p.label}) raises {kind} instead")
        lines = [f"the validator types `{show}` as {type_text(ty)}, yet it evaluates to "
                 f"{result_text(m, result, ty)}:",
                 f"context type (the parts' types): {{{', '.join(schema)}}}",
                 "policies:", f"  permit(principal, action, resource) when {{ {condition} }};",
                 "request (context):", f"  {render.value(context)}", *notes]
        return "\n".join(lines)
    return explain


# ----- is a model a genuine counterexample? -----

class _Schema:
    """`spec.types.has_type`'s view of the symbolic schema."""

    def valid_uid(self, uid: z3.ExprRef, ety: str) -> z3.BoolRef:
        from proofs.typed_env import valid_uid
        return valid_uid(uid)


def _with_has_type(f: z3.ExprRef, m: z3.ModelRef, memo: dict[int, z3.ExprRef]) -> z3.ExprRef:
    """`f` with each `inst(v, t)` replaced by `spec.types.has_type(v, <t in m>)`: the real InstanceOfType."""
    from proofs.instance_of import inst
    from spec.types import has_type
    if f.get_id() in memo:
        return memo[f.get_id()]
    if z3.is_quantifier(f):
        out = z3.z3._to_expr_ref(z3.Z3_update_term(f.ctx_ref(), f.as_ast(), 1,
                                                   (z3.Ast * 1)(_with_has_type(f.body(), m, memo).as_ast())), f.ctx)
    elif z3.is_app(f) and f.decl().eq(inst):
        v, t = f.children()
        out = has_type(_with_has_type(v, m, memo), python_type(m, t), _Schema())
    elif z3.is_app(f) and f.num_args() > 0:
        args = [_with_has_type(c, m, memo) for c in f.children()]
        out = z3.z3._to_expr_ref(z3.Z3_update_term(f.ctx_ref(), f.as_ast(), len(args),
                                                   (z3.Ast * len(args))(*[a.as_ast() for a in args])), f.ctx)
    else:
        out = f
    memo[f.get_id()] = out
    return out


def holds(m: z3.ModelRef, f: z3.BoolRef) -> bool | None:
    """Is `f` true in model `m`, reading `inst` as the real InstanceOfType? (None: could not tell.)"""
    g = m.eval(_with_has_type(f, m, {}), model_completion=True)
    if z3.is_true(g) or z3.is_false(g):
        return z3.is_true(g)
    for answer, test in ((True, z3.Not(g)), (False, g)):
        s = z3.Solver()
        s.set(timeout=2000)
        s.add(test)
        if s.check() == z3.unsat:
            return answer
    return None


def genuine(facts: list[z3.BoolRef], claim: z3.BoolRef) -> Callable[[z3.ModelRef], bool]:
    """A model is a counterexample if the facts hold in it and the claim does not (`inst` read for real)."""
    def check(m: z3.ModelRef) -> bool:
        try:
            return holds(m, claim) is False and all(holds(m, f) is True for f in facts)
        except Exception:  # noqa: BLE001 - a model this check cannot read is not confirmed
            return False
    return check
