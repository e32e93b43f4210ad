"""Model validation: what a definition may not say, whatever file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubis.project import (
    Api,
    ApiKind,
    Authorizer,
    AuthorizerType,
    Cors,
    FunctionDef,
    Integration,
    IntegrationType,
    Method,
    ProjectError,
    Resource,
    Route,
    Stage,
    TableDef,
)
from nubis.project.model import api_id_for

MOCK = Integration(type=IntegrationType.MOCK)


def http(*routes: Route) -> Api:
    return Api(id=api_id_for("p", "a"), name="a", kind=ApiKind.HTTP, stages=(Stage("$default"),), routes=routes)


@pytest.mark.D
@pytest.mark.parametrize(
    ("route_key", "ok"),
    [
        ("GET /pets/{id}", True),
        ("ANY /{proxy+}", True),
        ("$default", True),
        ("FETCH /x", False),
        ("GET /a/{p+}/b", False),
        ("GET pets", False),
        ("GET /a/{x}/{x}", False),
    ],
)
def test_http_route_keys(route_key: str, ok: bool) -> None:
    if ok:
        http(Route(route_key, MOCK))
    else:
        with pytest.raises(ProjectError):
            http(Route(route_key, MOCK))


@pytest.mark.D
def test_integration_timeouts_by_kind() -> None:
    http(Route("GET /a", Integration(type=IntegrationType.HTTP_PROXY, uri="http://x", timeout_in_millis=30_000)))
    with pytest.raises(ProjectError, match="between 50 and 29000"):
        Api(
            id=api_id_for("p", "r"),
            name="r",
            kind=ApiKind.REST,
            stages=(Stage("dev"),),
            resources=(
                Resource("/", {"GET": Method("GET", Integration(type=IntegrationType.MOCK, timeout_in_millis=30_000))}),
            ),
        )


@pytest.mark.D
def test_websocket_rules() -> None:
    def ws(*routes: Route, rse: str | None = "$request.body.action") -> Api:
        return Api(
            id=api_id_for("p", "w"),
            name="w",
            kind=ApiKind.WEBSOCKET,
            stages=(Stage("dev"),),
            routes=routes,
            route_selection_expression=rse,
        )

    ws(Route("$connect", MOCK), Route("sendMessage", MOCK))
    with pytest.raises(ProjectError, match=r"only \$connect"):
        ws(Route("$custom", MOCK))
    with pytest.raises(ProjectError, match="route selection expression"):
        ws(Route("$connect", MOCK), rse=None)


def test_rest_tree_needs_parents_and_no_default_stage() -> None:
    with pytest.raises(ProjectError, match="no parent"):
        Api(
            id=api_id_for("p", "r"),
            name="r",
            kind=ApiKind.REST,
            stages=(Stage("dev"),),
            resources=(Resource("/"), Resource("/a/b")),
        )
    with pytest.raises(ProjectError, match=r"no \$default"):
        Api(
            id=api_id_for("p", "r"),
            name="r",
            kind=ApiKind.REST,
            stages=(Stage("$default"),),
            resources=(Resource("/"),),
        )
    with pytest.raises(ProjectError, match="variable siblings"):
        Api(
            id=api_id_for("p", "r"),
            name="r",
            kind=ApiKind.REST,
            stages=(Stage("dev"),),
            resources=(Resource("/"), Resource("/{a}"), Resource("/{b}")),
        )


def test_authorizers_must_exist_and_be_complete() -> None:
    with pytest.raises(ProjectError, match="unknown authorizer"):
        http(Route("GET /a", MOCK, authorization_type="JWT", authorizer="missing"))  # type: ignore[arg-type]
    with pytest.raises(ProjectError, match="needs an issuer"):
        Authorizer("j", AuthorizerType.JWT)
    with pytest.raises(ProjectError, match="allowOrigins"):
        Cors(allow_origins=("*",), allow_credentials=True)


def test_table_rules() -> None:
    base = {
        "TableName": "t01",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    TableDef("T", base)
    with pytest.raises(ProjectError, match="ProvisionedThroughput"):
        TableDef("T", {**base, "BillingMode": "PROVISIONED"})
    with pytest.raises(ProjectError, match="not in AttributeDefinitions"):
        TableDef("T", {**base, "KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}]})
    with pytest.raises(ProjectError, match="table name"):
        TableDef("T", {**base, "TableName": "x"})


def test_models_are_frozen() -> None:
    fn = FunctionDef("f", "app.main", "python3.12", Path("."), environment={"A": "1"})
    with pytest.raises(AttributeError):
        fn.timeout = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        fn.environment["B"] = "2"  # type: ignore[index]


@pytest.mark.D
def test_a_method_body_model_must_be_an_api_model_or_a_builtin() -> None:
    """Every REST API has the models ``Empty`` and ``Error`` [D models-mappings-models.md]; others must be defined."""

    def rest(model: str) -> Api:
        method = Method("POST", MOCK, request_models={"application/json": model})
        return Api(
            id=api_id_for("p", "r"),
            name="r",
            kind=ApiKind.REST,
            stages=(Stage("prod"),),
            resources=(Resource("/"), Resource("/v", {"POST": method})),
            models={"Vehicle": {"type": "object"}},
        )

    assert rest("Vehicle").models["Vehicle"]["type"] == "object"
    assert rest("Empty").resources[1].methods["POST"].request_models["application/json"] == "Empty"
    with pytest.raises(ProjectError, match="unknown model 'Car'"):
        rest("Car")
