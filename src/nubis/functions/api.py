"""The Lambda REST API (``2015-03-31``) as a raw ASGI app over a ``FunctionRuntime``: boto3's ``lambda`` client
and ``aws lambda`` work against it unchanged.

Routes (the server's dispatcher sends every path under ``/2015-03-31/functions`` here)::

    POST /2015-03-31/functions/{name}/invocations   Invoke (RequestResponse | Event | DryRun; LogType=Tail)
    GET  /2015-03-31/functions/{name}               GetFunction
    GET  /2015-03-31/functions/{name}/configuration GetFunctionConfiguration
    GET  /2015-03-31/functions/                     ListFunctions (MaxItems, Marker)

Errors are restJson: the status, ``x-amzn-ErrorType: <type>``, and a ``{"Type", "Message"}`` body, which botocore
turns into ``ClientError`` with AWS's code. Requests signed with any credentials are accepted, unless the server
passes an ``authenticate`` callable (``serve --verify-signatures``): then a request it refuses gets 403 with the
type and message it names. Raw ASGI rather than a framework, as for the table service: Invoke is a hot path and
needs nothing a framework adds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from nubis.functions import errors
from nubis.functions.invoker import LATEST, FunctionRuntime, new_request_id
from nubis.functions.reload import SKIP_DIRS
from nubis.functions.spec import FunctionSpec

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Authenticate = Callable[[Scope, bytes], "tuple[str, str] | None"]
"""Checks a request (scope and whole body): None to let it through, or the AWS error type and message."""

PREFIX = "/2015-03-31/functions"
MAX_BODY = 6 * 1024 * 1024 + 1
TOO_LARGE = f"Request must be smaller than {MAX_BODY - 1} bytes for the InvokeFunction operation"
INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")
_JSON = b"application/json"


def is_lambda_request(scope: Scope) -> bool:
    """Whether the shared endpoint should route this request here (the server's dispatcher asks)."""
    path: str = scope["path"]
    return path == PREFIX or path.startswith(PREFIX + "/")


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def _validation(value: str, member: str, allowed: tuple[str, ...]) -> errors.ValidationException:
    # AWS's constraint wording for enums ("1 validation error detected: ...") [D restJson validation errors].
    return errors.ValidationException(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


class LambdaApp:
    """ASGI app for the Lambda API (see the module docstring)."""

    def __init__(self, runtime: FunctionRuntime, *, authenticate: Authenticate | None = None) -> None:
        self.runtime = runtime
        self.authenticate = authenticate
        self._modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = new_request_id()
        try:
            if self.authenticate is not None:
                receive = await self._authenticated(scope, receive)
            await self._dispatch(scope, receive, send, request_id)
        except errors.LambdaServiceError as exc:
            await _send_error(send, exc, request_id)
        except Exception:
            logger.exception("Lambda API request %s failed", request_id)
            await _send_error(send, errors.ServiceException("An internal error occurred."), request_id)

    async def _authenticated(self, scope: Scope, receive: Receive) -> Receive:
        """Read the body (the signature covers it), check the request, and hand the body on to the route."""
        assert self.authenticate is not None
        body = await _read_body(receive)
        if body is None:
            raise errors.RequestTooLargeException(TOO_LARGE)
        refusal = self.authenticate(scope, body)
        if refusal is not None:
            raise errors.SignatureRefused(*refusal)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body}

        return replay

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        method: str = scope["method"]
        rest = scope["path"][len(PREFIX) :].strip("/")
        parts = [unquote(part) for part in rest.split("/")] if rest else []
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if method == "POST" and len(parts) == 2 and parts[1] == "invocations":
            await self._invoke(scope, receive, send, parts[0], query, request_id)
        elif method == "GET" and not parts:
            await _send_json(send, 200, self._list_functions(query), request_id)
        elif method == "GET" and len(parts) == 1:
            await _send_json(send, 200, self._get_function(parts[0], query), request_id)
        elif method == "GET" and len(parts) == 2 and parts[1] == "configuration":
            spec, _ = self.runtime.resolve(parts[0], query.get("Qualifier"))
            await _send_json(send, 200, self.configuration(spec), request_id)
        else:
            raise errors.ResourceNotFoundException(f"Nubis implements no Lambda API at {method} {scope['path']}")

    # ------------------------------------------------------------------ Invoke
    async def _invoke(
        self, scope: Scope, receive: Receive, send: Send, name: str, query: dict[str, str], request_id: str
    ) -> None:
        headers: dict[bytes, bytes] = dict(scope["headers"])
        invocation_type = headers.get(b"x-amz-invocation-type", b"RequestResponse").decode("latin-1")
        log_type = headers.get(b"x-amz-log-type", b"None").decode("latin-1")
        if invocation_type not in INVOCATION_TYPES:
            raise _validation(invocation_type, "invocationType", INVOCATION_TYPES)
        if log_type not in LOG_TYPES:
            raise _validation(log_type, "logType", LOG_TYPES)
        qualifier = query.get("Qualifier")
        body = await _read_body(receive)
        runtime = self.runtime
        runtime.resolve(name, qualifier)
        if body is None:
            raise errors.RequestTooLargeException(TOO_LARGE)
        if body:
            try:
                orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise errors.InvalidRequestContentException(
                    f"Could not parse request body into json: Could not parse payload into json: {exc}"
                ) from exc
        if invocation_type == "DryRun":
            await _send_raw(send, 204, b"", [(b"x-amzn-requestid", request_id.encode())])
            return
        if invocation_type == "Event":
            event_id = runtime.invoke_event(name, body, qualifier=qualifier)
            await _send_raw(send, 202, b"", [(b"x-amzn-requestid", event_id.encode())])
            return
        client_context = _client_context(headers.get(b"x-amz-client-context"))
        result = await runtime.invoke(name, body, qualifier=qualifier, client_context=client_context)
        extra = [
            (b"x-amzn-requestid", result.request_id.encode()),
            (b"x-amz-executed-version", result.executed_version.encode()),
            (b"content-type", _JSON),
        ]
        if result.function_error is not None:
            extra.append((b"x-amz-function-error", result.function_error.encode()))
        if log_type == "Tail":
            extra.append((b"x-amz-log-result", result.log_tail.encode()))
        await _send_raw(send, 200, result.payload, extra)

    # ------------------------------------------------------------------ reads
    def configuration(self, spec: FunctionSpec) -> dict[str, Any]:
        """``FunctionConfiguration``, the shape GetFunction and ListFunctions share [D Lambda API reference]."""
        runtime = self.runtime
        size, digest = _code_digest(spec.code_dir)
        config: dict[str, Any] = {
            "FunctionName": spec.name,
            "FunctionArn": runtime.arn(spec.name),
            "Runtime": spec.runtime,
            "Role": f"arn:aws:iam::{runtime.config.account}:role/nubis-function-role",
            "Handler": spec.handler,
            "CodeSize": size,
            "Description": spec.description,
            "Timeout": int(spec.timeout) if float(spec.timeout).is_integer() else spec.timeout,
            "MemorySize": spec.memory,
            "LastModified": self._modified,
            "CodeSha256": digest,
            "Version": LATEST,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": _revision(spec, digest),
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{spec.name}"},
        }
        if spec.environment:
            config["Environment"] = {"Variables": dict(spec.environment)}
        return config

    def _get_function(self, name: str, query: dict[str, str]) -> dict[str, Any]:
        spec, _ = self.runtime.resolve(name, query.get("Qualifier"))
        response: dict[str, Any] = {
            "Configuration": self.configuration(spec),
            "Code": {"RepositoryType": "S3", "Location": spec.code_dir.as_uri()},
        }
        if spec.reserved_concurrency is not None:
            response["Concurrency"] = {"ReservedConcurrentExecutions": spec.reserved_concurrency}
        return response

    def _list_functions(self, query: dict[str, str]) -> dict[str, Any]:
        names = sorted(self.runtime.specs)
        try:
            max_items = int(query.get("MaxItems", "50"))
            start = int(query.get("Marker", "0") or 0)
        except ValueError as exc:
            raise errors.InvalidParameterValueException("Invalid MaxItems or Marker") from exc
        if not 1 <= max_items <= 10000:
            raise errors.InvalidParameterValueException("MaxItems must be between 1 and 10000")
        page = names[start : start + max_items]
        response: dict[str, Any] = {"Functions": [self.configuration(self.runtime.specs[n]) for n in page]}
        if start + max_items < len(names):
            response["NextMarker"] = str(start + max_items)
        return response


def _client_context(raw: bytes | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = orjson.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, orjson.JSONDecodeError) as exc:
        raise errors.InvalidRequestContentException(
            "Client context must be a valid Base64-encoded JSON object."
        ) from exc
    if not isinstance(value, dict):
        raise errors.InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.")
    return value


def _code_digest(root: Path, limit: int = 10000) -> tuple[int, str]:
    """Size and base64 SHA-256 of the ``.py`` files under the code root (bounded), Lambda's CodeSize/CodeSha256."""
    digest = hashlib.sha256()
    size = 0
    count = 0
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = Path(current) / name
            try:
                data = path.read_bytes()
            except OSError:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0" + data)
            size += len(data)
            count += 1
            if count >= limit:
                return size, base64.b64encode(digest.digest()).decode()
    return size, base64.b64encode(digest.digest()).decode()


def _revision(spec: FunctionSpec, digest: str) -> str:
    raw = hashlib.sha256(repr(spec).encode() + digest.encode()).hexdigest()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"


async def _send_raw(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Send, status: int, document: dict[str, Any], request_id: str) -> None:
    await _send_raw(
        send, status, orjson.dumps(document), [(b"content-type", _JSON), (b"x-amzn-requestid", request_id.encode())]
    )


async def _send_error(send: Send, exc: errors.LambdaServiceError, request_id: str) -> None:
    await _send_raw(
        send,
        exc.status,
        orjson.dumps(exc.body()),
        [
            (b"content-type", _JSON),
            (b"x-amzn-requestid", request_id.encode()),
            (b"x-amzn-errortype", exc.type.encode()),
        ],
    )


__all__ = ["LambdaApp", "is_lambda_request"]
