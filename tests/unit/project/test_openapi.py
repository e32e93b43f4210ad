"""OpenAPI 3 / Swagger 2 loading with the x-amazon-apigateway extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.project import ApiKind, AuthorizationType, AuthorizerType, IntegrationType, LoadOptions, ProjectError
from nubis.project.loaders.openapi import function_from_uri, load_openapi


def test_rest_openapi(fixtures: Path) -> None:
    project = load_openapi(fixtures / "rest_openapi" / "openapi.yaml", LoadOptions(env={}))
    (api,) = project.apis
    assert (api.kind, api.name, [s.name for s in api.stages], api.version) == (
        ApiKind.REST,
        "notes-rest",
        ["v1"],
        "2024-01-01",
    )
    assert [r.path for r in api.resources] == ["/", "/health", "/notes", "/notes/{id}", "/secure", "/secure/{proxy+}"]
    listing = api.resource("/notes").methods["GET"]  # type: ignore[union-attr]
    assert listing.operation_name == "listNotes"
    assert listing.integration.function == "notes-list"
    assert listing.integration.uri is not None and "us-east-1:lambda:path" in listing.integration.uri  # ${AWS::Region}
    assert listing.integration.timeout_in_millis == 10000
    assert dict(listing.request_parameters) == {"method.request.querystring.limit": False}
    assert (listing.authorization_type, listing.authorizer) == (AuthorizationType.CUSTOM, "tokenAuth")
    assert dict(listing.method_responses[0].response_parameters) == {"method.response.header.X-Total": False}
    create = api.resource("/notes").methods["POST"]  # type: ignore[union-attr]
    assert create.api_key_required and create.request_validator == "all"
    assert create.integration.type is IntegrationType.AWS
    assert create.integration.function == "notes-create"  # the alias qualifier is dropped
    assert create.integration.passthrough_behavior == "WHEN_NO_TEMPLATES"
    assert dict(create.request_models) == {"application/json": "Note"}  # components.schemas → models
    assert api.models["Note"]["required"] == ["text"]
    assert [(r.selection_pattern, r.status_code) for r in create.integration.responses] == [
        (None, "201"),
        (".*not valid.*", "400"),
    ]
    anym = api.resource("/notes/{id}").methods["ANY"]  # type: ignore[union-attr]
    assert anym.authorization_type is AuthorizationType.AWS_IAM
    assert anym.integration.type is IntegrationType.HTTP_PROXY
    assert dict(anym.integration.request_parameters) == {"integration.request.path.id": "method.request.path.id"}
    secure = api.resource("/secure/{proxy+}").methods["GET"]  # type: ignore[union-attr]
    assert secure.integration.function == "${stageVariables.fn}"
    assert (secure.authorization_type, secure.authorization_scopes) == (
        AuthorizationType.COGNITO_USER_POOLS,
        ("notes/read",),
    )
    token = api.authorizers["tokenAuth"]
    assert (token.type, token.function, token.result_ttl_in_seconds, token.identity_validation_expression) == (
        AuthorizerType.TOKEN,
        "notes-auth",
        60,
        "^Bearer .+$",
    )
    assert api.binary_media_types == ("image/png",)
    assert api.request_validators["all"].validate_request_body
    assert api.gateway_responses["DEFAULT_4XX"].status_code == "400"
    assert any("functions an OpenAPI file does not define" in w for w in project.warnings)


def test_swagger2(fixtures: Path) -> None:
    (api,) = load_openapi(fixtures / "swagger2" / "api.json", LoadOptions(env={})).apis
    assert (api.kind, api.name, [s.name for s in api.stages]) == (ApiKind.REST, "pets", ["prod"])
    auth = api.authorizers["reqAuth"]
    assert auth.type is AuthorizerType.REQUEST
    assert auth.identity_source == ("method.request.header.Auth", "method.request.querystring.token")
    pet = api.resource("/pets/{petId}").methods["GET"]  # type: ignore[union-attr]
    assert (
        pet.integration.type is IntegrationType.HTTP and pet.integration.uri == "http://petstore.example.com/pets/{id}"
    )
    assert dict(pet.request_parameters) == {"method.request.path.petId": True}
    create = api.resource("/pets").methods["POST"]  # type: ignore[union-attr]
    # The body parameter's model, for each type the operation consumes; definitions are the models.
    assert dict(create.request_models) == {"application/json": "Pet", "application/x-pet": "Pet"}
    assert list(api.models) == ["Pet"]
    assert "method.request.body.pet" not in create.request_parameters


@pytest.mark.D
def test_inline_body_schema_becomes_a_model_and_bad_refs_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(
        """\
