"""`cedar authorize`: the decision for one request (Rust: `command/authorize.rs`).

Output, as Rust prints it: a blank line; the timing line with `-t`; `ALLOW` or
`DENY`; the erroring policies; with `-v` the determining policies. Exit 0 for
ALLOW, 2 for DENY, 1 when an input could not be read (every input's errors are
reported, not just the first).
"""

from __future__ import annotations

import argparse
import sys
import time

from . import EXIT_DENY, EXIT_FAILURE, EXIT_SUCCESS
from .diagnostics import Diagnostic, Printer
from .inputs import CliError, PolicyArgs, RequestArgs, load_entities, load_policy_set, load_request, load_schema, wrapped


def policy_args(ns: argparse.Namespace) -> PolicyArgs:
    return PolicyArgs(ns.policies_file, ns.policy_format, ns.template_linked_file)


def request_args(ns: argparse.Namespace) -> RequestArgs:
    return RequestArgs(ns.principal, ns.action, ns.resource, ns.context_file, ns.request_json_file,
                       ns.request_validation)


def run(ns: argparse.Namespace, printer: Printer) -> int:
    out = sys.stdout
    out.write("\n")
    errors: list[Diagnostic] = []
    policies = schema = entities = None
    try:
        policies = load_policy_set(policy_args(ns))
    except CliError as e:
        errors.extend(e.diagnostics)
    try:
        schema = load_schema(ns.schema_file, ns.schema_format)
    except CliError as e:
        errors.extend(e.diagnostics)
    try:
        entities = load_entities(ns.entities_file, schema)
    except CliError as e:
        errors.extend(e.diagnostics)
    try:
        request = load_request(request_args(ns), schema)
    except CliError as e:
        errors.extend(wrapped(e, "failed to parse request").diagnostics)
        request = None
    if errors or request is None:
        printer.emit(errors, out)
        return EXIT_FAILURE

    from ..authorizer import Authorizer, Decision

    authorizer = Authorizer(policies, entities, schema)
    started = time.perf_counter()
    response = authorizer.is_authorized(request)
    elapsed = time.perf_counter() - started
    if ns.timing:
        out.write(f"Authorization Time (micro seconds) : {int(elapsed * 1_000_000)}\n")
    allowed = response.decision is Decision.ALLOW
    out.write("ALLOW\n" if allowed else "DENY\n")
    if response.errors:
        out.write("\n")
        for err in response.errors:
            out.write(f"error while evaluating policy `{err.policy_id}`: {err.message}\n")
    if ns.verbose:
        out.write("\n")
        if not response.reasons:
            out.write("note: no policies applied to this request\n")
        else:
            out.write("note: this decision was due to the following policies:\n")
            for pid in response.reasons:
                out.write(f"  {pid}\n")
            out.write("\n")
    return EXIT_SUCCESS if allowed else EXIT_DENY
