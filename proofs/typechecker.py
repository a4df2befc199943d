"""The validator's soundness, one expression form at a time (Lean `Thm/Validation/Typechecker/*.lean`).

For each form, the inductive step of Lean's `TypeOfIsSound`: for every schema,
request type, request and store that is an instance of it (`proofs.typed_env`),
every capability context whose invariant holds, and every type, value or error
of the parts: if the rules (`proofs.typing_rules`) give the form a type and each
part evaluates to an instance of its type or to a permitted error (entity does
not exist, extension error, overflow: `evaluates_to`), then so does the form, and
if it evaluates to `true` the capabilities it establishes hold. The parts are
holes (`proofs.holes`): the model's own evaluator computes the form's result
from any results of its parts.

Sets and records of any size are built one element or attribute at a time
(`set_step`, `record_step`); so are `in` a list of literals (`proofs.membership`).
Their first sizes are also checked end to end. `proofs/README.md` explains how
the steps compose into the theorem for every policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import z3

from proofs import sets
from proofs.explain import explain_form, genuine
from proofs.harness import Goal
from proofs.holes import evaluate_form, hole, mark
from proofs.instance_of import (declared_in, declares, every_declared, every_element, every_field, inst, lub, lub_left,
                                lub_right, of_type, record_declared, record_declared_of, record_field, record_field_of,
                                set_element_of, unfold, unfold_lub)
from proofs.logic import Lemma, Steps, closure, glued
from proofs.membership import in_list_step, in_literals
from proofs.typed_env import (ACTION, CONTEXT_TYPE, ES, REQ, ancestor_is_well_formed, attrs_of, entity_is_well_formed,
                              is_action, is_entity_type, request_is_well_formed, stored_attrs, tag_is_well_formed,
                              valid_uid)
from proofs.typing_rules import RULES, Sub, Typing, TypingRules
from spec import extfun
from spec.errors import ERRORS, Result, err, ok
from spec.evaluator import in_entity
from spec.expr import (And, BinaryApp, Call, Expr, GetAttr, HasAttr, Is, Ite, Like, Lit, Or, RecordExpr, SetExpr, Uid,
                       UnaryApp, Var)
from spec.types import FieldSort as F
from spec.types import TypeSort as T
from spec.validator import PERMITTED_ERRORS
from spec.values import (EMPTY_MAP, Entry, EntityUID, Value, Values, _insert, bool_value, make_record, make_set, store,
                         string_val)

V = Value
TRUE_RESULT = ok(bool_value(True))
TRUE = z3.BoolVal(True)


def permitted(r: z3.ExprRef) -> z3.BoolRef:
    """An error the validator cannot rule out."""
    return z3.And(Result.is_err(r), z3.Or([Result.error(r) == ERRORS[k] for k in PERMITTED_ERRORS]))


def evaluates_to(r: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
    """Lean `EvaluatesTo` with `InstanceOfType`: a permitted error, or a value of type `t`."""
    return z3.Or(permitted(r), z3.And(Result.is_ok(r), inst(Result.ok_value(r), t)))


@dataclass
class Part:
    """A sub-expression: a hole, its result, its typing, and the capabilities it was typed under."""
    label: str
    expr: Expr
    result: z3.ExprRef
    sub: Sub
    context: z3.BoolRef = TRUE

    @property
    def value(self) -> z3.ExprRef:
        return Result.ok_value(self.result)

    def hypothesis(self) -> z3.BoolRef:
        """The induction hypothesis for this part (Lean `TypeOfIsSound` of the sub-expression)."""
        return z3.Implies(z3.And(self.sub.typed, self.context),
                          z3.And(evaluates_to(self.result, self.sub.ty),
                                 z3.Implies(self.result == TRUE_RESULT, self.sub.caps)))


@dataclass
class Derived:
    """A fact about every index `i` (`at(i)`, proved for a fresh one), gathered into `whole`."""
    name: str
    index: z3.ExprRef
    at: Callable[[z3.ExprRef], z3.BoolRef]
    whole: z3.BoolRef
    facts: Callable[[z3.ExprRef], list[z3.BoolRef]] = lambda i: []
    known: Callable[[z3.ExprRef], list[z3.BoolRef]] = lambda i: []
    uses: tuple = ()


@dataclass
class Form:
    """One expression form with symbolic parts; `goals` states its soundness."""
    name: str
    parts: list[Part] = field(default_factory=list)
    strings: dict[str, z3.ExprRef] = field(default_factory=dict)
    terms: dict[z3.ExprRef, z3.ExprRef] = field(default_factory=dict)
    facts: list[z3.BoolRef] = field(default_factory=list)
    known: list[z3.BoolRef] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    uses: tuple = ()
    opaque: bool = True  # set folds and compound sequences opaque (see `goals`)
    # Small concrete instances of the form's parameters, searched for a counterexample before giving up
    # (Z3 often answers `unknown` for a refutable goal over symbolic record types); only narrows the search.
    witnesses: list[list[z3.BoolRef]] = field(default_factory=list)

    def part(self, label: str, context: z3.BoolRef = TRUE, ty: z3.ExprRef | None = None) -> Part:
        """A hole; its type is any type, or `ty` (a shape with symbolic components)."""
        n = f"{self.name}.{label}"
        p = Part(label, hole(n), z3.Const(n, Result),
                 Sub(z3.Const(f"{n}.type", T) if ty is None else ty, z3.Bool(f"{n}.typed"), z3.Bool(f"{n}.caps")),
                 context)
        self.parts.append(p)
        return p

    def string(self, label: str) -> tuple[str, z3.SeqRef]:
        """A marked string (attribute name, entity type...) and the symbolic string it stands for."""
        m, s = mark(f"{self.name}.{label}"), z3.String(f"{self.name}.{label}")
        self.strings[m] = s
        return m, s

    def uid(self, label: str) -> tuple[Uid, z3.ExprRef]:
        (ty_mark, ty), (id_mark, eid) = self.string(f"{label}.type"), self.string(f"{label}.id")
        return Uid(ty_mark, id_mark), EntityUID.entity_uid(ty, eid)

    def evaluates_to(self, r: z3.ExprRef, t: z3.ExprRef) -> z3.BoolRef:
        """`evaluates_to(r, t)`, with the definition of `inst` at its value for the proof."""
        self.known.append(unfold(Result.ok_value(r), t))
        return evaluates_to(r, t)

    def evaluate(self, x: Expr, holes: dict[Expr, z3.ExprRef] | None = None) -> z3.ExprRef:
        holes = {p.expr: p.result for p in self.parts} if holes is None else holes
        return evaluate_form(x, REQ, ES, holes, self.strings, self.terms)

    def goals(self, x: Expr, typing: Typing, show: str) -> Steps:
        """Soundness of `x`, typed by `typing`: its type, then the capabilities it establishes."""
        result = self.evaluate(x)
        hyps = [typing.ok, request_is_well_formed(inst), *(p.hypothesis() for p in self.parts), *self.facts,
                *(z3.ForAll([d.index], z3.And(d.facts(d.index))) for d in self.derived if d.facts(d.index))]
        definitions = [unfold(p.value, p.sub.ty) for p in self.parts]
        out: Steps = []
        known = [*definitions, *self.known]
        for d in self.derived:
            i = d.index
            each = Goal(f"{self.name}: {d.name} (each)", [*hyps, *d.facts(i)], d.at(i), fresh=(i,),
                        known=[*definitions, *d.known(i)], uses=d.uses)
            whole = glued(f"{self.name}: {d.name}", d.whole, [each], hyps)
            out += whole
            known.append(closure(whole[-1]))
        explain = explain_form(show, self.parts, result, typing)
        # One goal per type the rule may give (the leaves of `typing.ty`); the folds of sets stay opaque
        # (what a form needs of them comes from the set lemmas).
        for n, (path, ty) in enumerate(_leaves(typing.ty)):
            out.append(_quick_first(Goal(f"{self.name}: type" + (f" (case {n + 1})" if n or path is not TRUE else ""),
                                         [*hyps, path], evaluates_to(result, ty), explain,
                                         known=[*known, unfold(Result.ok_value(result), ty)], uses=self.uses,
                                         opaque=self.opaque, simplify=True), self.witnesses))
        out.append(_quick_first(Goal(f"{self.name}: capabilities", hyps, z3.Implies(result == TRUE_RESULT, typing.caps),
                                     explain, known=known, uses=self.uses, opaque=self.opaque, simplify=True),
                                self.witnesses))
        return out


QUICK_TRY_MS = 2_000


def _quick_first(goal: Goal, witnesses: list[list[z3.BoolRef]] = ()) -> Goal:  # type: ignore[assignment]
    """First try the goal with its quantified formulas as opaque atoms (most steps only combine the instances
    they are given), then as it is, then (to find a counterexample) relaxed again, without simplification,
    a model counting only once `explain.genuine` confirms it: first in each of the small `witnesses`
    (further facts: a model of them is still a model of the goal's own facts), then in general."""
    import dataclasses
    validate = genuine(goal.facts, goal.claim)
    refute = dataclasses.replace(goal, propositional=True, simplify=False, timeout_ms=QUICK_TRY_MS, validate=validate)
    for w in reversed(witnesses):
        refute = dataclasses.replace(refute, facts=[*goal.facts, *w], refute_only=True, fallback=lambda then=refute: then)
    full = dataclasses.replace(goal, fallback=lambda: refute)
    return dataclasses.replace(goal, propositional=True, timeout_ms=QUICK_TRY_MS, fallback=lambda: full,
                               validate=validate)


def _leaves(t: z3.ExprRef, path: z3.BoolRef = TRUE) -> list[tuple[z3.BoolRef, z3.ExprRef]]:
    """The cases of an if-then-else term: (condition, value) pairs."""
    if z3.is_app_of(t, z3.Z3_OP_ITE):
        c, a, b = t.children()
        return _leaves(a, z3.And(path, c) if path is not TRUE else c) + \
            _leaves(b, z3.And(path, z3.Not(c)) if path is not TRUE else z3.Not(c))
    return [(path, t)]


def _lub_instance(lemma: Lemma, v: z3.ExprRef, side: z3.ExprRef, other: z3.ExprRef, joined: z3.ExprRef) -> z3.BoolRef:
    """`lub_left` / `lub_right` for the type `side`, at value `v`."""
    return z3.substitute_vars(lemma.at(side).body(), joined, other, v)  # de Bruijn: the last bound variable is 0


# ----- literals and variables -----

_LONG_MARK = 0x5EED_1234_ABCD_0042  # a long literal made symbolic


def literals(rules: TypingRules) -> Steps:
    out: Steps = []
    for b in (True, False):
        out += Form(f"literal {str(b).lower()}").goals(Lit(b), rules.lit_bool(b), str(b).lower())
    f = Form("literal long")
    f.terms[z3.BitVecVal(_LONG_MARK, 64)] = z3.BitVec("literal long.value", 64)
    out += f.goals(Lit(_LONG_MARK), rules.lit_long(), "42")
    f = Form("literal string")
    m, _ = f.string("value")
    out += f.goals(Lit(m), rules.lit_string(), '"a string"')
    f = Form("literal entity")
    literal, uid = f.uid("value")
    out += f.goals(Lit(literal), rules.lit_entity(uid), 'T::"id"')
    for name in ("principal", "action", "resource", "context"):
        out += Form(f"variable {name}").goals(Var(name), rules.var(name), name)
    f = Form("action literal")
    literal, uid = f.uid("value")
    action = Form("action variable").evaluate(Var("action"))
    out.append(Goal("the action variable is the request type's action literal",
                    [request_is_well_formed(inst), uid == ACTION], f.evaluate(Lit(literal)) == action))
    return out


# ----- control -----

def control(rules: TypingRules) -> Steps:
    out: Steps = []
    f = Form("if")
    c = f.part("cond")
    a, b = f.part("then", context=c.sub.caps), f.part("else")
    joined = z3.Const("if.lub", T)
    f.known += [_lub_instance(lub_left, a.value, a.sub.ty, b.sub.ty, joined),
                _lub_instance(lub_right, b.value, b.sub.ty, a.sub.ty, joined)]
    f.uses = (lub_left, lub_right)
    out += f.goals(Ite(c.expr, a.expr, b.expr), rules.ite(c.sub, a.sub, b.sub, joined), "if e1 then e2 else e3")
    f = Form("and")
    a = f.part("left")
    b = f.part("right", context=a.sub.caps)
    out += f.goals(And(a.expr, b.expr), rules.and_(a.sub, b.sub), "e1 && e2")
    f = Form("or")
    a, b = f.part("left"), f.part("right")
    out += f.goals(Or(a.expr, b.expr), rules.or_(a.sub, b.sub), "e1 || e2")
    return out


# ----- unary operators -----

def unary(rules: TypingRules) -> Steps:
    out: Steps = []
    for op, rule, show in (("not", rules.not_, "!e1"), ("neg", rules.neg, "-e1"), ("isEmpty", rules.is_empty, "e1.isEmpty()")):
        f = Form(op)
        a = f.part("arg")
        out += f.goals(UnaryApp(op, a.expr), rule(a.sub), show)
    for n, pattern in enumerate(((), ("a",), (None,), ("a", None, "b"))):
        f = Form(f"like{n}")
        a = f.part("arg")
        text = "".join("*" if c is None else c for c in pattern)
        out += f.goals(UnaryApp(Like(pattern), a.expr), rules.like(a.sub), f'e1 like "{text}"')
    f = Form("is")
    a = f.part("arg")
    m, ety = f.string("type")
    out += f.goals(UnaryApp(Is(m), a.expr), rules.is_(a.sub, ety), "e1 is T")
    return out


# ----- binary operators -----

_SIMPLE = {"less": ("compare", "e1 < e2"), "lessEq": ("compare", "e1 <= e2"), "add": ("arith", "e1 + e2"),
           "sub": ("arith", "e1 - e2"), "mul": ("arith", "e1 * e2"), "contains": ("contains", "e1.contains(e2)"),
           "containsAll": ("contains_all_any", "e1.containsAll(e2)"),
           "containsAny": ("contains_all_any", "e1.containsAny(e2)")}


def binary(rules: TypingRules) -> Steps:
    out: Steps = []
    for op, (rule, show) in _SIMPLE.items():
        f = Form(op)
        a, b = f.part("left"), f.part("right")
        out += f.goals(BinaryApp(op, a.expr, b.expr), getattr(rules, rule)(a.sub, b.sub), show)
    f = Form("eq")
    a, b = f.part("left"), f.part("right")
    w = z3.Const("lub.witness", T)
    # Two entity types without a lub differ (a type is its own lub).
    f.known += [z3.Implies(z3.Not(z3.Exists([w], lub(a.sub.ty, b.sub.ty, w))), z3.Not(lub(a.sub.ty, b.sub.ty, a.sub.ty))),
                unfold_lub(a.sub.ty, b.sub.ty, a.sub.ty)]
    out += f.goals(BinaryApp("eq", a.expr, b.expr), rules.eq(a.sub, b.sub), "e1 == e2")
    return out + _eq_literals(rules) + _membership(rules) + _tags(rules)


def _literal(f: Form, kind: str, label: str) -> tuple[Expr, z3.ExprRef, z3.BoolRef]:
    """A literal of `kind` with symbolic contents: the expression, its value, and the validator's condition."""
    if kind in ("true", "false"):
        return Lit(kind == "true"), bool_value(kind == "true"), TRUE
    if kind == "long":
        marker = _LONG_MARK + len(f.terms)
        sym = z3.BitVec(f"{f.name}.{label}", 64)
        f.terms[z3.BitVecVal(marker, 64)] = sym
        return Lit(marker), V.long(sym), TRUE
    if kind == "string":
        m, s = f.string(label)
        return Lit(m), V.string(s), TRUE
    literal, uid = f.uid(label)
    return Lit(literal), V.entity(uid), valid_uid(uid)


_PYTHON_TYPE = {"true": bool, "false": bool, "long": int, "string": str, "entity": Uid}


def _eq_literals(rules: TypingRules) -> Steps:
    """Two literals: the validator decides `==` (same Python type and equal)."""
    out: Steps = []
    kinds = ("true", "false", "long", "string", "entity")
    for i, k1 in enumerate(kinds):
        for k2 in kinds[i:]:
            f = Form(f"eq literals {k1} {k2}")
            x1, v1, ok1 = _literal(f, k1, "left")
            x2, v2, ok2 = _literal(f, k2, "right")
            equal = z3.BoolVal(k1 == k2) if "true" in (k1, k2) or "false" in (k1, k2) else v1 == v2
            typing = rules.eq_literals(_PYTHON_TYPE[k1] is _PYTHON_TYPE[k2], equal, Sub(TRUE), Sub(TRUE))
            out += f.goals(BinaryApp("eq", x1, x2), Typing(z3.And(typing.ok, ok1, ok2), typing.ty, typing.caps),
                           f"a {k1} literal == a {k2} literal")
    return out


def _membership(rules: TypingRules) -> Steps:
    out: Steps = []
    # an entity `in` an entity
    f = Form("in")
    a, b = f.part("left"), f.part("right")
    f.facts += [ancestor_is_well_formed(V.uid(a.value), V.uid(b.value)), T.is_entity_type(b.sub.ty)]
    out += f.goals(BinaryApp("mem", a.expr, b.expr), rules.mem(a.sub, b.sub), "e1 in e2")
    # an entity `in` a set of entities
    f = Form("in set")
    a, b = f.part("left"), f.part("right")
    elems, elem_type = V.elems(b.value), T.elem_type(b.sub.ty)
    f.facts.append(T.is_set_type(b.sub.ty))  # the other shape the rule admits (with "in" above: all of them)

    def in_it(e: z3.ExprRef) -> z3.BoolRef:
        return in_entity(V.uid(a.value), V.uid(e), ES)
    both_ok = z3.And(Result.is_ok(a.result), Result.is_ok(b.result), T.is_set_type(b.sub.ty))
    unrelated = z3.And(both_ok, z3.Not(z3.Or(T.ety(a.sub.ty) == T.ety(elem_type),
                                             _ancestor_type(T.ety(a.sub.ty), T.ety(elem_type)))))
    f.derived += [
        Derived("its elements are entities", z3.Int("in set.i"),
                lambda i: z3.Implies(both_ok, sets.all_at(elems, V.is_entity, i)),
                z3.Implies(both_ok, sets.all_of(elems, V.is_entity)),
                known=lambda i: [set_element_of.at(b.value, b.sub.ty, i), unfold(elems[i], elem_type)],
                uses=(set_element_of,)),
        Derived("it is in none of unrelated type", z3.Int("in set.j"),
                lambda i: z3.Implies(unrelated, sets.all_at(elems, sets.not_(in_it), i)),
                z3.Implies(unrelated, sets.all_of(elems, sets.not_(in_it))),
                facts=lambda i: [ancestor_is_well_formed(V.uid(a.value), V.uid(elems[i]))],
                known=lambda i: [set_element_of.at(b.value, b.sub.ty, i), unfold(elems[i], elem_type)],
                uses=(set_element_of,))]
    f.known += [sets.fold_all_iff.at(elems, TRUE, P=V.is_entity), sets.fold_any_iff.at(elems, z3.BoolVal(False), P=in_it),
                sets.any_is_not_all_not.at(elems, P=in_it)]
    f.uses = (sets.fold_all_iff, sets.fold_any_iff, sets.any_is_not_all_not)
    out += f.goals(BinaryApp("mem", a.expr, b.expr), rules.mem(a.sub, b.sub), "e1 in e2")
    out += _action_literal_membership(rules)
    return out


def _ancestor_type(e1: z3.ExprRef, e2: z3.ExprRef) -> z3.BoolRef:
    from proofs.typed_env import ancestor_type
    return ancestor_type(e1, e2)


LIST_LENGTHS_CHECKED = 3


def _action_literal_membership(rules: TypingRules) -> Steps:
    """An action literal `in` an entity literal or a list of them: decided by the action hierarchy."""
    out: Steps = []
    f = Form("action literal in literal")
    action_literal, action = f.uid("action")
    target_literal, target = f.uid("target")
    f.facts += [is_action(action), entity_is_well_formed(action, inst), ancestor_is_well_formed(action, target)]
    typing = rules.mem_action_literal(action, [target], Sub(T.entity_type(EntityUID.ty(action))),
                                      Sub(T.entity_type(EntityUID.ty(target))))
    out += f.goals(BinaryApp("mem", Lit(action_literal), Lit(target_literal)),
                   Typing(z3.And(typing.ok, valid_uid(action), valid_uid(target)), typing.ty), 'Action::"a" in T::"b"')
    step = in_list_step(ES)
    for n in range(1, LIST_LENGTHS_CHECKED + 1):
        f = Form(f"action literal in a list of {n}")
        action_literal, action = f.uid("action")
        targets = [f.uid(f"target{i}") for i in range(n)]
        f.facts += [sets.KEY_INJECTIVE, is_action(action), entity_is_well_formed(action, inst),
                    *(ancestor_is_well_formed(action, t) for _, t in targets)]
        steps, equation, _ = in_literals(f.name, action, [t for _, t in targets], ES, step)
        out += steps
        f.known.append(closure(steps[-1]))
        typing = rules.mem_action_literal(action, [t for _, t in targets], Sub(T.entity_type(EntityUID.ty(action))),
                                          Sub(T.set_type(T.entity_type(EntityUID.ty(targets[0][1])))))
        ok_literals = z3.And(valid_uid(action), *(valid_uid(t) for _, t in targets))
        out += [dataclass_replace(g, simplify=True)
                for g in f.goals(BinaryApp("mem", Lit(action_literal), SetExpr(tuple(Lit(x) for x, _ in targets))),
                                 Typing(z3.And(typing.ok, ok_literals), typing.ty),
                                 'Action::"a" in [' + ", ".join(f'T::"b{i}"' for i in range(n)) + "]")]
    return out


def dataclass_replace(goal: Goal, **changes: object) -> Goal:
    import dataclasses
    return dataclasses.replace(goal, **changes)


def _tags(rules: TypingRules) -> Steps:
    out: Steps = []
    for op in ("hasTag", "getTag"):
        f = Form(op)
        a, b = f.part("entity"), f.part("tag")
        uid, key = V.uid(a.value), V.s(b.value)
        f.facts += [entity_is_well_formed(uid, inst), tag_is_well_formed(uid, key, inst)]
        has = f.evaluate(BinaryApp("hasTag", a.expr, b.expr))
        known = z3.Bool(f"{op}.known")  # the capability (e1, tag e2) is in the context
        tt = T.bool_type(z3.StringVal("tt"))
        f.facts.append(z3.Implies(known, f.evaluates_to(has, tt)))
        show = "e1.hasTag(e2)" if op == "hasTag" else "e1.getTag(e2)"
        typing = (rules.has_tag(a.sub, b.sub, known, f.evaluates_to(has, tt))
                  if op == "hasTag" else rules.get_tag(a.sub, b.sub, known))
        out += f.goals(BinaryApp(op, a.expr, b.expr), typing, show)
    return out


# ----- attributes -----

def attributes(rules: TypingRules) -> Steps:
    """`e has a` and `e.a`, of a record and of an entity (the two shapes the rules admit)."""
    out: Steps = []
    for form in ("has", "get"):
        for shape in ("record", "entity"):
            f = Form(f"{form} attr of {shape}", opaque=False)  # the record type's fields must stay visible
            a = f.part("of", ty=T.record_type(z3.Const(f"{f.name}.fields", z3.SeqSort(F))) if shape == "record"
                       else T.entity_type(z3.String(f"{f.name}.entity_type")))
            m, attr = f.string("attr")
            i = z3.Int(f"{f.name}.index")  # where the type declares the attribute
            uid = V.uid(a.value)
            has = f.evaluate(HasAttr(a.expr, m))
            known = z3.Bool(f"{f.name}.known")  # the capability (e1, attr) is in the context
            f.facts.append(z3.Implies(known, f.evaluates_to(has, T.bool_type(z3.StringVal("tt")))))
            if shape == "record":
                v, t = a.value, a.sub.ty
            else:
                v, t = stored_attrs(uid), _attrs_type(a.sub.ty)
                f.facts.append(entity_is_well_formed(uid, inst))
            f.known += [record_field_of.at(v, t, i), record_declared_of.at(v, t, attr), unfold(v, t)]
            f.uses = (record_field_of, record_declared_of)
            f.witnesses = _attribute_witnesses(f, shape, a, attr, i, known)
            if form == "has":
                own = f.evaluates_to(has, T.bool_type(z3.StringVal("tt")))
                out += f.goals(HasAttr(a.expr, m), rules.has_attr(a.sub, attr, i, known, own), "e1 has a")
            else:
                out += f.goals(GetAttr(a.expr, m), rules.get_attr(a.sub, attr, i, known), "e1.a")
    return out


def _attribute_witnesses(f: Form, shape: str, a: Part, attr: z3.SeqRef, i: z3.ArithRef,
                         known: z3.BoolRef) -> list[list[z3.BoolRef]]:
    """The form at one attribute `a: Long` of an otherwise empty record, required or optional, present or
    absent, with the capability known or not (and an empty context): where a seeded bug shows."""
    empty = [CONTEXT_TYPE == T.record_type(z3.Empty(z3.SeqSort(F))), REQ.context == V.record(EMPTY_MAP, z3.StringVal(""))]
    out = []
    for required in (False, True):
        for present in (False, True):
            for capability in (False, True):
                fields = z3.Unit(F.field(attr, z3.BoolVal(required), T.long_type))
                attrs = z3.Store(EMPTY_MAP, attr, Entry.present(V.long(1))) if present else EMPTY_MAP
                w = [*empty, attr == z3.StringVal("a"), i == 0, known == capability]
                if shape == "record":
                    w += [z3.Const(f"{f.name}.fields", z3.SeqSort(F)) == fields,
                          a.result == ok(V.record(attrs, z3.StringVal("")))]
                else:
                    ety = z3.String(f"{f.name}.entity_type")
                    uid = EntityUID.entity_uid(ety, z3.StringVal("e"))
                    w += [ety == z3.StringVal("T"), is_entity_type(ety), attrs_of(ety) == T.record_type(fields),
                          a.result == ok(V.entity(uid)), ES.exists[uid], ES.attrs[uid] == attrs]
                out.append(w)
    return out


def _attrs_type(t: z3.ExprRef) -> z3.ExprRef:
    return attrs_of(T.ety(t))


# ----- sets and records, one element at a time -----

_q, _v, _k = z3.Const("set.elements", Values), z3.Const("set.next", Value), z3.String("record.key")
_so_far, _vt, _joined = z3.Const("set.type", T), z3.Const("set.next.type", T), z3.Const("set.joined", T)


def _set_step_lemma() -> Lemma:
    """Inserting an element into a set of a type: a set of the lub of the types (any set, any element)."""
    statement = z3.Implies(z3.And(sets.all_of(_q, of_type(_so_far)), inst(_v, _vt), lub(_so_far, _vt, _joined)),
                           sets.all_of(_insert(_q, _v), of_type(_joined)))
    x = z3.Const("set_step.x", Value)

    def proof() -> Steps:
        widen = Goal("set_step: the elements so far widen", [lub(_so_far, _vt, _joined), inst(x, _so_far)],
                     inst(x, _joined), fresh=(x,), known=[_lub_instance(lub_left, x, _so_far, _vt, _joined)],
                     uses=(lub_left,))
        everywhere = glued("set_step: every element so far widens", sets.implies_everywhere(of_type(_so_far), of_type(_joined)),
                           [widen], [lub(_so_far, _vt, _joined)])
        return [*everywhere, Goal("set_step", [], statement, known=[
            closure(everywhere[-1]), sets.all_of_mono.at(_q, P=of_type(_so_far), Q=of_type(_joined)),
            _lub_instance(lub_right, _v, _vt, _so_far, _joined), sets.insert_all.at(_q, _v, P=of_type(_joined))],
            uses=(sets.all_of_mono, sets.insert_all, lub_right), opaque=True, propositional=True)]
    return Lemma("set_step", (_q, _v, _so_far, _vt, _joined), statement, proof)


SET_SIZES_CHECKED = 3


def _value_goal(f: Form, x: Expr, parts: list[Part], value: z3.ExprRef) -> Goal:
    """What the model makes of `x` from its parts' results: `ok(value)` if all are values, else one's error
    (`bind_all`)."""
    result = f.evaluate(x)
    all_ok = z3.And([Result.is_ok(p.result) for p in parts])
    claim = z3.And(z3.Implies(all_ok, result == ok(value)),
                   z3.Implies(z3.Not(all_ok), z3.Or([z3.And(Result.is_err(p.result), result == p.result) for p in parts])))
    return Goal(f"{f.name}: its value", [], claim)


def set_literals(rules: TypingRules) -> Steps:
    """`[e1, ..., en]`: for each n, the typing step by step (`set_first`, `set_next`) and `set_step`."""
    step = _set_step_lemma()
    out: Steps = []
    for n in range(1, SET_SIZES_CHECKED + 1):
        f = Form(f"set of {n}")
        parts = [f.part(f"e{i}") for i in range(n)]
        typing = rules.set_first(parts[0].sub)
        so_far, elements, oks = parts[0].sub.ty, _insert(sets.EMPTY, parts[0].value), [typing.ok]
        f.known += [sets.insert_all.at(sets.EMPTY, parts[0].value, P=of_type(so_far)),
                    sets.all_of_empty.at(P=of_type(so_far))]
        for p in parts[1:]:
            joined = z3.Const(f"{f.name}.{p.label}.joined", T)
            typing = rules.set_next(so_far, p.sub, joined)
            oks.append(typing.ok)
            f.known.append(step.at(elements, p.value, so_far, p.sub.ty, joined))
            so_far, elements = joined, _insert(elements, p.value)
        x = SetExpr(tuple(p.expr for p in parts))
        the_set = make_set([p.value for p in parts])
        value = _value_goal(f, x, parts, the_set)
        elems = Goal(f"{f.name}: its elements", [], V.elems(the_set) == elements)
        f.known += [closure(value), closure(elems), unfold(the_set, T.set_type(so_far))]
        f.uses = (step, sets.insert_all, sets.all_of_empty)
        show = "[" + ", ".join(f"e{i + 1}" for i in range(n)) + "]"
        out += [value, elems, *f.goals(x, Typing(z3.And(oks), T.set_type(so_far)), show)]
    return out


_fields = z3.Const("record.fields", z3.SeqSort(F))
_map = z3.Const("record.map", z3.ArraySort(z3.StringSort(), Entry))
_key, _attr, _t = z3.String("record.key"), z3.String("record.attr"), z3.Const("record.attr.type", T)


def _grown(m: z3.ExprRef, attr: z3.ExprRef, v: z3.ExprRef) -> z3.ExprRef:
    return store(m, attr, Entry.present(v))


def _record_step_lemma() -> Lemma:
    """One more attribute, not declared so far: an instance of the record type with one more (required) field."""
    before, after = V.record(_map, _key), V.record(_grown(_map, _attr, _v), _key)
    t_before = T.record_type(_fields)
    t_after = T.record_type(z3.Concat(_fields, z3.Unit(F.field(_attr, TRUE, _t))))
    hyps = [inst(before, t_before), inst(_v, _t), z3.Not(declared_in(t_before, _attr))]
    statement = z3.Implies(z3.And(hyps), inst(after, t_after))
    i, k = z3.Int("record_step.i"), z3.String("record_step.k")
    defs = [unfold(before, t_before), unfold(after, t_after)]

    def proof() -> Steps:
        old = Goal("record_step: an old field", [*hyps, i < z3.Length(_fields), z3.Not(declares(t_before, _attr, i))],
                   record_field(after, t_after, i), fresh=(i,), known=[record_field_of.at(before, t_before, i)],
                   uses=(record_field_of,), simplify=True)
        new = Goal("record_step: the new field", [*hyps, i >= z3.Length(_fields)], record_field(after, t_after, i),
                   fresh=(i,), simplify=True)
        field_ = glued("record_step: every field", every_field(after, t_after), [old, new], hyps)
        names = Goal("record_step: declared names stay declared", [declares(t_before, k, i)], declares(t_after, k, i),
                     fresh=(k, i))
        last = Goal("record_step: the new name is declared", [], declares(t_after, _attr, z3.Length(_fields)))
        one = Goal("record_step: each present attribute is declared", hyps, record_declared(after, t_after, k),
                   fresh=(k,), known=[*defs, record_declared_of.at(before, t_before, k), closure(names), closure(last)],
                   uses=(record_declared_of,))
        every = Goal("record_step: every present attribute is declared", hyps, every_declared(after, t_after),
                     known=[closure(one)])
        return glued("record_step", statement, [*field_, names, last, one, every], known=defs, propositional=True)
    return Lemma("record_step", (_fields, _map, _key, _v, _attr, _t), statement, proof)


def _empty_record_lemma() -> Lemma:
    statement = inst(V.record(EMPTY_MAP, _key), T.record_type(z3.Empty(z3.SeqSort(F))))
    return Lemma("empty_record", (_key,), statement, lambda: [
        Goal("empty_record", [], statement, known=[unfold(V.record(EMPTY_MAP, _key), T.record_type(z3.Empty(z3.SeqSort(F))))])])


RECORD_SIZES_CHECKED = 3


def record_literals(rules: TypingRules) -> Steps:
    """`{a1: e1, ..., an: en}`: for each n, the typing attribute by attribute (`record_next`) and `record_step`."""
    step, empty = _record_step_lemma(), _empty_record_lemma()
    out: Steps = []
    for n in range(RECORD_SIZES_CHECKED + 1):
        f = Form(f"record of {n}")
        names = [f.string(f"a{i}") for i in range(n)]  # marked names sort as listed, as `make_record` sorts them
        parts = [f.part(f"e{i}") for i in range(n)]
        x = RecordExpr(tuple((m, p.expr) for (m, _), p in zip(names, parts)))
        the_record = make_record({m: p.value for (m, _), p in zip(names, parts)})
        the_record = z3.substitute(the_record, *((string_val(m), s) for m, s in names)) if names else the_record
        key = V.record_key(the_record)
        fields, m, oks, typing = z3.Empty(z3.SeqSort(F)), EMPTY_MAP, [], Typing(TRUE, T.record_type(z3.Empty(z3.SeqSort(F))))
        f.known.append(empty.at(key))
        distinct = z3.Distinct(*(a for _, a in names)) if n > 1 else TRUE
        for (_, attr), p in zip(names, parts):
            fresh_name = Goal(f"{f.name}: {p.label}'s name is new", [distinct],
                              z3.Not(declared_in(T.record_type(fields), attr)), simplify=True)
            out.append(fresh_name)
            f.known += [step.at(fields, m, key, p.value, attr, p.sub.ty), closure(fresh_name)]
            typing = rules.record_next(fields, attr, p.sub)
            oks.append(typing.ok)
            fields, m = z3.Concat(fields, z3.Unit(F.field(attr, TRUE, p.sub.ty))), _grown(m, attr, p.value)
        f.facts.append(distinct)  # a record literal's names are distinct
        value = _value_goal(f, x, parts, the_record)
        shape = Goal(f"{f.name}: its attributes", [], V.record(m, key) == the_record)
        f.known += [closure(value), closure(shape)]
        f.uses = (step, empty)
        show = "{" + ", ".join(f"a{i}: e{i + 1}" for i in range(n)) + "}"
        out += [value, shape, *f.goals(x, Typing(z3.And(oks), typing.ty), show)]
    return out


# ----- extension functions -----

def calls(rules: TypingRules) -> Steps:
    out: Steps = []
    for fn, kind in (("decimal", V.is_decimal), ("ip", V.is_ipaddr), ("datetime", V.is_datetime),
                     ("duration", V.is_duration)):
        f = Form(f"{fn}(literal)")
        m, s = f.string("literal")
        table = extfun.LITERAL[fn][s]
        # The model's table for this constructor holds its parse results (`extfun.literal_axioms`).
        f.facts.append(z3.Or(table == err("extensionError"), z3.And(Result.is_ok(table), kind(Result.ok_value(table)))))
        out += f.goals(Call(fn, (Lit(m),)), rules.constructor(fn, z3.Bool(f"{fn}.parses")), f'{fn}("...")')
    from proofs.typing_rules import SIGNATURES
    for fn, (params, _) in SIGNATURES.items():
        f = Form(fn)
        args = [f.part(f"arg{i}") for i in range(len(params))]
        show = f"{fn}(" + ", ".join(f"e{i + 1}" for i in range(len(args))) + ")"
        out += f.goals(Call(fn, tuple(a.expr for a in args)), rules.call(fn, [a.sub for a in args]), show)
    return out


def forms(rules: TypingRules = RULES) -> Steps:
    """Every form's soundness goals (and the lemmas they use, through `uses`)."""
    return [*literals(rules), *control(rules), *unary(rules), *binary(rules), *attributes(rules),
            *set_literals(rules), *record_literals(rules), *calls(rules)]
