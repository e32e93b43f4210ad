"""Velocity templates as API Gateway runs them, on the airspeed engine (pure).

Why airspeed-ext (LocalStack's fork of airspeed, BSD licence) and not airspeed 0.7.1: the fork's behaviour is
checked against templates rendered by API Gateway itself (its ``tests/test_templating.snapshot.json``), and the
differences are the ones templates meet every day: an undefined ``$x`` prints nothing, booleans print ``true``,
identifiers may hold ``-`` (``$context.responseOverride.header.Access-Control-Allow-Origin``, which the Serverless
Framework generates), ``#set`` assigns through ``[...]`` and dotted paths, string literals keep their backslashes,
and ``matches`` is a whole-string match. What it lacks is added here, around it, not by patching it:

- the Java-ish values of ``mapping/vtl_values.py`` (what a template can call and how values print);
- ``#foreach`` over at most 1 000 items (API Gateway's limit [D limits.md]; past it the loop stops, as Velocity's
  ``directive.foreach.maxloops`` stops it [?]), and over a map's values, as Velocity iterates a ``Map`` [?];
- one error type, ``MappingTemplateError``, for a template that does not parse or fails while rendering.

Templates are compiled once (``compile_template``), when a deployment is compiled, and rendered per request.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import airspeed
from airspeed.operators import ForeachDirective, _Element

MAX_FOREACH = 1000
"""Iterations of one ``#foreach`` [D limits.md "Mapping template #foreach iterations: 1,000"]."""
MAX_TEMPLATE_BYTES = 300 * 1024
"""A mapping template's size limit [D limits.md]."""


class MappingTemplateError(Exception):
    """A mapping template that does not parse, or that failed while rendering (API Gateway's 500)."""


class _BoundedLoopValue:
    """Stands in for a ``#foreach``'s list: a map gives its values, a string nothing, anything else its first
    ``MAX_FOREACH`` items."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def calculate(self, namespace: Any, loader: Any) -> Any:
        value = self._value.calculate(namespace, loader)
        if value is None or isinstance(value, str):
            return None
        if isinstance(value, Mapping):
            value = value.values()
        if not isinstance(value, Iterable):
            return value  # airspeed reports "not iterable"
        return list(itertools.islice(value, MAX_FOREACH))


def _bound_loops(element: Any, seen: set[int]) -> None:
    """Walks the parsed template once and bounds every ``#foreach`` (nested ones included)."""
    if id(element) in seen:
        return
    seen.add(id(element))
    if isinstance(element, ForeachDirective) and not isinstance(element.value, _BoundedLoopValue):
        element.value = _BoundedLoopValue(element.value)
    for child in vars(element).values():
        for item in _children(child):
            _bound_loops(item, seen)


def _children(value: Any) -> Iterable[Any]:
    if isinstance(value, _Element):
        return (value,)
    if isinstance(value, _BoundedLoopValue):
        return (value._value,)
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, _Element)]
    if isinstance(value, dict):
        return [v for v in (*value.keys(), *value.values()) if isinstance(v, _Element)]
    return ()


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTemplate:
    """A parsed mapping template, ready to render many times."""

    text: str
    _template: Any

    def render(self, namespace: Mapping[str, Any]) -> str:
        """The template's output for these variables (``input``, ``context``, ``util``, ``stageVariables``).

        Raises:
            MappingTemplateError: the template failed (a method raised, a bad index, a regex that does not compile).
        """
        try:
            return str(self._template.merge(dict(namespace)))
        except Exception as exc:  # airspeed wraps what user code raises; anything else is the template's fault too
            raise MappingTemplateError(str(exc)) from exc


def compile_template(text: str) -> CompiledTemplate:
    """Parses a mapping template.

    Raises:
        MappingTemplateError: the template does not parse, or is over API Gateway's 300 KB.
    """
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise MappingTemplateError(f"a mapping template is limited to {MAX_TEMPLATE_BYTES} bytes")
    template = airspeed.Template(text)
    try:
        template.ensure_compiled()
    except Exception as exc:
        raise MappingTemplateError(str(exc)) from exc
    _bound_loops(template.root_element, set())
    return CompiledTemplate(text, template)
