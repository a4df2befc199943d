"""The LALR driver (`impl.parser.lalr`): a recorded parse replayed, or compiled, builds exactly
what the table-driven parse builds; and a policy set parsed policy by policy, shapes reused,
is the policy set the `policies` rule parses, errors included."""

from __future__ import annotations

from typing import Any

import pytest

from impl.errors import Loc, ParseError, Source
from impl.parser import parse_policies, tokenize
from impl.parser import policy as policy_parser
from tests.corpus import corpus_tests, handwritten_tests


def _locs(x: Any, out: list[Loc]) -> list[Loc]:
    """Every `loc` in an AST, in a fixed order (AST equality ignores them)."""
    loc = getattr(x, "loc", None)
    if loc is not None:
        out.append(loc)
    for name in getattr(x, "__slots__", ()):
        v = getattr(x, name, None)
        for item in (v if isinstance(v, tuple) and not isinstance(v, Loc) else (v,)):
            if hasattr(item, "__slots__") and not isinstance(item, (Loc, str)):
                _locs(item, out)
            elif isinstance(item, tuple):
                for y in item:
                    if hasattr(y, "__slots__") and not isinstance(y, (Loc, str)):
                        _locs(y, out)
    return out


def _table_parse(text: str) -> list[Any]:
    tokens, _ = tokenize(text)
    return policy_parser._run(tokens, Source(text), "policies")  # type: ignore[no-any-return]


POLICY_SETS = [t.policies for t in [*handwritten_tests(), *corpus_tests(sample=400)]]


def test_recorded_parses_replay_and_compile_to_what_the_table_builds() -> None:
    driver = policy_parser._parser()
    for text in POLICY_SETS:
        tokens, _ = tokenize(text)
        source = Source(text)
        start = 0
        for end in [i + 1 for i, t in enumerate(tokens) if t.type == "SEMI"]:
            trace: list[Any] = []
            policy_parser._builder.reset(source)
            parsed = driver.parse(tokens[start:end], "policy", trace)
            policy_parser._builder.reset(source)
            replayed = driver.replay(trace, tokens, start)
            policy_parser._builder.reset(source)
            compiled = driver.compile(trace)(tokens, start)
            assert parsed == replayed == compiled
            assert _locs(parsed, []) == _locs(replayed, []) == _locs(compiled, [])
            start = end


@pytest.mark.parametrize("compile_after", [1, 200])
@pytest.mark.parametrize("copies", [1, 2, 5])
def test_policy_sets_parsed_by_shape_are_what_the_policies_rule_parses(copies: int, compile_after: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_parser, "_COMPILE_AFTER", compile_after)
    for text in POLICY_SETS:
        text = "\n".join([text] * copies)  # shapes recur: replayed, then compiled
        try:
            expected = _table_parse(text)
        except (policy_parser._Fail, policy_parser.NoAction):
            continue
        got = parse_policies(text)
        assert got == expected
        assert [p.id for p in got] == [p.id for p in expected]
        assert _locs(got, []) == _locs(expected, [])


BROKEN = [
    'permit(principal, action, resource) when { if };',
    'permit(principal, action, resource) when { principal.if };',
    'permit(principal, action, resource) when { 1 < 2 < 3 };',
    'forbid(principal == ?resource, action, resource);',
    'permit(principal, action, resource)',
    'permit(principal, action, resource); )',
    'permit(principal, action, resource) when { context.x == "\\q" };',
]


@pytest.mark.parametrize("broken", BROKEN)
@pytest.mark.parametrize("position", [0, 3, 7])
def test_an_error_after_recurring_shapes_is_the_error_of_the_whole_set(broken: str, position: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_parser, "_COMPILE_AFTER", 2)  # the shape is compiled before the error
    good = ['permit(principal == User::"a", action, resource) when { context.x == 1 };'] * 7
    text = "\n".join(good[:position] + [broken] + good[position:])
    with pytest.raises(ParseError) as by_shape:
        parse_policies(text)
    tokens, _ = tokenize(text)
    source = Source(text)
    with pytest.raises((policy_parser._Fail, policy_parser.NoAction)) as table:
        policy_parser._run(tokens, source, "policies")
    first = policy_parser._to_parse_error(table.value, source, tokens)
    assert str(by_shape.value) == str(policy_parser._all_errors(tokens, source, first))
