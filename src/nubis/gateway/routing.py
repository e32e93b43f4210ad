"""Route matching for HTTP APIs (route keys) and REST APIs (the resource tree), compiled once per deployment.

A path template is a tuple of segments, each a literal, ``{name}`` or a final greedy ``{name+}``. Matching splits
the request path on ``/`` and compares segment by segment; specificity is the tuple of segment ranks (literal 2,
parameter 1), compared lexicographically, so "the most specific wins" reads left to right:

- HTTP APIs [D http-api-develop-routes.md]: full (non-greedy) matches first, most specific path first, a named
  method before ``ANY``; then greedy routes, longest literal prefix first, named method before ``ANY``; then the
  ``$default`` route. No match (including a known path with another method) is the caller's 404.
- REST APIs [V LS test_routing_not_found, LS resource_router.py]: literal beats ``{param}`` beats ``{proxy+}``; a
  trailing slash is ignored for matching; the resource must have the method or ``ANY``, else nothing matches (the
  caller's 403 Missing Authentication Token).

Parameter values are the segments of the path the caller gives: REST passes the raw (not percent-decoded) path
[V LS snapshot]; HTTP APIs the decoded one, so ``%2F`` separates segments [D http-api-develop-routes.md].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

LITERAL, PARAM, GREEDY = 2, 1, 0


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """A compiled path template: ``segments`` as (kind, literal-or-name) pairs."""

    template: str
    segments: tuple[tuple[int, str], ...]

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1][0] == GREEDY

    @property
    def rank(self) -> tuple[int, ...]:
        return tuple(kind for kind, _ in self.segments)


def compile_path(template: str) -> PathTemplate:
    """``/items/{id}`` → its segments. The root ``/`` has none."""
    segments: list[tuple[int, str]] = []
    for part in template.strip("/").split("/") if template.strip("/") else []:
        if part.startswith("{") and part.endswith("+}"):
            segments.append((GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            segments.append((PARAM, part[1:-1]))
        else:
            segments.append((LITERAL, part))
    return PathTemplate(template, tuple(segments))


def split_path(path: str) -> list[str]:
    """Request path segments for matching: leading slash removed, one trailing slash ignored."""
    trimmed = path[1:] if path.startswith("/") else path
    if trimmed.endswith("/"):
        trimmed = trimmed[:-1]
    return trimmed.split("/") if trimmed else []


def match_template(template: PathTemplate, parts: list[str]) -> dict[str, str] | None:
    """Parameters of ``parts`` under ``template``, or None when it does not match."""
    params: dict[str, str] = {}
    segments = template.segments
    for index, (kind, value) in enumerate(segments):
        if kind == GREEDY:
            rest = parts[index:]
            if not rest or not "/".join(rest):
                return None  # a greedy parameter needs at least one segment [?]
            params[value] = "/".join(rest)
            return params
        if index >= len(parts):
            return None
        part = parts[index]
        if kind == LITERAL:
            if part != value:
                return None
        elif not part:
            return None
        else:
            params[value] = part
    return params if len(parts) == len(segments) else None


@dataclass(frozen=True, slots=True)
class HttpMatch(Generic[T]):
    route_key: str
    target: T
    path_parameters: dict[str, str]


class HttpRouter(Generic[T]):
    """HTTP API route selection over route keys (``GET /items/{id}``, ``ANY /{proxy+}``, ``$default``)."""

    def __init__(self, routes: Iterable[tuple[str, T]]) -> None:
        self.default: T | None = None
        entries: list[tuple[tuple[int, ...], int, str, PathTemplate, str, T]] = []
        for route_key, target in routes:
            if route_key == "$default":
                self.default = target
                continue
            method, _, path = route_key.partition(" ")
            template = compile_path(path)
            entries.append((template.rank, 0 if method == "ANY" else 1, route_key, template, method, target))
        full = [e for e in entries if not e[3].greedy]
        greedy = [e for e in entries if e[3].greedy]
        # Most specific first: higher segment ranks, then a named method before ANY.
        full.sort(key=lambda e: (e[0], e[1]), reverse=True)
        greedy.sort(key=lambda e: (len(e[0]), e[0], e[1]), reverse=True)
        self._ordered = [(e[2], e[3], e[4], e[5]) for e in (*full, *greedy)]

    def match(self, method: str, path: str) -> HttpMatch[T] | None:
        parts = split_path(path)
        for route_key, template, route_method, target in self._ordered:
            if route_method not in ("ANY", method):
                continue
            params = match_template(template, parts)
            if params is not None:
                return HttpMatch(route_key, target, params)
        if self.default is not None:
            return HttpMatch("$default", self.default, {})
        return None


@dataclass(frozen=True, slots=True)
class RestMatch(Generic[T]):
    resource_path: str
    http_method: str
    """The method key that matched (``ANY`` when only ``ANY`` serves the verb)."""
    target: T
    path_parameters: dict[str, str]


class RestRouter(Generic[T]):
    """REST API method selection over the resource tree."""

    def __init__(self, resources: Iterable[tuple[str, Mapping[str, T]]]) -> None:
        compiled = [(compile_path(path), dict(methods)) for path, methods in resources]
        compiled.sort(key=lambda item: item[0].rank, reverse=True)
        self._resources = compiled

    def match(self, method: str, path: str) -> RestMatch[T] | None:
        parts = split_path(path)
        for template, methods in self._resources:
            params = match_template(template, parts)
            if params is None:
                continue
            # The most specific matching resource decides: it has the method (or ANY) or nothing matches.
            for key in (method, "ANY"):
                if key in methods:
                    return RestMatch(template.template, key, methods[key], params)
            return None
        return None
