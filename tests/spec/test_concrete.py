"""The concrete mode builds the model's own terms, and answers a batch of requests as it answers each one."""

from __future__ import annotations

import pytest
import z3

import spec
from spec import concrete
from spec.errors import InputError
from spec.evaluator import evaluate
from spec.expr import expr_of_json
from spec.values import key
from tests.spec.helpers import REQUEST, expr_json, policy_json

EXPRESSIONS = [
    "principal.owner == resource.owner && context.n + 1 < 3",
    '{b: [1, 2], a: {c: principal}, "x y": ip("10.0.0.1")}.a.c has d',
    'principal is User in [Group::"g", resource] || resource like "p*"',
    'if principal has tags then principal.getTag("t") else [[1], [1, 2], []].containsAll([[]])',
    'decimal("1.23").lessThan(decimal("2.0")) && !(datetime("2024-01-01").toTime() == duration("1h"))',
]


@pytest.mark.parametrize("src", EXPRESSIONS)
def test_an_expression_term_is_the_evaluators_term(src: str) -> None:
    x = expr_of_json(expr_json(src))
    built = concrete._expand(concrete._evaluate(x))
    model = z3.substitute_funs(evaluate(x, concrete._REQUEST, concrete._ENTITIES), (key, concrete._KEY))
    if not built.eq(model):  # equal up to Z3's rewriting: instantiating a rule drops an `if true`
        solver = z3.Solver()
        solver.add(built != model)
        assert solver.check() == z3.unsat


POLICIES = policy_json("""
permit(principal, action, resource) when { context.n > 1 };
forbid(principal, action, resource) when { context.n > 5 };
permit(principal, action, resource) when { context.s.isIpv4() };
""")


def _request(context: dict) -> dict:
    return {**REQUEST, "context": context}


def test_a_batch_answers_each_request_as_a_single_call_does() -> None:
    requests = [_request({"n": n, "s": {"__extn": {"fn": "ip", "arg": "1.2.3.4"}}}) for n in (0, 3, 7)]
    requests.append(_request({"n": 2, "s": "not an ip"}))
    batch = concrete.is_authorized_all(requests, POLICIES, [])
    assert batch == [spec.is_authorized(r, POLICIES, []) for r in requests]
    assert [r.decision for r in batch] == ["allow", "allow", "deny", "allow"]
    assert batch[3].error_kinds == {"policy2": "typeError"}


def test_a_request_the_model_cannot_read_gets_its_error_in_its_place() -> None:
    bad_context = _request({"n": 1, "s": {"__extn": {"fn": "ip", "arg": "nope"}}})
    answers = concrete.is_authorized_all([_request({"n": 3, "s": "x"}), bad_context, {"principal": 1}], POLICIES, [])
    assert answers[0].decision == "allow"
    assert isinstance(answers[1], InputError) and isinstance(answers[2], InputError)
    with pytest.raises(InputError):
        spec.is_authorized(bad_context, POLICIES, [])
