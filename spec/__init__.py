"""The model of Cedar in Z3: the trusted definition of the language in this project.

Concrete mode (an oracle for the engine):

    spec.is_authorized(request_json, policies_json, entities_json) -> Response

Symbolic mode (for proofs and analyses), the same terms on symbolic input:

    from spec.evaluator import evaluate                   # Expr, Request, Entities -> Result term
    from spec.authorizer import is_authorized, policy_family, policy_list
    from spec.schema import schema_of_json
    from spec.symbolic import symbolic_environment, solver_for, find_allowed_request, error_witness
    from spec.validator import type_of, validate, PERMITTED_ERRORS
    from spec.types import has_type

    env = symbolic_environment(schema, schema.environments()[0])  # request + store, with constraints
    result = evaluate(policy.to_expr(), env.request, env.entities)
    solver = solver_for([policy], env, Result.is_err(result))       # unsat: never errors in that environment
"""

from spec.concrete import Response, is_authorized

__all__ = ["Response", "is_authorized"]
