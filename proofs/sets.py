"""Lemmas about the model's sets, for every size: its folds and its insertion (`spec.values`).

A set value holds a sequence of elements; `make_set` inserts the elements one at
a time (`_insert`: the elements below the new one, the new one, the elements
above it, each part a fold over the sequence), and `set_all` / `set_any` are
folds. The lemmas relate these folds to plain statements over the indices of a
sequence (`all_of`, `any_of`), by induction on the sequence, for any property
`P` (uninterpreted: instances substitute real ones) and for the two filters of
`_insert` (`BELOW`, `ABOVE`, at any key).
"""

from __future__ import annotations

from typing import Callable

import z3

from proofs.harness import Goal
from proofs.logic import Lemma, Steps, fresh, glued, on_sequences
from spec.values import ABOVE, BELOW, Value, Values, _insert, key

Pred = Callable[[z3.ExprRef], z3.BoolRef]
P = z3.Function("P", Value, z3.BoolSort())
EMPTY = z3.Empty(Values)


def in_range(i: z3.ArithRef, s: z3.SeqRef) -> z3.BoolRef:
    return z3.And(0 <= i, i < z3.Length(s))


def all_at(s: z3.SeqRef, pred: Pred, i: z3.ArithRef) -> z3.BoolRef:
    """The instance of `all_of(s, pred)` at index `i`."""
    return z3.Implies(in_range(i, s), pred(s[i]))


def all_of(s: z3.SeqRef, pred: Pred) -> z3.BoolRef:
    i = z3.Int("sets.i")
    return z3.ForAll([i], all_at(s, pred, i))


def any_at(s: z3.SeqRef, pred: Pred, i: z3.ArithRef) -> z3.BoolRef:
    """`i` is a witness of `any_of(s, pred)`."""
    return z3.And(in_range(i, s), pred(s[i]))


def any_of(s: z3.SeqRef, pred: Pred) -> z3.BoolRef:
    i = z3.Int("sets.i")
    return z3.Exists([i], any_at(s, pred, i))


def fold_all(acc: z3.BoolRef, s: z3.SeqRef, pred: Pred) -> z3.BoolRef:
    """The fold of `spec.values.set_all`, from `acc`."""
    a, e = z3.Bool("acc"), z3.Const("e", Value)
    return z3.SeqFoldLeft(z3.Lambda([a, e], z3.And(a, pred(e))), acc, s)


def fold_any(acc: z3.BoolRef, s: z3.SeqRef, pred: Pred) -> z3.BoolRef:
    """The fold of `spec.values.set_any`, from `acc`."""
    a, e = z3.Bool("acc"), z3.Const("e", Value)
    return z3.SeqFoldLeft(z3.Lambda([a, e], z3.Or(a, pred(e))), acc, s)


STEPS = {"below": BELOW, "above": ABOVE}  # the fold steps of `spec.values._insert`, for a key


def keep(acc: z3.SeqRef, s: z3.SeqRef, side: str, k: z3.SeqRef) -> z3.SeqRef:
    """A filter fold of `spec.values._insert`: after `acc`, the elements of `s` whose keys are on `side` of `k`."""
    return z3.SeqFoldLeft(STEPS[side][k], acc, s)


def kept(side: str, k: z3.SeqRef) -> Pred:
    """Whether the filter keeps an element (the condition inside the step)."""
    return (lambda e: key(e) < k) if side == "below" else (lambda e: k < key(e))


def below(v: z3.ExprRef) -> Pred:
    return kept("below", key(v))


def above(v: z3.ExprRef) -> Pred:
    return kept("above", key(v))


def not_(pred: Pred) -> Pred:
    return lambda x: z3.Not(pred(x))


_s, _t, _acc_seq = z3.Const("s", Values), z3.Const("t", Values), z3.Const("acc0", Values)
_h, _v, _x = z3.Const("h", Value), z3.Const("v", Value), z3.Const("x", Value)
_acc = z3.Bool("acc0")
_p = lambda x: P(x)  # noqa: E731


def _int(name: str) -> z3.ArithRef:
    return z3.Int(name)


# ----- all_of and any_of over the shapes of sequences -----

def _all_of_empty() -> Steps:
    return [Goal("all_of_empty", [], all_of_empty.statement)]


all_of_empty = Lemma("all_of_empty", (), all_of(EMPTY, _p), _all_of_empty, (P,))


def _all_of_unit() -> Steps:
    return [Goal("all_of_unit", [], all_of_unit.statement)]


