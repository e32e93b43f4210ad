"""Bad definition files: each error names the file, the line and the key path, with a stable code."""

# ruff: noqa: E501  (each bad file is one string on one line, so its line numbers can be counted in place)

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.project import LoadOptions, ProjectError, load_file
from nubis.project.errors import format_key_path

SLS_HEAD = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"

# (file name, text, code, line, key) — the line is where the offending key or value is written.
CASES = [
    ("serverless.yml", "service: s\nprovider: [\n", "yaml-syntax", 3, None),
    (
        "serverless.yml",
        SLS_HEAD
        + "functions:\n  hello:\n    handler: h.main\n    events:\n      - http:\n          path: [a]\n          method: get\n",
        "bad-type",
        10,
        "functions.hello.events[0].http.path",
    ),
    ("serverless.yml", SLS_HEAD + "functions:\n  hello:\n    handler: nodot\n", "bad-handler", 6, "functions.hello"),
    (
        "serverless.yml",
        SLS_HEAD + "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n",
        "variable-cycle",
        6,
        "custom.a",
    ),
    ("serverless.yml", SLS_HEAD + "custom:\n  a: ${ssm:/path/param}\n", "unsupported-variable-source", 6, "custom.a"),
    ("serverless.yml", SLS_HEAD + "custom:\n  a: ${nope:thing}\n", "unknown-variable-source", 6, "custom.a"),
    ("serverless.yml", SLS_HEAD + "custom:\n  a: ${env:NOT_SET_ANYWHERE}\n", "variable-unresolved", 6, "custom.a"),
    (
        "serverless.yml",
        SLS_HEAD
        + "functions:\n  a:\n    handler: h.a\n    events:\n      - http: GET x\n  b:\n    handler: h.b\n    events:\n      - http: GET x\n",
        "duplicate-route",
        13,
        "functions.b.events[0].http",
    ),
    ("serverless.yml", "service: s\nprovider:\n  name: azure\n", "bad-value", 3, "provider.name"),
    (
        "serverless.yml",
        SLS_HEAD + "functions:\n  hello:\n    handler: h.main\n    timeout: 1000\n",
        "bad-value",
        6,
        "functions.hello",
    ),
    ("serverless.yml", SLS_HEAD + "provider2: 1\nprovider2: 2\n", "duplicate-key", 6, "provider2"),
    (
        "template.yaml",
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !ImportValue shared-name\n      KeySchema: []\n",
        "unsupported-import-value",
        5,
        "Resources.T.Properties.TableName.Fn::ImportValue",
    ),
    (
        "template.yaml",
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n      Runtime: python3.12\n      Environment:\n        Variables:\n          X: !Ref Missing\n",
        "unknown-reference",
        9,
        "Resources.F.Properties.Environment.Variables.X.Ref",
    ),
    ("template.yaml", "Parameters:\n  P:\n    Type: String\nResources: {}\n", "missing-parameter", 2, "Parameters.P"),
    (
        "template.yaml",
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      AttributeDefinitions:\n        - {AttributeName: id, AttributeType: S}\n        - {AttributeName: extra, AttributeType: S}\n      KeySchema:\n        - {AttributeName: id, KeyType: HASH}\n      BillingMode: PAY_PER_REQUEST\n",
        "bad-value",
        4,
        "Resources.T.Properties",
    ),
    (
        "template.yaml",
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: !Foo x\n",
        "unknown-tag",
        5,
        "Resources.T.Properties.TableName",
    ),
    (
        "template.yaml",
        "Resources:\n  A:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: !Ref B\n      Handler: a.b\n      Runtime: python3.12\n  B:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: !Ref A\n      Handler: a.b\n      Runtime: python3.12\n",
        "reference-cycle",
        11,
        "Resources.B.Properties.FunctionName.Ref",
    ),
    (
        "openapi.yaml",
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {}\n",
        "missing-integration",
        5,
        "paths./a.get",
    ),
    (
        "openapi.yaml",
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a/{x+}/b:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n",
        "bad-path",
        4,
        "paths./a/{x+}/b",
    ),
    (
        "openapi.yaml",
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: lambda\n",
        "bad-value",
        7,
        "paths./a.get.x-amazon-apigateway-integration.type",
    ),
    (
        "openapi.yaml",
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        uri: arn:aws:lambda:us-east-1:1:function:f\n        timeoutInMillis: 40000\n",
        "bad-value",
        9,
        "paths./a.get.x-amazon-apigateway-integration.timeoutInMillis",
    ),
    ("openapi.yaml", "info: {title: t}\npaths: {}\n", "not-openapi", 1, None),
]


@pytest.mark.parametrize(
    ("name", "text", "code", "line", "key"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_bad_file_error_names_file_line_and_key(
    tmp_path: Path, name: str, text: str, code: str, line: int | None, key: str | None
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProjectError) as info:
        load_file(path, LoadOptions(env={}), tmp_path)
    error = info.value
    assert (error.code, error.file, error.line, error.key) == (code, name, line, key), str(error)
    where = f"{name}:{line}: " if line is not None else f"{name}: "
    assert str(error).startswith(where + (f"{key}: " if key else ""))
    assert str(error).endswith(f"[{code}]")


def test_rendering() -> None:
    error = ProjectError(
        "bad-type", "path must be a string", file="serverless.yml", line=12, key="functions.hello.events[0].http.path"
    )
    assert str(error) == "serverless.yml:12: functions.hello.events[0].http.path: path must be a string [bad-type]"
    assert format_key_path(["paths", "/v1.0/x", "get"]) == 'paths["/v1.0/x"].get'


def test_python_definition_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nubis_app.py"
    path.write_text("from nubis.project import function\n\nproject = function('f', 'nodot')\n")
    with pytest.raises(ProjectError) as info:
        load_file(path, None, tmp_path)
    assert (info.value.code, info.value.file, info.value.line) == ("bad-handler", "nubis_app.py", 3)
