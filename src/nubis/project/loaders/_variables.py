"""Serverless Framework (v3) variables: ``${source:address, fallback, ...}``.

Supported sources: ``self`` (this file, any depth: ``${self:provider.stage}``, ``${self:custom.tables.${sls:stage}}``),
``opt`` (``stage``, ``region`` passed to the load), ``env`` (the environment), ``sls`` (``stage``, ``instanceId``),
``aws`` (``region``, ``accountId``) and ``file(path)`` (a local YAML/JSON file, optionally ``:a.b``). Remote sources
(``ssm``, ``cf``, ``s3``, ``param``...) are refused with a clear error: they need a deployed AWS account.

Only ``${...}`` whose content starts with a lower-case source name followed by ``:`` or ``(`` is a Serverless
variable; ``${AWS::Region}``, ``${MyParam}`` and ``${!Literal}`` are left for CloudFormation's ``Fn::Sub``, as the
framework does.

Why lazy, by key path: ``self`` references point anywhere in the file, including at values that are themselves
variables (``provider.stage: ${opt:stage, 'dev'}``). Each key path is resolved once on first use and memoised; a path
met again while it is being resolved is a cycle, reported with the chain of key paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nubis.project._source import Document, read_document
from nubis.project.errors import ProjectError, format_key_path
from nubis.project.loaders._read import At, type_name

__all__ = ["VariableResolver"]

_MISSING: Any = object()
_IS_VARIABLE = re.compile(r"^\s*[a-z][a-zA-Z0-9]*\s*(?:\(|:)")
_SOURCE = re.compile(r"^\s*([a-z][a-zA-Z0-9]*)\s*(?:\(([^)]*)\))?\s*(?::(.*))?$", re.S)
_REMOTE = frozenset({"ssm", "cf", "s3", "param", "sm", "terraform", "secretsmanager"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _find_variables(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of top-level ``${...}`` in ``text``, braces nested."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        start = text.find("${", i)
        if start < 0:
            return spans
        depth = 0
        j = start
        while j < len(text):
            if text.startswith("${", j):
                depth += 1
                j += 2
                continue
            if text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            return spans  # unbalanced: left as text
        spans.append((start, j + 1))
        i = j + 1


def _split_top(text: str) -> list[str]:
    """Splits on commas outside nested ``${}``, parentheses and quotes."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


