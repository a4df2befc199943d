"""Reading the command line's inputs: policies, template links, schemas, entities and requests.

Each reader follows the Rust CLI's `utils/` (same files, same defaults, same
error wording: "failed to open policy set file X", "failed to parse schema from
file X", ...). Every failure is a `CliError` carrying ready-to-print diagnostics.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import CedarError, Loc, Source
from ..value_json import DuplicateKey, json_hooks
from .diagnostics import Diagnostic, from_error, located, os_error_text


class CliError(Exception):
    """A user-facing failure: the diagnostics to print, in order."""

    def __init__(self, *diagnostics: Diagnostic) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.message for d in diagnostics))


def fail(message: str, *causes: str, help: str | None = None) -> CliError:
    return CliError(Diagnostic(message, list(causes), help))


def wrapped(e: BaseException, context: str) -> CliError:
    """`e` (an engine error, I/O error, ...) under the Rust CLI's context line."""
    if isinstance(e, CliError):
        return CliError(*(d.wrap(context) for d in e.diagnostics))
    return CliError(from_error(e, context))


# ---------------------------------------------------------------- files


def read_text(path: str | None, what: str) -> str:
    """The file's text, or standard input when `path` is None."""
    if path is None:
        try:
            return _decode(sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read())
        except (OSError, UnicodeDecodeError) as e:
            raise fail(f"failed to read {what} from stdin", _io_text(e)) from None
    try:
        with open(path, "rb") as f:
            return _decode(f.read())
    except (OSError, UnicodeDecodeError) as e:
        raise fail(f"failed to open {what} file {path}", _io_text(e)) from None


def _decode(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("utf-8")


def _io_text(e: BaseException) -> str:
    if isinstance(e, UnicodeDecodeError):
        return "stream did not contain valid UTF-8"
    return os_error_text(e) if isinstance(e, OSError) else str(e)


def source_name(path: str | None) -> str:
    return path if path is not None else "<stdin>"


def parse_json(text: str, name: str, context: str, strict: bool = False, last_duplicate_wins: bool = False) -> Any:
    """Parse JSON text; a syntax error points at its line and column. `strict` reads as Rust
    reads Cedar values: `-0` is not an integer, and a key twice in one object is an error
    (or, as in a context, which Rust reads as a `serde_json::Value`, the last one counts)."""
    try:
        return json.loads(text, **json_hooks(text, last_duplicate_wins)) if strict else json.loads(text)
    except DuplicateKey as e:
        raise CliError(Diagnostic(f"the key `{e.args[0]}` occurs two or more times in the same JSON object")
                       .wrap(context)) from None
    except json.JSONDecodeError as e:
        loc = Loc(Source(text, name), e.pos, min(len(text), e.pos + 1))
        raise CliError(located(f"{e.msg} at line {e.lineno} column {e.colno}", loc).wrap(context)) from None
    except RecursionError:
        raise fail(context, "recursion limit exceeded while reading JSON") from None


# ---------------------------------------------------------------- entity uids


def parse_entity_uid(text: str) -> Any:
    """`Type::"id"` in Cedar syntax (Rust's `EntityUid::from_str`)."""
    from ..ast import Lit
    from ..parser import parse_expr
    from ..values import EntityUID

    try:
        expr = parse_expr(text, "<argument>")
    except CedarError as e:
        raise CliError(from_error(e)) from None
    if isinstance(expr, Lit) and isinstance(expr.value, EntityUID):
        return expr.value
    loc = Loc(Source(text, "<argument>"), 0, len(text))
    raise CliError(located("expected an entity uid", loc, help='an entity uid looks like `User::"alice"`'))


# ---------------------------------------------------------------- policies


@dataclass
class PolicyArgs:
    """`--policies`, `--policy-format`, `--template-linked` (Rust: `PoliciesArgs`)."""

    policies_file: str | None
    policy_format: str = "cedar"
    template_linked_file: str | None = None


def load_policy_set(args: PolicyArgs, allow_missing_links: bool = False) -> Any:
    """The policy set, with its template links added (Rust: `get_policy_set`)."""
    if args.policy_format == "json":
        ps = read_json_policy_set(args.policies_file)
    else:
        ps = read_cedar_policy_set(args.policies_file)
    if args.template_linked_file is not None:
        import os

        if not (allow_missing_links and not os.path.exists(args.template_linked_file)):
            add_links(ps, load_links(args.template_linked_file))
    return ps


def read_cedar_policy_set(path: str | None) -> Any:
    from ..policyset import PolicySet

    text = read_text(path, "policy set")
    try:
        return PolicySet.from_str(text, source_name(path))
    except (CedarError, RecursionError) as e:
        raise wrapped(e, "failed to parse policy set") from None


_POLICY_SET_KEYS = ("staticPolicies", "templates", "templateLinks")
_POLICY_KEYS = ("action", "effect", "principal", "resource", "conditions")


def read_json_policy_set(path: str | None) -> Any:
    """A JSON policy set, or one JSON policy or template (Rust: `read_json_policy_set`)."""
    from .. import est
    from ..policyset import PolicySet

    context = "JSON policy"
    text = read_text(path, context)
    obj = parse_json(text, source_name(path), f"failed to parse {context}")
    is_set = isinstance(obj, dict) and any(k in obj for k in _POLICY_SET_KEYS)
    is_policy = isinstance(obj, dict) and any(k in obj for k in _POLICY_KEYS)
    if is_set and is_policy:
        raise fail("cannot determine if json policy is a single policy or a policy set. "
                   "Found matching properties from both formats")
    if not is_set and not is_policy:
        raise fail("cannot determine if json policy is a single policy or a policy set. "
                   "Found no matching properties from either format")
    try:
        if is_set:
            return PolicySet.from_json(obj)
        policy = est.policy_from_json(obj, "policy0")
        ps = PolicySet()
        ps.add(policy)
        return ps
    except (CedarError, RecursionError) as e:
        what = f"failed to create policy set from {context}" if is_set else f"failed to parse {context}"
        raise wrapped(e, what) from None


# ---------------------------------------------------------------- template links


@dataclass(frozen=True)
class Link:
    """One entry of a `--template-linked` file: `{"template_id", "link_id", "args": {"?principal": "..."}}`."""

    template_id: str
    link_id: str
    args: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"template_id": self.template_id, "link_id": self.link_id, "args": dict(self.args)}


