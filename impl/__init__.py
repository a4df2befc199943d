"""A Cedar authorization engine in Python.

    import impl
    ps = impl.PolicySet.from_str('permit(principal, action, resource);')
    r = impl.is_authorized({"principal": ..., "action": ..., "resource": ..., "context": {}}, ps, [])
    r.decision is impl.Decision.ALLOW

Names are imported on first use, so `import impl` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "CedarError": "impl.errors",
    "ParseError": "impl.errors",
    "EntityError": "impl.errors",
    "SchemaError": "impl.errors",
    "RequestError": "impl.errors",
    "LinkError": "impl.errors",
    "PolicySetError": "impl.errors",
    "EvaluationError": "impl.errors",
    "ErrorKind": "impl.errors",
    # values and syntax
    "EntityUID": "impl.values",
    "Set": "impl.values",
    "Record": "impl.values",
    "Policy": "impl.ast",
    "PolicySet": "impl.policyset",
    # data
    "Entities": "impl.entities",
    "Entity": "impl.entities",
    "parse_context": "impl.entities",
    "Schema": "impl.schema",
    # authorization
    "is_authorized": "impl.authorizer",
    "Authorizer": "impl.authorizer",
    "Request": "impl.authorizer",
    "Response": "impl.authorizer",
    "Decision": "impl.authorizer",
    "AuthorizationError": "impl.authorizer",
    "evaluate": "impl.evaluator",
    # validation
    "validate": "impl.validator",
    "validate_request": "impl.validator",
    "ValidationResult": "impl.validator",
    "ValidationError": "impl.validator",
    "ValidationWarning": "impl.validator",
    "validate_entities": "impl.validator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'impl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
