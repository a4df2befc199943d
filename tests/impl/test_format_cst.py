"""Formatting policy text as `cedar format` does: from the concrete syntax, comments kept.

Each expected layout below is what the Rust formatter (cedarpy 4.12) prints for the input.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from impl.errors import ParseError
from impl.format_cst import format_policies_text
from impl.parser import parse_policies, tokenize

APPS = Path(__file__).resolve().parent.parent / "data" / "apps"

SCOPE = "permit (principal, action, resource)\n"

WRITTEN_FORMS_KEPT = [
    # parentheses the grammar does not need are the author's, and stay
    ("permit(principal, action, resource) when { context.a || (context.b && context.c) } "
     "unless { (principal.n - context.n) + (resource.n) > (-context.n) };",
     SCOPE + "when { context.a || (context.b && context.c) }\n"
     "unless { (principal.n - context.n) + (resource.n) > (-context.n) };\n"),
    # `e["a"]` is not rewritten as `e.a`
    ('permit(principal, action, resource) when { resource.labels["stage"] == "beta" && '
     'resource["owner"] == principal };',
     SCOPE + 'when { resource.labels["stage"] == "beta" && resource["owner"] == principal };\n'),
    # string literals keep their escapes, and even line breaks
    ('@note("first line\n   second line")\npermit(principal, action, resource);',
     '@note("first line\n   second line")\n' + SCOPE.rstrip("\n") + ";\n"),
    ('permit(principal, action, resource) when { context.s == "tab\\there \\u{e9}" && context.p like "a\\*b*" };',
     SCOPE + 'when { context.s == "tab\\there \\u{e9}" && context.p like "a\\*b*" };\n'),
    # number literals are the one thing normalized
    ("permit(principal, action, resource) when { context.n == 007 };", SCOPE + "when { context.n == 7 };\n"),
]


@pytest.mark.parametrize("source,expected", WRITTEN_FORMS_KEPT)
def test_what_the_author_wrote_is_kept(source: str, expected: str) -> None:
    assert format_policies_text(source) == expected


COMMENTS = [
    # a trailing comment ends its line, which breaks every group around it, here the call's
    ('permit(principal, action, resource) when {\n  context.now < datetime("2025-01-01") // new year\n};',
     SCOPE + 'when\n{\n  context.now < datetime(\n      "2025-01-01"\n    ) // new year\n};\n'),
    ('permit(principal, action in [Action::"read", Action::"list" // more later\n], resource);',
     'permit (\n  principal,\n  action in\n    [Action::"read",\n     Action::"list" // more later\n    ],\n'
     "  resource\n);\n"),
    # a comment on a line of its own leads the next token (here the closing brace)
    ("permit(principal, action, resource) when { context has mfa && context.mfa\n// checked at login\n};",
     SCOPE + "when\n{\n  context has mfa && context.mfa\n// checked at login\n};\n"),
    # the line after a trailing comment is indented as what follows it, not as the comment
    ("permit(principal, action, resource // everything\n);", "permit (principal, action, resource // everything\n);\n"),
    ("forbid(principal, action, resource) unless { principal.active }; // active only\n// end of file\n\n",
     "forbid (principal, action, resource)\nunless { principal.active }; // active only\n// end of file\n"),
    ("// nothing here yet\n", "\n// nothing here yet\n"),
    ("", "\n"),
]


@pytest.mark.parametrize("source,expected", COMMENTS)
def test_comments_go_where_the_rust_formatter_puts_them(source: str, expected: str) -> None:
    assert format_policies_text(source) == expected


def test_line_width_and_indent_width_are_options() -> None:
    source = 'permit(principal == User::"alice", action, resource) when { context.a && context.b };'
    assert format_policies_text(source, line_width=20, indent_width=4) == (
        'permit (\n    principal ==\n        User::"alice",\n    action,\n    resource\n)\n'
        "when\n{\n    context.a &&\n    context.b\n};\n")


def test_formatting_is_idempotent_and_keeps_meaning() -> None:
    for source, _ in WRITTEN_FORMS_KEPT + COMMENTS:
        once = format_policies_text(source)
        assert format_policies_text(once) == once
        assert parse_policies(once) == parse_policies(source)


def test_text_that_does_not_parse_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        format_policies_text("permit(principal, action, resource) when { };")


def test_deep_nesting_needs_no_recursion() -> None:
    body = "true"
    for _ in range(450):
        body = f"![{body}]"
    out = format_policies_text(f"permit(principal, action, resource) when {{ {body} }};")
    assert out.count("[") == 450
    parens = "(" * 900 + "1" + ")" * 900
    assert format_policies_text(f"permit(principal, action, resource) when {{ {parens} }};").count("(") == 901


def _with_random_comments(text: str, rng: random.Random) -> str:
    """`text` with comments and line breaks added between random tokens."""
    tokens, _ = tokenize(text)
    out, prev = [], 0
    for tok in tokens:
        gap = text[prev:tok.start]
        roll = rng.random()
        if roll < 0.06:
            gap += f" // note {rng.randrange(99)}\n"
        elif roll < 0.09:
            gap = f"\n// about what follows\n{gap} "
        elif roll < 0.12:
            gap = gap.replace("\n", " ") or "\n"
        out += [gap, text[tok.start:tok.end]]
        prev = tok.end
    return "".join(out) + text[prev:] + "\n// the end\n"


def test_app_policies_with_comments_anywhere_format_as_rust_does() -> None:
    cedarpy = pytest.importorskip("cedarpy")
    files = sorted(APPS.glob("*/policies.cedar"))
    assert files, "no application policies under tests/data/apps"
    rng = random.Random(11)
    for path in files:
        text = path.read_text()
        for _ in range(6):
            source = _with_random_comments(text, rng)
            width, indent = rng.choice([(80, 2), (80, 2), (40, 4), (120, 1)])
            assert format_policies_text(source, line_width=width, indent_width=indent) == \
                cedarpy.format_policies(source, width, indent), source
