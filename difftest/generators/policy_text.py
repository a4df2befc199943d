"""Cedar policy text from the JSON policy form, written independently of any engine.

Parentheses are added only where precedence and associativity need them (or,
with an rng, sometimes where they do not), so the text exercises the
parsers' precedence rules. Optional spelling variations (comments, `\\u{..}`
escapes, `e["a"]` for `e.a`, bare `!!x` chains) keep the meaning and vary the form.
"""

from __future__ import annotations

import random
from typing import Any

from .est import EXT_FUNCTIONS, Est
from .schema_render import RESERVED_IN_POLICIES, is_ident

# Precedence levels: a child printed below the level its position needs gets parentheses.
IF, OR, AND, REL, ADD, MUL, UNARY, MEMBER, PRIMARY = range(9)
_REL_OPS = ("==", "!=", "<", "<=", ">", ">=", "in")
_METHOD_BINARY = ("contains", "containsAll", "containsAny", "getTag", "hasTag")


class PolicyPrinter:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng

    def _maybe(self, p: float) -> bool:
        return self.rng is not None and self.rng.random() < p

    # -------------------------------------------------------------- strings

    def string(self, s: str, pattern_star: bool = False) -> str:
        out = []
        for ch in s:
            if ch == "\\":
                out.append("\\\\")
            elif ch == '"':
                out.append('\\"')
            elif ch == "*" and pattern_star:
                out.append("\\*")
            elif ch == "\n":
                out.append("\\n")
            elif ch == "\r":
                out.append("\\r")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\0":
                out.append("\\0")
            elif not ch.isprintable() or ch in "\u2028\u2029":
                out.append(f"\\u{{{ord(ch):x}}}")
            elif ch == "'" and self._maybe(0.5):
                out.append("\\'")
            elif self._maybe(0.03):
                out.append(f"\\u{{{ord(ch):x}}}" if ord(ch) > 0x7F or self._maybe(0.5) else f"\\x{ord(ch):02x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'

    def pattern(self, elems: list[Any]) -> str:
        text = []
        for e in elems:
            if e == "Wildcard":
                text.append("*")
            else:
                text.append(self.string(e["Literal"], pattern_star=True)[1:-1])
        return '"' + "".join(text) + '"'

    def name(self, s: str) -> str:
        """An attribute or record key: bare when it can be, quoted otherwise."""
        if is_ident(s) and s not in RESERVED_IN_POLICIES:
            return s
        return self.string(s)

    def uid(self, u: dict[str, str]) -> str:
        return f"{u['type']}::{self.string(u['id'])}"

    def ws(self) -> str:
        if self._maybe(0.03):
            return " // c\n"
        if self._maybe(0.05):
            return "\n\t "
        return " "

    # -------------------------------------------------------------- expressions

    def expr(self, e: Est) -> str:
        return self._at(e, IF)

    def _at(self, e: Est, need: int) -> str:
        text, level = self._print(e)
        if level < need or (level < PRIMARY and self._maybe(0.05)):
            return f"({text})"
        return text

    def _print(self, e: Est) -> tuple[str, int]:
        (k,) = e.keys()
        b = e[k]
        if k == "Value":
            return self._value(b)
        if k == "Var":
            return b, PRIMARY
        if k == "Slot":
            return b, PRIMARY
        if k == "if-then-else":
            return f"if {self._at(b['if'], IF)} then {self._at(b['then'], IF)} else {self._at(b['else'], IF)}", IF
        if k in ("||", "&&"):
            level = OR if k == "||" else AND
            return f"{self._at(b['left'], level)}{self.ws()}{k} {self._at(b['right'], level + 1)}", level
        if k in _REL_OPS:
            return f"{self._at(b['left'], ADD)} {k} {self._at(b['right'], ADD)}", REL
        if k in ("+", "-"):
            return f"{self._at(b['left'], ADD)} {k} {self._at(b['right'], MUL)}", ADD
        if k == "*":
            return f"{self._at(b['left'], MUL)} * {self._at(b['right'], UNARY)}", MUL
        if k == "!":
            return "!" + self._unary_operand(b["arg"]), UNARY
        if k == "neg":
            # `-` straight before an integer literal would fold into a negative literal.
            return f"-({self.expr(b['arg'])})", UNARY
        if k == "isEmpty":
            return f"{self._at(b['arg'], MEMBER)}.isEmpty()", MEMBER
        if k in _METHOD_BINARY:
            return f"{self._at(b['left'], MEMBER)}.{k}({self.expr(b['right'])})", MEMBER
        if k == ".":
            left = self._at(b["left"], MEMBER)
            attr = b["attr"]
            if is_ident(attr) and attr not in RESERVED_IN_POLICIES and not self._maybe(0.1):
                return f"{left}.{attr}", MEMBER
            return f"{left}[{self.string(attr)}]", MEMBER
        if k == "has":
            return f"{self._at(b['left'], ADD)} has {self.name(b['attr'])}", REL
        if k == "like":
            return f"{self._at(b['left'], ADD)} like {self.pattern(b['pattern'])}", REL
        if k == "is":
            text = f"{self._at(b['left'], ADD)} is {b['entity_type']}"
            if "in" in b:
                text += f" in {self._at(b['in'], ADD)}"
            return text, REL
        if k == "Set":
            return "[" + ", ".join(self.expr(x) for x in b) + "]", PRIMARY
        if k == "Record":
            return "{" + ", ".join(f"{self.name(n)}: {self.expr(x)}" for n, x in b.items()) + "}", PRIMARY
        # extension function or method call
        if k in EXT_FUNCTIONS:
            return f"{k}(" + ", ".join(self.expr(x) for x in b) + ")", PRIMARY
        recv, *args = b
        return f"{self._at(recv, MEMBER)}.{k}(" + ", ".join(self.expr(x) for x in args) + ")", MEMBER

    def _unary_operand(self, arg: Est) -> str:
        # `!!x` chains are legal up to four operators; print a few bare.
        chain, inner = 0, arg
        while "!" in inner and len(inner) == 1:
            chain += 1
            inner = inner["!"]["arg"]
        if 0 < chain < 3 and self._maybe(0.3):
            return "!" * chain + self._at(inner, MEMBER)
        return self._at(arg, MEMBER)

    def _value(self, v: Any) -> tuple[str, int]:
        if isinstance(v, bool):
            return ("true" if v else "false"), PRIMARY
        if isinstance(v, int):
            return str(v), (PRIMARY if v >= 0 else UNARY)
        if isinstance(v, str):
            return self.string(v), PRIMARY
        if isinstance(v, dict) and "__entity" in v:
            return self.uid(v["__entity"]), PRIMARY
        raise ValueError(f"no Cedar text for literal {v!r}")

    # -------------------------------------------------------------- policies

    def scope(self, var: str, c: dict[str, Any]) -> str:
        op = c["op"]
        if op == "All":
            return var
        if op == "is":
            text = f"{var} is {c['entity_type']}"
            if "in" in c:
                text += " in " + self._scope_target(c["in"])
            return text
        if op == "in" and "entities" in c:
            return f"{var} in [" + ", ".join(self.uid(u) for u in c["entities"]) + "]"
        if op == "in" and var == "action" and self._maybe(0.4):
            return f"{var} in [{self.uid(c['entity'])}]"
        return f"{var} {op} {self._scope_target(c)}"

    def _scope_target(self, c: dict[str, Any]) -> str:
        return c["slot"] if "slot" in c else self.uid(c["entity"])

    def policy(self, p: dict[str, Any]) -> str:
        out = []
        for k, v in (p.get("annotations") or {}).items():
            out.append(f"@{k}" if v is None else f"@{k}({self.string(v)})")
        sep = "," + ("\n  " if self._maybe(0.5) else " ")
        head = (
            f"{p['effect']} ({self.scope('principal', p['principal'])}{sep}"
            f"{self.scope('action', p['action'])}{sep}{self.scope('resource', p['resource'])})"
        )
        out.append(head)
        for cond in p.get("conditions", []):
            out.append(f"{cond['kind']} {{{self.ws()}{self.expr(cond['body'])}{self.ws()}}}")
        return "\n".join(out) + ";"


def policy_to_text(p: dict[str, Any], rng: random.Random | None = None) -> str:
    return PolicyPrinter(rng).policy(p)


def expr_to_text(e: Est, rng: random.Random | None = None) -> str:
    return PolicyPrinter(rng).expr(e)
