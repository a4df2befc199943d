"""Running the LALR(1) automaton lark builds from a grammar, faster than `Lark.parse`.

lark stays the grammar's compiler (its tables and its tree-shaping rules); this
module only drives those tables:
- `Driver.parse`: the table loop, with plain-string keys; with a builder, each
  reduction calls the builder method named after the rule (or its alias) with the
  children lark's tree builder would give it, without intermediate trees; chains
  of `?rule` reductions that only pass a child up are looked up, not walked.
- `Driver.replay` / `Driver.compile`: LALR actions depend only on the token
  types, so a parse can be recorded (a *trace*: which reductions, after how many
  shifts) and replayed on any tokens of the same types without reading the
  table, or turned into straight-line Python that makes the same builder calls.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from lark import Lark
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift


class TokenList(Lexer):
    """Lets lark build its tables around tokens made elsewhere (a `lexer=` for `Lark`)."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Any:  # type: ignore[override]
        return iter(data)


class NoAction(Exception):
    """No parse action for `token` (None at the end of the input) in the current state;
    `expected` are the terminals that have one."""

    def __init__(self, token: Any, expected: list[str]) -> None:
        super().__init__("syntax error")
        self.token, self.expected = token, expected


class Recipe(NamedTuple):
    """How a reduction shapes its children (lark's `ParseTreeBuilder` rules, for one rule)."""

    target: Callable[[list[Any]], Any] | None  # the builder method; None for a `_rule` (spliced into its parent)
    plan: tuple[tuple[int, bool], ...]  # (child index, spliced) for each child kept
    single: bool  # a `?rule` without alias: a lone kept child is passed up as it is


Step = tuple[int, int, Callable[[list[Any]], Any], "Recipe | None"]  # (shifts before, children, reduce, recipe)


class Driver:
    """The tables of one `Lark(..., parser="lalr", lexer=TokenList)` and a loop over them.

    Tokens are tuples whose item 0 is the terminal name. With a `builder`, reductions
    call its methods (see the module docstring); without one, lark's own callbacks
    build a `Tree` per rule.
    """

    def __init__(self, lark: Lark, builder: Any = None) -> None:
        parser = lark.parser.parser.parser  # ParsingFrontend -> LALR_Parser -> _Parser
        table = parser.parse_table
        self.states: list[dict[str, Any]] = [{} for _ in range(max(table.states) + 1)]
        for state, actions in table.states.items():
            row = self.states[state]
            for symbol, (action, rule) in actions.items():
                if action is Shift:
                    row[str(symbol)] = rule
                    continue
                recipe = None
                if rule.options.expand1 and not rule.alias and len(rule.expansion) == 1:
                    reduce = None  # `?rule` with one child: pass it up
                elif builder is not None:
                    recipe = _recipe(rule, builder)
                    reduce = _reducer(recipe, len(rule.expansion))
                else:
                    reduce = parser.callbacks[rule]
                row[str(symbol)] = (len(rule.expansion), reduce, str(rule.origin.name), recipe)
        self.start_states = dict(table.start_states)
        self.end_states = dict(table.end_states)
        self.unit_chains: dict[tuple[int, int, str], int] = {}

    def parse(self, tokens: Sequence[Any], start: str, trace: list[Step] | None = None) -> Any:
        """The value of the `start` rule over `tokens` (`NoAction` if they do not derive from it);
        `trace`, if given, receives the steps `replay` and `compile` need."""
        states, chains = self.states, self.unit_chains
        end_state = self.end_states[start]
        state_stack = [self.start_states[start]]
        value_stack: list[Any] = []
        push_state, push_value = state_stack.append, value_stack.append
        record = ([] if trace is None else trace).append
        shifted = 0
        for tok in (*tokens, None):
            ttype = "$END" if tok is None else tok[0]
            while True:
                top = state_stack[-1]
                act = states[top].get(ttype)
                if act.__class__ is int:
                    if tok is None:
                        break
                    push_state(act)
                    push_value(tok)
                    shifted += 1
                    break
                if act is None:
                    raise NoAction(tok, self._expected(top))
                n, reduce, origin, recipe = act
                if reduce is None:
                    key = (state_stack[-2], top, ttype)
                    goto = chains.get(key)
                    if goto is None:
                        goto = chains[key] = self._unit_chain(*key)
                    state_stack[-1] = goto
                else:
                    if n:
                        args = value_stack[-n:]
                        del value_stack[-n:]
                        del state_stack[-n:]
                    else:
                        args = []
                    record((shifted, n, reduce, recipe))
                    shifted = 0
                    push_value(reduce(args))
                    goto = states[state_stack[-1]][origin]
                    push_state(goto)
                if goto == end_state and tok is None:
                    return value_stack[-1]
        raise NoAction(None, self._expected(state_stack[-1]))

    @staticmethod
    def replay(trace: list[Step], tokens: Sequence[Any], i: int) -> Any:
        """`parse` again, on `tokens[i:]`, of the same types as the tokens `trace` was recorded on."""
        stack: list[Any] = []
        push = stack.append
        for shifted, n, reduce, _recipe in trace:
            if shifted == 1:
                push(tokens[i])
                i += 1
            elif shifted:
                stack += tokens[i:i + shifted]
                i += shifted
            if n:
                args = stack[-n:]
                del stack[-n:]
            else:
                args = []
            push(reduce(args))
        return stack[-1]

    @staticmethod
    def compile(trace: list[Step]) -> Callable[[Sequence[Any], int], Any]:
        """`replay` of `trace` as a Python function of `(tokens, i)`: the builder calls in trace
        order, each with its children written out (dropped tokens are never read)."""
        names: dict[str, Any] = {}
        lines = ["def replay(t, i):"]
        stack: list[str] = []  # the expression for each value on the parse stack
        shifted_so_far = 0
        for k, (shifted, n, reduce, recipe) in enumerate(trace):
            for _ in range(shifted):
                stack.append(f"t[i + {shifted_so_far}]")
                shifted_so_far += 1
            args = stack[len(stack) - n:]
            del stack[len(stack) - n:]
            if recipe is None:
                raise ValueError("only the trace of a parse with a builder compiles")
            target, plan, single = recipe
            children = "[" + ", ".join(("*" if spliced else "") + args[i] for i, spliced in plan) + "]"
            if single and any(spliced for _i, spliced in plan):  # how many children is known only then
                names[f"r{k}"] = reduce
                value = f"r{k}([{', '.join(args)}])"
            elif single and len(plan) == 1:
                value = args[plan[0][0]]
            elif target is None:
                value = children
            else:
                names[f"r{k}"] = target
                value = f"r{k}({children})"
            lines.append(f"    v{k} = {value}")
            stack.append(f"v{k}")
        lines.append(f"    return {stack[-1]}")
        exec("\n".join(lines), names)  # noqa: S102 - code written above from the grammar's own rules
        return names["replay"]  # type: ignore[no-any-return]

    def _unit_chain(self, below: int, top: int, ttype: str) -> int:
        """The state after the pass-up reductions `ttype` triggers with `top` over `below`."""
        states = self.states
        while True:
            act = states[top].get(ttype)
            if act is None or act.__class__ is int or act[1] is not None:
                return top
            top = states[below][act[2]]

    def _expected(self, state: int) -> list[str]:
        return [sym for sym in self.states[state] if sym.isupper() or sym == "$END"]


