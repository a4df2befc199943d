"""Putting `//` comments back into formatted policies (the engine's formatter prints the AST,
which has no comments).

Each comment is attached to a token of the original text, as Rust's formatter
attaches them (`cedar-policy-formatter/src/pprint/token.rs`): a comment on the
same line after a token *trails* that token; any other comment *leads* the
next token; comments after the last policy close the file. The formatted
policy is tokenized again and aligned with the original tokens, and each
comment is re-inserted at its token: a trailing comment after the token (the
line is broken after it), a leading comment on its own line(s) before it.
Placement depends only on the tokens and the comment-free layout, so
formatting twice gives the same text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


_SKIP_SPACES = "\0"  # marks an insertion after which the spaces that followed are dropped


@dataclass
class _Attached:
    leading: dict[int, list[str]] = field(default_factory=dict)  # token index -> comments before it
    trailing: dict[int, list[str]] = field(default_factory=dict)  # token index -> comments after it
    end_of_file: list[str] = field(default_factory=list)


def _attach(text: str, tokens: Sequence[Any], comments: Sequence[Any]) -> _Attached:
    out = _Attached()
    starts = [t.start for t in tokens]
    import bisect

    for c in comments:
        body = c.text.strip()
        nxt = bisect.bisect_left(starts, c.end)
        prev = nxt - 1
        if prev >= 0 and "\n" not in text[tokens[prev].end: c.start] and "\r" not in text[tokens[prev].end: c.start]:
            out.trailing.setdefault(prev, []).append(body)
        elif nxt < len(tokens):
            out.leading.setdefault(nxt, []).append(body)
        else:
            out.end_of_file.append(body)
    return out


def format_with_comments(text: str, tokenize: Callable[[str], tuple[list[Any], list[Any]]],
                         policies: Sequence[Any], format_policy: Callable[[Any], str]) -> str:
    """The formatted policy set with every comment of `text` kept.

    `tokenize(text)` gives (tokens, comments) with offsets; `policies` carry their source span
    (`loc`, annotations included); `format_policy(p)` lays out one policy without comments.
    """
    tokens, comments = tokenize(text)
    attached = _attach(text, tokens, comments)
    blocks = []
    index = 0
    for policy in policies:
        first = index
        while index < len(tokens) and tokens[index].start < policy.loc.end:
            index += 1
        blocks.append(_policy_block(tokens[first:index], first, attached, format_policy(policy).strip("\n"),
                                    tokenize))
    out = "\n\n".join(blocks) + "\n"
    for body in attached.end_of_file:
        out += body + "\n"
    return out


def _policy_block(original: Sequence[Any], offset: int, attached: _Attached, formatted: str,
                  tokenize: Callable[[str], tuple[list[Any], list[Any]]]) -> str:
    """One formatted policy with its comments: those leading its first token go above it."""
    head = attached.leading.get(offset, [])
    new_tokens, _ = tokenize(formatted)
    mapping = _align([t.value for t in original], [t.value for t in new_tokens])
    edits: list[tuple[int, int, str]] = []  # (position, order, text); applied right to left
    for i in range(len(original)):
        j = _mapped(mapping, i)
        if j is None:
            continue
        if i > 0 and (i + offset) in attached.leading:
            edits.append((new_tokens[j].start, 0, _leading_text(formatted, new_tokens[j].start,
                                                                attached.leading[i + offset])))
        if (i + offset) in attached.trailing:
            edits.append((new_tokens[j].end, 1, _trailing_text(formatted, new_tokens[j].end,
                                                               attached.trailing[i + offset])))
    for pos, _order, insert in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        tail = formatted[pos:]
        if insert.endswith(_SKIP_SPACES):
            insert, tail = insert[: -len(_SKIP_SPACES)], tail.lstrip(" ")
        formatted = formatted[:pos] + insert + tail
    return "\n".join([*head, formatted])


def _align(a: list[str], b: list[str]) -> dict[int, int]:
    mapping: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    return mapping


def _mapped(mapping: dict[int, int], i: int) -> int | None:
    """The formatted token for original token `i`, or for the nearest earlier one that survived."""
    while i >= 0:
        if i in mapping:
            return mapping[i]
        i -= 1
    return None


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end == -1 else end)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]


def _leading_text(text: str, pos: int, bodies: list[str]) -> str:
    start, end = _line_bounds(text, pos)
    indent = _indent(text[start:end])
    lines = "".join(f"{indent}{b}\n" for b in bodies)
    if text[start:pos].strip():  # the token is mid-line: break the line before it
        return "\n" + lines + indent
    return lines[len(indent):] + indent if pos > start else lines


def _trailing_text(text: str, pos: int, bodies: list[str]) -> str:
    start, end = _line_bounds(text, pos)
    indent = _indent(text[start:end])
    joined = " " + bodies[0] + "".join(f"\n{indent}{b}" for b in bodies[1:])
    rest = text[pos:end]
    if not rest.strip():
        return joined
    # more on this line: it moves to the next one, one level deeper unless it closes a bracket
    deeper = "" if rest.lstrip()[0] in ")]}" else "  "
    return joined + "\n" + indent + deeper + _SKIP_SPACES
