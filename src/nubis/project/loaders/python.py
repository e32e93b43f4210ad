"""A plain-Python way to define a project: ``nubis_app.py`` exposing ``project``.

Why: new projects need no YAML and get type checking; the helpers below are thin constructors over the model with
AWS's defaults filled in, so a Python definition means exactly what the equivalent serverless.yml would::

    import nubis.project as nubis
    from nubis.project import function, http_api, table

    project = nubis.project(
        "notes",
        functions=[function("list", "app.list_notes", environment={"TABLE": "notes"})],
        apis=[http_api("notes", {"GET /notes": "list"}, cors=True)],
        tables=[table("notes", hash_key=("id", "S"))],
    )
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from nubis.project._source import display_name
from nubis.project.errors import ProjectError
from nubis.project.loaders._options import LoadOptions
from nubis.project.loaders.openapi import build_resources
from nubis.project.model import (
    Api,
    ApiKind,
    Authorizer,
    Cors,
    FunctionDef,
    Integration,
    IntegrationType,
    Method,
    PayloadFormatVersion,
    Project,
    Route,
    Stage,
    TableDef,
    api_id_for,
)

__all__ = ["function", "http_api", "lambda_proxy", "load_python", "project", "rest_api", "table", "websocket_api"]


def function(
    name: str,
    handler: str,
    *,
    runtime: str = "python3.12",
    code_dir: str | Path = ".",
    timeout: int = 3,
    memory: int = 128,
    environment: Mapping[str, str] | None = None,
    reserved_concurrency: int | None = None,
) -> FunctionDef:
    """A function with Lambda's defaults (3 s, 128 MB). ``code_dir`` is relative to the definition file."""
    return FunctionDef(
        name=name,
        handler=handler,
        runtime=runtime,
        code_dir=Path(code_dir),
        timeout=timeout,
        memory=memory,
        environment=dict(environment or {}),
        reserved_concurrency=reserved_concurrency,
    )


def lambda_proxy(function_name: str, payload_format_version: PayloadFormatVersion | None = None) -> Integration:
    """A Lambda proxy integration calling a project function."""
    return Integration(
        type=IntegrationType.AWS_PROXY,
        function=function_name,
        http_method="POST",
        payload_format_version=payload_format_version,
    )


def _integration(target: str | Integration, version: PayloadFormatVersion | None) -> Integration:
    return lambda_proxy(target, version) if isinstance(target, str) else target


def http_api(
    name: str,
    routes: Mapping[str, str | Integration],
    *,
    stage: str = "$default",
    stage_variables: Mapping[str, str] | None = None,
    cors: bool | Cors = False,
    payload_format_version: PayloadFormatVersion = "2.0",
    authorizers: Iterable[Authorizer] = (),
) -> Api:
    """An HTTP API: ``{"GET /notes/{id}": "get", "$default": "fallback"}``; ``cors=True`` allows any origin."""
    cors_config = (
        Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",)) if cors is True else cors or None
    )
    return Api(
        id=api_id_for("python", name),
        name=name,
        kind=ApiKind.HTTP,
        logical_id=name,
        stages=(Stage(name=stage, variables=dict(stage_variables or {})),),
        routes=tuple(
            Route(route_key=k, integration=_integration(t, payload_format_version)) for k, t in routes.items()
        ),
        cors=cors_config,
        authorizers={a.name: a for a in authorizers},
    )


def rest_api(
    name: str,
    routes: Mapping[str, str | Integration],
    *,
    stage: str = "dev",
    stage_variables: Mapping[str, str] | None = None,
    binary_media_types: Iterable[str] = (),
    cors: bool = False,
) -> Api:
    """A REST API: ``{"GET /notes/{id}": "get", "ANY /{proxy+}": "app"}``; ``cors=True`` adds OPTIONS methods as the
    Serverless Framework's ``cors: true`` does."""
    from nubis.project.loaders.serverless import CORS_DEFAULT_HEADERS, rest_cors_method

    methods: dict[str, dict[str, Method]] = {}
    for key, target in routes.items():
        verb, _, path = key.partition(" ")
        methods.setdefault(path, {})[verb] = Method(http_method=verb, integration=_integration(target, None))
    if cors:
        for verbs in methods.values():
            if "OPTIONS" not in verbs:
                verbs["OPTIONS"] = rest_cors_method(["*"], list(CORS_DEFAULT_HEADERS), list(verbs), False)
    return Api(
        id=api_id_for("python", name),
        name=name,
        kind=ApiKind.REST,
        logical_id=name,
        stages=(Stage(name=stage, variables=dict(stage_variables or {})),),
        resources=build_resources(methods),
        binary_media_types=tuple(binary_media_types),
    )


