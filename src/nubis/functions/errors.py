"""The Lambda error catalogue: service errors of the Invoke API, and the payloads of failed invocations.

Two families, because Lambda keeps them apart:

- **Service errors** (``LambdaServiceError`` and its subclasses) stop an invocation before or instead of running it
  (unknown function, throttling, a bad request). They travel as an HTTP error status with AWS's restJson error
  body and the ``x-amzn-ErrorType`` header; boto3 raises them as ``ClientError``.
- **Function errors** happened while running the handler (an exception, a timeout, a crashed runtime). The Invoke
  call itself *succeeds* (200) with the error document as payload and ``X-Amz-Function-Error: Unhandled``. The
  builders below produce those documents in Lambda's exact words.

Exception tree::

    LambdaServiceError
    ├── ResourceNotFoundException         404
    ├── TooManyRequestsException          429  (Reason: ReservedFunctionConcurrentInvocationLimitExceeded, ...)
    ├── InvalidRequestContentException    400
    ├── InvalidParameterValueException    400
    ├── RequestTooLargeException          413  (AWS __type RequestTooLargeException)
    ├── ValidationException               400
    ├── SignatureRefused                  403  (AWS's signature errors, under ``serve --verify-signatures``)
    └── ServiceException                  500  (anything unexpected)
"""

from __future__ import annotations

import signal
from typing import Any


class LambdaServiceError(Exception):
    """An error of the Lambda service API: a status, AWS's error type and a message."""

    type: str = "ServiceException"
    status: int = 500
    kind: str = "Service"
    """AWS's ``Type`` field: ``User`` for the caller's mistakes, ``Service`` for ours."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The restJson error document ([P] LocalStack snapshots: ``Type`` and ``Message``)."""
        return {"Type": self.kind, "Message": self.message}


class ResourceNotFoundException(LambdaServiceError):
    type = "ResourceNotFoundException"
    status = 404
    kind = "User"

    @classmethod
    def function(cls, arn: str) -> ResourceNotFoundException:
        # AWS: "Function not found: arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" [P LocalStack snapshot]
        return cls(f"Function not found: {arn}")


class TooManyRequestsException(LambdaServiceError):
    """Throttling. The body carries ``Reason`` and a lowercase ``message`` ([P] erlcloud's recorded 429)."""

    type = "TooManyRequestsException"
    status = 429
    kind = "User"

    def __init__(self, reason: str, message: str = "Rate Exceeded.") -> None:
        super().__init__(message)
        self.reason = reason

    def body(self) -> dict[str, Any]:
        return {"Reason": self.reason, "Type": self.kind, "message": self.message}


class InvalidRequestContentException(LambdaServiceError):
    type = "InvalidRequestContentException"
    status = 400
    kind = "User"


class InvalidParameterValueException(LambdaServiceError):
    type = "InvalidParameterValueException"
    status = 400
    kind = "User"


class RequestTooLargeException(LambdaServiceError):
    type = "RequestTooLargeException"
    status = 413
    kind = "User"


class ValidationException(LambdaServiceError):
    type = "ValidationException"
    status = 400
    kind = "User"


class SignatureRefused(LambdaServiceError):
    """The request's SigV4 signature was refused; ``type`` is the check's AWS error type
    (``InvalidSignatureException``, ``UnrecognizedClientException``, ``MissingAuthenticationTokenException``...).

    AWS's front end answers these for Lambda with 403 and a lowercase ``message`` (``x-amzn-ErrorType``
    ``UnrecognizedClientException``, 403 [V] iann0036/iamlive#58; the body's shape [?]).
    """

    status = 403
    kind = "User"

    def __init__(self, type: str, message: str) -> None:
        super().__init__(message)
        self.type = type

    def body(self) -> dict[str, Any]:
        return {"Type": self.kind, "message": self.message}


class ServiceException(LambdaServiceError):
    type = "ServiceException"
    status = 500
    kind = "Service"


# --------------------------------------------------------------------------------------------- function errors
RESERVED_CONCURRENCY_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
CONCURRENCY_EXCEEDED = "ConcurrentInvocationLimitExceeded"


def timeout_error(request_id: str, timeout: float) -> dict[str, Any]:
    """The payload of an invocation that ran past its timeout.

    Current Lambda answers ``Sandbox.Timedout`` with ``RequestId: ... Error: Task timed out after 3.00 seconds``
    ([V] seek-oss/aws-codedeploy-hooks changelog quotes a captured payload; [P] LocalStack's init sends the same).
    Before the 2023 sandbox change the payload was ``{"errorMessage": "<date> <id> Task timed out after N
    seconds"}``; that older line is still what the *log* shows (``logs.timeout_line``).
    """
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
    }


# Go's names for signals, because Lambda's init (written in Go) words the error with ``os.ProcessState.String()``:
# "signal: killed", "signal: segmentation fault" ([V] issue quotes: doug-macleod/Pipe-1Dev#18).
_GO_SIGNAL_NAMES = {
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGHUP: "hangup",
    signal.SIGILL: "illegal instruction",
    signal.SIGINT: "interrupt",
    signal.SIGKILL: "killed",
    signal.SIGPIPE: "broken pipe",
    signal.SIGQUIT: "quit",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGTERM: "terminated",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGUSR2: "user defined signal 2",
}


def exit_status_text(returncode: int | None) -> str:
    """``exit status 3`` or ``signal: segmentation fault``, as Go prints a process state."""
    if returncode is None:
        return "signal: killed"
    if returncode < 0:
        sig = -returncode
        try:
            name = _GO_SIGNAL_NAMES.get(signal.Signals(sig), f"signal {sig}")
        except ValueError:
            name = f"signal {sig}"
        return f"signal: {name}"
    return f"exit status {returncode}"


def runtime_exit_error(request_id: str, returncode: int | None, *, out_of_memory: bool = False) -> dict[str, Any]:
    """The payload when the runtime process died mid-invocation (``os._exit``, a segfault, the memory limit).

    ``Runtime.ExitError`` with ``RequestId: ... Error: Runtime exited with error: exit status 1`` [V issue quotes];
    a kill for exceeding the memory size is typed ``Runtime.OutOfMemory`` with the same ``signal: killed`` wording
    [P aws-lambda-runtime-interface-emulator error types; Datadog's REPORT parsing].
    """
    return {
        "errorType": "Runtime.OutOfMemory" if out_of_memory else "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {exit_status_text(returncode)}",
    }


def response_too_large_error() -> dict[str, Any]:
    """A handler result over the 6 MB synchronous limit [D lambda quotas: 6 MB request and response]."""
    return {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    }
