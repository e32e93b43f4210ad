"""serverless.yml loading: the notes API (REST + HTTP API + table), variables, and the WebSocket chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.project import ApiKind, AuthorizationType, AuthorizerType, IntegrationType, LoadOptions, Project
from nubis.project.loaders.serverless import CORS_DEFAULT_HEADERS, load_serverless
from nubis.project.model import RequestValidator, api_id_for


def load(fixtures: Path, **options: object) -> Project:
    opts = LoadOptions(env=options.pop("env", {}), **options)  # type: ignore[arg-type]
    return load_serverless(fixtures / "notes_sls" / "serverless.yml", opts)


@pytest.mark.D
def test_apis_are_named_and_staged_as_the_framework_does(fixtures: Path) -> None:
    project = load(fixtures)
    rest, http = project.apis
    assert (rest.kind, rest.name, [s.name for s in rest.stages]) == (ApiKind.REST, "dev-notes", ["dev"])
    assert (http.kind, http.name, [s.name for s in http.stages]) == (ApiKind.HTTP, "dev-notes", ["$default"])
    assert rest.id == api_id_for("notes", "ApiGatewayRestApi")


def test_rest_resource_tree_and_methods(fixtures: Path) -> None:
    rest = load(fixtures).apis[0]
    assert [r.path for r in rest.resources] == ["/", "/files", "/files/{proxy+}", "/health", "/notes", "/notes/{id}"]
    assert set(rest.resource("/notes/{id}").methods) == {"GET", "PUT", "DELETE", "OPTIONS"}  # type: ignore[union-attr]
    get = rest.resource("/notes/{id}").methods["GET"]  # type: ignore[union-attr]
    assert get.integration.type is IntegrationType.AWS_PROXY
    assert get.integration.function == "get"
    assert get.integration.uri == (
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:eu-west-1:000000000000:function:notes-dev-get/invocations"
    )
    assert dict(get.request_parameters) == {"method.request.path.id": True, "method.request.querystring.fields": False}
    assert rest.resource("/notes/{id}").methods["PUT"].api_key_required  # type: ignore[union-attr]
    assert rest.resource("/files/{proxy+}").methods["ANY"].integration.function == "proxy"  # type: ignore[union-attr]
    health = rest.resource("/health").methods["GET"].integration  # type: ignore[union-attr]
    assert health.type is IntegrationType.MOCK


@pytest.mark.D
def test_cors_true_makes_an_options_mock_method(fixtures: Path) -> None:
    rest = load(fixtures).apis[0]
    options = rest.resource("/notes/{id}").methods["OPTIONS"]  # type: ignore[union-attr]
    assert options.integration.type is IntegrationType.MOCK
    params = options.integration.responses[0].response_parameters
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert params["method.response.header.Access-Control-Allow-Headers"] == f"'{','.join(CORS_DEFAULT_HEADERS)}'"
    assert params["method.response.header.Access-Control-Allow-Methods"] == "'OPTIONS,GET,PUT'"
    assert set(options.method_responses[0].response_parameters) == set(params)
    # DELETE had no cors: it is not advertised.
    assert "/health" not in [r.path for r in rest.resources if "OPTIONS" in r.methods]


def test_binary_media_types_and_api_keys(fixtures: Path) -> None:
    rest = load(fixtures).apis[0]
    assert rest.binary_media_types == ("image/png", "*/*")
    assert [k.name for k in rest.api_keys] == ["notes-admin"]
    assert [(p.name, p.api_keys, p.stages) for p in rest.usage_plans] == [("notes-dev", ("notes-admin",), ("dev",))]


@pytest.mark.D
def test_http_api_routes_payload_and_cors_true(fixtures: Path) -> None:
    http = load(fixtures).apis[1]
    assert [r.route_key for r in http.routes] == ["GET /search", "POST /search/{term}", "$default"]
    assert {r.integration.payload_format_version for r in http.routes if r.integration} == {"2.0"}
    assert http.cors is not None
    assert http.cors.allow_origins == ("*",)
    assert http.cors.allow_headers == CORS_DEFAULT_HEADERS


def test_functions_take_provider_defaults_and_overrides(fixtures: Path) -> None:
    functions = load(fixtures).functions
    create, update, delete = functions["create"], functions["update"], functions["delete"]
    assert (create.handler, create.runtime, create.timeout, create.memory) == (
        "notes/handlers.create",
        "python3.12",
        10,
        256,
    )
    assert create.function_name == "notes-dev-create"
    assert create.code_dir.name == "notes_sls"
    assert dict(create.environment) == {
        "NOTES_TABLE": "notes-dev-notes",
        "LOG_LEVEL": "INFO",
        "TABLE_ARN": "arn:aws:dynamodb:eu-west-1:000000000000:table/notes-dev-notes",
    }
    assert (update.timeout, update.environment["LOG_LEVEL"]) == (20, "DEBUG")
    assert delete.reserved_concurrency == 2
    assert [e.detail for e in functions["search"].events] == ["GET /search", "POST /search/{term}"]


def test_table_becomes_a_create_table_request(fixtures: Path) -> None:
    (table,) = load(fixtures).tables
    assert table.logical_id == "NotesTable"
    assert dict(table.create_table) == {
        "TableName": "notes-dev-notes",
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "N"},
        ],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "byOwner",
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "createdAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    assert dict(table.time_to_live or {}) == {"AttributeName": "expiresAt", "Enabled": True}


def test_options_and_env_reach_variables(fixtures: Path) -> None:
    project = load(fixtures, stage="prod", region="us-west-2", env={"NOTES_LOG_LEVEL": "WARN"})
    assert project.stage == "prod" and project.region == "us-west-2"
    create = project.functions["create"]
    assert create.memory == 512  # ${self:custom.memory.${sls:stage}, 128}
    assert create.environment["LOG_LEVEL"] == "WARN"
    assert create.environment["NOTES_TABLE"] == "notes-prod-notes"
    assert project.apis[0].name == "prod-notes"
    assert project.outputs["ApiUrl"] == (
        f"https://{api_id_for('notes', 'ApiGatewayRestApi')}.execute-api.us-west-2.amazonaws.com/prod"
    )
    assert project.outputs["NotesTableName"] == "notes-prod-notes"


def test_unknown_stage_falls_back_to_the_default(fixtures: Path) -> None:
    assert load(fixtures, stage="qa").functions["create"].memory == 128


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "serverless.yml"
    path.write_text(text)
    return path


def test_variable_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
service: vars
custom:
  a: ${self:custom.b}
  b: ${self:custom.c, 'fallback-b'}
  num: ${env:MISSING, 42}
  nested: ${opt:nothing, ${env:ALSO_MISSING, ${self:service}}}
  whole: ${self:custom.obj}
  obj:
    k: v
  region: ${aws:region}
  account: ${aws:accountId}
  cfn: "${AWS::Region}-${self:service}"
  fromfile: ${file(./extra.yml):settings.name}
provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  environment:
    A: ${self:custom.a}
    NUM: ${self:custom.num}
    NESTED: ${self:custom.nested}
    CFN: ${self:custom.cfn}
    FROMFILE: ${self:custom.fromfile}
    STAGE: ${sls:stage}-${self:provider.stage}
functions:
  f:
    handler: h.main
""",
    )
    (tmp_path / "extra.yml").write_text("settings:\n  name: ${self:service}-from-file\n")
    project = load_serverless(path, LoadOptions(env={}))
    env = project.functions["f"].environment
    assert dict(env) == {
        "A": "fallback-b",
        "NUM": "42",
        "NESTED": "vars",
        "CFN": "${AWS::Region}-vars",
        "FROMFILE": "vars-from-file",
        "STAGE": "dev-dev",
    }


