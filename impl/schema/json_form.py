"""The JSON schema format, read into and written from a `Fragment` (Rust: `json_schema.rs`).

Reading follows Rust's deserializer: unknown fields, duplicate keys, missing
required fields (`entityTypes`, `actions`, `principalTypes`, ...) and
unnormalized names are errors, each located by its JSON path
(`.NS.entityTypes.User.shape`). Writing gives what Rust serializes.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from ..errors import Loc, SchemaError, Source
from ..value_json import json_error_text
from .fragment import (
    CEDAR_NAMESPACE,
    MAX_TYPE_DEPTH,
    PRIMITIVE_JSON_NAMES,
    RESERVED_COMMON_TYPE_NAMES,
    RESERVED_IDENTS,
    ActionDecl,
    ActionRef,
    ApplySpec,
    AttrDecl,
    CommonRefT,
    CommonTypeDecl,
    EntityOrCommonT,
    EntityT,
    EntityTypeDecl,
    ExtensionT,
    Fragment,
    NameRef,
    NamespaceDef,
    PrimitiveT,
    RawType,
    RecordT,
    SetT,
    schema_error,
)

_IDENT = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")

# ---------------------------------------------------------------- reading


def load_json_text(text: str, name: str = "<schema>") -> Any:
    """Parse JSON text; duplicate keys and syntax errors are `SchemaError`s with line:column."""
    source = Source(text, name)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise SchemaError(f"duplicate key `{key}` in a JSON object")
            out[key] = value
        return out

    def constant(c: str) -> Any:
        raise ValueError(f"`{c}` is not valid JSON")

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=constant)
    except json.JSONDecodeError as e:
        raise SchemaError(f"invalid JSON: {e.msg}", Loc(source, e.pos, min(e.pos + 1, len(text)))) from None
    except RecursionError:
        raise SchemaError("the JSON schema is nested too deeply") from None
    except ValueError as e:  # `NaN`, or an integer with thousands of digits
        raise SchemaError(f"invalid JSON: {json_error_text(e)}") from None


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _expect_object(value: Any, path: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise schema_error(f"expected {what} (a JSON object), found {_json_kind(value)}", path)
    return value


def _expect_list(value: Any, path: str, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise schema_error(f"expected {what} (a JSON array), found {_json_kind(value)}", path)
    return value


def _expect_str(value: Any, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise schema_error(f"expected {what} (a string), found {_json_kind(value)}", path)
    return value


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the string {json.dumps(value)}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _struct(value: Any, path: str, what: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object, or (as Rust's derived deserializers also accept) an array of the fields in declaration order."""
    if isinstance(value, list):
        if len(value) > len(fields):
            raise schema_error(f"invalid length {len(value)}, expected {what} with at most {len(fields)} elements", path)
        return dict(zip(fields, value))
    return _expect_object(value, path, what)


