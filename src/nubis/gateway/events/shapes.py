"""The Lambda proxy payloads as TypedDicts with AWS's exact keys ([D] http-api-develop-integrations-lambda.md,
set-up-lambda-proxy-integrations.md; [V] LS test_lambda_aws_proxy_integration snapshot for the REST key set).
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class MalformedResultError(ValueError):
    """A function result the gateway cannot turn into a response (REST 502, HTTP API 500)."""


class RestIdentity(TypedDict):
    accessKey: str | None
    accountId: str | None
    caller: str | None
    cognitoAuthenticationProvider: str | None
    cognitoAuthenticationType: str | None
    cognitoIdentityId: str | None
    cognitoIdentityPoolId: str | None
    principalOrgId: str | None
    sourceIp: str
    user: str | None
    userAgent: str | None
    userArn: str | None


class RestRequestContext(TypedDict):
    accountId: str
    apiId: str
    deploymentId: str
    domainName: str
    domainPrefix: str
    extendedRequestId: str
    httpMethod: str
    identity: RestIdentity
    path: str
    """The path including the stage (``/dev/items/1``)."""
    protocol: str
    requestId: str
    requestTime: str
    """CLF time, ``dd/MMM/yyyy:HH:mm:ss +0000``."""
    requestTimeEpoch: int
    resourceId: str | None
    resourcePath: str
    stage: str
    authorizer: NotRequired[dict[str, Any]]
    """HTTP APIs with payload 1.0 only (``{"claims": null, "scopes": null}`` without an authorizer)."""


class RestProxyEvent(TypedDict):
    """REST proxy (and HTTP API payload 1.0, which adds ``version``)."""

    version: NotRequired[str]
    resource: str
    path: str
    httpMethod: str
    headers: dict[str, str] | None
    multiValueHeaders: dict[str, list[str]] | None
    queryStringParameters: dict[str, str] | None
    multiValueQueryStringParameters: dict[str, list[str]] | None
    pathParameters: dict[str, str] | None
    stageVariables: dict[str, str] | None
    requestContext: RestRequestContext
    body: str | None
    isBase64Encoded: bool


class HttpDescription(TypedDict):
    method: str
    path: str
    protocol: str
    sourceIp: str
    userAgent: str


class HttpRequestContext(TypedDict):
    accountId: str
    apiId: str
    domainName: str
    domainPrefix: str
    http: HttpDescription
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int


class HttpV2Event(TypedDict):
    """HTTP API payload 2.0: empty collections and an empty body are omitted, not null."""

    version: str
    routeKey: str
    rawPath: str
    rawQueryString: str
    cookies: NotRequired[list[str]]
    headers: dict[str, str]
    queryStringParameters: NotRequired[dict[str, str]]
    pathParameters: NotRequired[dict[str, str]]
    stageVariables: NotRequired[dict[str, str]]
    requestContext: HttpRequestContext
    body: NotRequired[str]
    isBase64Encoded: bool