all_of_unit = Lemma("all_of_unit", (_h,), all_of(z3.Unit(_h), _p) == _p(_h), _all_of_unit, (P,))


def _all_of_concat() -> Steps:
    s, t, j = _s, _t, _int("all_of_concat.j")
    st = z3.Concat(s, t)
    return glued("all_of_concat", all_of_concat.statement, [
        Goal("all_of_concat: left part", [all_at(st, _p, j)], all_at(s, _p, j), fresh=(j,)),
        Goal("all_of_concat: right part", [all_at(st, _p, j + z3.Length(s))], all_at(t, _p, j), fresh=(j,)),
        Goal("all_of_concat: whole, left", [j < z3.Length(s), all_at(s, _p, j)], all_at(st, _p, j), fresh=(j,)),
        Goal("all_of_concat: whole, right", [j >= z3.Length(s), all_at(t, _p, j - z3.Length(s))], all_at(st, _p, j),
             fresh=(j,)),
    ])


all_of_concat = Lemma("all_of_concat", (_s, _t),
                      all_of(z3.Concat(_s, _t), _p) == z3.And(all_of(_s, _p), all_of(_t, _p)), _all_of_concat, (P,))


def _any_is_not_all_not() -> Steps:
    return [Goal("any_is_not_all_not", [], any_is_not_all_not.statement)]


any_is_not_all_not = Lemma("any_is_not_all_not", (_s,), any_of(_s, _p) == z3.Not(all_of(_s, not_(_p))),
                           _any_is_not_all_not, (P,))


def _dual(s: z3.SeqRef, pred: Pred = _p) -> z3.BoolRef:
    return any_is_not_all_not.at(s, P=pred)


def _any_of_unit() -> Steps:
    return [Goal("any_of_unit", [], any_of_unit.statement, known=[all_of_unit.at(_h, P=not_(_p)), _dual(z3.Unit(_h))],
                 uses=(all_of_unit, any_is_not_all_not))]


any_of_unit = Lemma("any_of_unit", (_h,), any_of(z3.Unit(_h), _p) == _p(_h), _any_of_unit, (P,))


def _any_of_concat() -> Steps:
    st = z3.Concat(_s, _t)
    return [Goal("any_of_concat", [], any_of_concat.statement,
                 known=[all_of_concat.at(_s, _t, P=not_(_p)), _dual(st), _dual(_s), _dual(_t)],
                 uses=(all_of_concat, any_is_not_all_not))]


any_of_concat = Lemma("any_of_concat", (_s, _t),
                      any_of(z3.Concat(_s, _t), _p) == z3.Or(any_of(_s, _p), any_of(_t, _p)), _any_of_concat, (P,))


def _any_of_empty() -> Steps:
    return [Goal("any_of_empty", [], any_of_empty.statement)]


any_of_empty = Lemma("any_of_empty", (), z3.Not(any_of(EMPTY, _p)), _any_of_empty, (P,))


_Q = z3.Function("Q", Value, z3.BoolSort())


def implies_everywhere(pred: Pred, other: Pred) -> z3.BoolRef:
    """`pred` implies `other` of every value."""
    x = z3.Const("sets.x", Value)
    return z3.ForAll([x], z3.Implies(pred(x), other(x)))


def _all_of_mono() -> Steps:
    j = _int("all_of_mono.j")
    q = lambda x: _Q(x)  # noqa: E731
    return glued("all_of_mono", all_of_mono.statement, [
        Goal("all_of_mono", [all_at(_s, _p, j), z3.Implies(_p(_s[j]), q(_s[j]))], all_at(_s, q, j), fresh=(j,))])


all_of_mono = Lemma("all_of_mono", (_s,),
                    z3.Implies(z3.And(all_of(_s, _p), implies_everywhere(_p, lambda x: _Q(x))), all_of(_s, lambda x: _Q(x))),
                    _all_of_mono, (P, _Q))


# ----- the folds of set_all and set_any -----

def _fold_all_iff() -> Steps:
    def base(claim: z3.BoolRef) -> Steps:
        return [Goal("fold_all_iff (empty)", [], claim, known=[all_of_empty.at()], uses=(all_of_empty,))]

    def step(h: z3.ExprRef, t: z3.SeqRef, ih: Callable, claim: z3.BoolRef) -> Steps:
        return [Goal("fold_all_iff (head and tail)", [], claim,
                     known=[ih(z3.And(_acc, _p(h))), all_of_concat.at(z3.Unit(h), t), all_of_unit.at(h)],
                     uses=(all_of_concat, all_of_unit))]
    return on_sequences("fold_all_iff", (_s, _acc), fold_all_iff.statement, base, step)


