"""Cedar policy syntax: text -> `impl.ast` (lark LALR grammar in `policy.lark`)."""

from .extension_names import BUILTIN_METHODS, EXTENSION_FUNCTIONS, call_style, is_function, is_method
from .lexer import Comment, tokenize
from .policy import MAX_DEPTH, parse_expr, parse_policies, parse_policies_with_comments, parse_policy

__all__ = [
    "BUILTIN_METHODS", "EXTENSION_FUNCTIONS", "call_style", "is_function", "is_method",
    "Comment", "tokenize",
    "MAX_DEPTH", "parse_expr", "parse_policies", "parse_policies_with_comments", "parse_policy",
]
