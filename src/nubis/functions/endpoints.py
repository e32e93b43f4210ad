"""Inside a worker: send ``apigatewaymanagementapi`` clients built for AWS's ``https://{domain}/{stage}`` to Nubis.

Handlers build the ``@connections`` client from the event, the way every AWS sample does::

    boto3.client("apigatewaymanagementapi",
                 endpoint_url=f"https://{event['requestContext']['domainName']}/{event['requestContext']['stage']}")

An explicit ``endpoint_url`` wins over ``AWS_ENDPOINT_URL*`` [D AWS SDKs guide, "service-specific endpoints"], and
Nubis listens on plain HTTP, so the https URL would fail (serverless-offline's ``ECONNREFUSED 127.0.0.1:443``,
ISSUE dherault/serverless-offline#924). The reference's requirement [reference §4.4]: the worker rewrites such
clients, for hosts Nubis serves (a loopback name, ``*.localhost``, or the server's own host), to the local
listener named by ``AWS_ENDPOINT_URL``. The patch wraps ``botocore.session.Session.create_client`` once botocore
is loaded; code that does not use boto3 pays nothing.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SERVICE = "apigatewaymanagementapi"
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")
_installed = False


def rewrite_endpoint(url: str, local: str) -> str:
    """``https://127.0.0.1:4566/dev`` (or ``https://abc.execute-api.localhost:4566/dev``) → ``{local}/dev``; any
    other URL (a real AWS endpoint) is kept."""
    parts = urlsplit(url)
    target = urlsplit(local)
    host = (parts.hostname or "").lower()
    ours = host in _LOCAL_HOSTS or host.endswith(".localhost") or host == (target.hostname or "").lower()
    if parts.scheme != "https" or not ours or not target.netloc:
        return url
    return urlunsplit((target.scheme or "http", target.netloc, parts.path, parts.query, parts.fragment))


def install_endpoint_rewrite() -> None:
    """Patch botocore if it has been imported (call after loading the handler and before each invocation)."""
    global _installed
    if _installed or "botocore.session" not in sys.modules:
        return
    local = os.environ.get("AWS_ENDPOINT_URL", "")
    if not local:
        return
    session_class: Any = sys.modules["botocore.session"].Session
    original = session_class.create_client

    @functools.wraps(original)
    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        url = kwargs.get("endpoint_url")
        if service_name == SERVICE and isinstance(url, str):
            kwargs["endpoint_url"] = rewrite_endpoint(url, local)
        return original(self, service_name, *args, **kwargs)

    session_class.create_client = create_client
    _installed = True