def websocket_api(
    name: str,
    routes: Mapping[str, str | Integration],
    *,
    stage: str = "dev",
    stage_variables: Mapping[str, str] | None = None,
    route_selection_expression: str = "$request.body.action",
    two_way: Iterable[str] = (),
) -> Api:
    """A WebSocket API: ``{"$connect": "connect", "sendMessage": "send"}``. Routes named in ``two_way`` send the
    handler's result back to the client (a ``$default`` route response, Serverless'
    ``routeResponseSelectionExpression: $default``); the others discard it, as API Gateway does."""
    replies = set(two_way)
    unknown = replies - set(routes)
    if unknown:
        raise ProjectError("bad-route", f"websocket_api {name!r}: two_way names no route {sorted(unknown)!r}")
    return Api(
        id=api_id_for("python", name),
        name=name,
        kind=ApiKind.WEBSOCKET,
        logical_id=name,
        stages=(Stage(name=stage, variables=dict(stage_variables or {})),),
        routes=tuple(
            Route(
                route_key=k,
                integration=_integration(t, None),
                route_response_selection_expression="$default" if k in replies else None,
            )
            for k, t in routes.items()
        ),
        route_selection_expression=route_selection_expression,
    )


def table(
    name: str,
    *,
    hash_key: tuple[str, str],
    range_key: tuple[str, str] | None = None,
    billing_mode: str = "PAY_PER_REQUEST",
    stream_view_type: str | None = None,
    ttl_attribute: str | None = None,
    **create_table: Any,
) -> TableDef:
    """A table: ``hash_key=("id", "S")``; any other CreateTable field can be passed in wire spelling
    (``GlobalSecondaryIndexes=[...]``, with their attributes in ``AttributeDefinitions``)."""
    keys = [hash_key, *([range_key] if range_key else [])]
    definitions = {n: t for n, t in keys}
    for extra in create_table.pop("AttributeDefinitions", []):
        definitions[extra["AttributeName"]] = extra["AttributeType"]
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in definitions.items()],
        "KeySchema": [{"AttributeName": n, "KeyType": kt} for (n, _), kt in zip(keys, ("HASH", "RANGE"), strict=False)],
        "BillingMode": billing_mode,
        **create_table,
    }
    if stream_view_type:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream_view_type}
    ttl = {"AttributeName": ttl_attribute, "Enabled": True} if ttl_attribute else None
    return TableDef(logical_id=name, create_table=request, time_to_live=ttl)


def project(
    name: str,
    *,
    functions: Iterable[FunctionDef] = (),
    apis: Iterable[Api] = (),
    tables: Iterable[TableDef] = (),
) -> Project:
    """A project from lists (the model's ``Project`` takes functions as a mapping by name)."""
    return Project(
        name=name,
        functions={f.name: f for f in functions},
        apis=tuple(apis),
        tables=tuple(tables),
        format="python",
    )


def load_python(path: Path, options: LoadOptions | None = None, base: Path | None = None) -> Project:
    """Runs ``nubis_app.py`` and returns its ``project``.

    The file's folder is on ``sys.path`` while it runs (so it can import its own modules); relative ``code_dir``
    values are made relative to that folder.

    Raises:
        ProjectError: ``python-error`` (with the line in the file) when the module fails, ``missing-key`` when it
            has no ``project``, ``bad-type`` when ``project`` is not a ``Project``.
    """
    name = display_name(path, base)
    module_name = f"_nubis_app_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ProjectError("file-unreadable", "cannot load this file as a Python module", file=name)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent.resolve())
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except ProjectError as exc:
        raise exc.located(name, _line_in(exc, path), None) from exc
    except Exception as exc:
        raise ProjectError("python-error", f"{type(exc).__name__}: {exc}", file=name, line=_line_in(exc, path)) from exc
    finally:
        sys.path.remove(folder)
        sys.modules.pop(module_name, None)
    value = getattr(module, "project", None)
    if value is None:
        raise ProjectError(
            "missing-key", "the module defines no 'project' (project = nubis.project.project(...))", file=name
        )
    if not isinstance(value, Project):
        raise ProjectError(
            "bad-type", f"'project' must be a nubis.project.Project, not {type(value).__name__}", file=name
        )
    functions = {
        key: replace(f, code_dir=f.code_dir if f.code_dir.is_absolute() else path.parent / f.code_dir)
        for key, f in value.functions.items()
    }
    return replace(value, functions=functions, source_file=path, format="python")


def _line_in(exc: BaseException, path: Path) -> int | None:
    target = str(path.resolve())
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == target:
            line = frame.lineno
    if line is None and isinstance(exc, SyntaxError):
        line = exc.lineno
    return line
