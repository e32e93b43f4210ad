"""SAM template loading: the notes API as SAM, intrinsics, Globals, Conditions, and raw ApiGatewayV2 WebSockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.project import (
    ApiKind,
    AuthorizationType,
    AuthorizerType,
    IntegrationType,
    LoadOptions,
    Project,
    ProjectError,
)
from nubis.project.loaders.sam import load_sam, merge_globals
from nubis.project.model import api_id_for


def load(fixtures: Path, **overrides: str) -> Project:
    return load_sam(
        fixtures / "notes_sam" / "template.yaml",
        LoadOptions(env={}, stack_name="notes", parameter_overrides=overrides),
    )


@pytest.mark.D
def test_implicit_apis_and_their_stages(fixtures: Path) -> None:
    apis = {a.logical_id: a for a in load(fixtures).apis}
    rest, implicit_http, search = apis["ServerlessRestApi"], apis["ServerlessHttpApi"], apis["SearchApi"]
    assert rest.kind is ApiKind.REST and [s.name for s in rest.stages] == ["Prod", "Stage"]
    assert implicit_http.kind is ApiKind.HTTP and [s.name for s in implicit_http.stages] == ["$default"]
    assert [r.route_key for r in implicit_http.routes] == ["GET /search", "$default"]
    assert [(s.name, dict(s.variables)) for s in search.stages] == [("v1", {"tier": "gold"})]
    (term,) = search.routes
    assert term.route_key == "POST /search/{term}"
    assert term.integration is not None and term.integration.payload_format_version == "1.0"


def test_same_routes_as_the_serverless_version(fixtures: Path) -> None:
    rest = {a.logical_id: a for a in load(fixtures).apis}["ServerlessRestApi"]
    assert {r.path: sorted(r.methods) for r in rest.resources} == {
        "/": [],
        "/notes": ["GET", "OPTIONS", "POST"],
        "/notes/{id}": ["DELETE", "GET", "OPTIONS", "PUT"],
    }
    get = rest.resource("/notes/{id}").methods["GET"]  # type: ignore[union-attr]
    assert get.integration.type is IntegrationType.AWS_PROXY and get.integration.function == "GetFunction"
    assert rest.binary_media_types == ("image/png",)  # ~1 is '/'


@pytest.mark.D
def test_sam_cors_generates_options_with_quoted_values(fixtures: Path) -> None:
    rest = {a.logical_id: a for a in load(fixtures).apis}["ServerlessRestApi"]
    options = rest.resource("/notes").methods["OPTIONS"]  # type: ignore[union-attr]
    params = options.integration.responses[0].response_parameters
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert params["method.response.header.Access-Control-Allow-Headers"] == "'Content-Type,Authorization'"
    assert params["method.response.header.Access-Control-Allow-Methods"] == "'GET,OPTIONS,POST'"


def test_globals_parameters_mappings_and_conditions(fixtures: Path) -> None:
    project = load(fixtures)
    functions = project.functions
    create = functions["CreateFunction"]
    assert (create.runtime, create.timeout, create.memory, create.code_dir.name) == ("python3.12", 10, 256, "src")
    assert dict(create.environment) == {
        "NOTES_TABLE": "notes-dev-notes",
        "LOG_LEVEL": "INFO",
        "TABLE_ARN": "arn:aws:dynamodb:us-east-1:000000000000:table/notes-dev-notes",
    }
    assert functions["UpdateFunction"].environment["LOG_LEVEL"] == "DEBUG"  # maps merge, resource wins
    assert functions["UpdateFunction"].environment["NOTES_TABLE"] == "notes-dev-notes"
    assert functions["DeleteFunction"].reserved_concurrency == 2
    assert functions["SearchFunction"].function_name == "notes-search"
    assert [t.logical_id for t in project.tables] == ["NotesTable", "TagsTable"]  # ProdOnlyTable's condition is false

    prod = load(fixtures, Stage="prod", LogLevel="ERROR")
    assert prod.functions["CreateFunction"].memory == 512
    assert prod.functions["DeleteFunction"].reserved_concurrency == 10
    assert prod.functions["CreateFunction"].environment["LOG_LEVEL"] == "ERROR"
    assert [t.table_name for t in prod.tables] == ["notes-prod-notes", "notes-TagsTable", "notes-ProdOnlyTable"]


def test_tables(fixtures: Path) -> None:
    notes, tags = load(fixtures).tables
    assert notes.create_table["BillingMode"] == "PROVISIONED"
    assert notes.create_table["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert dict(notes.time_to_live or {}) == {"AttributeName": "expiresAt", "Enabled": True}
    assert dict(tags.create_table) == {
        "TableName": "notes-TagsTable",
        "AttributeDefinitions": [{"AttributeName": "tag", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "tag", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_outputs_and_warnings(fixtures: Path) -> None:
    project = load(fixtures)
    rest_id = api_id_for("notes", "ServerlessRestApi")
    assert project.outputs == {
        "ApiUrl": f"https://{rest_id}.execute-api.us-east-1.amazonaws.com/Prod/notes",
        "TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/notes-dev-notes",
        "Zones": "b",
    }
    assert any("Schedule events are not triggered locally" in w for w in project.warnings)


def test_merge_globals_rule() -> None:
    assert merge_globals({"a": 1, "m": {"x": 1}, "l": [1]}, {"a": 2, "m": {"y": 2}, "l": [2]}) == {
        "a": 2,
        "m": {"x": 1, "y": 2},
        "l": [1, 2],
    }
    assert merge_globals({"Ref": "A"}, {"Ref": "B"}) == {"Ref": "B"}


def test_raw_websocket_api(fixtures: Path) -> None:
    project = load_sam(fixtures / "chat_sam" / "template.yaml", LoadOptions(env={}, stack_name="chat"))
    (ws,) = project.apis
    assert (ws.kind, ws.name, [s.name for s in ws.stages]) == (ApiKind.WEBSOCKET, "chat", ["prod"])
    assert ws.route_selection_expression == "$request.body.action"
    routes = {r.route_key: r for r in ws.routes}
    assert routes["$connect"].integration.function == "ConnectFunction"  # type: ignore[union-attr]
    assert routes["sendMessage"].integration.function == "SendFunction"  # type: ignore[union-attr]
    (table,) = project.tables
    assert table.table_name == "chat-ConnectionsTable"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_intrinsics(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Names:
    Type: CommaDelimitedList
    Default: "a,b,c"
  Env:
    Type: String
    Default: dev
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  NotDev: !Not [!Condition IsDev]
  Both: !And [!Condition IsDev, !Equals [1, "1"]]
  Either: !Or [!Condition NotDev, !Condition Both]
Mappings:
  Sizes:
    dev: {mem: 256}
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.main
      Runtime: python3.12
      MemorySize: !FindInMap [Sizes, !Ref Env, mem]
      Environment:
        Variables:
          JOIN: !Join [":", !Ref Names]
          SELECT: !Select [2, !Ref Names]
          SPLIT: !Select [1, !Split ["/", "x/y/z"]]
          SUB: !Sub "${AWS::StackName}-${AWS::Region}-${AWS::AccountId}-${Env}-${!Literal}"
          SUBLIST: !Sub ["${A}-${F.Arn}", {A: !If [Either, yes-either, no]}]
          IFNOVALUE: !If [NotDev, x, !Ref AWS::NoValue]
          B64: !Base64 hi
          AZ: !Select [0, !GetAZs ""]
          SELF: !Ref F
""",
    )
    env = load_sam(path, LoadOptions(env={}, stack_name="st", region="eu-west-1")).functions["F"].environment
    assert dict(env) == {
        "JOIN": "a:b:c",
        "SELECT": "c",
        "SPLIT": "y",
        "SUB": "st-eu-west-1-000000000000-dev-${Literal}",
        "SUBLIST": "yes-either-arn:aws:lambda:eu-west-1:000000000000:function:st-F",
        "B64": "aGk=",
        "AZ": "eu-west-1a",
        "SELF": "st-F",
    }


