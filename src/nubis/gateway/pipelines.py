"""The architecture in lists: each API kind's request steps, exception handler and response steps.

::

    HTTP:  parse → cors.preflight → route → integrate                        | gateway_errors | cors.headers → enrich
    REST:  parse → route → validate_request → integration_request → integrate → integration_response
                                                                             | gateway_errors | enrich

``integration_request`` and ``integration_response`` act on REST non-proxy integrations only (mapping templates);
a proxy integration sets the response in ``integrate``, which ends the request steps.

TODO(#6): authorize, throttle, api_key, access_log, metrics.
"""

from __future__ import annotations

from nubis.gateway.chain import HandlerChain
from nubis.gateway.handlers import (
    cors,
    enrich,
    gateway_errors,
    integrate,
    integration_request,
    integration_response,
    parse,
    route,
    validate_request,
)

HTTP_PIPELINE = HandlerChain(
    request=(parse.parse_request, cors.preflight, route.route_request, integrate.integrate),
    exception=gateway_errors.render_gateway_error,
    response=(cors.add_cors_headers, enrich.add_request_ids),
)

REST_PIPELINE = HandlerChain(
    request=(
        parse.parse_request,
        route.route_request,
        validate_request.validate_request,
        integration_request.map_integration_request,
        integrate.integrate,
        integration_response.map_integration_response,
    ),
    exception=gateway_errors.render_gateway_error,
    response=(enrich.add_request_ids,),
)
