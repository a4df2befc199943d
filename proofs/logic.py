"""Lemmas proved with Z3 one step at a time: parameters, instances, glue and induction.

A lemma is a statement about its parameters (constants, universally quantified)
and predicate parameters (uninterpreted functions: it then holds for every
predicate, so `at` may substitute any). Its proof is a list of steps, Z3 goals
that are (nearly) quantifier-free because the proof names the instances they
need; a final glue goal checks, again with Z3, that the steps, universally
closed over their fresh constants, imply the statement. So Z3 checks every
inference but one: induction. `on_sequences` and the type inductions of
`proofs.validation` build the cases themselves (the hypothesis is only ever
the statement for the tail, or for a component type); that code is the trusted
rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import z3

from proofs.harness import Goal

Steps = list[Goal]


@dataclass(eq=False)
class Lemma:
    name: str
    params: tuple[z3.ExprRef, ...]
    statement: z3.BoolRef
    proof: Callable[[], Steps]
    preds: tuple[z3.FuncDeclRef, ...] = ()

    def at(self, *args: z3.ExprRef, **preds: Callable[..., z3.BoolRef]) -> z3.BoolRef:
        """The statement for these arguments and predicates (keyword: the predicate parameter's name)."""
        if len(args) != len(self.params):
            raise TypeError(f"{self.name} takes {len(self.params)} arguments")
        s = z3.substitute(self.statement, *zip(self.params, args)) if args else self.statement
        pairs = []
        for decl in self.preds:
            if decl.name() in preds:
                variables = [z3.Var(i, decl.domain(i)) for i in range(decl.arity())]
                pairs.append((decl, preds[decl.name()](*variables)))
        unknown = set(preds) - {d.name() for d in self.preds}
        if unknown:
            raise TypeError(f"{self.name} has no predicate parameter {unknown}")
        return z3.substitute_funs(s, *pairs) if pairs else s


def closure(goal: Goal) -> z3.BoolRef:
    """What a proved step establishes: for all its fresh constants, its facts imply its claim."""
    body = z3.Implies(z3.And(goal.facts), goal.claim) if goal.facts else goal.claim
    return z3.ForAll(list(goal.fresh), body) if goal.fresh else body


def glued(name: str, claim: z3.BoolRef, steps: Steps, hypotheses: list[z3.BoolRef] | None = None,
          fresh: tuple[z3.ExprRef, ...] = (), known: list[z3.BoolRef] | None = None,
          propositional: bool = False) -> Steps:
    """The steps, then the glue goal: under `hypotheses`, their closures imply `claim`.

    A step's closure omits its `known` facts, so it holds wherever those do: they
    must be valid, or instances of `hypotheses` (an induction hypothesis), which the
    glue keeps as its own facts. The glue holds for any value of the compound
    sequence terms (it only combines the steps), and for all values of `fresh`; `known` adds valid facts
    (instances of definitions); `propositional` hides closed quantified formulas too (the glue then only
    matches them whole).
    """
    return [*steps, Goal(f"{name}: from its steps", list(hypotheses or []), claim,
                         known=[*(known or []), *(closure(g) for g in steps)], fresh=fresh, opaque=True,
                         propositional=propositional)]


def fresh(name: str, sort: z3.SortRef) -> z3.ExprRef:
    return z3.Const(name, sort)


def on_sequences(name: str, params: tuple[z3.ExprRef, ...], statement: z3.BoolRef,
                 base: Callable[[z3.BoolRef], Steps],
                 step: Callable[[z3.ExprRef, z3.ExprRef, Callable[..., z3.BoolRef], z3.BoolRef], Steps]) -> Steps:
    """Induction on the first parameter, a sequence `s`, the others generalized:
    the statement for `[]`, and for `[h] ++ t` given it for `t` (at any values of the others).

    `base(claim)` and `step(h, t, ih, claim)` give the steps of each case; `ih(*others)`
    is the hypothesis for `t` at chosen values of the other parameters (a `known` fact).
    """
    s, *rest = params
    sort = s.sort()
    base_claim = z3.substitute(statement, (s, z3.Empty(sort)))
    h, t = fresh(f"{name}.head", sort.basis()), fresh(f"{name}.tail", sort)
    step_claim = z3.substitute(statement, (s, z3.Concat(z3.Unit(h), t)))
    tail_statement = z3.substitute(statement, (s, t))
    hypothesis = z3.ForAll(rest, tail_statement) if rest else tail_statement

    def ih(*others: z3.ExprRef) -> z3.BoolRef:
        return z3.substitute(tail_statement, *zip(rest, others)) if others else tail_statement
    return [*glued(f"{name} (empty)", base_claim, base(base_claim)),
            *glued(f"{name} (head and tail)", step_claim, step(h, t, ih, step_claim), [hypothesis])]