def test_explicit_api_with_definition_body_auth_and_usage_plan(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Variables: {backend: b.example.com}
      Auth:
        DefaultAuthorizer: Tok
        ApiKeyRequired: true
        Authorizers:
          Tok:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Header: X-Token, ReauthorizeEvery: 30}
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: {Limit: 100, Period: DAY}
          Throttle: {BurstLimit: 5, RateLimit: 2}
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'*'"
      DefinitionBody:
        openapi: 3.0.1
        info: {title: from-body, version: "1"}
        paths:
          /mock:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.main
      Runtime: python3.12
      Events:
        E:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /items
            Method: any
            Auth:
              Authorizer: NONE
  AuthFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.auth
      Runtime: python3.12
""",
    )
    (api,) = load_sam(path, LoadOptions(env={}, stack_name="s")).apis
    assert api.name == "from-body"
    assert [(s.name, dict(s.variables)) for s in api.stages] == [("live", {"backend": "b.example.com"})]
    assert sorted(r.path for r in api.resources) == ["/", "/items", "/mock"]
    items = api.resource("/items").methods["ANY"]  # type: ignore[union-attr]
    assert (items.authorization_type, items.api_key_required) == (AuthorizationType.NONE, True)
    tok = api.authorizers["Tok"]
    assert (tok.type, tok.function, tok.identity_source, tok.result_ttl_in_seconds) == (
        AuthorizerType.TOKEN,
        "AuthFn",
        ("method.request.header.X-Token",),
        30,
    )
    (plan,) = api.usage_plans
    assert (plan.quota_limit, plan.quota_period, plan.throttle_burst_limit, plan.api_keys) == (
        100,
        "DAY",
        5,
        ("ApiApiKey",),
    )
    assert dict(api.gateway_responses["DEFAULT_4XX"].response_parameters) == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
    }


@pytest.mark.D
def test_inline_code_and_the_generated_role(tmp_path: Path) -> None:
    """InlineCode becomes ``index.py`` (the handler names ``index``); ``<Function>Role`` is what SAM generates when
    a function has no Role, so Outputs may ``!GetAtt`` it [D SAMDG generated resources]."""
    path = write(
        tmp_path,
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.14
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200}
      Events:
        Root: {Type: HttpApi}
  WithRole:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.main
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/mine
Outputs:
  Role:
    Value: !GetAtt InlineRole.Arn
  Api:
    Value: !Ref ServerlessHttpApi
""",
    )
    project = load_sam(path, LoadOptions(env={}, stack_name="st"))
    inline = project.functions["Inline"]
    assert inline.inline_code == 'def handler(event, context):\n    return {"statusCode": 200}\n'
    assert project.outputs["Role"] == "arn:aws:iam::000000000000:role/st-InlineRole"
    assert project.outputs["Api"] == api_id_for("st", "ServerlessHttpApi")
    with pytest.raises(ProjectError, match="WithRoleRole"):  # a function with its own Role gets none generated
        load_sam(
            write(tmp_path, path.read_text().replace("InlineRole.Arn", "WithRoleRole.Arn")),
            LoadOptions(env={}, stack_name="st"),
        )
    both = path.read_text().replace("      InlineCode: |", "      CodeUri: src/\n      InlineCode: |")
    with pytest.raises(ProjectError, match="either CodeUri or InlineCode"):
        load_sam(write(tmp_path, both), LoadOptions(env={}, stack_name="st"))