@pytest.mark.D
def test_websocket_events_make_one_websocket_api(fixtures: Path) -> None:
    project = load_serverless(fixtures / "chat_sls" / "serverless.yml", LoadOptions(env={}))
    (ws,) = project.apis
    assert (ws.kind, ws.name, [s.name for s in ws.stages]) == (ApiKind.WEBSOCKET, "dev-chat-websockets", ["dev"])
    assert ws.route_selection_expression == "$request.body.type"
    assert [r.route_key for r in ws.routes] == ["$connect", "$disconnect", "sendMessage", "$default"]
    connect = ws.route("$connect")
    assert connect is not None and connect.authorization_type is AuthorizationType.CUSTOM
    auth = ws.authorizers["auth"]
    assert (auth.type, auth.function, auth.identity_source) == (
        AuthorizerType.REQUEST,
        "auth",
        ("route.request.querystring.token",),
    )
    send = ws.route("sendMessage")
    assert send is not None and send.route_response_selection_expression == "$default"
    assert send.integration is not None and send.integration.function == "send"


def test_http_api_jwt_authorizer_and_payload_1(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
service: auth
provider:
  name: aws
  runtime: python3.12
  httpApi:
    payload: '1.0'
    cors:
      allowedOrigins: [https://a.example.com]
      allowCredentials: true
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience: [aud1]
functions:
  f:
    handler: h.main
    events:
      - httpApi:
          method: GET
          path: /me
          authorizer:
            name: jwtAuth
            scopes: [user.read]
      - httpApi:
          method: '*'
          path: /iam
          authorizer:
            type: aws_iam
""",
    )
    http = load_serverless(path, LoadOptions(env={})).apis[0]
    me, iam = http.routes
    assert me.integration is not None and me.integration.payload_format_version == "1.0"
    assert (me.authorization_type, me.authorizer, me.authorization_scopes) == (
        AuthorizationType.JWT,
        "jwtAuth",
        ("user.read",),
    )
    assert (iam.route_key, iam.authorization_type) == ("ANY /iam", AuthorizationType.AWS_IAM)
    assert http.authorizers["jwtAuth"].issuer == "https://issuer.example.com"
    assert http.cors is not None and http.cors.allow_credentials


def test_rest_authorizers_and_lambda_integration(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
service: auth
provider:
  name: aws
  runtime: python3.12
functions:
  auth:
    handler: h.auth
  f:
    handler: h.main
    events:
      - http:
          path: a
          method: get
          authorizer: auth
      - http:
          path: b
          method: get
          authorizer: aws_iam
      - http:
          path: c
          method: post
          integration: lambda
          request:
            template:
              application/json: '{"x": 1}'
          authorizer:
            arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool
            scopes: [s1]
      - http:
          path: d
          method: get
          cors:
            origins: [https://a.example.com, https://*.b.example.com]
            allowCredentials: true
""",
    )
    rest = load_serverless(path, LoadOptions(env={})).apis[0]
    a = rest.resource("/a").methods["GET"]  # type: ignore[union-attr]
    assert (a.authorization_type, a.authorizer) == (AuthorizationType.CUSTOM, "auth")
    assert rest.authorizers["auth"].type is AuthorizerType.TOKEN
    assert rest.authorizers["auth"].identity_source == ("method.request.header.Authorization",)
    assert rest.resource("/b").methods["GET"].authorization_type is AuthorizationType.AWS_IAM  # type: ignore[union-attr]
    c = rest.resource("/c").methods["POST"]  # type: ignore[union-attr]
    assert c.authorization_type is AuthorizationType.COGNITO_USER_POOLS
    assert c.integration.type is IntegrationType.AWS
    # request.template replaces the framework's default for its content type; the form default stays.
    assert c.integration.request_templates["application/json"] == '{"x": 1}'
    assert set(c.integration.request_templates) == {"application/json", "application/x-www-form-urlencoded"}
    assert [r.selection_pattern for r in c.integration.responses][:2] == [None, r"[\s\S]*\[400\][\s\S]*"]
    options = rest.resource("/d").methods["OPTIONS"].integration.responses[0]  # type: ignore[union-attr]
    assert options.response_parameters["method.response.header.Access-Control-Allow-Credentials"] == "'true'"
    assert "$origin.matches" in options.response_templates["application/json"]


@pytest.mark.D
def test_request_schemas_become_models_behind_the_framework_validator(tmp_path: Path) -> None:
    """``request.schemas`` (inline, ``{schema, name}``, or a ``provider.apiGateway.request.schemas`` id) and
    ``request.parameters`` attach the framework's one validator, which checks body and parameters [D SF
    apigateway.md "Request Schema Validators"]."""
    path = write(
        tmp_path,
        """\
service: shop
provider:
  name: aws
  runtime: python3.12
  apiGateway:
    request:
      schemas:
        order-model:
          name: Order
          schema: {type: object, required: [sku]}
functions:
  f:
    handler: app.main
    events:
      - http:
          path: orders
          method: post
          request:
            schemas:
              application/json: order-model
      - http:
          path: orders
          method: put
          request:
            schemas:
              application/json: {type: object, required: [id]}
              text/plain: {name: Note, schema: {type: string}}
      - http:
          path: orders/{id}
          method: get
          request:
            parameters:
              querystrings:
                fields: true
      - http:
          path: orders/{id}
          method: delete
""",
    )
    (api,) = load_serverless(path, LoadOptions(env={}, stage="dev")).apis
    orders, order = api.resource("/orders").methods, api.resource("/orders/{id}").methods  # type: ignore[union-attr]
    validator = "shop-dev | Validate request body and querystring parameters"
    assert dict(api.request_validators) == {validator: RequestValidator(validator, True, True)}
    assert dict(orders["POST"].request_models) == {"application/json": "Order"}
    assert dict(orders["PUT"].request_models) == {
        "application/json": "OrdersPutApplicationJsonModel",
        "text/plain": "Note",
    }
    assert dict(api.models) == {
        "Order": {"type": "object", "required": ["sku"]},
        "OrdersPutApplicationJsonModel": {"type": "object", "required": ["id"]},
        "Note": {"type": "string"},
    }
    assert [m.request_validator for m in (orders["POST"], orders["PUT"], order["GET"], order["DELETE"])] == [
        validator,
        validator,
        validator,
        None,
    ]


@pytest.mark.P
def test_non_proxy_integrations_as_the_framework_generates_them(tmp_path: Path) -> None:
    """``integration: lambda|http|mock`` with ``request``/``response`` blocks: default templates replaced by content
    type (``null`` removes one), ``passThrough``, ``contentHandling``, ``statusCodes`` with patterns, templates and
    headers, shared ``response.headers``/``template``, and ``cors`` adding ``Access-Control-Allow-Origin``
    [P SF validate.js, method/integration.js; D SF apigateway.md "Lambda Integration"]."""
    path = write(
        tmp_path,
        """\
service: np
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    handler: h.main
    events:
      - http:
          path: plain
          method: get
          integration: lambda
      - http:
          path: custom
          method: post
          integration: lambda
          cors: true
          request:
            passThrough: WHEN_NO_TEMPLATES
            contentHandling: CONVERT_TO_TEXT
            template:
              application/x-www-form-urlencoded: null
              text/plain: '{"text": "$input.body"}'
          response:
            headers:
              X-Shared: "'s'"
            template: $input.path('$.body')
            contentHandling: CONVERT_TO_BINARY
            statusCodes:
              201:
                pattern: ''
              400:
                pattern: '.*\\[BadRequest\\].*'
                template:
                  application/json: '{"error": "$input.path(''$.errorMessage'')"}'
                headers:
                  X-Error: "'yes'"
      - http:
          path: backend
          method: get
          integration: http
          request:
            uri: http://example.com/x
      - http:
          path: canned
          method: get
          integration: mock
          request:
            template:
              application/json: '{"statusCode": 202}'
          response:
            statusCodes:
              202:
                pattern: ''
""",
    )
    rest = load_serverless(path, LoadOptions(env={})).apis[0]
    plain = rest.resource("/plain").methods["GET"].integration  # type: ignore[union-attr]
    assert plain.passthrough_behavior == "NEVER"
    assert set(plain.request_templates) == {"application/json", "application/x-www-form-urlencoded"}
    assert [(r.status_code, r.selection_pattern) for r in plain.responses][:3] == [
        ("200", None),
        ("400", r"[\s\S]*\[400\][\s\S]*"),
        ("401", r"[\s\S]*\[401\][\s\S]*"),
    ]
    assert (
        plain.responses[-1].selection_pattern == r"([\s\S]*\[504\][\s\S]*)|(.*Task timed out after \d+\.\d+ seconds$)"
    )
    assert "extraCognitoPoolClaims" not in plain.request_templates["application/json"]

    custom = rest.resource("/custom").methods["POST"].integration  # type: ignore[union-attr]
    assert (custom.passthrough_behavior, custom.content_handling) == ("WHEN_NO_TEMPLATES", "CONVERT_TO_TEXT")
    assert set(custom.request_templates) == {"application/json", "text/plain"}
    created, bad = custom.responses
    assert (created.status_code, created.selection_pattern, created.content_handling) == (
        "201",
        None,
        "CONVERT_TO_BINARY",
    )
    assert dict(created.response_templates) == {"application/json": "$input.path('$.body')"}
    assert dict(created.response_parameters) == {
        "method.response.header.Access-Control-Allow-Origin": "'*'",
        "method.response.header.X-Shared": "'s'",
    }
    assert (bad.status_code, bad.selection_pattern, bad.content_handling) == ("400", r".*\[BadRequest\].*", None)
    assert bad.response_templates["application/json"] == '{"error": "$input.path(\'$.errorMessage\')"}'
    assert bad.response_parameters["method.response.header.X-Error"] == "'yes'"

    backend = rest.resource("/backend").methods["GET"].integration  # type: ignore[union-attr]
    assert (backend.type, backend.http_method, backend.responses, backend.passthrough_behavior) == (
        IntegrationType.HTTP,
        "GET",
        (),
        None,
    )
    canned = rest.resource("/canned").methods["GET"].integration  # type: ignore[union-attr]
    assert canned.type is IntegrationType.MOCK and [r.status_code for r in canned.responses] == ["202"]


@pytest.mark.P
def test_cognito_claims_are_written_into_the_default_template(tmp_path: Path) -> None:
    """``authorizer.claims`` fills the framework's ``extraCognitoPoolClaims`` slot [P SF method/index.js]."""
    path = write(
        tmp_path,
        """\
service: claims
provider:
  name: aws
  runtime: python3.12
functions:
  f:
    handler: h.main
    events:
      - http:
          path: me
          method: get
          integration: lambda
          authorizer:
            arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool
            claims: [email, "custom:tier"]
""",
    )
    template = load_serverless(path, LoadOptions(env={})).apis[0].resource("/me").methods["GET"].integration  # type: ignore[union-attr]
    text = template.request_templates["application/json"]
    assert '"email": "$context.authorizer.claims.email",' in text
    assert '"tier": "$context.authorizer.claims[\'custom:tier\']",' in text
