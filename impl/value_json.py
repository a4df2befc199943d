"""Reading Cedar values from their JSON form, with or without a schema type.

This is Rust's `entities/json/value.rs` (`CedarValueJson` and
`ValueParser::val_into_restricted_expr`) followed by evaluation of the
restricted expression:
- without an expected type: JSON bool/integer/string/array/object become
  Bool/Long/String/Set/Record; `{"__entity": {"type", "id"}}` is an entity
  reference and `{"__extn": {"fn", "arg"}}` (or `"args"`) an extension call,
  each only as the single key of an object; `null`, fractions and integers
  outside signed 64 bits are errors;
- with an expected type (schema-directed parsing) the escapes may be left
  implicit: `{"type", "id"}` where an entity is expected, `{"fn", "arg"}` or a
  bare argument (`"10.0.0.1"`) where an extension value is expected; records
  are read attribute by attribute (missing required or unexpected attributes
  are errors, and so is a non-array where a set is expected or a non-object
  where a record is expected); everything else is read as without a type.
  Whether the value then has the expected type is checked separately
  (`impl.conformance`).

JSON nesting deeper than 127 levels is rejected, as Rust's JSON reader does.
Every failure is an `EntityError`, its message prefixed with where it happened.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Union

from .errors import EntityError, EvaluationError
from .extensions import EXTENSION_FUNCTIONS, constructor_for
from .types import CedarType, EntityType, ExtensionType, RecordType, SetType
from .values import LONG_MAX, LONG_MIN, EntityUID, Record, Set, Unknown, UnknownSet, Value, to_cedar, type_name

MAX_JSON_DEPTH = 127
_NAME_RE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*(?:::[_a-zA-Z][_a-zA-Z0-9]*)*")
_RESERVED_IDS = frozenset({"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"})


_VALID_NAMES: set[str] = set()  # names already checked (entity types repeat a lot)


def is_valid_name(s: str) -> bool:
    """A normalized Cedar name (`NS::Type`): identifiers, no reserved words, no spaces."""
    if s in _VALID_NAMES:
        return True
    if _NAME_RE.fullmatch(s) is None or any(p in _RESERVED_IDS for p in s.split("::")):
        return False
    if len(_VALID_NAMES) < 10_000:
        _VALID_NAMES.add(s)
    return True


class Where:
    """Where a value sits (`in attribute `a` on `User::"x"``), rendered only for an error message."""

    __slots__ = ("template", "args")

    def __init__(self, template: str, *args: object) -> None:
        self.template = template
        self.args = args

    def __str__(self) -> str:
        return self.template.format(*self.args)


Place = Union[str, Where]


def load_json(text: str | bytes, what: str, *, last_duplicate_wins: bool = False) -> Any:
    """Parse JSON text strictly: duplicate object keys and over-deep nesting are errors.

    A context is the exception: Rust reads it into a `serde_json::Value` first, whose
    objects keep the last of duplicate keys (`last_duplicate_wins`). As in serde_json,
    `-0` is a float (so not a Cedar `Long`).
    """
    try:
        obj = json.loads(text, **json_hooks(text, last_duplicate_wins))
        bad = lone_surrogate_string(text, obj)
        if bad is not None:
            raise EntityError(f"error parsing {what} JSON: string \"{bad}\" contains a lone surrogate")
        return obj
    except json.JSONDecodeError as e:
        raise EntityError(f"error parsing {what} JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except DuplicateKey as e:
        raise EntityError(f"error parsing {what} JSON: duplicate key `{e.args[0]}`") from None
    except RecursionError:
        raise EntityError(f"error parsing {what} JSON: recursion limit exceeded") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise EntityError(f"error parsing {what} JSON: {json_error_text(e)}") from None


def json_hooks(text: str | bytes, last_duplicate_wins: bool = False) -> dict[str, Any]:
    """`json.loads` arguments reading `text` as Rust does (see `load_json`)."""
    hooks: dict[str, Any] = {} if last_duplicate_wins else {"object_pairs_hook": _no_duplicate_keys}
    if (b"-0" if isinstance(text, (bytes, bytearray)) else "-0") in text:
        hooks["parse_int"] = json_int
    return hooks


# Rust's JSON reader refuses `\ud800` and the like unless they form a pair; Python's keeps them.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


def lone_surrogate_string(text: str | bytes, obj: Any) -> str | None:
    """A string of JSON `text` (read as `obj`) holding a lone surrogate, anywhere (keys of ignored fields too)."""
    pattern = _SURROGATE_ESCAPE if isinstance(text, str) else _SURROGATE_ESCAPE_BYTES
    if not pattern.search(text):
        return None
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, str):
            if any("\ud800" <= ch <= "\udfff" for ch in o):
                return o
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list):
            stack.extend(o)
    return None


class DuplicateKey(Exception):
    """A key appears twice in one JSON object (`args[0]`)."""


def json_error_text(e: ValueError) -> str:
    """What went wrong reading JSON, in Cedar's words rather than Python's."""
    if "integer string conversion" in str(e):  # Python refuses integers of over 4,300 digits
        return "number out of range"
    return str(e)


def json_int(digits: str) -> int | float:
    """An integer of JSON text as serde_json reads it: `-0` is a float."""
    return -0.0 if digits == "-0" else int(digits)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise DuplicateKey(k)
            seen.add(k)
    return d


def describe_json(j: Any) -> str:
    try:
        return json.dumps(j, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return repr(j)


# ---------------------------------------------------------------- entity references


def parse_entity_uid(j: Any, where: Place) -> EntityUID:
    """An entity reference (Rust's `EntityUidJson`): `{"__entity": T}` or `T` itself, where
    `T` is `{"type": .., "id": ..}` (other keys ignored) or `[type, id]`."""
    if j.__class__ is dict and len(j) == 2:  # the usual `{"type": .., "id": ..}`, read without detours
        t, i = j.get("type"), j.get("id")
        if t.__class__ is str and i.__class__ is str:
            return make_entity_uid(t, i, where)
    if isinstance(j, dict):
        if isinstance(j.get("__expr"), str):
            raise EntityError(f"{where}, the `__expr` escape is no longer supported")
        pair = _type_and_id(j.get("__entity")) or _type_and_id(j)
    else:
        pair = _type_and_id(j)
    if pair is None:
        raise EntityError(f"{where}, expected a literal entity reference, but got `{describe_json(j)}`")
    return make_entity_uid(pair[0], pair[1], where)


def _type_and_id(j: Any) -> tuple[str, str] | None:
    if j.__class__ is dict:
        t, i = j.get("type"), j.get("id")
    elif j.__class__ is list and len(j) == 2:
        t, i = j
    else:
        return None
    return (t, i) if t.__class__ is str and i.__class__ is str else None


def make_entity_uid(type_name: str, eid: str, where: Place) -> EntityUID:
    if type_name not in _VALID_NAMES and not is_valid_name(type_name):
        raise EntityError(f"{where}, invalid entity type name `{type_name}`")
    if not (type_name.isascii() and eid.isascii()):
        _check_text(type_name, where)
        _check_text(eid, where)
    return _new_tuple(EntityUID, (type_name, eid))


_new_tuple = tuple.__new__  # `_new_tuple(EntityUID, (type, id))` is `EntityUID(type, id)`, without a Python call


def check_key(k: Any, where: Place) -> None:
    """An object key must be a string (a Python dict may have any keys) and valid text."""
    if not isinstance(k, str):
        raise EntityError(f"{where}, object key `{k!r}` is not a string")
    _check_text(k, where)


def _check_text(s: str, where: Place) -> None:
    """Reject lone surrogates, which a JSON reader producing UTF-8 cannot accept."""
    if not s.isascii():
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            raise EntityError(f"{where}, string contains a lone surrogate") from None


# ---------------------------------------------------------------- values


def parse_value(j: Any, expected: CedarType | None, where: Place, depth: int = 1) -> Value:
    """The Cedar value of JSON `j`; `expected` turns on schema-directed parsing.

    `depth` is the JSON nesting level `j` sits at (1 for a top-level document).
    """
    if j.__class__ is dict and "__extn" in j:
        unknown = _as_unknown(j)
        if unknown is not None:
            return unknown  # type: ignore[return-value]
    if expected is None or expected.__class__ not in _DIRECTED:
        return _plain(j, where, depth)
    return _DIRECTED[expected.__class__](j, expected, where, depth)


def _as_unknown(j: dict) -> Unknown | None:
    """`{"__extn": {"fn": "unknown", "arg": "name"}}`, accepted whatever the expected type
    (Rust's `parse_as_unknown`)."""
    call = j.get("__extn")
    if isinstance(call, dict) and call.get("fn") == "unknown" and isinstance(call.get("arg"), str):
        return _unknown(call["arg"])
    return None


_unknowns_read = 0  # how many `unknown`s this process has read; zero keeps `_set_of` fast


def _set_of(elements: list[Value]) -> Value:
    """A `Set`, or an `UnknownSet` if an unknown hides among its elements."""
    if _unknowns_read and any(_has_unknown(x) for x in elements):
        return UnknownSet(elements)
    return Set(elements)


def _has_unknown(v: Any) -> bool:
    cls = v.__class__
    if cls is Unknown or cls is UnknownSet:
        return True
    if cls is Record:
        return any(_has_unknown(x) for x in v.attrs.values())
    return False


def _unknown(name: str) -> Unknown:
    global _unknowns_read
    _unknowns_read += 1
    return Unknown(name)


def _enter(j: Any, where: Place, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise EntityError(f"{where}, recursion limit exceeded: JSON nested more than {MAX_JSON_DEPTH} levels")


def _plain(j: Any, where: Place, depth: int) -> Value:
    """`CedarValueJson`: the schema-less reading."""
    cls = j.__class__
    if cls is str:
        _check_text(j, where)
        return j
    if cls is bool:
        return j
    if cls is int:
        if not LONG_MIN <= j <= LONG_MAX:
            raise EntityError(f"{where}, integer `{j}` is out of range for a Long")
        return j
    if cls is list:
        _enter(j, where, depth)
        return _set_of([_plain(x, where, depth + 1) for x in j])
    if cls is dict:
        _enter(j, where, depth)
        if len(j) == 1:
            escaped = _escape(j, where, depth)
            if escaped is not _NOT_ESCAPE:
                return escaped  # type: ignore[return-value]
        attrs = {}
        for k, v in j.items():
            check_key(k, where)
            attrs[k] = _plain(v, where, depth + 1)
        return Record(attrs)
    if j is None:
        raise EntityError(f"{where}, found a `null`; JSON `null`s are not allowed in Cedar")
    if cls is float:
        raise EntityError(f"{where}, `{j}` is not a valid Cedar value: numbers must be integers")
    raise EntityError(f"{where}, `{j!r}` is not a JSON value")


_NOT_ESCAPE = object()


def _escape(j: dict, where: Place, depth: int) -> object:
    """A one-key object that is an `__entity`, `__extn` or `__expr` escape, else `_NOT_ESCAPE`."""
    (k, v), = j.items()
    if k == "__extn" and isinstance(v, dict) and len(v) >= 2 and isinstance(v.get("fn"), str):
        if "arg" in v:
            _check_other_keys(v, ("fn", "arg"), where, depth + 1)
            return _call(v["fn"], [_plain(v["arg"], where, depth + 2)], where)
        if isinstance(v.get("args"), list):
            _check_other_keys(v, ("fn", "args"), where, depth + 1)
            _enter(v["args"], where, depth + 2)
            return _call(v["fn"], [_plain(a, where, depth + 3) for a in v["args"]], where)
    elif k == "__expr" and isinstance(v, str):
        raise EntityError(f"{where}, the `__expr` escape is no longer supported")
    elif k == "__entity" and isinstance(v, dict) and len(v) >= 2:
        if isinstance(v.get("type"), str) and isinstance(v.get("id"), str):
            _check_other_keys(v, ("type", "id"), where, depth + 1)
            return make_entity_uid(v["type"], v["id"], where)
    return _NOT_ESCAPE


def _check_other_keys(escape: dict, used: tuple[str, ...], where: Place, depth: int) -> None:
    """The keys an escape ignores must still hold Cedar JSON values (Rust reads the whole
    object as `CedarValueJson` before it recognizes the escape)."""
    _enter(escape, where, depth)
    for k, v in escape.items():
        if k not in used:
            _check_raw(v, where, depth + 1)


def _check_raw(j: Any, where: Place, depth: int) -> None:
    cls = j.__class__
    if cls is dict or cls is list:
        _enter(j, where, depth)
        for k in (j if cls is dict else ()):
            check_key(k, where)
        for x in (j.values() if cls is dict else j):
            _check_raw(x, where, depth + 1)
    elif j is not None and cls is not bool:
        _plain(j, where, depth)


def _lookup(fn: str, where: Place) -> Any:
    if not is_valid_name(fn):
        raise EntityError(f"{where}, failed to parse escape `__extn`: `{fn}` is not a valid function name")
    f = EXTENSION_FUNCTIONS.get(fn)
    if f is None:
        raise EntityError(f"{where}, extension function `{fn}` does not exist")
    return f


def _call(fn: str, args: list[Value], where: Place) -> Value:
    """Evaluate an extension call written in JSON (any extension function is allowed)."""
    if fn == "unknown" and len(args) == 1 and args[0].__class__ is str:
        return _unknown(args[0])  # type: ignore[arg-type]
    if _unknowns_read and any(_has_unknown(a) for a in args):
        return _unknown(f"{fn}(..)")  # Rust leaves a call on an unknown unevaluated
    f = _lookup(fn, where)
    if len(args) != len(f.arg_types):
        raise EntityError(f"{where}, wrong number of arguments provided to extension function `{fn}`: expected {len(f.arg_types)}, got {len(args)}")
    try:
        return f.call(*args)
    except EvaluationError as e:
        raise EntityError(f"{where}, error evaluating `{fn}`: {e.message}") from None


def _directed_entity(j: Any, expected: EntityType, where: Place, depth: int) -> Value:
    return parse_entity_uid(j, where)


def _fn_and_args(j: Any) -> tuple[str, list[Any]] | None:
    """`FnAndArgs`: `{"fn": name, "arg": x}` or `{"fn": name, "args": [...]}`."""
    if isinstance(j, dict) and isinstance(j.get("fn"), str):
        if "arg" in j:
            return j["fn"], [j["arg"]]
        if isinstance(j.get("args"), list):
            return j["fn"], list(j["args"])
    return None


def _directed_extension(j: Any, expected: ExtensionType, where: Place, depth: int) -> Value:
    if isinstance(j, dict) and isinstance(j.get("__expr"), str):
        raise EntityError(f"{where}, the `__expr` escape is no longer supported")
    call = None
    if isinstance(j, dict):
        _enter(j, where, depth)
        call = _fn_and_args(j.get("__extn"))
        if call is not None:
            depth += 1
        else:
            call = _fn_and_args(j)
    if call is not None:
        fn, raw_args = call
        f = _lookup(fn, where)
        if len(raw_args) != len(f.arg_types):
            raise EntityError(f"{where}, expected {len(f.arg_types)} arguments for function {fn} but {len(raw_args)} arguments are provided")
        args = [parse_value(a, t, where, depth + 2) for a, t in zip(raw_args, f.arg_types)]
        return _call(fn, args, where)
    ctor = constructor_for(expected.name)
    if ctor is None:
        raise EntityError(f"{where}, missing extension constructor for {expected.name}")
    return _call(ctor.name, [_plain(j, where, depth)], where)


def _directed_set(j: Any, expected: SetType, where: Place, depth: int) -> Value:
    if j.__class__ is not list:
        raise _mismatch(j, expected, where, depth)
    _enter(j, where, depth)
    return _set_of([parse_value(x, expected.element, where, depth + 1) for x in j])


def _directed_record(j: Any, expected: RecordType, where: Place, depth: int) -> Value:
    if j.__class__ is not dict:
        raise _mismatch(j, expected, where, depth)
    _enter(j, where, depth)
    attrs: dict[str, Value] = {}
    for name, attr in expected.attrs.items():
        if name in j:
            attrs[name] = parse_value(j[name], attr.type, where, depth + 1)
        elif attr.required:
            raise EntityError(f"{where}, expected the record to have an attribute `{name}`, but it does not")
    for name, v in j.items():
        if name not in expected.attrs:
            check_key(name, where)
            if not expected.open:
                raise EntityError(f"{where}, record attribute `{name}` should not exist according to the schema")
            attrs[name] = _plain(v, where, depth + 1)
    return Record(attrs)


def _mismatch(j: Any, expected: CedarType, where: Place, depth: int) -> EntityError:
    actual = _plain(j, where, depth)
    return EntityError(
        f"{where}, type mismatch: value was expected to have type {expected}, "
        f"but it actually has type {type_name(actual)}: `{to_cedar(actual)}`"
    )


_DIRECTED: dict[type, Callable[[Any, Any, str, int], Value]] = {
    EntityType: _directed_entity,
    ExtensionType: _directed_extension,
    SetType: _directed_set,
    RecordType: _directed_record,
}