openapi: 3.0.1
info: {title: inline, version: "1"}
paths:
  /vehicle:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [make]}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
"""
    )
    (api,) = load_openapi(path, LoadOptions(env={})).apis
    post = api.resource("/vehicle").methods["POST"]  # type: ignore[union-attr]
    (name,) = post.request_models.values()
    assert name == "PostVehicleBody" and dict(api.models[name]) == {"type": "object", "required": ["make"]}
    path.write_text(path.read_text().replace("schema: {type: object, required: [make]}", "schema: {$ref: '#/x/Y'}"))
    with pytest.raises(ProjectError, match="names no schema"):
        load_openapi(path, LoadOptions(env={}))


def test_inline_body_schemas_of_similar_routes_stay_apart(tmp_path: Path) -> None:
    path = tmp_path / "openapi.yaml"
    mock = (
        """x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}"""
    )
    path.write_text(
        f"""\
openapi: 3.0.1
info: {{title: inline, version: "1"}}
paths:
  /a_b:
    post:
      requestBody: {{content: {{application/json: {{schema: {{type: object, required: [one]}}}}}}}}
      {mock}
  /a-b:
    post:
      requestBody: {{content: {{application/json: {{schema: {{type: object, required: [two]}}}}}}}}
      {mock}
"""
    )
    (api,) = load_openapi(path, LoadOptions(env={})).apis
    first = api.resource("/a_b").methods["POST"].request_models["application/json"]  # type: ignore[union-attr]
    second = api.resource("/a-b").methods["POST"].request_models["application/json"]  # type: ignore[union-attr]
    assert first != second
    assert (api.models[first]["required"], api.models[second]["required"]) == (["one"], ["two"])


def test_http_openapi(fixtures: Path) -> None:
    (api,) = load_openapi(fixtures / "http_openapi" / "openapi.yaml", LoadOptions(env={})).apis
    assert (api.kind, [s.name for s in api.stages]) == (ApiKind.HTTP, ["$default"])
    assert [r.route_key for r in api.routes] == ["GET /search", "$default"]
    search = api.route("GET /search")
    assert search is not None and search.integration is not None
    assert (search.integration.function, search.integration.payload_format_version) == ("search", "2.0")
    assert (search.authorization_type, search.authorization_scopes) == (AuthorizationType.JWT, ("search.read",))
    default = api.route("$default")
    assert default is not None and default.integration is not None
    assert default.integration.timeout_in_millis == 30000
    assert api.cors is not None and api.cors.allow_origins == ("https://app.example.com",) and api.cors.max_age == 300
    jwt = api.authorizers["jwt"]
    assert (jwt.issuer, jwt.audience, jwt.identity_source) == (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
        ("client1",),
        ("$request.header.Authorization",),
    )


@pytest.mark.D
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:fn/invocations",
            "fn",
        ),
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:fn:prod/invocations",
            "fn",
        ),
        ("arn:aws:lambda:us-east-1:1:function:direct", "direct"),
        ("http://example.com/x", None),
    ],
)
def test_function_from_lambda_uri(uri: str, expected: str | None) -> None:
    assert function_from_uri(uri, {}) == expected


def test_function_from_uri_maps_deployed_names() -> None:
    uri = "arn:aws:lambda:us-east-1:1:function:notes-dev-get"
    assert function_from_uri(uri, {"notes-dev-get": "get"}) == "get"
