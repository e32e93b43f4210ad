"""The Lambda ``context`` object handed to ``handler(event, context)``, attribute for attribute.

Shapes follow Lambda's Python runtime interface client (awslambdaric ``lambda_context.py``) [P], so code that
reads ``context.identity.cognito_identity_id`` or ``context.client_context.custom`` behaves the same. Note that
``memory_limit_in_mb`` is a *string* there (it is read from the environment); it is kept a string here too.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity: dict[str, Any] | None = None) -> None:
        identity = identity or {}
        self.cognito_identity_id: str | None = identity.get("cognitoIdentityId")
        self.cognito_identity_pool_id: str | None = identity.get("cognitoIdentityPoolId")

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = ("app_package_name", "app_title", "app_version_code", "app_version_name", "installation_id")

    def __init__(self, client: dict[str, Any]) -> None:
        self.installation_id: Any = client.get("installation_id")
        self.app_title: Any = client.get("app_title")
        self.app_version_name: Any = client.get("app_version_name")
        self.app_version_code: Any = client.get("app_version_code")
        self.app_package_name: Any = client.get("app_package_name")


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, context: dict[str, Any]) -> None:
        client = context.get("client")
        self.client: Client | None = Client(client) if isinstance(client, dict) else None
        self.custom: Any = context.get("custom")
        self.env: Any = context.get("env")


@functools.cache
def _runtime_names() -> tuple[str | None, ...]:
    """The names Lambda's runtime sets in the environment, read once per worker: five ``os.environ`` lookups per
    invocation cost about 10 µs, and the runtime never changes them while the worker lives."""
    env = os.environ
    return tuple(
        env.get(name)
        for name in (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION",
        )
    )


class LambdaContext:
    """What a handler may ask about its invocation: ids, names, limits and the time left."""

    __slots__ = (
        "_deadline_ms",
        "aws_request_id",
        "client_context",
        "function_name",
        "function_version",
        "identity",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
        "tenant_id",
    )

    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: dict[str, Any] | None = None,
        identity: dict[str, Any] | None = None,
    ) -> None:
        self.aws_request_id = request_id
        (
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
        ) = _runtime_names()
        self.invoked_function_arn = invoked_function_arn
        self.client_context = ClientContext(client_context) if client_context is not None else None
        self.identity = CognitoIdentity(identity)
        self.tenant_id: str | None = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the timeout kills this invocation (never negative)."""
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg: Any) -> None:
        """Write to the function's log, as ``context.log`` does in Lambda (no newline added)."""
        import sys

        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )
