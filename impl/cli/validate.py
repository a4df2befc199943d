"""`cedar validate` and `cedar check-parse` (Rust: `command/validate.rs`, `command/check_parse.rs`).

`validate` prints "policy set validation passed" (exit 0) or "... failed"
(exit 3) over the validator's findings, each error located in the policy text
(with `--level N`, entity dereference chains longer than N are errors too);
`check-parse` only reads its inputs, printing nothing when they parse.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import EXIT_FAILURE, EXIT_SUCCESS, EXIT_VALIDATION_FAILURE
from .authorize import policy_args
from .diagnostics import Diagnostic, Printer, from_error, located
from .inputs import CliError, PolicyArgs, load_entities, load_policy_set, load_schema


def run(ns: argparse.Namespace, printer: Printer) -> int:
    out = sys.stdout
    if ns.validation_mode != "strict":
        feature = {"permissive": "permissive-validate", "partial": "partial-validate"}[ns.validation_mode]
        sys.stderr.write(f"Error: arguments include the experimental option `--validation-mode "
                         f"{ns.validation_mode}`, but this executable was not built with `{feature}` "
                         f"experimental feature enabled\n")
        return EXIT_FAILURE
    try:
        policies = load_policy_set(policy_args(ns))
        schema = load_schema(ns.schema_file, ns.schema_format)
        result = _validate(policies, schema, ns.level)
    except CliError as e:
        printer.emit(e.diagnostics, out)
        return EXIT_FAILURE
    failed = bool(result.errors) or (ns.deny_warnings and bool(result.warnings))
    printer.emit([report(result, "policy set validation failed" if failed else "policy set validation passed")], out)
    return EXIT_VALIDATION_FAILURE if failed else EXIT_SUCCESS


def _validate(policies: Any, schema: Any, level: int | None) -> Any:
    """Rust's `validate_with_level` when `--level` is given, else `validate`."""
    from ..errors import CedarError
    from ..validator import validate

    try:
        return validate(policies, schema, level=level)
    except CedarError as e:
        raise CliError(from_error(e, "failed to validate the policy set")) from None


def finding(item: Any, severity: str) -> Diagnostic:
    """One validation error or warning, worded as Rust words it (`for policy `p`, ...`)."""
    message = item.message
    if not message.startswith("for policy"):
        message = f"for policy `{item.policy_id}`, {message}"
    return located(message, item.loc, getattr(item, "help", None), severity=severity)  # type: ignore[arg-type]


def report(result: Any, headline: str) -> Diagnostic:
    """Rust's `Report::new(validation_result).wrap_err(headline)`: the first finding is the cause,
    the others follow as related reports."""
    findings = [finding(e, "error") for e in result.errors] + [finding(w, "warning") for w in result.warnings]
    if not findings:
        return Diagnostic(headline, ["no errors or warnings"], severity="advice")
    first, rest = findings[0], findings[1:]
    top = first.wrap(headline)
    top.related = rest + top.related
    return top


# ---------------------------------------------------------------- check-parse


def check_parse(ns: argparse.Namespace, printer: Printer) -> int:
    out = sys.stdout
    nothing_given = (ns.policies_file is None and ns.schema_file is None and ns.entities_file is None
                     and ns.expression is None)
    if nothing_given:
        try:
            load_policy_set(PolicyArgs(None, ns.policy_format, ns.template_linked_file))
        except CliError as e:
            printer.emit(e.diagnostics, out)
            return EXIT_FAILURE
        return EXIT_SUCCESS
    code = EXIT_SUCCESS
    if ns.policies_file is not None:
        try:
            load_policy_set(policy_args(ns))
        except CliError as e:
            printer.emit(e.diagnostics, out)
            code = EXIT_FAILURE
    if ns.expression is not None:
        from ..errors import CedarError
        from ..parser import parse_expr

        try:
            parse_expr(ns.expression, "<expression>")
        except (CedarError, RecursionError) as e:
            printer.emit([from_error(e)], out)
            code = EXIT_FAILURE
    schema = None
    try:
        schema = load_schema(ns.schema_file, ns.schema_format)
    except CliError as e:
        printer.emit(e.diagnostics, out)
        code = EXIT_FAILURE
    if ns.entities_file is not None:
        try:
            load_entities(ns.entities_file, schema)
        except CliError as e:
            printer.emit(e.diagnostics, out)
            code = EXIT_FAILURE
    return code
