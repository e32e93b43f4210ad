"""The gateway-response catalogue: one exception per response the gateway itself sends, with AWS's status, body
and ``x-amzn-ErrorType``. Rendering happens once, in ``handlers/gateway_errors.py``.

::

    GatewayResponseError
    ├── MissingAuthenticationToken   REST 403  (no resource/method matches)          [V LS test_routing_not_found]
    ├── BadRequestParameters         REST 400  (a required parameter is missing)     [D request-validation-test]
    ├── BadRequestBody               REST 400  (the body does not match its model)   [D request-validation]
    ├── UnsupportedMediaType         REST 415  (no request template, passthrough refused) [D; P LS ErrorType]
    ├── IntegrationFailure           REST 502  (function error, malformed result)    [V LS ...payload_format_validation]
    ├── IntegrationTimeout           REST 504  (timeoutInMillis passed)              [D limits.md; ISSUE sls#3171]
    ├── IntegrationNetworkFailure    REST 504  (HTTP backend unreachable)            [D; P captured]
    ├── FrontEndRefusal              plain text, refused before any API logic
    │   ├── RequestTooLarge          413       (body over 10 MB)                     [D limits.md]
    │   ├── UrlTooLong               414       (URL over 10 240 characters)          [D limits.md; P body]
    │   └── HeadersTooLarge          431       (request line + header values over 10 240 B) [D limits.md; P]
    ├── LambdaRequestTooLong         413       (event over Lambda's 6 MB)            [ISSUE lgtm-generator#10]
    ├── ApiConfigurationError        REST 500
    ├── NotFound                     HTTP 404  {"message":"Not Found"}               [D http-api-develop-routes.md]
    ├── InternalServerError          HTTP 500  {"message":"Internal Server Error"}   [D http-api-troubleshooting-lambda]
    └── ServiceUnavailable           HTTP 503  (integration timeout)                 [D limits.md]
"""

from __future__ import annotations

import orjson

MAX_PAYLOAD = 10 * 1024 * 1024
"""API Gateway's request payload limit, 10 MB, for REST and HTTP APIs [D limits.md]."""
MAX_URL_LENGTH = 10_240
"""Characters in the URL of a regional API [D limits.md]; Nubis serves APIs as regional ones."""
MAX_HEADER_BYTES = 10_240
"""The request line and the header values together [D limits.md, "Total combined size of request line and header
values"]."""


class GatewayResponseError(Exception):
    """A response the gateway sends instead of the integration's."""

    response_type: str = "DEFAULT_5XX"
    status: int = 500
    message: str = "Internal server error"
    error_type: str | None = "InternalServerErrorException"
    """The ``x-amzn-ErrorType`` header (REST only)."""
    content_type: str = "application/json"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message

    def body(self) -> bytes:
        return orjson.dumps({"message": self.message})


class MissingAuthenticationToken(GatewayResponseError):
    response_type = "MISSING_AUTHENTICATION_TOKEN"
    status = 403
    message = "Missing Authentication Token"
    error_type = "MissingAuthenticationTokenException"


class BadRequestParameters(GatewayResponseError):
    """The method's validator found a required parameter missing; the message names them."""

    response_type = "BAD_REQUEST_PARAMETERS"
    status = 400
    message = "Missing required request parameters: []"
    error_type = "BadRequestException"


class BadRequestBody(GatewayResponseError):
    """The body does not match the method's model (or is not JSON)."""

    response_type = "BAD_REQUEST_BODY"
    status = 400
    message = "Invalid request body"
    error_type = "BadRequestException"


class UnsupportedMediaType(GatewayResponseError):
    """A non-proxy integration's passthrough behaviour refuses a content type it has no template for
    [D integration-passthrough-behaviors.md; P LS gateway_response.py for the error type]."""

    response_type = "UNSUPPORTED_MEDIA_TYPE"
    status = 415
    message = "Unsupported Media Type"
    error_type = "BadRequestException"


class IntegrationFailure(GatewayResponseError):
    """A Lambda function error or a malformed proxy result: REST answers 502 [V LS]."""

    response_type = "DEFAULT_5XX"
    status = 502
    message = "Internal server error"
    error_type = "InternalServerErrorException"


class IntegrationTimeout(GatewayResponseError):
    response_type = "INTEGRATION_TIMEOUT"
    status = 504
    message = "Endpoint request timed out"
    error_type = "InternalServerErrorException"


class IntegrationNetworkFailure(GatewayResponseError):
    """An HTTP backend that cannot be reached: INTEGRATION_FAILURE, 504 [D supported-gateway-response-types.md]
    with the message of a captured AWS response (curl of a VPC-link HTTP proxy) [P]."""

    response_type = "INTEGRATION_FAILURE"
    status = 504
    message = "Network error communicating with endpoint"
    error_type = "InternalServerErrorException"


class ApiConfigurationError(GatewayResponseError):
    response_type = "API_CONFIGURATION_ERROR"
    status = 500
    message = "Internal server error"
    error_type = "ApiConfigurationException"


class FrontEndRefusal(GatewayResponseError):
    """Refused by API Gateway's front end before any API logic: a plain-text body, no ``x-amzn-ErrorType``."""

    error_type = None
    content_type = "text; charset=utf-8"

    def body(self) -> bytes:
        return self.message.encode()


class RequestTooLarge(FrontEndRefusal):
    """Over 10 MB, as the edge answers it [ISSUE koki-develop/lgtm-generator#10]."""

    response_type = "REQUEST_TOO_LARGE"
    status = 413
    message = f"HTTP content length exceeded {MAX_PAYLOAD} bytes."


class UrlTooLong(FrontEndRefusal):
    """A URL over the regional limit. AWS documents the limit, not this response (status from HTTP, text in the
    front end's style [P])."""

    response_type = "DEFAULT_4XX"
    status = 414
    message = f"An HTTP line is larger than {MAX_URL_LENGTH} bytes."


class HeadersTooLarge(FrontEndRefusal):
    """Header values over the limit: 431 with this text, as users report it from API Gateway [P
    backbencher.dev "431 ... AWS API gateway"; P ntsblog.homedev.com.au "HTTP header is larger than 10240 bytes."]."""

    response_type = "DEFAULT_4XX"
    status = 431
    message = f"HTTP header is larger than {MAX_HEADER_BYTES} bytes."


class LambdaRequestTooLong(GatewayResponseError):
    """The event built for a Lambda integration is over Lambda's 6 MB synchronous payload: the gateway answers
    without invoking [ISSUE koki-develop/lgtm-generator#10, a captured REST response; HTTP APIs' body is ?]."""

    response_type = "DEFAULT_4XX"
    status = 413
    message = "Request Too Long"
    error_type = "BadRequestException"


class NotFound(GatewayResponseError):
    response_type = "NOT_FOUND"
    status = 404
    message = "Not Found"
    error_type = None


class InternalServerError(GatewayResponseError):
    """HTTP APIs' 500, capital S and E unlike REST [D http-api-troubleshooting-lambda.md]."""

    status = 500
    message = "Internal Server Error"
    error_type = None


class ServiceUnavailable(GatewayResponseError):
    status = 503
    message = "Service Unavailable"
    error_type = None
