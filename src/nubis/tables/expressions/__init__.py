"""DynamoDB's expression languages: condition, filter, key condition, update and projection expressions, and
their legacy parameter forms, compiled once per request into closures."""

from nubis.tables.expressions.cache import PARSE_CACHE, ParseCache
from nubis.tables.expressions.keycondition import KeyCondition, KeyRange
from nubis.tables.expressions.parser import parse_condition, parse_key_condition, parse_projection, parse_update
from nubis.tables.expressions.request import CompiledExpressions, ExpressionKind, compile_expressions

__all__ = [
    "PARSE_CACHE",
    "CompiledExpressions",
    "ExpressionKind",
    "KeyCondition",
    "KeyRange",
    "ParseCache",
    "compile_expressions",
    "parse_condition",
    "parse_key_condition",
    "parse_projection",
    "parse_update",
]