MODELS_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  MainApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Models:
        Vehicle:
          type: object
          required: [make]
          properties:
            make: {type: string}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.main
      Runtime: python3.12
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref MainApi
            Path: /vehicle
            Method: post
            RequestParameters:
              - method.request.header.X-Tenant:
                  Required: true
            RequestModel:
              Model: Vehicle
              Required: true
              ValidateBody: true
        Put:
          Type: Api
          Properties:
            RestApiId: !Ref MainApi
            Path: /vehicle
            Method: put
            RequestModel: {Model: Vehicle, ValidateBody: true, ValidateParameters: true}
        Patch:
          Type: Api
          Properties:
            RestApiId: !Ref MainApi
            Path: /vehicle
            Method: patch
            RequestModel: {Model: Vehicle}
"""


@pytest.mark.D
def test_models_and_request_models_as_sam_translates_them(tmp_path: Path) -> None:
    """Models keep their schema under a lower-cased name; RequestModel sets the application/json model and, with
    ValidateBody/ValidateParameters, a validator named as SAM names it (the unset flag counts as false)."""
    (api,) = load_sam(write(tmp_path, MODELS_TEMPLATE), LoadOptions(env={}, stack_name="s")).apis
    assert dict(api.models) == {
        "vehicle": {"type": "object", "required": ["make"], "properties": {"make": {"type": "string"}}}
    }
    methods = api.resource("/vehicle").methods  # type: ignore[union-attr]
    post, put, patch = methods["POST"], methods["PUT"], methods["PATCH"]
    assert dict(post.request_models) == {"application/json": "vehicle"}
    assert (post.request_validator, put.request_validator, patch.request_validator) == (
        "body-only",
        "body-and-params",
        None,
    )
    assert dict(post.request_parameters) == {"method.request.header.X-Tenant": True}
    assert {n: (v.validate_request_body, v.validate_request_parameters) for n, v in api.request_validators.items()} == {
        "body-only": (True, False),
        "body-and-params": (True, True),
    }


def test_request_model_must_name_one_of_the_api_models(tmp_path: Path) -> None:
    text = MODELS_TEMPLATE.replace("RequestModel: {Model: Vehicle}", "RequestModel: {Model: vehicle}")
    with pytest.raises(ProjectError, match=r"Unable to set RequestModel \[vehicle\] on API method \[patch\]"):
        load_sam(write(tmp_path, text), LoadOptions(env={}, stack_name="s"))
    text = MODELS_TEMPLATE.replace("          type: object\n          required", "          required")
    with pytest.raises(ProjectError, match="'Models' schema is missing 'type'"):
        load_sam(write(tmp_path, text), LoadOptions(env={}, stack_name="s"))


@pytest.mark.D
def test_an_included_definition_has_its_intrinsics_resolved_and_wins_over_the_event(tmp_path: Path) -> None:
    """``DefinitionBody: Fn::Transform AWS::Include`` inserts the file, and intrinsics in it resolve like the rest
    of the template [D CloudFormation AWS::Include transform]. A function's ``Api`` event on the same method does
    not replace the definition's integration (the serverless-patterns app apigw-mappingtemplate-lambda declares
    both), and the overlap is reported."""
    (tmp_path / "api.yaml").write_text(
        """\
openapi: "3.0.1"
info: {title: inc, version: "1"}
paths:
  /:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        passthroughBehavior: when_no_templates
        uri:
          Fn::Sub: "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: "$input.json('$')"
"""
    )
    path = write(
        tmp_path,
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: ./api.yaml}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.main
      Runtime: python3.12
      Events:
        Any:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: any}
""",
    )
    project = load_sam(path, LoadOptions(env={}, stack_name="st"))
    integration = project.apis[0].resource("/").methods["ANY"].integration  # type: ignore[union-attr]
    assert integration.type is IntegrationType.AWS
    assert integration.uri == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:000000000000:function:st-Fn/invocations"
    )
    assert integration.function == "Fn" and integration.passthrough_behavior == "WHEN_NO_TEMPLATES"
    assert any(
        "ANY / is defined by the OpenAPI definition and by a function's Api event" in w for w in project.warnings
    )
