"""Inside a worker: send ``apigatewaymanagementapi`` clients built for AWS's ``https://{domain}/{stage}`` to Nubis.

Handlers build the ``@connections`` client from the event, the way every AWS sample does::

    boto3.client("apigatewaymanagementapi",
                 endpoint_url=f"https://{event['requestContext']['domainName']}/{event['requestContext']['stage']}")

An explicit ``endpoint_url`` wins over ``AWS_ENDPOINT_URL*`` [D AWS SDKs guide, "service-specific endpoints"], and
Nubis listens on plain HTTP, so the https URL would fail (serverless-offline's ``ECONNREFUSED 127.0.0.1:443``,
ISSUE dherault/serverless-offline#924). The reference's requirement [reference §4.4]: the worker rewrites such
clients, for hosts Nubis serves (a loopback name, ``*.localhost``, or the server's own host), to the local
listener named by ``AWS_ENDPOINT_URL``. The patch wraps ``botocore.session.Session.create_client``: at once when
the handler's module has imported botocore, else when ``botocore.session`` is first imported (a one-shot import
hook, for handlers that import boto3 inside the function); code that does not use boto3 pays nothing.
"""

from __future__ import annotations

import functools
import importlib.abc
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
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


def _patch(session_class: Any, local: str) -> None:
    original = session_class.create_client

    @functools.wraps(original)
    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        url = kwargs.get("endpoint_url")
        if service_name == SERVICE and isinstance(url, str):
            kwargs["endpoint_url"] = rewrite_endpoint(url, local)
        return original(self, service_name, *args, **kwargs)

    session_class.create_client = create_client


class _PatchingLoader(importlib.abc.Loader):
    """``botocore.session``'s own loader, then the patch: for a handler that imports boto3 during an invocation."""

    def __init__(self, loader: importlib.abc.Loader, local: str) -> None:
        self._loader = loader
        self._local = local

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module.Session, self._local)

    def __getattr__(self, name: str) -> Any:  # get_source, get_code... (tracebacks, linecache)
        return getattr(self._loader, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it hands ``botocore.session``'s spec back with a patching loader, once."""

    def __init__(self, local: str) -> None:
        self._local = local

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "botocore.session":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec: ModuleSpec | None = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _PatchingLoader(spec.loader, self._local)
                return spec
        return None


def install_endpoint_rewrite() -> None:
    """Patch botocore now if the handler has imported it, or as soon as it does (once, before the first
    invocation: a handler that imports boto3 inside the function is covered too)."""
    global _installed
    if _installed:
        return
    local = os.environ.get("AWS_ENDPOINT_URL", "")
    if not local:
        return
    _installed = True
    session = sys.modules.get("botocore.session")
    if session is not None:
        _patch(session.Session, local)
    else:
        sys.meta_path.insert(0, _PatchOnImport(local))
