"""JSONPath for ``$input.path``/``$input.json`` and the ``...body.<path>`` parameter sources (pure).

AWS evaluates these with Jayway JsonPath [D api-gateway-mapping-template-reference.md links it], so templates in
the wild use more than ``$.a.b[0]``: wildcards (``$.items[*].id``), deep scans, slices and filters
(``$.items[?(@.price > 10)]``). Rather than grow an evaluator of our own, this wraps ``jsonpath-ng`` (Apache-2.0,
maintained, pure Python, its "ext" parser has filters), parsed once per path text (a bounded cache).

Templates see JSON scalars as strings (``mapping/vtl_values.py``), and a filter must compare them as the JSON
values they were, so a path with a filter runs on the plain JSON and its matches are looked up again, by their
full paths, in the tree the template holds (what it gets back is what it may change with ``#set``).

Jayway's result rule, which decides what a template gets back: a *definite* path (only names and single indexes)
gives the value, or nothing when it is absent; any other path gives the list of what it matched. A path without
the leading ``$`` is read as below the root (``id`` is ``$.id``), as the parameter sources write it
(``integration.response.body.redirect.url``) [D request-response-data-mappings.md].
"""

from __future__ import annotations

import functools
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext.parser import parse
from jsonpath_ng.jsonpath import Child, Fields, Index, Root, This

from nubis.gateway.mapping.vtl_values import MISSING, JavaList, VtlMap, json_document, json_text, to_plain, to_vtl

__all__ = ["NOT_FOUND", "InvalidPathError", "read", "read_body_field"]


class _NotFound:
    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND: Any = _NotFound()
"""What ``read`` returns when a definite path matches nothing."""


class InvalidPathError(ValueError):
    """A JSONPath expression that does not parse."""


def _definite(expression: JSONPath) -> bool:
    if isinstance(expression, Root | This):
        return True
    if isinstance(expression, Fields):
        return len(expression.fields) == 1 and expression.fields[0] != "*"
    if isinstance(expression, Index):
        return len(expression.indices) == 1
    if isinstance(expression, Child):
        return _definite(expression.left) and _definite(expression.right)
    return False


@functools.lru_cache(maxsize=1024)
def _compile(path: str) -> tuple[JSONPath, bool, bool]:
    text = path.strip() or "$"
    if not text.startswith("$"):
        text = "$" + text if text.startswith("[") else "$." + text
    try:
        expression = parse(text)
    except Exception as exc:  # jsonpath-ng raises plain Exceptions for syntax errors
        raise InvalidPathError(f"invalid JSONPath {path!r}: {exc}") from exc
    return expression, _definite(expression), "?(" in text


def read(document: Any, path: str) -> Any:
    """What ``path`` selects in ``document`` (a template value tree): a value (definite path), a list (any other
    path), or ``NOT_FOUND``.

    Raises:
        InvalidPathError: ``path`` does not parse.
    """
    expression, definite, filtered = _compile(str(path))
    if filtered:
        found = expression.find(to_plain(document))
        matches = [node.value for match in found for node in match.full_path.find(document)]
    else:
        matches = [match.value for match in expression.find(document)]
    if definite:
        return matches[0] if matches else NOT_FOUND
    return matches


def read_body_field(body: bytes, path: str) -> str | None:
    """A field of a JSON body as a parameter mapping's text (``method.request.body.a.b``,
    ``integration.response.body.a.b``): strings as they are, objects and arrays as JSON [?]; None when the body is
    not JSON or has no such field."""
    try:
        found = read(to_vtl(json_document(body or b"{}")), path)
    except (ValueError, InvalidPathError):
        return None
    if found is NOT_FOUND or found is MISSING:
        return None
    return json_text(found) if isinstance(found, VtlMap | JavaList) else str(found)
