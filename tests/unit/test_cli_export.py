"""``nubis export``: an API's OpenAPI 3 definition with the API Gateway extensions, written by the exporter that
``tests/unit/project/test_export.py`` round-trips; here the command's choices (API, stage, output, format)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nubis.cli import build_parser, main
from nubis.project.discover import load_file

PROJECTS = Path(__file__).parents[1] / "integration" / "gateway_projects"


def test_export_is_listed_with_help_text():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    helps = {action.dest: action.help for action in sub._choices_actions}  # type: ignore[union-attr]
    assert "OpenAPI 3" in (helps["export"] or "")


def test_export_writes_a_rest_api_to_a_file_and_it_loads_back(tmp_path: Path):
    out = tmp_path / "rest.json"
    assert main(["export", str(PROJECTS / "sam"), "--api", "samrest", "--output", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["openapi"] == "3.0.1"
    assert doc["servers"][0]["variables"]["basePath"]["default"] == "prod"
    integration = doc["paths"]["/echo/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    assert integration["uri"].endswith(":function:EchoFunction/invocations") or "EchoFunction" in integration["uri"]
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png"]
    reloaded = load_file(out)
    assert {r.path for r in reloaded.apis[0].resources if r.methods} == {"/echo/{proxy+}", "/slow"}


def test_export_serverless_http_api_as_yaml_on_stdout_for_a_stage(capsys: pytest.CaptureFixture[str]):
    assert main(["export", str(PROJECTS / "sls"), "--api", "http", "--stage", "qa", "--format", "yaml"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["x-amazon-apigateway-importexport-version"] == "1.0"
    assert doc["info"]["title"] == "qa-gwsls"
    assert any("x-amazon-apigateway-integration" in op for ops in doc["paths"].values() for op in ops.values())


def test_export_yaml_is_implied_by_the_output_suffix(tmp_path: Path):
    out = tmp_path / "api.yaml"
    assert main(["export", str(PROJECTS / "sls"), "--api", "rest", "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["servers"][0]["variables"]["basePath"]["default"] == "dev"


def test_export_asks_for_an_api_when_the_choice_is_ambiguous(capsys: pytest.CaptureFixture[str]):
    assert main(["export", str(PROJECTS / "sls")]) == 2
    err = capsys.readouterr().err
    assert "choose an API with --api" in err and "(REST," in err and "(HTTP," in err
    assert main(["export", str(PROJECTS / "sls"), "--api", "nope"]) == 2
    assert "no API 'nope'" in capsys.readouterr().err
    assert main(["export", str(PROJECTS / "sam"), "--api", "samrest", "--stage", "nope"]) == 2
    assert "has no stage 'nope' (stages: prod)" in capsys.readouterr().err


def test_export_reports_a_folder_without_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["export", str(tmp_path)]) == 2
    assert "no project definition" in capsys.readouterr().err
