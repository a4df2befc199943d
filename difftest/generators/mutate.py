"""Malformed input: small random edits of valid policy text, schema text and entities JSON.

Parsers differ most on input that is almost right. Each edit is one of the
classic fuzzing moves (delete, duplicate, swap, insert a token that belongs
elsewhere, push a number past 64 bits, break an escape), so most mutants stay
close to the grammar and reach deep into the parser before they fail, and some
still parse (then both parsers must read them the same way).
"""

from __future__ import annotations

import copy
import random
import re
from typing import Any

POLICY_TOKENS = (
    "(", ")", "{", "}", "[", "]", ",", ";", "::", '"', "\\", ".", "==", "!=", "&&", "||", "!", "-", "*", "<", ">=",
    "if", "then", "else", "in", "is", "has", "like", "when", "unless", "permit", "forbid", "principal", "action",
    "resource", "context", "?principal", "?resource", '@id("x")', "@a", "// c\n", "\n", "0", "-9223372036854775808",
    "9223372036854775808", "-9223372036854775809", '"\\u{110000}"', '"\\u{D800}"', '"\\q"', '"\\x80"', "é", "prïncipal",
    "true", "false", '"a"', 'User::"x"', "__cedar::User", "ip(\"1.2.3.4\")", ".contains(", ".getTag(", "\t", "\u00a0",
    "/*", "1.0", "`", "'", "$", "#", "a::b", " has a::b", "{a::b: 1}", ".a::b", '["a"]', "?principal.a",
)
# (No "-0": the engine reads the JSON number -0 as the Long 0 where Rust refuses it, a known engine bug
# kept out of the short run until it is fixed; see difftest/failures/entities-accept-plain-minus-zero.json.)
JSON_TOKENS = (
    "{", "}", "[", "]", ",", ":", '"', "\\u0000", "\\ud800", "\\udc00x", "1e400", "NaN", "1.0", "true", "null",
    '"__entity"', '"__extn"', '"uid": {"type": "A", "id": "a"}, ', '"attrs": {}, ', '"parents": [], ', '"tags": {}, ',
    '"a": 1, ', "9223372036854775808", "-9223372036854775809", "\n", "\ufeff", "//", "é",
    "[" * 30000 + "1" + "]" * 30000,  # deeper than any recursion limit
)
SCHEMA_TOKENS = (
    "{", "}", "[", "]", "<", ">", ",", ";", "?", ":", "::", "=", '"', "entity", "action", "type", "namespace", "in",
    "appliesTo", "principal", "resource", "context", "tags", "enum", "Set", "Long", "String", "Bool", "Boolean",
    "ipaddr", "__cedar::", "Record", "Entity", "@doc(\"x\")", "// c\n", "\n", "é", "if", "Action",
)


def mutate_text(rng: random.Random, text: str, tokens: tuple[str, ...] = POLICY_TOKENS) -> str:
    """One to three random edits of `text`."""
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        text = _edit(rng, text, tokens)
    return text


