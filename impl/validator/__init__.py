"""The strict validator: policies against a schema, as Rust's `Validator` in strict mode.

`validate(policies, schema)` checks policies (with `level=n`, also that no
chain of entity dereferences is longer than `n`, RFC 76); `validate_request` and
`validate_entities` check data against the same schema.
"""

from .requests import validate_entities, validate_request
from .result import ValidationError, ValidationResult, ValidationWarning
from .validate import validate

__all__ = ["ValidationError", "ValidationResult", "ValidationWarning", "validate", "validate_entities", "validate_request"]
