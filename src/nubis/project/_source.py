"""Reading definition files into plain data plus a source map (key path → line).

Why a source map instead of annotated node objects: loaders work on plain dicts and lists (what ``json`` and
``yaml`` users expect, easy to resolve variables and intrinsics over), and only an *error* needs a line. So the
YAML node tree is walked once here, building the plain value and recording the line of every key and item.

CloudFormation's short-form tags are turned into their long form while reading (``!Ref X`` → ``{"Ref": "X"}``,
``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub``, ``!Join``, ``!If``, ``!Select``, ``!Split``,
``!FindInMap``, ``!Equals``, ``!Not``, ``!And``, ``!Or``, ``!Condition``, ``!Base64``, ``!GetAZs``, ``!Cidr``,
``!Transform``, ``!ImportValue``), so that one resolver handles both spellings. ``!ImportValue`` is read but refused
when resolved (it needs another deployed stack). Timestamps stay strings (``AWSTemplateFormatVersion: 2010-09-09``
means a version, not a date), mapping keys become strings (``200:`` in OpenAPI responses), and a duplicate key is an
error: PyYAML would silently keep the last one, which hides typos in real files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nubis.project.errors import KeyPath, ProjectError, format_key_path

__all__ = ["Document", "display_name", "parse_text", "read_document"]

_FN_TAGS = {
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!FindInMap": "Fn::FindInMap",
    "!GetAZs": "Fn::GetAZs",
    "!ImportValue": "Fn::ImportValue",
    "!Join": "Fn::Join",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!Sub": "Fn::Sub",
    "!Transform": "Fn::Transform",
    "!And": "Fn::And",
    "!Equals": "Fn::Equals",
    "!If": "Fn::If",
    "!Not": "Fn::Not",
    "!Or": "Fn::Or",
    "!GetAtt": "Fn::GetAtt",
    "!Ref": "Ref",
    "!Condition": "Condition",
}

_STD = "tag:yaml.org,2002:"


@dataclass(slots=True)
class Document:
    """One parsed file: its plain data, its display name and where each key path starts.

    ``lines`` maps a key path (as a tuple) to a 1-based line; ``line_of`` falls back to the nearest ancestor that
    has one, because values made by resolution (a variable expanding to a mapping) have no line of their own.
    """

    file: str
    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    path: Path | None = None

    def line_of(self, key: KeyPath) -> int | None:
        parts = tuple(key)
        while True:
            line = self.lines.get(parts)
            if line is not None:
                return line
            if not parts:
                return None
            parts = parts[:-1]

    def error(self, code: str, message: str, key: KeyPath) -> ProjectError:
        """A ``ProjectError`` located at ``key`` in this document."""
        return ProjectError(code, message, file=self.file, line=self.line_of(key), key=format_key_path(key) or None)

    def locate(self, exc: ProjectError, key: KeyPath) -> ProjectError:
        """Fills in this document's location on an error raised without one (model validation)."""
        return exc.located(self.file, self.line_of(key), format_key_path(key) or None)


def display_name(path: Path, base: Path | None) -> str:
    """The name shown in errors: relative to the project folder when the file is inside it."""
    if base is not None:
        try:
            return os.path.relpath(path, base) if path.is_relative_to(base) else str(path)
        except ValueError:  # pragma: no cover - different drives on Windows
            return str(path)
    return path.name


def read_document(path: Path, base: Path | None = None) -> Document:
    """Reads a YAML or JSON file into a ``Document``.

    Raises:
        ProjectError: ``file-unreadable`` or ``yaml-syntax`` / ``json-syntax``, with the line of the problem.
    """
    name = display_name(path, base)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError("file-unreadable", f"cannot read the file: {exc}", file=name) from exc
    doc = parse_text(text, name)
    doc.path = path
    return doc


def parse_text(text: str, name: str) -> Document:
    """Parses YAML (or JSON, a subset in practice) text. JSON that YAML rejects (tabs) is retried with ``json``."""
    lines: dict[tuple[str | int, ...], int] = {}
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = None if node is None else _build(loader, node, (), lines, name)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        if name.endswith(".json"):
            return _parse_json(text, name)
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ProjectError("yaml-syntax", f"invalid YAML: {problem}", file=name, line=line) from exc
    except yaml.YAMLError as exc:
        raise ProjectError("yaml-syntax", f"invalid YAML: {exc}", file=name) from exc
    return Document(name, data, lines)


def _parse_json(text: str, name: str) -> Document:
    try:
        return Document(name, json.loads(text))
    except json.JSONDecodeError as exc:
        raise ProjectError("json-syntax", f"invalid JSON: {exc.msg}", file=name, line=exc.lineno) from exc


def _build(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    name: str,
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    tag = node.tag
    if tag in _FN_TAGS:
        fn = _FN_TAGS[tag]
        inner = _build_untagged(loader, node, (*path, fn), lines, name)
        if tag == "!GetAtt" and isinstance(inner, str):
            resource, _, attribute = inner.partition(".")
            inner = [resource, attribute]
        return {fn: inner}
    if tag.startswith("!"):
        raise ProjectError(
            "unknown-tag",
            f"unknown YAML tag {tag} (CloudFormation short forms are !Ref, !GetAtt, !Sub, !Join, ...)",
            file=name,
            line=node.start_mark.line + 1,
            key=format_key_path(path) or None,
        )
    return _build_untagged(loader, node, path, lines, name)


def _build_untagged(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    name: str,
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # YAML merge keys (<<: *anchor)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            raw_key = loader.construct_object(key_node, deep=True) if key_node.tag.startswith(_STD) else None
            if raw_key is None and not key_node.tag.startswith(_STD):
                raw_key = key_node.value
            key = _key_text(raw_key)
            if key in out:
                raise ProjectError(
                    "duplicate-key",
                    f"key {key!r} appears twice in the same mapping",
                    file=name,
                    line=key_node.start_mark.line + 1,
                    key=format_key_path((*path, key)),
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, (*path, key), lines, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines, name) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.tag in (f"{_STD}timestamp",) or not node.tag.startswith(_STD):
        return node.value
    return loader.construct_object(node, deep=True)


def _key_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return "null"
    if isinstance(raw, Mapping | list):
        return json.dumps(raw, default=str)
    return str(raw)
