"""OpenAPI export, and the round trip export → loaders.openapi → the same routes, integrations and authorizers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nubis.project import Api, LoadOptions, ProjectError, export_openapi, export_openapi_text
from nubis.project._source import Document
from nubis.project.loaders._read import At
from nubis.project.loaders.openapi import api_from_openapi, load_openapi
from nubis.project.loaders.sam import load_sam
from nubis.project.loaders.serverless import load_serverless

ROUND_TRIP_FIELDS = (
    "kind",
    "name",
    "resources",
    "routes",
    "cors",
    "binary_media_types",
    "authorizers",
    "api_key_source",
    "gateway_responses",
    "request_validators",
    "models",
)


def reload(api: Api, functions: dict[str, str]) -> Api:
    doc = export_openapi(api, region="eu-west-1")
    text = json.loads(json.dumps(doc))  # what a file would hold
    return api_from_openapi(
        At(Document("export.json", text)),
        text,
        project="p",
        logical_id=api.logical_id,
        stages=api.stages,
        kind=api.kind,
        functions=functions,
        region="eu-west-1",
    )


def assert_same(before: Api, after: Api) -> None:
    for name in ROUND_TRIP_FIELDS:
        assert getattr(after, name) == getattr(before, name), name


def test_serverless_rest_and_http_round_trip(fixtures: Path) -> None:
    project = load_serverless(fixtures / "notes_sls" / "serverless.yml", LoadOptions(env={}))
    deployed = {f.deployed_name: f.name for f in project.functions.values()}
    for api in project.apis:
        assert_same(api, reload(api, deployed))


def test_openapi_fixture_round_trip(fixtures: Path) -> None:
    for path in ("rest_openapi/openapi.yaml", "http_openapi/openapi.yaml", "swagger2/api.json"):
        (api,) = load_openapi(fixtures / path, LoadOptions(env={})).apis
        assert_same(api, reload(api, {}))


def test_sam_round_trip(fixtures: Path) -> None:
    project = load_sam(fixtures / "notes_sam" / "template.yaml", LoadOptions(env={}, stack_name="notes"))
    deployed = {f.deployed_name: f.name for f in project.functions.values()}
    for api in project.apis:
        assert_same(api, reload(api, deployed))


@pytest.mark.D
def test_export_shape(fixtures: Path) -> None:
    project = load_serverless(fixtures / "notes_sls" / "serverless.yml", LoadOptions(env={}))
    rest, http = project.apis
    doc = export_openapi(rest, region="eu-west-1")
    assert doc["openapi"] == "3.0.1"
    assert doc["servers"] == [
        {
            "url": f"https://{rest.id}.execute-api.eu-west-1.amazonaws.com/{{basePath}}",
            "variables": {"basePath": {"default": "dev"}},
        }
    ]
    get = doc["paths"]["/notes/{id}"]["get"]
    assert get["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert get["x-amazon-apigateway-integration"]["httpMethod"] == "POST"
    assert "x-amazon-apigateway-any-method" in doc["paths"]["/files/{proxy+}"]
    assert doc["paths"]["/notes/{id}"]["put"]["security"] == [{"api_key": []}]
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png", "*/*"]
    http_doc = export_openapi(http)
    assert http_doc["x-amazon-apigateway-importexport-version"] == "1.0"
    assert "x-amazon-apigateway-any-method" in http_doc["paths"]["/$default"]
    assert http_doc["x-amazon-apigateway-cors"]["allowOrigins"] == ["*"]
    assert yaml.safe_load(export_openapi_text(http, output="yaml")) == http_doc


def test_websocket_has_no_openapi_export(fixtures: Path) -> None:
    (ws,) = load_serverless(fixtures / "chat_sls" / "serverless.yml", LoadOptions(env={})).apis
    with pytest.raises(ProjectError, match="export-unsupported"):
        export_openapi(ws)


@pytest.mark.D
def test_models_round_trip_and_builtin_models_are_written_only_when_used(tmp_path: Path) -> None:
    """Models go to ``components.schemas`` and each method's ``requestBody``; AWS's own ``Empty`` is written
    because a method uses it, and is not read back as a model of the API."""
    path = tmp_path / "openapi.yaml"
    path.write_text(
        """\
openapi: 3.0.1
info: {title: m, version: "1"}
x-amazon-apigateway-request-validators:
  body: {validateRequestBody: true, validateRequestParameters: false}
paths:
  /a:
    post:
      x-amazon-apigateway-request-validator: body
      requestBody:
        content:
          application/json: {schema: {$ref: "#/components/schemas/Thing"}}
          text/plain: {schema: {$ref: "#/components/schemas/Empty"}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
components:
  schemas:
    Thing: {type: object, properties: {n: {type: integer}}}
"""
    )
    (api,) = load_openapi(path, LoadOptions(env={})).apis
    assert list(api.models) == ["Thing"]
    doc = export_openapi(api)
    assert sorted(doc["components"]["schemas"]) == ["Empty", "Thing"]
    assert doc["paths"]["/a"]["post"]["requestBody"]["content"]["text/plain"] == {
        "schema": {"$ref": "#/components/schemas/Empty"}
    }
    assert_same(api, reload(api, {}))


def test_non_proxy_integrations_round_trip(tmp_path: Path) -> None:
    """Request templates, passthrough behaviour, content handling and integration responses (selection patterns,
    response parameters and templates) survive export and reload, for serverless.yml's generated ones too."""
    path = tmp_path / "serverless.yml"
    path.write_text(
        """\
service: rt
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    handler: h.main
    events:
      - http:
          path: a
          method: post
          integration: lambda
          request:
            passThrough: WHEN_NO_MATCH
            contentHandling: CONVERT_TO_TEXT
          response:
            headers: {X-A: "integration.response.body.a"}
            statusCodes:
              200: {pattern: ''}
              400: {pattern: '.*\\[400\\].*', template: '{"e": "$input.path(''$.errorMessage'')"}'}
      - http:
          path: b
          method: get
          integration: mock
          request:
            template: {application/json: '{"statusCode": 200}'}
"""
    )
    project = load_serverless(path, LoadOptions(env={}))
    deployed = {f.deployed_name: f.name for f in project.functions.values()}
    (api,) = project.apis
    doc = export_openapi(api)
    exported = doc["paths"]["/a"]["post"]["x-amazon-apigateway-integration"]
    assert (exported["type"], exported["passthroughBehavior"], exported["contentHandling"]) == (
        "aws",
        "when_no_match",
        "CONVERT_TO_TEXT",
    )
    assert list(exported["responses"]) == ["default", ".*\\[400\\].*"]
    assert exported["responses"]["default"]["responseParameters"] == {
        "method.response.header.X-A": "integration.response.body.a"
    }
    assert_same(api, reload(api, deployed))