def _edit(rng: random.Random, text: str, tokens: tuple[str, ...]) -> str:
    if not text:
        return rng.choice(tokens)
    i = rng.randrange(len(text))
    j = min(len(text), i + rng.randint(1, 12))
    move = rng.choice(("delete", "delete_span", "duplicate", "insert", "insert", "swap", "number", "escape",
                       "truncate", "replace_word", "qualify_word"))
    if move == "delete":
        return text[:i] + text[i + 1:]
    if move == "delete_span":
        return text[:i] + text[j:]
    if move == "duplicate":
        return text[:j] + text[i:j] + text[j:]
    if move == "insert":
        return text[:i] + rng.choice(tokens) + text[i:]
    if move == "swap" and j - i >= 2:
        return text[:i] + text[j - 1] + text[i + 1:j - 1] + text[i] + text[j:]
    if move == "number":
        numbers = list(re.finditer(r"\d+", text))
        if numbers:
            m = rng.choice(numbers)
            big = rng.choice(("9223372036854775807", "9223372036854775808", "99999999999999999999", "0", "00"))
            if big.startswith("0") and text[m.start() - 1:m.start()] == "-":
                big = "1"  # not "-0" (the known engine bug above)
            return text[:m.start()] + big + text[m.end():]
    if move == "escape":
        strings = list(re.finditer(r'"', text))
        if strings:
            m = rng.choice(strings)
            esc = rng.choice(("\\u{0}", "\\u{10FFFF}", "\\u{110000}", "\\u{}", "\\x7f", "\\x80", "\\*", "\\'", "\\",
                              "\\u{d800}", "\\0", "\\u{1F600}", "\\x4", "\\xg0", "\\x4g", "\\x", "\\u{12", "\\u00e9"))
            return text[:m.end()] + esc + text[m.end():]
    if move == "truncate":
        return text[:i]
    words = list(re.finditer(r"[A-Za-z_][A-Za-z_0-9]*", text))
    if words and move == "qualify_word":  # `a` -> `a::b`: names where only some positions take paths
        m = rng.choice(words)
        return text[:m.end()] + rng.choice(("::b", "::if", "::__cedar", "::")) + text[m.end():]
    if words:
        m = rng.choice(words)
        return text[:m.start()] + rng.choice(tokens) + text[m.end():]
    return text[:i] + rng.choice(tokens) + text[i:]


def mutate_entities(rng: random.Random, entities: list[dict[str, Any]]) -> list[Any]:
    """One structural edit of entities JSON: wrong shapes, bad escapes, duplicate uids, bad values."""
    out: list[Any] = copy.deepcopy(entities)
    if not out:
        return [{"uid": {"type": "A", "id": "a"}, "attrs": {}, "parents": []}]
    k = rng.randrange(len(out))
    e = out[k]
    move = rng.choice(("drop_key", "bad_uid", "dup_uid", "bad_parent", "bad_attr", "bad_escape", "extra_key",
                       "bad_tags", "int_range", "not_object", "deep", "bad_name", "foreign_parent"))
    if move == "drop_key":
        e.pop(rng.choice(("uid", "attrs", "parents")), None)
    elif move == "bad_uid":
        e["uid"] = rng.choice(({"type": "", "id": "a"}, {"type": "A::", "id": "a"}, {"type": "if", "id": "a"},
                               {"type": "A"}, {"id": "a"}, "A::\"a\"", {"__entity": {"type": "A", "id": "a"}},
                               {"type": "A", "id": 1}, {"type": "A B", "id": "a"}, {"type": "__cedar::A", "id": "a"}))
    elif move == "dup_uid":
        twin = copy.deepcopy(e)
        twin["attrs"] = {"zz": 1}
        out.append(twin if rng.random() < 0.7 else copy.deepcopy(e))
    elif move == "bad_parent":
        e["parents"] = rng.choice(([{"type": "A"}], "x", [1], [{"__entity": {"type": "A", "id": "p"}}], None,
                                   [e.get("uid")]))
    elif move == "foreign_parent":  # a parent of another type: actions under non-actions, types the schema does not allow
        others = [x["uid"] for x in out if isinstance(x, dict) and x.get("uid") != e.get("uid")]
        if others and isinstance(e.get("parents"), list):
            e["parents"].append(rng.choice(others))
    elif move == "bad_attr":
        e["attrs"] = rng.choice(([], "x", None, {"a": None}, {"a": {"__extn": {"fn": "ip"}}},
                                 {"a": {"__extn": {"fn": "nope", "arg": "1"}}},
                                 {"a": {"__extn": {"fn": "ip", "arg": "1.2.3"}}},
                                 {"a": {"__entity": {"type": "A"}}}, {"a": 1.5}, {"a": {"__entity": 1}},
                                 {"a": {"__extn": {"fn": "decimal", "arg": "1.0"}, "b": 1}}))
    elif move == "bad_escape":
        e["attrs"] = {"a": rng.choice(({"__entity": {"type": "A", "id": "a"}, "x": 1}, {"__extn": "ip"},
                                       {"__expr": "1 + 1"}, {"__entity": {"type": "", "id": "a"}}))}
    elif move == "extra_key":
        e[rng.choice(("tagz", "attributes", "parent", "Uid"))] = {}
    elif move == "bad_tags":
        e["tags"] = rng.choice(([], "x", {"t": None}, {"t": 1.5}, {"t": {"__extn": {"fn": "ip", "arg": "x"}}}))
    elif move == "deep":  # at serde's nesting limit (124 levels inside an attribute or tag), past it,
        # and past Python's recursion limit; ending in a scalar or in an `__entity`/`__extn` escape
        deep: Any = rng.choice((1, {"__entity": {"type": "A", "id": "a"}}, {"__extn": {"fn": "ip", "arg": "::1"}},
                                {"a": 1}, []))
        for _ in range(rng.choice((100, 122, 123, 124, 125, 126, 300, 900))):
            deep = [deep] if rng.random() < 0.7 else {"a": deep}
        e["tags" if rng.random() < 0.3 else "attrs"] = {"a": deep}
    elif move == "bad_name":  # lone surrogates (JSON `\ud800`) and other odd text in keys and ids
        odd = rng.choice(("\ud800", "a\udfff", "\udc00\ud800", "é", "\x00", "\u200b", ""))
        where = rng.choice(("attr", "tag", "id", "type", "record"))
        if where == "attr":
            e.setdefault("attrs", {})[odd] = 1
        elif where == "tag":
            e["tags"] = {odd: 1}
        elif where == "record":
            e["attrs"] = {"a": {odd: rng.choice((1, "x", [odd]))}}
        elif isinstance(e.get("uid"), dict):
            e["uid"] = {**e["uid"], where: e["uid"].get(where, "") + odd}
    elif move == "int_range":
        e["attrs"] = {"a": rng.choice((2**63, -(2**63) - 1, 2**64, 10**30))}
    else:
        out[k] = rng.choice(("x", 1, None, []))
    return out