def load_links(path: str) -> list[Link]:
    """The links in `path` (an empty file has none)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise fail(f"failed to open links file '{path}'", os_error_text(e)) from None
    if not data:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("Deserialization error", "stream did not contain valid UTF-8") from None
    raw = parse_json(text, path, "Deserialization error")
    if not isinstance(raw, list):
        raise fail("Deserialization error", "expected a JSON array of template links")
    return [_link(entry, i) for i, entry in enumerate(raw)]


def _link(entry: Any, index: int) -> Link:
    if not isinstance(entry, dict):
        raise fail("Deserialization error", f"template link {index} is not a JSON object")
    for key in ("template_id", "link_id", "args"):
        if key not in entry:
            raise fail("Deserialization error", f"missing field `{key}`")
    tid, lid, args = entry["template_id"], entry["link_id"], entry["args"]
    if not isinstance(tid, str) or not isinstance(lid, str):
        raise fail("Deserialization error", "`template_id` and `link_id` must be strings")
    if not isinstance(args, dict) or not all(isinstance(v, str) for v in args.values()):
        raise fail("Deserialization error", "`args` must map slots to entity uid strings")
    for slot in args:
        check_slot(slot, "Deserialization error")
    return Link(tid, lid, dict(args))


def check_slot(slot: str, context: str | None = None) -> None:
    if slot not in ("?principal", "?resource"):
        message = f"Invalid SlotId! Expected ?principal|?resource, got: {slot}"
        raise (fail(context, message) if context else fail(message))


def slot_values(args: dict[str, str]) -> dict[str, Any]:
    """Slot -> entity uid, parsing each value (Rust: `create_slot_env`)."""
    return {slot: parse_entity_uid(text) for slot, text in args.items()}


def add_links(ps: Any, links: Iterable[Link]) -> None:
    for link in links:
        values = slot_values(link.args)
        try:
            ps.link(link.template_id, link.link_id, values)
        except CedarError as e:
            raise CliError(from_error(e)) from None


# ---------------------------------------------------------------- schemas


def load_schema(path: str | None, fmt: str = "cedar") -> Any:
    """The schema in `path` (None when no schema was given); warnings go to standard error."""
    if path is None:
        return None
    from ..schema import Schema

    text = read_text(path, "schema")
    context = f"failed to parse schema from file {path}"
    try:
        if fmt == "json":
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                loc = Loc(Source(text, path), e.pos, min(len(text), e.pos + 1))
                d = located(f"{e.msg} at line {e.lineno} column {e.colno}", loc,
                            help="this API was expecting a schema in the JSON format; did you mean to use "
                                 "a different function, which expects the Cedar schema format?")
                raise CliError(d.wrap(context)) from None
            return Schema.from_json(obj, path)
        return Schema.from_str(text, path)
    except (CedarError, RecursionError) as e:
        raise wrapped(e, context) from None


# ---------------------------------------------------------------- entities


def load_entities(path: str, schema: Any = None) -> Any:
    from ..entities import Entities

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise fail(f"failed to open entities file {path}", os_error_text(e)) from None
    context = f"failed to parse entities from file {path}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(context, "error during entity deserialization", "stream did not contain valid UTF-8") from None
    obj = _entity_json(text, path, context)
    try:
        return Entities.from_json(obj, schema)
    except (CedarError, RecursionError) as e:
        raise CliError(from_error(e, "error during entity deserialization").wrap(context)) from None


def _entity_json(text: str, name: str, context: str) -> Any:
    try:
        return parse_json(text, name, "error during entity deserialization", strict=True)
    except CliError as e:
        raise wrapped(e, context) from None


# ---------------------------------------------------------------- requests


@dataclass
class RequestArgs:
    """`--principal/-l`, `--action/-a`, `--resource/-r`, `--context/-c`, `--request-json`,
    `--request-validation` (Rust: `RequestArgs`)."""

    principal: str | None = None
    action: str | None = None
    resource: str | None = None
    context_file: str | None = None
    request_json_file: str | None = None
    request_validation: bool = True


_MISSING = "All three (`principal`, `action`, `resource`) variables must be specified"


def load_request(args: RequestArgs, schema: Any = None) -> Any:
    """The request, its context read against `schema` and, if asked, validated by it."""
    if args.request_json_file is not None:
        return _request_from_json_file(args, schema)
    principal = _uid_arg(args.principal, "principal")
    action = _uid_arg(args.action, "action")
    resource = _uid_arg(args.resource, "resource")
    context: Any = None
    if args.context_file is not None:
        try:
            with open(args.context_file, "rb") as f:
                text = f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise fail(f"error while loading context from {args.context_file}", _io_text(e)) from None
        context = parse_json(text, args.context_file, f"failed to create a context from {args.context_file}",
                             strict=True, last_duplicate_wins=True)
    if principal is None or action is None or resource is None:
        raise fail(_MISSING)
    return make_request(principal, action, resource, context, schema, args.request_validation,
                        f"failed to create a context from {args.context_file}")


def _uid_arg(text: str | None, role: str) -> Any:
    if text is None:
        return None
    try:
        return parse_entity_uid(text)
    except CliError as e:
        raise wrapped(e, f"failed to parse {role} {text} as entity Uid") from None


def _request_from_json_file(args: RequestArgs, schema: Any) -> Any:
    path = args.request_json_file
    assert path is not None
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise fail(f"failed to open request-json file {path}", _io_text(e)) from None
    obj = parse_json(text, path, f"failed to parse request-json file {path}", strict=True, last_duplicate_wins=True)
    if not isinstance(obj, dict):
        raise fail(f"failed to parse request-json file {path}", "expected a JSON object")
    if "context" not in obj:
        raise fail(f"failed to parse request-json file {path}", "missing field `context`")
    uids = []
    for role in ("principal", "action", "resource"):
        value = obj.get(role)
        if value is None:
            raise fail(_MISSING)
        if not isinstance(value, str):
            raise fail(f"failed to parse request-json file {path}", f"`{role}` must be a string like `User::\"alice\"`")
        try:
            uids.append(parse_entity_uid(value))
        except CliError as e:
            raise wrapped(e, f"failed to parse {role} in {path} as entity Uid") from None
    return make_request(*uids, obj["context"], schema, args.request_validation,
                        f"failed to create a context from {path}")


def make_request(principal: Any, action: Any, resource: Any, context: Any, schema: Any,
                 validate: bool, context_error: str) -> Any:
    """A `Request`: context parsed (schema-directed when a schema is given), then validated.

    `context` None means none was given: the empty record, read without the schema.
    """
    from ..authorizer import Request
    from ..entities import parse_context
    from ..errors import RequestError
    from ..values import Record

    if context is None:
        record = Record()
    else:
        if schema is not None and action not in schema.actions:
            raise fail(context_error, f"action `{action}` does not exist in the supplied schema")
        try:
            record = parse_context(context, schema, action)
        except (CedarError, RecursionError) as e:
            raise wrapped(e, context_error) from None
    if schema is not None and validate:
        from ..request import validate_request

        try:
            validate_request(schema, principal, action, resource, record)
        except RequestError as e:
            raise CliError(from_error(e)) from None
    return Request(principal, action, resource, record)
