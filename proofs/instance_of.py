"""Lean `InstanceOfType` and `lub?` over symbolic types (`spec.types.TypeSort`), and their lemmas.

`inst(v, t)`, "value `v` is an instance of type `t`", and `lub(t1, t2, t)`,
"`t` is the least upper bound of `t1` and `t2`", are uninterpreted functions;
their meaning is their defining equations, `inst(v, t) == instance_body(v, t)`
and `lub(t1, t2, t) == lub_body(t1, t2, t)`, which proofs assert at the terms
they need (`unfold`, `unfold_lub`). Both recurse on the structure of the type,
so each has exactly one solution: these instances are true of it. They follow
`spec.types.has_type` and `spec.types.lub` case for case
(`tests/proofs/test_instance_of.py` checks them against those on concrete
non-record types).

`lub_left`, `lub_right` (an instance of one side of a lub is an instance of the
lub) are proved by induction on the type, and the `*_of` lemmas read one clause
of the definition off an instance.
"""

from __future__ import annotations

from typing import Callable

import z3

from proofs.harness import Goal
from proofs.logic import Lemma, Steps, closure, glued
from proofs.sets import all_at, all_of, in_range
from proofs.typed_env import valid_uid
from spec.types import FieldSort as F
from spec.types import TypeSort as T
from spec.values import EntityUID, Entry, Value

V = Value
inst = z3.Function("InstanceOfType", Value, T, z3.BoolSort())
lub = z3.Function("lub", T, T, T, z3.BoolSort())


def S(s: str) -> z3.SeqRef:
    return z3.StringVal(s)


ANY_BOOL, TT, FF = T.bool_type(S("anyBool")), T.bool_type(S("tt")), T.bool_type(S("ff"))
LONG, STRING = T.long_type, T.string_type
EXT_TESTS = {"decimal": V.is_decimal, "ipaddr": V.is_ipaddr, "datetime": V.is_datetime, "duration": V.is_duration}


def ext(name: str) -> z3.DatatypeRef:
    return T.ext_type(S(name))


# ----- InstanceOfType -----

def _field_value(v: z3.ExprRef, f: z3.ExprRef) -> z3.ExprRef:
    return V.attrs(v)[F.field_name(f)]


def of_type(t: z3.ExprRef) -> Callable[[z3.ExprRef], z3.BoolRef]:
    return lambda x: inst(x, t)


def set_element(v: z3.ExprRef, t: z3.ExprRef, i: z3.ArithRef) -> z3.BoolRef:
    """The clause for the `i`-th element of a set."""
    return all_at(V.elems(v), of_type(T.elem_type(t)), i)


def record_field(v: z3.ExprRef, t: z3.ExprRef, i: z3.ArithRef) -> z3.BoolRef:
    """The clause for the `i`-th declared attribute: of its type if present, else optional."""
    f = T.fields(t)[i]
    entry = _field_value(v, f)
    return z3.Implies(in_range(i, T.fields(t)),
                      z3.If(Entry.is_present(entry), inst(Entry.entry_value(entry), F.field_type(f)), z3.Not(F.required(f))))


def declares(t: z3.ExprRef, k: z3.SeqRef, i: z3.ArithRef) -> z3.BoolRef:
    """The `i`-th field of record type `t` is named `k`."""
    return z3.And(in_range(i, T.fields(t)), F.field_name(T.fields(t)[i]) == k)


def declared_in(t: z3.ExprRef, k: z3.SeqRef) -> z3.BoolRef:
    """Record type `t` declares `k` (`RecordType.find(k) is not None`)."""
    i = z3.Int("declared.i")
    return z3.Exists([i], declares(t, k, i))


def record_declared(v: z3.ExprRef, t: z3.ExprRef, k: z3.SeqRef) -> z3.BoolRef:
    """The clause for a present attribute `k`: the type declares it."""
    return z3.Implies(Entry.is_present(V.attrs(v)[k]), declared_in(t, k))


