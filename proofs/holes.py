"""The model's evaluator on one expression form, with its parts symbolic.

A proof about a form (`e1 + e2`, a policy's scope, ...) builds it with marked
parts: holes (`hole(n)`, literals the model evaluates to a known term) and
marked strings (entity types and ids, attribute names), evaluates it with
`spec.evaluator.evaluate`, and substitutes symbolic Z3 terms for the marked
ones: any result for a hole, any string for a marked string. The evaluator then
stands for every expression of that form. `instantiate` checks that no mark is
left, i.e. that the evaluator only used a part through its evaluation.
"""

from __future__ import annotations

import z3

from spec.entities import Entities
from spec.evaluator import evaluate
from spec.expr import Expr, Lit
from spec.request import Request
from spec.values import string_val

MARK = "\x00"


def hole(n: int | str) -> Lit:
    """A sub-expression whose result a proof chooses."""
    return Lit(f"{MARK}hole{n}")


def mark(name: str) -> str:
    """A string (an entity type, id, attribute name) that a proof makes symbolic."""
    return f"{MARK}{name}"


def _marks_left(t: z3.ExprRef, seen: set[int]) -> bool:
    if t.get_id() in seen:
        return False
    seen.add(t.get_id())
    if z3.is_string_value(t):
        return "\\u{0}" in t.as_string()
    if z3.is_quantifier(t):
        return _marks_left(t.body(), seen)
    return any(_marks_left(c, seen) for c in t.children())


def instantiate(term: z3.ExprRef, req: Request, es: Entities, holes: dict[Expr, z3.ExprRef],
                strings: dict[str, z3.ExprRef], terms: dict[z3.ExprRef, z3.ExprRef] | None = None) -> z3.ExprRef:
    """`term` with each hole's evaluation, each marked string and each of `terms` replaced by its symbolic term."""
    pairs = [(evaluate(h, req, es), r) for h, r in holes.items()] + [(string_val(s), t) for s, t in strings.items()]
    pairs += list((terms or {}).items())
    out = z3.substitute(term, *pairs) if pairs else term
    if _marks_left(out, set()):
        raise AssertionError("the model used a marked part other than through its evaluation")
    return out


def evaluate_form(x: Expr, req: Request, es: Entities, holes: dict[Expr, z3.ExprRef] | None = None,
                  strings: dict[str, z3.ExprRef] | None = None,
                  terms: dict[z3.ExprRef, z3.ExprRef] | None = None) -> z3.ExprRef:
    """The model's result for `x`, its holes, marked strings and other marked terms replaced by symbolic ones."""
    return instantiate(evaluate(x, req, es), req, es, holes or {}, strings or {}, terms)
