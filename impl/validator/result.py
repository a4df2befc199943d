"""What validation reports: errors and warnings, each naming its policy and where in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Loc


@dataclass(frozen=True, slots=True)
class ValidationError:
    """One way a policy does not fit the schema.

    `kind` names the class of problem in Rust's words (`unrecognized_entity_type`,
    `unsafe_optional_attribute_access`, ...); `message` says it for a policy author.
    """

    policy_id: str
    kind: str
    message: str
    loc: Loc | None = field(default=None, compare=False)
    help: str | None = None
    span: tuple[int, int] | None = field(default=None, repr=False)  # (start, end) of `loc`, for equality

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc is not None else ""
        parts = [f"{where}policy `{self.policy_id}`: {self.message}"]
        if self.loc is not None:
            parts.append(self.loc.snippet())
        if self.help:
            parts.append(f"help: {self.help}")
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ValidationWarning:
    """Something suspicious that does not make validation fail (for example, an impossible policy)."""

    policy_id: str
    kind: str
    message: str
    loc: Loc | None = field(default=None, compare=False)
    span: tuple[int, int] | None = field(default=None, repr=False)

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc is not None else ""
        return f"{where}policy `{self.policy_id}`: {self.message}"


@dataclass(slots=True)
class ValidationResult:
    errors: list[ValidationError] = field(default_factory=list)
    warnings: list[ValidationWarning] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Validation passes when there are no errors (warnings do not count, as in Rust)."""
        return not self.errors

    def __str__(self) -> str:
        if self.passed and not self.warnings:
            return "validation passed"
        return "\n\n".join([str(e) for e in self.errors] + [f"warning: {w}" for w in self.warnings])


def make_error(policy_id: str, kind: str, message: str, loc: Loc | None, help: str | None = None) -> ValidationError:
    return ValidationError(policy_id, kind, message, loc, help, (loc.start, loc.end) if loc is not None else None)


def make_warning(policy_id: str, kind: str, message: str, loc: Loc | None) -> ValidationWarning:
    return ValidationWarning(policy_id, kind, message, loc, (loc.start, loc.end) if loc is not None else None)