class VariableResolver:
    """Resolves every Serverless variable in a document.

    Args:
        doc: the parsed serverless.yml.
        options: ``opt`` values (stage, region).
        env: ``env`` values.
        account_id: ``${aws:accountId}``.
        base: folder ``file(...)`` paths are relative to.
    """

    def __init__(
        self,
        doc: Document,
        options: Mapping[str, Any],
        env: Mapping[str, str],
        account_id: str,
        base: Path,
    ) -> None:
        self.doc = doc
        self.options = options
        self.env = env
        self.account_id = account_id
        self.base = base
        self._done: dict[tuple[str | int, ...], Any] = {}
        self._active: list[tuple[str | int, ...]] = []
        self._files: dict[Path, Document] = {}

    def resolve_all(self) -> Any:
        return self._resolve_at((), self.doc.data)

    # -- the document, by path ------------------------------------------------------------------------------------

    def _resolve_at(self, path: tuple[str | int, ...], raw: Any) -> Any:
        if path in self._done:
            return self._done[path]
        if path in self._active:
            chain = " -> ".join(
                format_key_path(p) or "(root)" for p in [*self._active[self._active.index(path) :], path]
            )
            raise At(self.doc, path).error("variable-cycle", f"variables refer to each other in a cycle: {chain}")
        self._active.append(path)
        try:
            if isinstance(raw, Mapping):
                value: Any = {k: self._resolve_at((*path, k), v) for k, v in raw.items()}
            elif isinstance(raw, list):
                value = [self._resolve_at((*path, i), v) for i, v in enumerate(raw)]
            elif isinstance(raw, str):
                value = self.resolve_string(raw, At(self.doc, path))
                if isinstance(value, Mapping | list):
                    # A variable that expands to a structure may hold more variables (file(), self:custom...).
                    value = self._resolve_loose(value, At(self.doc, path))
            else:
                value = raw
        finally:
            self._active.pop()
        self._done[path] = value
        return value

    def _resolve_loose(self, value: Any, at: At) -> Any:
        """Resolves variables in a value that does not live at a path of the document (from a file or a fallback)."""
        if isinstance(value, Mapping):
            return {k: self._resolve_loose(v, at) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve_loose(v, at) for v in value]
        if isinstance(value, str):
            return self.resolve_string(value, at)
        return value

    def self_value(self, address: str, at: At) -> Any:
        """``${self:a.b.c}``: the resolved value at that path, or missing."""
        parts: list[str | int] = [p for p in address.strip().split(".") if p] if address.strip() else []
        node: Any = self.doc.data
        path: tuple[str | int, ...] = ()
        for part in parts:
            if isinstance(node, str) and "${" in node:
                node = self._resolve_at(path, node)
            if isinstance(node, Mapping) and str(part) in node:
                node = node[str(part)]
                path = (*path, str(part))
            elif isinstance(node, list) and str(part).isdigit() and int(part) < len(node):
                node = node[int(part)]
                path = (*path, int(part))
            else:
                return _MISSING
        return self._resolve_at(path, node)

    # -- strings --------------------------------------------------------------------------------------------------

    def resolve_string(self, text: str, at: At) -> Any:
        spans = [s for s in _find_variables(text) if _IS_VARIABLE.match(text[s[0] + 2 : s[1] - 1])]
        if not spans:
            return text
        if len(spans) == 1 and spans[0] == (0, len(text)):
            return self._variable(text[2:-1], at)
        out, last = [], 0
        for start, end in spans:
            out.append(text[last:start])
            value = self._variable(text[start + 2 : end - 1], at)
            if isinstance(value, Mapping | list):
                raise at.error(
                    "bad-variable", f"{text[start:end]} is {type_name(value)} and cannot be part of a longer string"
                )
            out.append("" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
            last = end
        out.append(text[last:])
        return "".join(out)

    def _variable(self, inner: str, at: At) -> Any:
        parts = _split_top(inner)
        for part in parts:
            value = self._part(part, at)
            if value is not _MISSING:
                return value
        raise at.error(
            "variable-unresolved",
            f"${{{inner}}}: no value found" + (" and no fallback given" if len(parts) == 1 else " in any fallback"),
        )

    def _part(self, part: str, at: At) -> Any:
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            return part[1:-1]
        if _NUMBER.match(part):
            return float(part) if "." in part else int(part)
        if part in ("true", "false"):
            return part == "true"
        if part == "null":
            return None
        if part.startswith("${") and part.endswith("}") and _find_variables(part) == [(0, len(part))]:
            try:
                return self._variable(part[2:-1], at)
            except ProjectError as exc:  # an unresolved nested variable is "missing": the next fallback is tried
                if exc.code == "variable-unresolved":
                    return _MISSING
                raise
        if "${" in part:
            part = str(self.resolve_string(part, at))
        match = _SOURCE.match(part)
        if match is None:
            raise at.error("bad-variable", f"cannot read variable part {part!r} (expected source:address or a literal)")
        source, param, address = match.group(1), match.group(2), match.group(3) or ""
        handler = self._sources().get(source)
        if handler is None:
            if source in _REMOTE:
                raise at.error(
                    "unsupported-variable-source",
                    f"${{{source}:...}} reads from a deployed AWS account, which Nubis does not; "
                    "use ${env:...} or ${self:custom...} instead",
                )
            raise at.error("unknown-variable-source", f"unknown variable source {source!r} in ${{{part}}}")
        return handler(address.strip(), param, at)

    def _sources(self) -> dict[str, Callable[[str, str | None, At], Any]]:
        return {
            "self": lambda a, _p, at: self.self_value(a, at),
            "opt": lambda a, _p, at: self.options.get(a, _MISSING) if self.options.get(a) is not None else _MISSING,
            "env": lambda a, _p, at: self.env.get(a, _MISSING),
            "sls": self._sls,
            "aws": self._aws,
            "file": self._file,
        }

    def stage(self, at: At) -> str:
        """``${sls:stage}``: ``--stage``, else ``provider.stage``, else ``dev``."""
        if self.options.get("stage"):
            return str(self.options["stage"])
        value = self.self_value("provider.stage", at)
        return "dev" if value is _MISSING or value is None else str(value)

    def region(self, at: At) -> str:
        if self.options.get("region"):
            return str(self.options["region"])
        value = self.self_value("provider.region", at)
        return "us-east-1" if value is _MISSING or value is None else str(value)

    def _sls(self, address: str, _param: str | None, at: At) -> Any:
        if address == "stage":
            return self.stage(at)
        if address == "instanceId":
            return "nubislocal0"
        raise at.error("unknown-variable-source", f"${{sls:{address}}} is not a Serverless variable")

    def _aws(self, address: str, _param: str | None, at: At) -> Any:
        if address == "region":
            return self.region(at)
        if address == "accountId":
            return self.account_id
        raise at.error("unknown-variable-source", f"${{aws:{address}}} is not a Serverless variable")

    def _file(self, address: str, param: str | None, at: At) -> Any:
        if not param:
            raise at.error("bad-variable", "file() needs a path: ${file(./config.yml):key}")
        target = (self.base / param.strip().strip("'\"")).resolve()
        if target.suffix not in (".yml", ".yaml", ".json"):
            raise at.error("unsupported", f"file({param}): only YAML and JSON files are read (not scripts)")
        if not target.is_file():
            raise at.error("file-not-found", f"file({param}) does not exist (looked for {target})")
        doc = self._files.get(target)
        if doc is None:
            doc = self._files[target] = read_document(target, self.base)
        node: Any = doc.data
        for part in [p for p in address.split(".") if p]:
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                return _MISSING
        return self._resolve_loose(node, at)
