"""Function logs: Lambda's START / END / REPORT lines, the worker's log formats, and the per-function log files.

An invocation's log is one block, written when it ends so concurrent invocations never interleave::

    START RequestId: <id> Version: $LATEST
    <stdout, stderr and logging output of the handler>
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t

``Init Duration: x ms\t`` follows on a worker's first invocation (a cold start); a timeout adds
``Status: timeout\t``, a dead runtime ``Status: error\tError Type: Runtime.ExitError\t``
([V] captured CloudWatch lines quoted in alexa-samples/skill-sample-nodejs-smarthome-switch#18 and
ManivannanMurugavel/selenium-python-aws-lambda#12; [P] LocalStack's init for the status fields).

Files live at ``<log_dir>/<function>.log``, rotated to ``.log.1`` past ``max_bytes`` (bounded: two files per
function), and are read by ``nubis logs FUNCTION [--follow]``.
"""

from __future__ import annotations

import base64
import math
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

TAIL_BYTES = 4096
"""``LogType=Tail`` returns the last 4 KB of the invocation's log [D Invoke API: LogResult]."""

DEFAULT_MAX_BYTES = 4 * 1024 * 1024

# The worker's ``logging`` format: awslambdaric's text format, with UTC timestamps [P awslambdaric bootstrap.py].
LOGGING_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LOGGING_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
ERROR_INDENT = "\u00a0"
"""awslambdaric replaces leading spaces of traceback lines with NO-BREAK SPACE so CloudWatch keeps them."""


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def billed_ms(duration_ms: float) -> int:
    """Lambda bills by the millisecond, rounded up, since December 2020 [D lambda pricing]."""
    return max(1, math.ceil(duration_ms))


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms(duration_ms)} ms"
        f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_memory_used_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if status is not None:
        line += f"Status: {status}\t"
    if error_type is not None:
        line += f"Error Type: {error_type}\t"
    return line + "\n"


def iso_now() -> str:
    """``2024-01-02T03:04:05.678Z``, the timestamp Lambda puts on platform lines."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def timeout_line(request_id: str, timeout: float) -> str:
    """The platform's log line for a timeout (the pre-2023 wording, which the log still uses) [V issue quotes]."""
    return f"{iso_now()} {request_id} Task timed out after {timeout:.2f} seconds\n"


def runtime_error_lines(error: dict[str, object]) -> str:
    """``RequestId: ... Error: Runtime exited with error: ...`` then the error type, as Lambda logs a dead runtime."""
    return f"{error['errorMessage']}\n{error['errorType']}\n"


def format_error_lines(error: dict[str, object]) -> str:
    """An unhandled exception as the Python runtime logs it: ``[ERROR] Type: message`` then the traceback."""
    description = "[ERROR]"
    error_type = error.get("errorType")
    message = error.get("errorMessage")
    if error_type:
        description += f" {error_type}"
    if message:
        description += f": {message}" if error_type else f" {message}"
    lines = [description]
    stack = error.get("stackTrace")
    if isinstance(stack, list):
        lines.append("Traceback (most recent call last):")
        for element in stack:
            for line in str(element).splitlines():
                stripped = line.lstrip(" ")
                lines.append(ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines) + "\n"


def tail(log_text: str, limit: int = TAIL_BYTES) -> str:
    """The base64 of the last ``limit`` bytes of an invocation's log (``X-Amz-Log-Result``)."""
    data = log_text.encode("utf-8", "replace")[-limit:]
    return base64.b64encode(data).decode("ascii")


def log_stream_name(version: str = "$LATEST") -> str:
    """``2024/01/02/[$LATEST]<32 hex>``: one stream per worker, as per execution environment in Lambda."""
    return f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{version}]{os.urandom(16).hex()}"


class FunctionLog:
    """The append-only log file of one function, bounded to two rotated files.

    Blocks are appended with one ``write`` each (O_APPEND), so server processes sharing a data directory never
    split each other's blocks.
    """

    def __init__(self, directory: Path, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = directory / f"{name}.log"
        self.max_bytes = max_bytes
        self._fd: int | None = None
        self._size = 0

    def append(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._size = os.fstat(self._fd).st_size
        if self._size + len(data) > self.max_bytes and self._size:
            os.close(self._fd)
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._size = 0
        os.write(self._fd, data)
        self._size += len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_log(directory: Path, name: str) -> str:
    """Everything kept for a function, oldest first."""
    text = ""
    for path in (directory / f"{name}.log.1", directory / f"{name}.log"):
        try:
            text += path.read_text("utf-8", "replace")
        except FileNotFoundError:
            continue
    return text


def follow(directory: Path, name: str, *, poll: float = 0.2, from_end: bool = False) -> Iterator[str]:
    """Yield new log text as it is written, across rotations, forever (``nubis logs --follow``)."""
    path = directory / f"{name}.log"
    position = path.stat().st_size if from_end and path.exists() else 0
    inode = path.stat().st_ino if path.exists() else None
    while True:
        try:
            stat = path.stat()
        except FileNotFoundError:
            time.sleep(poll)
            continue
        if stat.st_ino != inode or stat.st_size < position:
            inode, position = stat.st_ino, 0
        if stat.st_size > position:
            with open(path, "rb") as file:
                file.seek(position)
                data = file.read()
            position += len(data)
            yield data.decode("utf-8", "replace")
        else:
            time.sleep(poll)
