"""The Z3 model (`spec`) as an oracle: JSON policy form, explicit entities, explicit context.

The model reads no schemas and no text: it is handed the generator's JSON
policy form (which the parse check ties to what the parsers produce) and the
explicit entities and request JSON.
"""

from __future__ import annotations

import importlib
from typing import Any

from .case import Case
from .outcome import Outcome
from .timeout import Timeout, time_limit

CALL_SECONDS = 10.0
"""Longest the model may take on one request before it counts as hung."""


def model_available() -> bool:
    try:
        spec = importlib.import_module("spec")
    except Exception:  # noqa: BLE001 - not written yet, or broken: no model oracle this run
        return False
    return callable(getattr(spec, "is_authorized", None)) and callable(getattr(spec.concrete, "is_authorized_all", None))


def _error_pairs(errors: Any) -> list[tuple[str, str]]:
    """The model's erroring policies as (id, kind), whatever container it reports them in."""
    if isinstance(errors, dict):
        return [(str(k), _kind(v)) for k, v in errors.items()]
    out = []
    for e in errors or ():
        if isinstance(e, str):
            out.append((e, "?"))
        elif isinstance(e, (tuple, list)):
            out.append((str(e[0]), _kind(e[1]) if len(e) > 1 else "?"))
        else:
            pid = getattr(e, "policy_id", None) or getattr(e, "id", None)
            out.append((str(pid), _kind(getattr(e, "kind", None) or getattr(e, "error", None))))
    return out


def _kind(k: Any) -> str:
    if k is None:
        return "?"
    return str(getattr(k, "value", k))


class ModelOracle:
    name = "model"

    def __init__(self) -> None:
        self.concrete = importlib.import_module("spec.concrete")
        errors = importlib.import_module("spec.errors")
        self.input_error = getattr(errors, "InputError", ValueError)

    def authorize(self, case: Case, schema: bool = False) -> list[Outcome]:
        """Every request of the case in one call of the model (`is_authorized_all`: one `simplify` for them all)."""
        policies = case.policies_json()
        try:
            with time_limit(CALL_SECONDS * max(1, len(case.requests))):
                answers = self.concrete.is_authorized_all(case.requests, policies, case.entities)
        except Timeout as e:
            return [Outcome.crashed(f"hang: {e}") for _ in case.requests]
        except self.input_error as e:
            return [Outcome.refused(f"model input: {e}") for _ in case.requests]
        except RecursionError:
            return [Outcome.crashed("RecursionError") for _ in case.requests]
        except Exception as e:  # noqa: BLE001 - a crash is a finding
            return [Outcome.crashed(f"{type(e).__name__}: {e}") for _ in case.requests]
        return [self._outcome(a) for a in answers]

    def _outcome(self, resp: Any) -> Outcome:
        if isinstance(resp, self.input_error):
            return Outcome.refused(f"model input: {resp}")
        decision = str(getattr(resp.decision, "value", resp.decision)).lower()
        kinds = getattr(resp, "error_kinds", None)
        errors = _error_pairs(kinds if kinds is not None else resp.errors)
        return Outcome.answer(decision, [str(x) for x in resp.reasons], errors)