def _recipe(rule: Any, builder: Any) -> Recipe:
    expansion = rule.expansion
    keep = [i for i, sym in enumerate(expansion) if rule.options.keep_all_tokens or not (sym.is_term and sym.filter_out)]
    splice = {i for i in keep if not expansion[i].is_term and expansion[i].name.startswith("_")}
    inline = rule.origin.name.startswith("_")  # a `_rule` (as lark's `x*` helpers): its children go to the parent
    return Recipe(None if inline else getattr(builder, rule.alias or rule.origin.name),
                  tuple((i, i in splice) for i in keep), rule.options.expand1 and not rule.alias)


def _reducer(recipe: Recipe, n: int) -> Callable[[list[Any]], Any]:
    """What a reduction makes of its `n` children, by `recipe`."""
    target, plan, single = recipe
    spliced = any(s for _i, s in plan)
    # The common shapes, without a loop: all children; some children; `__x item` (a left-recursive
    # list grows in place: the parent takes over the child's list); `item __x`.
    if not single and target is not None:
        if plan == tuple((i, False) for i in range(n)):
            return target
        if not spliced and len(plan) == 1:
            k0 = plan[0][0]
            return lambda c: target([c[k0]])
        if not spliced and len(plan) == 2:
            k0, k1 = plan[0][0], plan[1][0]
            return lambda c: target([c[k0], c[k1]])
        if plan == ((0, True), (1, False)):
            return lambda c: (c[0].append(c[1]), target(c[0]))[1]
        if plan == ((0, False), (1, True)):
            return lambda c: target([c[0], *c[1]])
    if not single and target is None:
        if plan == tuple((i, False) for i in range(n)):
            return _same
        if plan == ((0, False),):
            return lambda c: [c[0]]
        if plan == ((0, True), (1, False)):
            return lambda c: (c[0].append(c[1]), c[0])[1]

    def reduce(c: list[Any]) -> Any:
        out: list[Any] = []
        for i, spliced in plan:
            if not spliced:
                out.append(c[i])
            elif out:
                out += c[i]
            else:
                out = c[i]
        if single and len(out) == 1:
            return out[0]
        return out if target is None else target(out)

    return reduce


def _same(children: list[Any]) -> list[Any]:
    return children
