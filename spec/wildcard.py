"""`like` patterns (Lean `Spec/Wildcard.lean`) as Z3 regular expressions.

A pattern is a sequence of literal characters and `*`, which matches any
(possibly empty) string; the whole string must match.
"""

from __future__ import annotations

import z3

from spec.values import string_val


def pattern_regex(pattern: tuple[str | None, ...]) -> z3.ReRef:
    """The regular language of `pattern`: None stands for `*`."""
    any_string = z3.Star(z3.AllChar(z3.ReSort(z3.StringSort())))
    parts = [any_string if p is None else z3.Re(string_val(p)) for p in pattern]
    if not parts:
        return z3.Re(z3.StringVal(""))
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def wildcard_match(text: z3.SeqRef, pattern: tuple[str | None, ...]) -> z3.BoolRef:
    return z3.InRe(text, pattern_regex(pattern))