def _check_fields(obj: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in obj:
        if key not in allowed:
            raise schema_error(f"unknown field `{key}`, expected one of {', '.join(f'`{a}`' for a in allowed)}", path)


def _required(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise schema_error(f"missing field `{key}`", path)
    return obj[key]


def is_name(text: str, allow_reserved: bool = False) -> bool:
    """Is `text` a normalized Cedar name (`A::B::C`)? `__cedar` components only if `allow_reserved`."""
    return all(
        _IDENT.fullmatch(part) is not None and part not in RESERVED_IDENTS and (allow_reserved or part != CEDAR_NAMESPACE)
        for part in text.split("::")
    )


def _name(value: Any, path: str, what: str, allow_reserved: bool = True) -> str:
    text = _expect_str(value, path, what)
    if not is_name(text, allow_reserved):
        reason = "is reserved" if is_name(text, True) else "is not a valid name (identifiers joined by `::`, no spaces)"
        raise schema_error(f"invalid {what} `{text}`: it {reason}", path)
    return text


def _annotations(obj: dict[str, Any], path: str) -> tuple[tuple[str, str], ...]:
    if "annotations" not in obj:
        return ()
    path = f"{path}.annotations"
    raw = _expect_object(obj["annotations"], path, "annotations")
    out = []
    for key, value in raw.items():
        if not _IDENT.fullmatch(key):
            raise schema_error(f"invalid annotation key `{key}`", path)
        if value is not None:
            _expect_str(value, _key_path(path, key), "an annotation value")
        out.append((key, value or ""))
    return tuple(sorted(out))


def _mapping(value: Any, path: str, what: str, read: Callable[[str, Any, str], Any]) -> tuple[tuple[str, Any], ...]:
    obj = _expect_object(value, path, what)
    return tuple(sorted((key, read(key, item, _key_path(path, key))) for key, item in obj.items()))


def parse_json_schema(value: Any) -> Fragment:
    """The fragment a JSON schema (already parsed) declares; `SchemaError` naming a JSON path if malformed."""
    root = _expect_object(value, "$", "a map of namespaces")
    namespaces = []
    for ns, body in root.items():
        path = _key_path("$", ns)
        if ns != "" and not is_name(ns):
            reason = "it is reserved" if is_name(ns, True) else "it is not a valid name"
            raise schema_error(f"invalid namespace `{ns}`: {reason}", path)
        definition = _namespace(body, path)
        if ns == "" and definition.annotations:
            raise schema_error("annotations are not allowed on the empty namespace", path)
        namespaces.append((ns, definition))
    return Fragment(tuple(sorted(namespaces)))


def _namespace(value: Any, path: str) -> NamespaceDef:
    obj = _struct(value, path, "a namespace definition", ("commonTypes", "entityTypes", "actions", "annotations"))
    _check_fields(obj, ("commonTypes", "entityTypes", "actions", "annotations"), path)
    common = _mapping(obj.get("commonTypes", {}), f"{path}.commonTypes", "common types", _common_type)
    entities = _mapping(_required(obj, "entityTypes", path), f"{path}.entityTypes", "entity types", _entity_type)
    actions = _mapping(_required(obj, "actions", path), f"{path}.actions", "actions", _action)
    return NamespaceDef(common, entities, actions, _annotations(obj, path), path)


def _common_type(name: str, value: Any, path: str) -> CommonTypeDecl:
    if not _IDENT.fullmatch(name) or name in RESERVED_IDENTS or name == CEDAR_NAMESPACE:
        raise schema_error(f"invalid common type name `{name}`", path)
    if name in RESERVED_COMMON_TYPE_NAMES:
        raise schema_error(f"`{name}` is reserved and cannot be the name of a common type", path)
    obj = _expect_object(value, path, "a type")
    body = {k: v for k, v in obj.items() if k != "annotations"}
    return CommonTypeDecl(_type(body, path, 1), _annotations(obj, path), path)


def _entity_type(name: str, value: Any, path: str) -> EntityTypeDecl:
    if not _IDENT.fullmatch(name) or name in RESERVED_IDENTS or name == CEDAR_NAMESPACE:
        raise schema_error(f"invalid entity type name `{name}`", path)
    obj = _struct(value, path, "an entity type", ("memberOfTypes", "shape", "tags", "enum", "annotations"))
    _check_fields(obj, ("memberOfTypes", "shape", "tags", "enum", "annotations"), path)
    annotations = _annotations(obj, path)
    if "enum" in obj:
        extra = [k for k in ("memberOfTypes", "shape", "tags") if k in obj]
        if extra:
            raise schema_error(f"unexpected field: {', '.join(extra)} (an enumerated entity type has no {extra[0]})", path)
        choices = _expect_list(obj["enum"], f"{path}.enum", "the entity ids")
        if not choices:
            raise schema_error("an enumerated entity type needs at least one id", f"{path}.enum")
        ids = tuple(_expect_str(c, f"{path}.enum[{i}]", "an entity id") for i, c in enumerate(choices))
        return EntityTypeDecl(enum=ids, annotations=annotations, where=path)
    parents = _expect_list(obj.get("memberOfTypes", []), f"{path}.memberOfTypes", "parent entity types")
    return EntityTypeDecl(
        member_of_types=tuple(
            NameRef(_name(p, f"{path}.memberOfTypes[{i}]", "entity type"), f"{path}.memberOfTypes[{i}]")
            for i, p in enumerate(parents)
        ),
        shape=_type(obj["shape"], f"{path}.shape", 1) if "shape" in obj else RecordT(where=path),
        tags=_type(obj["tags"], f"{path}.tags", 1) if "tags" in obj else None,
        annotations=annotations,
        where=path,
    )


def _action(name: str, value: Any, path: str) -> ActionDecl:
    obj = _struct(value, path, "an action", ("attributes", "appliesTo", "memberOf", "annotations"))
    _check_fields(obj, ("attributes", "appliesTo", "memberOf", "annotations"), path)
    applies = obj.get("appliesTo")
    member_of = obj.get("memberOf")
    return ActionDecl(
        applies_to=_apply_spec(applies, f"{path}.appliesTo") if applies is not None else None,
        member_of=_action_refs(member_of, f"{path}.memberOf") if member_of is not None else None,
        annotations=_annotations(obj, path),
        has_attributes=obj.get("attributes") is not None,
        where=path,
    )


def _apply_spec(value: Any, path: str) -> ApplySpec:
    obj = _struct(value, path, "an appliesTo specification", ("resourceTypes", "principalTypes", "context"))
    _check_fields(obj, ("resourceTypes", "principalTypes", "context"), path)

    def types(key: str) -> tuple[NameRef, ...]:
        items = _expect_list(_required(obj, key, path), f"{path}.{key}", "entity types")
        return tuple(NameRef(_name(t, f"{path}.{key}[{i}]", "entity type"), f"{path}.{key}[{i}]") for i, t in enumerate(items))

    resource_types = types("resourceTypes")
    principal_types = types("principalTypes")
    context = _type(obj["context"], f"{path}.context", 1) if "context" in obj else RecordT(where=path)
    return ApplySpec(principal_types, resource_types, context)


def _action_refs(value: Any, path: str) -> tuple[ActionRef, ...]:
    refs = []
    for i, item in enumerate(_expect_list(value, path, "parent actions")):
        p = f"{path}[{i}]"
        obj = _struct(item, p, "an action reference", ("id", "type"))
        _check_fields(obj, ("id", "type"), p)
        eid = _expect_str(_required(obj, "id", p), f"{p}.id", "an action id")
        ty = obj.get("type")
        refs.append(ActionRef(eid, _name(ty, f"{p}.type", "action type") if ty is not None else None, p))
    return tuple(refs)


_TYPE_FIELDS = ("type", "element", "attributes", "additionalAttributes", "name")


def _type(value: Any, path: str, depth: int) -> RawType:
    if depth > MAX_TYPE_DEPTH:
        raise schema_error(f"types are nested more than {MAX_TYPE_DEPTH} deep", path)
    obj = _expect_object(value, path, "a type")
    _check_fields(obj, _TYPE_FIELDS, path)
    kind = _expect_str(_required(obj, "type", path), f"{path}.type", "a type name")

    def only(*allowed: str) -> None:
        for key in obj:
            if key != "type" and key not in allowed:
                raise schema_error(f"unknown field `{key}` for a type `{kind}`", path)

    if kind in PRIMITIVE_JSON_NAMES:
        only()
        return PrimitiveT(kind, path)
    if kind == "Set":
        only("element")
        return SetT(_type(_required(obj, "element", path), f"{path}.element", depth + 1), path)
    if kind == "Record":
        only("attributes", "additionalAttributes")
        attrs = _mapping(_required(obj, "attributes", path), f"{path}.attributes", "attributes",
                         lambda k, v, p: _attribute(v, p, depth + 1))
        additional = obj.get("additionalAttributes", False)
        if not isinstance(additional, bool):
            raise schema_error("`additionalAttributes` must be a boolean", f"{path}.additionalAttributes")
        return RecordT(attrs, additional, path)
    if kind in ("Entity", "EntityOrCommon"):
        only("name")
        name = _name(_required(obj, "name", path), f"{path}.name", "entity type" if kind == "Entity" else "type name")
        return EntityT(name, path) if kind == "Entity" else EntityOrCommonT(name, path)
    if kind == "Extension":
        only("name")
        name = _expect_str(_required(obj, "name", path), f"{path}.name", "an extension type name")
        if not _IDENT.fullmatch(name) or name in RESERVED_IDENTS or name == CEDAR_NAMESPACE:
            raise schema_error(f"invalid extension type `{name}`", f"{path}.name")
        return ExtensionT(name, path)
    only()
    if not is_name(kind, allow_reserved=True):
        raise schema_error(f"invalid common type `{kind}`: it is not a valid name", f"{path}.type")
    return CommonRefT(kind, path)


def _attribute(value: Any, path: str, depth: int) -> AttrDecl:
    obj = _expect_object(value, path, "an attribute type")
    required = obj.get("required", True)
    if not isinstance(required, bool):
        raise schema_error("`required` must be a boolean", f"{path}.required")
    body = {k: v for k, v in obj.items() if k not in ("required", "annotations")}
    return AttrDecl(_type(body, path, depth), required, _annotations(obj, path), path)


# ---------------------------------------------------------------- writing


def fragment_to_json(fragment: Fragment) -> dict[str, Any]:
    """The JSON schema Rust writes for this fragment (empty parts left out)."""
    return {ns: _namespace_json(d) for ns, d in fragment.namespaces}


def _annotations_json(annotations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"annotations": dict(annotations)} if annotations else {}


def _namespace_json(d: NamespaceDef) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if d.common_types:
        out["commonTypes"] = {n: {**type_to_json(c.type), **_annotations_json(c.annotations)} for n, c in d.common_types}
    out["entityTypes"] = {n: _entity_json(e) for n, e in d.entity_types}
    out["actions"] = {n: _action_json(a) for n, a in d.actions}
    out.update(_annotations_json(d.annotations))
    return out


def _is_empty_record(t: RawType) -> bool:
    return isinstance(t, RecordT) and not t.attributes and not t.additional_attributes


def _entity_json(e: EntityTypeDecl) -> dict[str, Any]:
    if e.enum is not None:
        return {"enum": list(e.enum), **_annotations_json(e.annotations)}
    out: dict[str, Any] = {}
    if e.member_of_types:
        out["memberOfTypes"] = [r.name for r in e.member_of_types]
    if not _is_empty_record(e.shape):
        out["shape"] = type_to_json(e.shape)
    if e.tags is not None:
        out["tags"] = type_to_json(e.tags)
    out.update(_annotations_json(e.annotations))
    return out


def _action_json(a: ActionDecl) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if a.applies_to is not None:
        spec: dict[str, Any] = {
            "resourceTypes": [r.name for r in a.applies_to.resource_types],
            "principalTypes": [r.name for r in a.applies_to.principal_types],
        }
        if not _is_empty_record(a.applies_to.context):
            spec["context"] = type_to_json(a.applies_to.context)
        out["appliesTo"] = spec
    if a.member_of is not None:
        out["memberOf"] = [{"id": r.id, **({"type": r.type} if r.type is not None else {})} for r in a.member_of]
    out.update(_annotations_json(a.annotations))
    return out


def type_to_json(t: RawType) -> dict[str, Any]:
    if isinstance(t, PrimitiveT):
        return {"type": t.name}
    if isinstance(t, SetT):
        return {"type": "Set", "element": type_to_json(t.element)}
    if isinstance(t, RecordT):
        attrs = {}
        for name, a in t.attributes:
            attr = type_to_json(a.type)
            attr.update(_annotations_json(a.annotations))
            if not a.required:
                attr["required"] = False
            attrs[name] = attr
        out: dict[str, Any] = {"type": "Record", "attributes": attrs}
        if t.additional_attributes:
            out["additionalAttributes"] = True
        return out
    if isinstance(t, EntityT):
        return {"type": "Entity", "name": t.name}
    if isinstance(t, EntityOrCommonT):
        return {"type": "EntityOrCommon", "name": t.name}
    if isinstance(t, ExtensionT):
        return {"type": "Extension", "name": t.name}
    return {"type": t.name}
