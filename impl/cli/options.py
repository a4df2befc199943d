"""The command line's grammar: the Rust CLI's subcommands and flags (clap), on argparse.

Flags, short forms, defaults and value names follow `cedar-policy-cli/src`
(`--policies/-p`, `--policy-format`, `--template-linked/-k`, `--schema/-s`,
`--schema-format`, `--entities`, `--principal/-l`, `--action/-a`,
`--resource/-r`, `--context/-c`, `--request-json`, `--request-validation`,
`--verbose/-v`, `--timing/-t`, the global `--error-format/-f` with
`CEDAR_ERROR_FORMAT`). Usage errors are worded and laid out as clap words them,
and exit with clap's code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
from typing import Any, Callable, NoReturn

PROG = "cedar"
VERSION = "4.12.0"  # the Rust CLI release whose interface this one follows
ERROR_FORMATS = ("human", "plain", "json")


class UsageError(Exception):
    """A malformed command line; `text` is what clap would print, `code` its exit code."""

    def __init__(self, text: str, code: int = 2) -> None:
        self.text = text
        self.code = code
        super().__init__(text)


class _Parser(argparse.ArgumentParser):
    """argparse with clap's error text ("error: ...", usage, "For more information, try '--help'.")."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(clap_error(_clap_wording(message), self.format_usage()))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            raise UsageError(message, status)
        raise UsageError("", status)


def clap_error(message: str, usage: str) -> str:
    usage = usage.strip()
    if usage.lower().startswith("usage:"):
        usage = usage[len("usage:"):].strip()
    return f"error: {message}\n\nUsage: {usage}\n\nFor more information, try '--help'.\n"


_VALUE_NAMES = {
    "--policies": "<FILE>", "--template-linked": "<FILE>", "--schema": "<FILE>", "--entities": "<FILE>",
    "--context": "<FILE>", "--request-json": "<FILE>", "--tests": "<FILE>", "--principal": "<PRINCIPAL>",
    "--action": "<ACTION>", "--resource": "<RESOURCE>", "--template-id": "<TEMPLATE_ID>",
    "--new-id": "<NEW_ID>", "--arguments": "<ARGUMENTS>", "--direction": "<DIRECTION>", "--name": "<DIR>",
}


def _long(option_names: str) -> str:
    """`-p/--policies` -> `--policies`."""
    names = option_names.split("/")
    longs = [n for n in names if n.startswith("--")]
    return longs[0] if longs else names[0]


def _clap_wording(message: str) -> str:
    m = re.match(r"the following arguments are required: (.*)", message)
    if m:
        needed = [_long(a.strip()) for a in m.group(1).split(", ")]
        listing = "\n".join(f"  {n} {_VALUE_NAMES.get(n, '')}".rstrip() for n in needed)
        return f"the following required arguments were not provided:\n{listing}"
    m = re.match(r"argument (\S+): not allowed with argument (\S+)", message)
    if m:
        return f"the argument '{_long(m.group(2))}' cannot be used with '{_long(m.group(1))}'"
    m = re.match(r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)", message)
    if m:
        name, value, choices = _long(m.group(1)), m.group(2), m.group(3).replace("'", "")
        if not name.startswith("-"):
            return f"unrecognized subcommand '{value}'"
        return f"invalid value '{value}' for '{name}'\n  [possible values: {choices}]"
    m = re.match(r"unrecognized arguments: (\S+)", message)
    if m:
        return f"unexpected argument '{m.group(1)}' found"
    m = re.match(r"argument (\S+): expected one argument", message)
    if m:
        name = _long(m.group(1))
        return f"a value is required for '{name} {_VALUE_NAMES.get(name, '<VALUE>')}' but none was supplied"
    m = re.match(r"argument --level: (invalid value '.*' for '--level <LEVEL>': .*)", message, re.S)
    if m:
        return m.group(1)
    m = re.match(r"argument (\S+): invalid (\w+) value: '(.*)'", message)
    if m:
        return f"invalid value '{m.group(3)}' for '{_long(m.group(1))}': invalid {m.group(2)}"
    return message


# ---------------------------------------------------------------- shared flag groups


def _error_format(p: argparse.ArgumentParser, top: bool) -> None:
    p.add_argument("-f", "--error-format", choices=ERROR_FORMATS, metavar="ERROR_FORMAT",
                   default=None if top else argparse.SUPPRESS,
                   help="the output format to use for error reporting: human (default), plain "
                        "(for screen readers) or json [env: CEDAR_ERROR_FORMAT]")


def _policies(p: argparse.ArgumentParser, optional_doc: bool = False) -> None:
    p.add_argument("-p", "--policies", metavar="FILE", dest="policies_file",
                   help="file containing the static Cedar policies and/or templates"
                        + ("" if optional_doc else "; if not provided, read policies from stdin"))
    p.add_argument("--policy-format", choices=("cedar", "json"), default="cedar",
                   help="format of policies in the --policies file (default: cedar)")
    p.add_argument("-k", "--template-linked", metavar="FILE", dest="template_linked_file",
                   help="file containing template-linked policies")


