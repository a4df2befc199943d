"""The model of Cedar in Z3: the trusted definition of the language in this project.

Concrete mode: `spec.is_authorized(request, policies, entities) -> Response`.
Symbolic mode: `spec.symbolic` (requests and entity stores constrained by a schema).
"""

from spec.concrete import Response, is_authorized

__all__ = ["Response", "is_authorized"]
