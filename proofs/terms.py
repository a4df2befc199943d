"""Generalizing a goal: compound terms become fresh constants.

A goal proved for any value of some of its terms is proved for their actual
values; hiding the structure Z3 does not need keeps it from wandering into it
(the lambdas of folds, the quantifiers of lemma statements).
"""

from __future__ import annotations

import z3


def _loose(t: z3.ExprRef, memo: dict[int, int]) -> int:
    """1 + the largest de Bruijn index of a variable free in `t` (0: `t` is closed)."""
    if t.get_id() not in memo:
        if z3.is_var(t):
            memo[t.get_id()] = z3.get_var_index(t) + 1
        elif z3.is_quantifier(t):
            memo[t.get_id()] = max(0, _loose(t.body(), memo) - t.num_vars())
        else:
            memo[t.get_id()] = max([_loose(c, memo) for c in t.children()], default=0)
    return memo[t.get_id()]


def _is_closed(t: z3.ExprRef, memo: dict[int, int]) -> bool:
    return _loose(t, memo) == 0


_FOLDS = (z3.Z3_OP_SEQ_FOLDL, z3.Z3_OP_SEQ_FOLDLI, z3.Z3_OP_SEQ_MAP, z3.Z3_OP_SEQ_MAPI)


def _hidden(t: z3.ExprRef, sequences: bool, quantifiers: bool) -> bool:
    """Is `t` (closed) a term to hide: a compound sequence (not a string), a fold, or a quantifier?"""
    if z3.is_quantifier(t):
        return quantifiers
    if not sequences or not z3.is_app(t) or t.num_args() == 0:
        return False
    if t.decl().kind() in _FOLDS:
        return True
    return isinstance(t.sort(), z3.SeqSortRef) and not t.sort().is_string()


def _outer(t: z3.ExprRef, found: dict[int, z3.ExprRef], memo: dict[int, int], sequences: bool,
           quantifiers: bool) -> None:
    """Collect the outermost closed terms of `t` to hide."""
    if _is_closed(t, memo) and _hidden(t, sequences, quantifiers):
        found[t.get_id()] = t
    elif z3.is_quantifier(t):
        _outer(t.body(), found, memo, sequences, quantifiers)
    else:
        for c in t.children():
            _outer(c, found, memo, sequences, quantifiers)


def opaque(formulas: list[z3.BoolRef], sequences: bool = True, quantifiers: bool = False) -> list[z3.BoolRef]:
    """The formulas with each outermost closed compound sequence term and fold (if `sequences`) and each
    closed quantified formula (if `quantifiers`) replaced by a fresh constant, the same for the same term."""
    found: dict[int, z3.ExprRef] = {}
    memo: dict[int, int] = {}
    for f in formulas:
        _outer(f, found, memo, sequences, quantifiers)
    pairs = [(t, z3.Const(f"hidden!{n}", t.sort())) for n, t in enumerate(found.values())]
    return [z3.substitute(f, *pairs) for f in formulas] if pairs else formulas