_I, _K = z3.Int("instance.i"), z3.String("instance.k")


def every_element(v: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    return all_of(V.elems(v), of_type(T.elem_type(t)))


def every_declared(v: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    return z3.ForAll([_K], record_declared(v, t, _K))


def every_field(v: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    return z3.ForAll([_I], record_field(v, t, _I))


def instance_body(v: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    """`spec.types.has_type`, one level deep (components through `inst`)."""
    kind = T.bool_kind(t)
    return z3.If(T.is_bool_type(t), z3.And(V.is_bool(v), z3.Or(kind == S("anyBool"), z3.And(kind == S("tt"), V.b(v)),
                                                                 z3.And(kind == S("ff"), z3.Not(V.b(v))))),
           z3.If(T.is_long_type(t), V.is_long(v),
           z3.If(T.is_string_type(t), V.is_string(v),
           z3.If(T.is_entity_type(t), z3.And(V.is_entity(v), EntityUID.ty(V.uid(v)) == T.ety(t), valid_uid(V.uid(v))),
           z3.If(T.is_set_type(t), z3.And(V.is_set(v), every_element(v, t)),
           z3.If(T.is_record_type(t), z3.And(V.is_record(v), every_declared(v, t), every_field(v, t)),
                 z3.Or([z3.And(T.ext_name(t) == S(n), test(v)) for n, test in EXT_TESTS.items()])))))))


def unfold(v: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    """An instance of the definition of `inst`."""
    return inst(v, t) == instance_body(v, t)


# ----- lub -----

def field_lub(t1: z3.ExprRef, t2: z3.ExprRef, t: z3.ExprRef, i: z3.ArithRef) -> z3.BoolRef:
    """The `i`-th fields agree on name and qualifier, and the types' lub is the lub's."""
    f1, f2, f = T.fields(t1)[i], T.fields(t2)[i], T.fields(t)[i]
    return z3.Implies(in_range(i, T.fields(t1)), z3.And(
        F.field_name(f1) == F.field_name(f2), F.field_name(f) == F.field_name(f1),
        F.required(f1) == F.required(f2), F.required(f) == F.required(f1),
        lub(F.field_type(f1), F.field_type(f2), F.field_type(f))))


def lub_body(t1: z3.ExprRef, t2: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    """`spec.types.lub`, one level deep: booleans join to anyBool, sets and records pointwise, else equal."""
    i = z3.Int("lub.i")
    f1, f2, f = T.fields(t1), T.fields(t2), T.fields(t)
    return z3.If(z3.And(T.is_bool_type(t1), T.is_bool_type(t2)), t == T.bool_type(z3.If(t1 == t2, T.bool_kind(t1), S("anyBool"))),
           z3.If(z3.And(T.is_set_type(t1), T.is_set_type(t2)),
                 z3.And(T.is_set_type(t), lub(T.elem_type(t1), T.elem_type(t2), T.elem_type(t))),
           z3.If(z3.And(T.is_record_type(t1), T.is_record_type(t2)),
                 z3.And(T.is_record_type(t), z3.Length(f1) == z3.Length(f2), z3.Length(f) == z3.Length(f1),
                        z3.ForAll([i], field_lub(t1, t2, t, i))),
                 z3.And(t1 == t2, t == t1))))


def unfold_lub(t1: z3.ExprRef, t2: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    return lub(t1, t2, t) == lub_body(t1, t2, t)


# ----- reading one clause off an instance -----

_v, _t = z3.Const("v", Value), z3.Const("t", T)
_i, _k = z3.Int("i"), z3.String("k")


def _clause_lemma(name: str, ctor: Callable, clause: Callable, index: z3.ExprRef) -> Lemma:
    statement = z3.Implies(z3.And(inst(_v, _t), ctor(_t)), clause(_v, _t, index))
    return Lemma(name, (_v, _t, index), statement,
                 lambda: [Goal(name, [], statement, known=[unfold(_v, _t)])])


set_element_of = _clause_lemma("set_element_of", T.is_set_type, set_element, _i)
record_field_of = _clause_lemma("record_field_of", T.is_record_type, record_field, _i)
record_declared_of = _clause_lemma("record_declared_of", T.is_record_type, record_declared, _k)

_t1, _t2 = z3.Const("t1", T), z3.Const("t2", T)
_field_lub_statement = z3.Implies(z3.And(lub(_t1, _t2, _t), T.is_record_type(_t1), T.is_record_type(_t2)),
                                  field_lub(_t1, _t2, _t, _i))
field_lub_of = Lemma("field_lub_of", (_t1, _t2, _t, _i), _field_lub_statement,
                     lambda: [Goal("field_lub_of", [], _field_lub_statement, known=[unfold_lub(_t1, _t2, _t)])])


# ----- lub_left, lub_right: by induction on the type -----

_CONSTRUCTORS = ("bool_type", "long_type", "string_type", "entity_type", "ext_type", "set_type", "record_type")


def on_types(name: str, statement: Callable[[z3.ExprRef], z3.BoolRef],
             case: Callable[[str, z3.ExprRef, Callable[..., z3.BoolRef], z3.BoolRef], Steps]) -> Steps:
    """Structural induction on a type `x`: for each constructor, `statement(x)` given it for the components
    (`ih(component)`: `statement(component)`, for a component of `x` only). `case(constructor, x, ih,
    hypotheses)` gives the steps of a case; `hypotheses` (the shape of `x`, the induction hypotheses) are
    facts its glue goals must keep."""
    out: Steps = []
    for ctor in _CONSTRUCTORS:
        x = z3.Const(f"{name}.{ctor}", T)
        shape = getattr(T, f"is_{ctor}")(x)
        if ctor == "set_type":
            components = [T.elem_type(x)]
        elif ctor == "record_type":
            j = z3.Int(f"{name}.field")
            components = [(j, F.field_type(T.fields(x)[j]))]
        else:
            components = []
        hypotheses = [shape]
        for c in components:
            if isinstance(c, tuple):
                j, ty = c
                hypotheses.append(z3.ForAll([j], z3.Implies(in_range(j, T.fields(x)), statement(ty))))
            else:
                hypotheses.append(statement(c))

        def ih(component: z3.ExprRef, *args: z3.ExprRef, _components: list = components) -> z3.BoolRef:
            for c in _components:
                if isinstance(c, tuple):
                    if not (z3.is_app(component) and component.decl().eq(F.field_type)):
                        continue
                    return statement(component)
                if component.eq(c):
                    return statement(component)
            raise AssertionError(f"{component} is not a component of {x}")
        out += glued(f"{name} ({ctor})", statement(x), case(ctor, x, ih, hypotheses), hypotheses)
    return out


def _lub_side_statement(left: bool) -> Callable[[z3.ExprRef], z3.BoolRef]:
    """For `x`: every instance of `x` is an instance of its lub with any type (on the left, or right)."""
    v, other, t = z3.Const("lub_side.v", Value), z3.Const("lub_side.other", T), z3.Const("lub_side.t", T)

    def statement(x: z3.ExprRef) -> z3.BoolRef:
        pair = lub(x, other, t) if left else lub(other, x, t)
        return z3.ForAll([v, other, t], z3.Implies(z3.And(inst(v, x), pair), inst(v, t)))
    return statement


def _lub_side_cases(name: str, left: bool) -> Callable:
    def case(ctor: str, x: z3.ExprRef, ih: Callable, hypotheses: list[z3.BoolRef]) -> Steps:
        shape = hypotheses[0]
        v, other, t = (z3.Const(f"{name}.{ctor}.{n}", s) for n, s in (("v", Value), ("other", T), ("t", T)))
        t1, t2 = (x, other) if left else (other, x)
        pair, hyp = lub(t1, t2, t), inst(v, x)
        definitions = [unfold(v, x), unfold(v, t), unfold_lub(t1, t2, t)]
        if ctor not in ("set_type", "record_type"):
            return [Goal(f"{name} ({ctor})", [shape, hyp, pair], inst(v, t), known=definitions, fresh=(v, other, t))]
        same = getattr(T, f"is_{ctor}")(other)
        given = [shape, hyp, pair]
        steps = [Goal(f"{name} ({ctor}, other shapes)", [*given, z3.Not(same)], inst(v, t), known=definitions)]
        i = z3.Int(f"{name}.{ctor}.i")
        if ctor == "set_type":
            element = Goal(f"{name} ({ctor}): each element", [*given, same], set_element(v, t, i), fresh=(i,),
                           known=[*definitions, set_element_of.at(v, x, i),
                                  _ih_at(ih(T.elem_type(x)), V.elems(v)[i], T.elem_type(other), T.elem_type(t))],
                           uses=(set_element_of,))
            steps += [
                Goal(f"{name} ({ctor}): a set", [*given, same], z3.And(V.is_set(v), T.is_set_type(t)), known=definitions),
                element,
                Goal(f"{name} ({ctor}): every element", [*given, same], every_element(v, t), known=[closure(element)]),
            ]
        else:
            k = z3.String(f"{name}.{ctor}.k")
            fx = T.fields(x)[i]
            names = Goal(f"{name} ({ctor}): its declared names", [*given, same, declares(x, k, i)], declares(t, k, i),
                         fresh=(k, i), known=[*definitions, field_lub_of.at(t1, t2, t, i)], uses=(field_lub_of,))
            declared = Goal(f"{name} ({ctor}): each attribute is declared", [*given, same], record_declared(v, t, k),
                            fresh=(k,), known=[record_declared_of.at(v, x, k), closure(names)],
                            uses=(record_declared_of,))
            field = Goal(f"{name} ({ctor}): each field", [*given, same], record_field(v, t, i), fresh=(i,),
                         known=[*definitions, record_field_of.at(v, x, i), field_lub_of.at(t1, t2, t, i),
                                z3.Implies(in_range(i, T.fields(x)),
                                           _ih_at(ih(F.field_type(fx)), Entry.entry_value(_field_value(v, fx)),
                                                  F.field_type(T.fields(other)[i]), F.field_type(T.fields(t)[i])))],
                         uses=(record_field_of, field_lub_of))
            steps += [
                Goal(f"{name} ({ctor}): a record", [*given, same], z3.And(V.is_record(v), T.is_record_type(t)),
                     known=definitions),
                names, declared, field,
                Goal(f"{name} ({ctor}): every attribute is declared", [*given, same], every_declared(v, t),
                     known=[closure(declared)]),
                Goal(f"{name} ({ctor}): every field", [*given, same], every_field(v, t), known=[closure(field)]),
            ]
        return glued(f"{name} ({ctor}) for one value", z3.Implies(z3.And(hyp, pair), inst(v, t)), steps,
                     hypotheses, fresh=(v, other, t), known=definitions, propositional=True)
    return case


def _ih_at(statement: z3.BoolRef, v: z3.ExprRef, other: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    """The statement `∀ v other t. ...` of `_lub_side_statement`, instantiated."""
    return z3.substitute_vars(statement.body(), t, other, v)  # de Bruijn: the last bound variable is 0


def _lub_side(left: bool) -> Lemma:
    name = "lub_left" if left else "lub_right"
    statement = _lub_side_statement(left)
    x = z3.Const(f"{name}.type", T)
    return Lemma(name, (x,), statement(x), lambda: on_types(name, statement, _lub_side_cases(name, left)))


lub_left = _lub_side(True)
"""Lean `lub_left_subty`, as instances: an instance of `t1` is an instance of `lub(t1, t2)`."""
lub_right = _lub_side(False)