_JSON_ODDITIES = (None, True, 0, -1, 2**63, 1.5, "", "x", "?principal", "All", "==", [], {}, {"Value": 1},
                  {"Var": "principal"}, {"__entity": {"type": "A", "id": "a"}}, {"type": "A", "id": "a"},
                  {"Slot": "?principal"}, {"Slot": "?resource"}, {"Unknown": {"name": "u"}}, {"Var": "x"},
                  {"Value": {"__extn": {"fn": "ip", "arg": "1.2.3.4"}}}, {"Value": [1]}, {"Value": {"a": 1}})


def mutate_json(rng: random.Random, obj: Any) -> Any:
    """One structural edit somewhere in a JSON document (the JSON policy form, a JSON schema)."""
    out = copy.deepcopy(obj)
    containers: list[Any] = []

    def collect(j: Any) -> None:
        if isinstance(j, (dict, list)):
            containers.append(j)
            for v in (j.values() if isinstance(j, dict) else j):
                collect(v)

    collect(out)
    if not containers:
        return rng.choice(_JSON_ODDITIES)
    target = rng.choice(containers)
    move = rng.choice(("drop", "retype", "rename", "add", "duplicate"))
    if isinstance(target, dict):
        if not target or move == "add":
            target[rng.choice(("extra", "op", "left", "right", "arg", "entity", "slot", "in", "annotations",
                               "kind", "effect", "Value", "attr"))] = rng.choice(_JSON_ODDITIES)
            return out
        key = rng.choice(list(target))
        if move == "drop":
            del target[key]
        elif move == "rename":
            target[key + rng.choice(("_", "s", "X"))] = target.pop(key)
        else:
            target[key] = rng.choice(_JSON_ODDITIES)
        return out
    if not target or move == "add":
        target.append(rng.choice(_JSON_ODDITIES))
    elif move == "drop":
        del target[rng.randrange(len(target))]
    elif move == "duplicate":
        target.append(copy.deepcopy(rng.choice(target)))
    else:
        target[rng.randrange(len(target))] = rng.choice(_JSON_ODDITIES)
    return out