fold_all_iff = Lemma("fold_all_iff", (_s, _acc), fold_all(_acc, _s, _p) == z3.And(_acc, all_of(_s, _p)),
                     _fold_all_iff, (P,))


def _fold_any_iff() -> Steps:
    def base(claim: z3.BoolRef) -> Steps:
        return [Goal("fold_any_iff (empty)", [], claim, known=[any_of_empty.at()], uses=(any_of_empty,))]

    def step(h: z3.ExprRef, t: z3.SeqRef, ih: Callable, claim: z3.BoolRef) -> Steps:
        return [Goal("fold_any_iff (head and tail)", [], claim,
                     known=[ih(z3.Or(_acc, _p(h))), any_of_concat.at(z3.Unit(h), t), any_of_unit.at(h)],
                     uses=(any_of_concat, any_of_unit))]
    return on_sequences("fold_any_iff", (_s, _acc), fold_any_iff.statement, base, step)


fold_any_iff = Lemma("fold_any_iff", (_s, _acc), fold_any(_acc, _s, _p) == z3.Or(_acc, any_of(_s, _p)),
                     _fold_any_iff, (P,))


# ----- the filters of _insert -----

_kv = z3.String("k0")


def _keep_all(side: str) -> Callable[[], Steps]:
    """Induction on `s`: the accumulator grows by the head when the filter keeps it."""
    name = f"keep_all_{side}"

    def proof() -> Steps:
        def base(claim: z3.BoolRef) -> Steps:
            return [Goal(f"{name} (empty)", [], claim)]

        def step(h: z3.ExprRef, t: z3.SeqRef, ih: Callable, claim: z3.BoolRef) -> Steps:
            grown = z3.Concat(_acc_seq, z3.Unit(h))
            shape = [all_of_concat.at(z3.Unit(h), t), all_of_unit.at(h)]
            keeps = kept(side, _kv)(h)
            return [Goal(f"{name} (head kept)", [keeps], claim,
                         known=[ih(grown, _kv), *shape, all_of_concat.at(_acc_seq, z3.Unit(h))],
                         uses=(all_of_concat, all_of_unit)),
                    Goal(f"{name} (head dropped)", [z3.Not(keeps)], claim, known=[ih(_acc_seq, _kv), *shape],
                         uses=(all_of_concat, all_of_unit))]
        return on_sequences(name, (_s, _acc_seq, _kv), keep_all[side].statement, base, step)
    return proof


keep_all = {side: Lemma(f"keep_all_{side}", (_s, _acc_seq, _kv),
                        z3.Implies(z3.And(all_of(_acc_seq, _p), all_of(_s, _p)), all_of(keep(_acc_seq, _s, side, _kv), _p)),
                        _keep_all(side), (P,)) for side in STEPS}


def _keep_any(side: str) -> Callable[[], Steps]:
    name = f"keep_any_{side}"

    def proof() -> Steps:
        both = lambda x: z3.And(kept(side, _kv)(x), _p(x))  # noqa: E731

        def base(claim: z3.BoolRef) -> Steps:
            return [Goal(f"{name} (empty)", [], claim, known=[any_of_empty.at(P=both)], uses=(any_of_empty,))]

        def step(h: z3.ExprRef, t: z3.SeqRef, ih: Callable, claim: z3.BoolRef) -> Steps:
            grown = z3.Concat(_acc_seq, z3.Unit(h))
            shape = [any_of_concat.at(z3.Unit(h), t, P=both), any_of_unit.at(h, P=both)]
            keeps = kept(side, _kv)(h)
            return [Goal(f"{name} (head kept)", [keeps], claim,
                         known=[ih(grown, _kv), *shape, any_of_concat.at(_acc_seq, z3.Unit(h)), any_of_unit.at(h)],
                         uses=(any_of_concat, any_of_unit)),
                    Goal(f"{name} (head dropped)", [z3.Not(keeps)], claim, known=[ih(_acc_seq, _kv), *shape],
                         uses=(any_of_concat, any_of_unit))]
        return on_sequences(name, (_s, _acc_seq, _kv), keep_any[side].statement, base, step)
    return proof


keep_any = {side: Lemma(f"keep_any_{side}", (_s, _acc_seq, _kv),
                        z3.Implies(z3.Or(any_of(_acc_seq, _p), any_of(_s, lambda x: z3.And(kept(side, _kv)(x), _p(x)))),
                                   any_of(keep(_acc_seq, _s, side, _kv), _p)),
                        _keep_any(side), (P,)) for side in STEPS}


