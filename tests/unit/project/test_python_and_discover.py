"""nubis_app.py definitions and finding the definition in a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nubis.project
from nubis.project import ApiKind, IntegrationType, LoadOptions, find_definition, load_project


def test_python_project(fixtures: Path) -> None:
    project = load_project(fixtures / "pyapp")
    assert project is not None and project.format == "python"
    assert project.functions["get"].code_dir == fixtures / "pyapp" / "src"
    http, rest, ws = project.apis
    assert http.kind is ApiKind.HTTP and [r.route_key for r in http.routes] == ["GET /notes", "GET /notes/{id}"]
    assert http.routes[0].integration is not None and http.routes[0].integration.payload_format_version == "2.0"
    assert rest.resource("/notes").methods["OPTIONS"].integration.type is IntegrationType.MOCK  # type: ignore[union-attr]
    assert ws.route_selection_expression == "$request.body.action"
    (table,) = project.tables
    assert table.create_table["KeySchema"] == [
        {"AttributeName": "id", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]


@pytest.mark.D
def test_python_websocket_api_two_way_routes_get_a_default_route_response() -> None:
    # A two-way route is one with a $default route response [D apigateway-websocket-api-route-response.md].
    api = nubis.project.websocket_api(
        "ws", {"$connect": "c", "ask": "a", "tell": "t"}, stage="live", stage_variables={"v": "1"}, two_way=["ask"]
    )
    by_key = {route.route_key: route.route_response_selection_expression for route in api.routes}
    assert by_key == {"$connect": None, "ask": "$default", "tell": None}
    assert api.stages[0].name == "live" and dict(api.stages[0].variables) == {"v": "1"}
    with pytest.raises(nubis.project.ProjectError, match="two_way names no route"):
        nubis.project.websocket_api("ws", {"ask": "a"}, two_way=["asc"])


@pytest.mark.parametrize(
    ("source", "name", "fmt"),
    [
        ("notes_sls/serverless.yml", "serverless.yml", "serverless"),
        ("notes_sam/template.yaml", "template.yaml", "sam"),
        ("rest_openapi/openapi.yaml", "openapi.yaml", "openapi"),
        ("swagger2/api.json", "openapi.json", "openapi"),
        ("pyapp/nubis_app.py", "nubis_app.py", "python"),
    ],
)
def test_discover_each_format(tmp_path: Path, fixtures: Path, source: str, name: str, fmt: str) -> None:
    shutil.copy(fixtures / source, tmp_path / name)
    assert find_definition(tmp_path) == tmp_path / name
    project = load_project(tmp_path, LoadOptions(env={}))
    assert project is not None and project.format == fmt


def test_empty_folder_has_no_project(tmp_path: Path) -> None:
    assert find_definition(tmp_path) is None
    assert load_project(tmp_path) is None


def test_several_definitions_warn(tmp_path: Path, fixtures: Path) -> None:
    shutil.copy(fixtures / "notes_sls" / "serverless.yml", tmp_path / "serverless.yml")
    shutil.copy(fixtures / "rest_openapi" / "openapi.yaml", tmp_path / "openapi.yaml")
    project = load_project(tmp_path, LoadOptions(env={}))
    assert project is not None and project.format == "serverless"
    assert project.warnings[-1] == "serverless.yml was loaded; ignored: openapi.yaml"


def test_public_names() -> None:
    for name in nubis.project.__all__:
        assert hasattr(nubis.project, name), name
