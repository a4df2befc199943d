"""What an engine answered for one request, in a form every engine's answer maps to."""

from __future__ import annotations

from dataclasses import dataclass

ERROR_KINDS = (
    "entityDoesNotExist", "attrDoesNotExist", "tagDoesNotExist", "typeError", "arithBoundsError", "extensionError",
)
PERMITTED_AFTER_VALIDATION = frozenset({"entityDoesNotExist", "extensionError", "arithBoundsError"})
"""The only errors a policy that passed strict validation may raise (validator soundness)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """`decision` is None when the engine refused the input (`rejected` says why)
    or crashed with an exception that is not a Cedar error (`crash`)."""

    decision: str | None
    reasons: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # ids of erroring policies, sorted
    kinds: tuple[tuple[str, str], ...] = ()  # (policy id, error kind or "?"), sorted
    rejected: str | None = None
    crash: str | None = None

    @classmethod
    def answer(cls, decision: str, reasons: list[str], errors: list[tuple[str, str]]) -> "Outcome":
        return cls(decision, tuple(sorted(reasons)), tuple(sorted({i for i, _ in errors})), tuple(sorted(errors)))

    @classmethod
    def refused(cls, why: str) -> "Outcome":
        return cls(None, rejected=why)

    @classmethod
    def crashed(cls, why: str) -> "Outcome":
        return cls(None, crash=why)

    def key(self) -> tuple:
        """What must agree between engines: the answer, or the fact of refusing."""
        if self.crash is not None:
            return ("crash",)
        if self.decision is None:
            return ("rejected",)
        return (self.decision, self.reasons, self.errors)

    def agrees(self, other: "Outcome") -> bool:
        """Same `key()`, and the same error kind for each erroring policy where both engines name it."""
        if self.key() != other.key():
            return False
        if "?" in self.error_kinds() | other.error_kinds():
            return True
        return self.kinds == other.kinds

    def error_kinds(self) -> set[str]:
        return {k for _, k in self.kinds}

    def brief(self) -> str:
        if self.crash is not None:
            return f"CRASH {self.crash}"
        if self.decision is None:
            return f"REJECTED {self.rejected}"
        return f"{self.decision} reasons={list(self.reasons)} errors={[f'{i}:{k}' for i, k in self.kinds]}"