# ----- insertion -----

def _parts(s: z3.SeqRef, v: z3.ExprRef) -> tuple[z3.SeqRef, z3.SeqRef, z3.SeqRef]:
    """`_insert(s, v)` and its two filtered parts, checked to be what `spec.values` builds."""
    lower, upper = keep(EMPTY, s, "below", key(v)), keep(EMPTY, s, "above", key(v))
    whole = _insert(s, v)
    expected = z3.Concat(lower, z3.Concat(z3.Unit(v), upper))
    if not whole.eq(expected):
        raise AssertionError(f"spec.values._insert is no longer (below, v, above): {whole}")
    return whole, lower, upper


def _insert_all() -> Steps:
    whole, lower, upper = _parts(_s, _v)
    rest = z3.Concat(z3.Unit(_v), upper)
    return [Goal("insert_all", [], insert_all.statement,
                 known=[keep_all["below"].at(_s, EMPTY, key(_v)), keep_all["above"].at(_s, EMPTY, key(_v)),
                        all_of_empty.at(), all_of_concat.at(lower, rest), all_of_concat.at(z3.Unit(_v), upper),
                        all_of_unit.at(_v)],
                 uses=(keep_all["below"], keep_all["above"], all_of_empty, all_of_concat, all_of_unit))]


insert_all = Lemma("insert_all", (_s, _v),
                   z3.Implies(z3.And(all_of(_s, _p), _p(_v)), all_of(_insert(_s, _v), _p)), _insert_all, (P,))


_y, _w = z3.Const("y", Value), z3.Const("w", Value)
KEY_INJECTIVE = z3.ForAll([_y, _w], z3.Implies(key(_y) == key(_w), _y == _w))
"""The model's premise on `key` (`spec.values`): distinct values have distinct keys."""


def unique_key(v: z3.ExprRef) -> Pred:
    """An element with the key of `v` is `v`."""
    return lambda x: z3.Implies(key(x) == key(v), x == v)


def _key_injective_on() -> Steps:
    j = _int("key_injective_on.j")
    return glued("key_injective_on", key_injective_on.statement, [
        Goal("key_injective_on", [z3.Implies(key(_s[j]) == key(_v), _s[j] == _v)], all_at(_s, unique_key(_v), j),
             fresh=(j,))], [KEY_INJECTIVE])


key_injective_on = Lemma("key_injective_on", (_s, _v), z3.Implies(KEY_INJECTIVE, all_of(_s, unique_key(_v))),
                         _key_injective_on)


def _insert_any() -> Steps:
    whole, lower, upper = _parts(_s, _v)
    rest = z3.Concat(z3.Unit(_v), upper)
    i = _int("insert_any.i")
    shape = [any_of_concat.at(lower, rest), any_of_concat.at(z3.Unit(_v), upper), any_of_unit.at(_v)]
    def witness(cond: Pred) -> z3.BoolRef:
        both = lambda x: z3.And(cond(x), _p(x))  # noqa: E731
        return z3.Implies(any_at(_s, both, i), any_of(_s, both))
    return glued("insert_any", insert_any.statement, [
        Goal("insert_any: only the elements and the new one", [],
             z3.Implies(any_of(whole, _p), z3.Or(any_of(_s, _p), _p(_v))),
             known=[insert_all.at(_s, _v, P=not_(_p)), _dual(whole), _dual(_s)], uses=(insert_all, any_is_not_all_not)),
        Goal("insert_any: the new one", [_p(_v)], any_of(whole, _p), known=shape, uses=(any_of_concat, any_of_unit)),
        Goal("insert_any: each element", [any_at(_s, _p, i), all_at(_s, unique_key(_v), i)], any_of(whole, _p),
             fresh=(i,),
             known=[*shape, keep_any["below"].at(_s, EMPTY, key(_v)), keep_any["above"].at(_s, EMPTY, key(_v)),
                    any_of_empty.at(), witness(below(_v)), witness(above(_v))],
             uses=(any_of_concat, any_of_unit, keep_any["below"], keep_any["above"], any_of_empty)),
    ], [all_of(_s, unique_key(_v))])


insert_any = Lemma("insert_any", (_s, _v),
                   z3.Implies(all_of(_s, unique_key(_v)), any_of(_insert(_s, _v), _p) == z3.Or(any_of(_s, _p), _p(_v))),
                   _insert_any, (P,))