def _schema(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("-s", "--schema", metavar="FILE", dest="schema_file", required=required,
                   help="file containing the schema")
    p.add_argument("--schema-format", choices=("cedar", "json"), default="cedar",
                   help="schema format (default: cedar)")


def _bool_value(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise argparse.ArgumentTypeError(f"invalid value '{text}'")


def _u32(text: str) -> int:
    """A clap `u32` value (Rust's `u32::from_str`: optional `+`, ASCII digits, at most 2^32 - 1)."""
    digits = text[1:] if text.startswith("+") else text
    why = None
    if not digits:
        why = "cannot parse integer from empty string"
    elif not (digits.isascii() and digits.isdigit()):
        why = "invalid digit found in string"
    elif int(digits) > 2**32 - 1:
        why = "number too large to fit in target type"
    if why is not None:
        raise argparse.ArgumentTypeError(f"invalid value '{text}' for '--level <LEVEL>': {why}")
    return int(digits)


def _request(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--principal", help='principal for the request, e.g., User::"alice"')
    p.add_argument("-a", "--action", help='action for the request, e.g., Action::"view"')
    p.add_argument("-r", "--resource", help='resource for the request, e.g., File::"myfile.txt"')
    p.add_argument("-c", "--context", metavar="FILE", dest="context_file",
                   help="file containing a JSON object representing the context for the request")
    p.add_argument("--request-json", metavar="FILE", dest="request_json_file",
                   help='file containing a JSON object representing the entire request: "principal", '
                        '"action", "resource" and "context"; replaces --principal, --action, etc.')
    p.add_argument("--request-validation", type=_bool_value, default=True, metavar="BOOL",
                   help="whether to validate the request against the schema (default: true; no effect "
                        "without a schema)")


def _lazy(module: str, function: str = "run") -> Callable[..., int]:
    """The command's entry point, imported only when that command runs (keeps start-up fast)."""

    def run(ns: argparse.Namespace, printer: Any) -> int:
        return getattr(importlib.import_module(f"impl.cli.{module}"), function)(ns, printer)

    return run


# ---------------------------------------------------------------- the grammar


def build_parser() -> argparse.ArgumentParser:
    root = _Parser(prog=PROG, description="Cedar command line: evaluate authorization requests, validate, "
                                          "format and translate policies (compatible with the Rust `cedar` CLI)")
    root.add_argument("-V", "--version", action="version", version=f"{PROG} {VERSION}")
    _error_format(root, top=True)
    sub = root.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name: str, help: str, run: Callable[..., int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        _error_format(p, top=False)
        p.set_defaults(run=run)
        return p

    p = command("authorize", "Evaluate an authorization request", _lazy("authorize"))
    _request(p)
    _policies(p)
    _schema(p, required=False)
    p.add_argument("--entities", metavar="FILE", dest="entities_file", required=True,
                   help="file containing JSON representation of the Cedar entity hierarchy")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="more verbose output (for instance, which policies applied to the request)")
    p.add_argument("-t", "--timing", action="store_true", help="time authorization and report timing information")

    p = command("evaluate", "Evaluate a Cedar expression", _lazy("evaluate"))
    _request(p)
    _schema(p, required=False)
    p.add_argument("--entities", metavar="FILE", dest="entities_file",
                   help="file containing JSON representation of the Cedar entity hierarchy (default: none)")
    p.add_argument("expression", metavar="EXPRESSION", help="expression to evaluate")

    p = command("validate", "Validate a policy set against a schema", _lazy("validate"))
    _schema(p, required=True)
    _policies(p)
    p.add_argument("--deny-warnings", action="store_true", help="report a validation failure for non-fatal warnings")
    p.add_argument("--validation-mode", choices=("strict", "permissive", "partial"), default="strict",
                   help="validate the policy using this mode (default: strict; the others are experimental)")
    p.add_argument("--level", type=_u32, metavar="LEVEL", help="validate the policy at this level")

    p = command("check-parse", "Check that policies, expressions, schema, and/or entities successfully parse "
                               "(with no arguments, reads policies from stdin)", _lazy("validate", "check_parse"))
    _policies(p, optional_doc=True)
    p.add_argument("--expression", help="expression to parse")
    _schema(p, required=False)
    p.add_argument("--entities", metavar="FILE", dest="entities_file",
                   help="file containing JSON representation of a Cedar entity hierarchy")

    p = command("link", "Link a template", _lazy("link"))
    _policies(p)
    p.add_argument("--template-id", required=True, help="id of the template to link")
    p.add_argument("-n", "--new-id", required=True, help="id for the new template linked policy")
    p.add_argument("-a", "--arguments", required=True,
                   help='arguments to fill slots, as JSON: {"?principal": "User::\\"alice\\""}')

    p = command("format", "Format a policy set", _lazy("format"))
    p.add_argument("-p", "--policies", metavar="FILE", dest="policies_file",
                   help="file containing the static Cedar policies and/or templates; if not provided, "
                        "read policies from stdin")
    p.add_argument("-l", "--line-width", type=int, default=80, metavar="UINT", help="custom line width (default: 80)")
    p.add_argument("-i", "--indent-width", type=int, default=2, metavar="INT",
                   help="custom indentation width (default: 2)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("-w", "--write", action="store_true",
                        help="automatically write back the formatted policies to the input file")
    action.add_argument("-c", "--check", action="store_true",
                        help="check that the policies format without any changes (exit 1 if not)")

    p = command("translate-policy", "Translate Cedar policy syntax to JSON policy syntax (except comments)",
                _lazy("translate", "translate_policy"))
    p.add_argument("--direction", required=True, choices=("cedar-to-json", "json-to-cedar"),
                   help="the direction of translation")
    p.add_argument("-p", "--policies", metavar="FILE", dest="input_file",
                   help="filename to read the policies from (default: stdin)")

    p = command("translate-schema", "Translate Cedar schema syntax to JSON schema syntax and vice versa "
                                    "(except comments)", _lazy("translate", "translate_schema"))
    p.add_argument("--direction", required=True,
                   choices=("json-to-cedar", "cedar-to-json", "cedar-to-json-with-resolved-types"),
                   help="the direction of translation")
    p.add_argument("-s", "--schema", metavar="FILE", dest="input_file",
                   help="filename to read the schema from (default: stdin)")

    p = command("visualize", "Visualize a set of JSON entities to the graphviz format", _lazy("misc", "visualize"))
    p.add_argument("--entities", metavar="FILE", dest="entities_file", required=True)

    p = command("new", "Create a Cedar project", _lazy("misc", "new"))
    p.add_argument("-n", "--name", required=True, metavar="DIR", help="name of the Cedar project")

    p = command("run-tests", "Run test cases on a policy set: a JSON array of {name?, request, entities, "
                             "decision, reason, num_errors}, or with --integration-format a Cedar "
                             "integration-test file", _lazy("run_tests"))
    _policies(p)
    p.add_argument("--tests", metavar="FILE", required=True, help="tests in JSON format")
    _schema(p, required=False)
    p.add_argument("--integration-format", action="store_true",
                   help="read --tests as a cedar-integration-tests file (policies, entities, schema, "
                        "shouldValidate, requests); paths in it are relative to the directory that holds "
                        "them (searched upwards from the test file)")

    command("language-version", "Print Cedar language version", _lazy("misc", "language_version"))
    command("license", "Print license information", _lazy("misc", "license"))

    p = command("prove", "Run the Z3 proofs of the Cedar model and print the proof table",
                _lazy("misc", "prove"))
    p.add_argument("proof_args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the proof runner")

    for name, feature in (("partially-authorize", "partial-eval"), ("tpe", "tpe"), ("symcc", "analyze")):
        p = command(name, f"Experimental (not available in this build: `{feature}`)",
                    _lazy("misc", "experimental"))
        p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        p.set_defaults(feature=feature)
    return root


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    for arg in argv:
        if not arg.isascii():  # Python hands over undecodable bytes as lone surrogates; clap refuses them
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError(clap_error("invalid UTF-8 was detected in one or more arguments",
                                            parser.format_usage())) from None
    ns = parser.parse_args(argv)
    fmt = ns.error_format or os.environ.get("CEDAR_ERROR_FORMAT") or "human"
    if fmt not in ERROR_FORMATS:
        raise UsageError(clap_error(f"invalid value '{fmt}' for '--error-format <ERROR_FORMAT>'\n"
                                    f"  [possible values: {', '.join(ERROR_FORMATS)}]", parser.format_usage()))
    ns.error_format = fmt
    _check_conflicts(parser, ns)
    return ns


def _check_conflicts(parser: argparse.ArgumentParser, ns: argparse.Namespace) -> None:
    """The clap constraints argparse cannot state."""
    usage = parser.format_usage()
    if getattr(ns, "request_json_file", None) is not None:
        for flag, dest in (("--principal <PRINCIPAL>", "principal"), ("--action <ACTION>", "action"),
                           ("--resource <RESOURCE>", "resource"), ("--context <FILE>", "context_file")):
            if getattr(ns, dest, None) is not None:
                raise UsageError(clap_error(f"the argument '--request-json <FILE>' cannot be used with '{flag}'",
                                            usage))
    if ns.command == "format" and ns.write and ns.policies_file is None:
        raise UsageError(clap_error("the following required arguments were not provided:\n  --policies <FILE>",
                                    usage))
