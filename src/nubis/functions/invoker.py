"""The ``Invoker`` seam and ``FunctionRuntime``, the facade that runs functions by name.

``FunctionRuntime`` is all a caller needs, whether the Lambda API (``api.py``), the gateway, or a library user::

    async with FunctionRuntime([FunctionSpec("hello", "app.handler", code_dir="src")]) as runtime:
        result = await runtime.invoke("hello", b'{"name": "world"}')
        result.payload, result.function_error, result.log

It owns one ``WorkerPool`` per function (created on first use), the environment each worker gets (Lambda's
reserved variables, the function's own, and ``AWS_ENDPOINT_URL`` plus fake credentials so boto3 in a handler
reaches this Nubis), reload checks, the memory watchdog and idle reaping (one 50 ms timer), the per-function log
files, and asynchronous (``Event``) invocations with Lambda's retries.

Everything runs on the caller's event loop; nothing blocks it (see ``pool.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import orjson

from nubis.functions import errors, logs
from nubis.functions.pool import Outcome, PoolSettings, WorkerPool
from nubis.functions.reload import CodeWatcher
from nubis.functions.spec import FunctionSpec

logger = logging.getLogger(__name__)

LATEST = "$LATEST"
MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
"""6 MB request and response for synchronous invocations [D lambda quotas]."""
MAX_ASYNC_PAYLOAD = 256 * 1024
"""256 KB for asynchronous invocations [D lambda quotas]."""
ASYNC_RETRY_DELAYS = (60.0, 120.0)
"""Lambda retries a failed asynchronous invocation twice, one minute then two minutes later [D
invocation-async-error-handling]."""
TICK = 0.05

# Variables worth keeping from the server's environment; everything AWS_* is dropped so that a developer's
# AWS_PROFILE or real keys never reach a handler (botocore ignores env keys once a profile is named).
PASSTHROUGH = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "SYSTEMROOT",
)


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    """How the runtime runs every function (per-function settings are in ``FunctionSpec``)."""

    region: str = "us-east-1"
    account: str = "000000000000"
    endpoint_url: str | None = None
    """Where boto3 inside handlers sends AWS calls (``AWS_ENDPOINT_URL``): this Nubis server."""
    log_dir: Path | None = None
    """Where function logs are kept (``<log_dir>/<name>.log``); None keeps them only in results."""
    reload: bool = False
    """Watch the code directories and recycle workers when a ``.py`` file changes."""
    async_retry_delays: tuple[float, ...] = ASYNC_RETRY_DELAYS
    max_workers: int = field(default_factory=lambda: max(4, 2 * (os.cpu_count() or 1)))
    """Worker processes per function without reserved concurrency; more invocations queue."""
    max_queue: int = 1000
    idle_timeout: float = 300.0
    python: str = sys.executable
    access_key_id: str = "ASIANUBISLOCALKEY000"
    # Fake credentials, by design: boto3 in a handler needs some, and Nubis accepts any.
    secret_access_key: str = "nubis-local-secret"
    session_token: str = "nubis-local-session"


@dataclass(slots=True)
class InvocationResult:
    """One invocation as the Invoke API reports it."""

    request_id: str
    payload: bytes
    """The handler's result (JSON), or the error document."""
    function_error: str | None = None
    """``Unhandled`` when the payload is an error document (``X-Amz-Function-Error``)."""
    log: str = ""
    """The invocation's log block (``START`` ... ``REPORT``)."""
    duration_ms: float = 0.0
    max_memory_used_mb: int = 0
    init_duration_ms: float | None = None
    executed_version: str = LATEST

    @property
    def log_tail(self) -> str:
        """Base64 of the log's last 4 KB (``X-Amz-Log-Result`` for ``LogType=Tail``)."""
        return logs.tail(self.log)


class Invoker(Protocol):
    """The seam between callers (API, gateway) and whatever runs functions."""

    async def invoke(
        self,
        name: str,
        payload: bytes = b"",
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> InvocationResult: ...


_ids = random.Random(os.urandom(16))


def new_request_id() -> str:
    """A UUID4, Lambda's request id form; a seeded PRNG because ids need uniqueness, not secrecy."""
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


class FunctionRuntime:
    """Runs functions by name (see the module docstring)."""

    def __init__(self, specs: Iterable[FunctionSpec] = (), config: RuntimeConfig | None = None) -> None:
        self.config = config or RuntimeConfig()
        self.specs: dict[str, FunctionSpec] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"function {spec.name!r} is declared twice")
            self.specs[spec.name] = spec
        self._pools: dict[str, WorkerPool] = {}
        self._logs: dict[str, logs.FunctionLog] = {}
        self._watchers: dict[Path, CodeWatcher] = {}
        self._spawner: ThreadPoolExecutor | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_reap = 0.0
        self.closed = False

    # ------------------------------------------------------------------ names
    def arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.config.region}:{self.config.account}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def resolve(self, function_name: str, qualifier: str | None = None) -> tuple[FunctionSpec, str | None]:
        """A function by name, partial ARN (``ACCOUNT:function:NAME``) or ARN, with an optional qualifier.

        Raises:
            ResourceNotFoundException: no such function, or a qualifier other than ``$LATEST`` (Nubis keeps no
                published versions or aliases).
        """
        name = function_name
        arn_qualifier: str | None = None
        if ":" in function_name:
            parts = function_name.split(":")
            if parts[0] == "arn" and len(parts) >= 7:
                name = parts[6]
                arn_qualifier = parts[7] if len(parts) > 7 else None
            elif len(parts) >= 3 and parts[1] == "function":
                name = parts[2]
                arn_qualifier = parts[3] if len(parts) > 3 else None
            else:
                name, arn_qualifier = parts[0], parts[1] or None
        qualifier = qualifier or arn_qualifier
        spec = self.specs.get(name)
        if spec is None or (qualifier is not None and qualifier != LATEST):
            raise errors.ResourceNotFoundException.function(self.arn(name, qualifier))
        return spec, qualifier

    # ------------------------------------------------------------------ environment
    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """A worker's environment: passthrough, the endpoint, the function's variables, then Lambda's reserved."""
        env = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
        if env.get("PYTHONPATH"):
            # Workers run in the function's code folder: a relative entry meant the server's folder (otherwise a
            # source checkout run with PYTHONPATH=src would give workers another copy of nubis, or none).
            env["PYTHONPATH"] = os.pathsep.join(
                os.path.abspath(entry) if entry else entry for entry in env["PYTHONPATH"].split(os.pathsep)
            )
        if self.config.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.config.endpoint_url
        env.update(spec.environment)
        config = self.config
        env.update(
            {
                "_HANDLER": spec.handler,
                "AWS_REGION": config.region,
                "AWS_DEFAULT_REGION": config.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
                "AWS_LAMBDA_FUNCTION_VERSION": LATEST,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": logs.log_stream_name(),
                "AWS_ACCESS_KEY_ID": config.access_key_id,
                "AWS_SECRET_ACCESS_KEY": config.secret_access_key,
                "AWS_SESSION_TOKEN": config.session_token,
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                "LAMBDA_TASK_ROOT": str(spec.code_dir),
                "LAMBDA_RUNTIME_DIR": str(Path(__file__).parent),
                "LANG": "en_US.UTF-8",
                "TZ": ":UTC",
                "PYTHONIOENCODING": "utf-8",
            }
        )
        return env

    # ------------------------------------------------------------------ pools
    def _pool(self, spec: FunctionSpec) -> WorkerPool:
        pool = self._pools.get(spec.name)
        if pool is None:
            if self.closed:
                raise errors.ServiceException("The function runtime is shutting down.")
            if self._spawner is None:
                self._spawner = ThreadPoolExecutor(1, thread_name_prefix="nubis-spawn")
            settings = PoolSettings(
                python=self.config.python,
                max_workers=self.config.max_workers,
                max_queue=self.config.max_queue,
                idle_timeout=self.config.idle_timeout,
                bytecode=not self.config.reload,
            )
            pool = WorkerPool(spec, lambda: self.environment(spec), settings, self._spawner)
            if self.config.reload:
                watcher = self._watchers.get(spec.code_dir)
                if watcher is None:
                    watcher = self._watchers[spec.code_dir] = CodeWatcher(spec.code_dir)
                pool.code_version = watcher.check()
            self._pools[spec.name] = pool
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(TICK, self._tick)
        elif self.config.reload:
            version = self._watchers[spec.code_dir].check()
            if version != pool.code_version:
                logger.info("function %s: code changed; recycling its workers", spec.name)
                pool.recycle(version)
        return pool

    def _tick(self) -> None:
        """Every 50 ms: enforce memory sizes; every second, stop workers idle too long."""
        now = time.monotonic()
        reap = now - self._last_reap >= 1.0
        for pool in self._pools.values():
            if pool.workers:
                pool.check_memory()
            if reap:
                pool.reap_idle()
        if reap:
            self._last_reap = now
        if not self.closed:
            self._timer = asyncio.get_running_loop().call_later(TICK, self._tick)

    # ------------------------------------------------------------------ invoke
    async def invoke(
        self,
        name: str,
        payload: bytes = b"",
        *,
        qualifier: str | None = None,
        client_context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> InvocationResult:
        """Invoke synchronously (``RequestResponse``) and wait for the result.

        Raises:
            ResourceNotFoundException: unknown function or qualifier.
            TooManyRequestsException: the function's reserved concurrency is in use (or the queue is full).
            RequestTooLargeException: a payload over 6 MB.
        """
        spec, _ = self.resolve(name, qualifier)
        if len(payload) > MAX_SYNC_PAYLOAD:
            raise errors.RequestTooLargeException(
                f"Request must be smaller than {MAX_SYNC_PAYLOAD} bytes for the InvokeFunction operation"
            )
        return await self._invoke(spec, payload, request_id or new_request_id(), client_context, wait=False)

    def invoke_event(self, name: str, payload: bytes = b"", *, qualifier: str | None = None) -> str:
        """Queue an asynchronous (``Event``) invocation; returns its request id at once.

        A function error (exception, timeout, crash) is retried after each of ``async_retry_delays`` with the
        same request id, as Lambda retries twice. Events wait for a free worker instead of being throttled.
        """
        spec, _ = self.resolve(name, qualifier)
        if len(payload) > MAX_ASYNC_PAYLOAD:
            raise errors.RequestTooLargeException(
                f"Request must be smaller than {MAX_ASYNC_PAYLOAD} bytes for the InvokeFunction operation"
            )
        request_id = new_request_id()
        task = asyncio.get_running_loop().create_task(self._run_event(spec, payload, request_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return request_id

    async def _run_event(self, spec: FunctionSpec, payload: bytes, request_id: str) -> None:
        delays = self.config.async_retry_delays
        for attempt in range(len(delays) + 1):
            try:
                result = await self._invoke(spec, payload, request_id, None, wait=True)
            except errors.LambdaServiceError as exc:
                logger.warning("function %s: event %s dropped: %s", spec.name, request_id, exc.message)
                return
            if result.function_error is None:
                return
            if attempt < len(delays):
                await asyncio.sleep(delays[attempt])
        logger.info("function %s: event %s failed %d times; dropped", spec.name, request_id, len(delays) + 1)

    async def _invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str,
        client_context: dict[str, Any] | None,
        *,
        wait: bool,
    ) -> InvocationResult:
        pool = self._pool(spec)
        meta: dict[str, Any] = {
            "id": request_id,
            "deadline": int(time.time() * 1000 + spec.timeout * 1000),
            "arn": self.arn(spec.name),
            "trace": f"Root=1-{int(time.time()):08x}-{request_id.replace('-', '')[:24]};"
            f"Parent={request_id[-16:]};Sampled=0",
        }
        if client_context is not None:
            meta["client"] = client_context
        outcome = await pool.run(meta, payload, wait=wait or not pool.throttles)
        result = self._result(spec, request_id, outcome)
        log = self._logs.get(spec.name)
        if log is None and self.config.log_dir is not None:
            log = self._logs[spec.name] = logs.FunctionLog(self.config.log_dir, spec.name)
        if log is not None:
            try:
                log.append(result.log)
            except OSError as exc:  # a full disk must not fail the invocation
                logger.warning("function %s: cannot write its log: %s", spec.name, exc)
        return result

    def _result(self, spec: FunctionSpec, request_id: str, outcome: Outcome) -> InvocationResult:
        """Word an outcome as Lambda does: payload, function error and the START ... REPORT log block."""
        status: str | None = None
        error_type: str | None = None
        function_error: str | None = "Unhandled"
        body = outcome.body
        platform = ""
        if outcome.kind == "ok":
            function_error = None
            if len(body) > MAX_SYNC_PAYLOAD:
                error = errors.response_too_large_error()
                body = orjson.dumps(error)
                status, error_type = "error", error["errorType"]
        elif outcome.kind == "error":
            pass
        elif outcome.kind == "init_error":
            status = "error"
            try:
                error_type = str(orjson.loads(body).get("errorType")) or None
            except (orjson.JSONDecodeError, AttributeError):
                error_type = None
        elif outcome.kind == "timeout":
            body = orjson.dumps(errors.timeout_error(request_id, spec.timeout))
            status = "timeout"
            platform = logs.timeout_line(request_id, spec.timeout)
        else:
            error = errors.runtime_exit_error(request_id, outcome.returncode, out_of_memory=outcome.kind == "oom")
            body = orjson.dumps(error)
            status, error_type = "error", error["errorType"]
            platform = logs.runtime_error_lines(error)
        max_used = outcome.max_rss_kb // 1024 if outcome.max_rss_kb else 0
        if outcome.kind == "oom":
            max_used = max(max_used, spec.memory)
        text = (
            outcome.init_output
            + logs.start_line(request_id)
            + outcome.output
            + platform
            + logs.end_line(request_id)
            + logs.report_line(
                request_id,
                duration_ms=outcome.duration_ms,
                memory_mb=spec.memory,
                max_memory_used_mb=max_used,
                init_duration_ms=outcome.init_duration_ms,
                status=status,
                error_type=error_type,
            )
        )
        return InvocationResult(
            request_id=request_id,
            payload=body,
            function_error=function_error,
            log=text,
            duration_ms=outcome.duration_ms,
            max_memory_used_mb=max_used,
            init_duration_ms=outcome.init_duration_ms,
        )

    # ------------------------------------------------------------------ introspection and lifecycle
    def pool_stats(self, name: str) -> dict[str, int]:
        """Live and idle workers of a function (tests and the console read it)."""
        pool = self._pools.get(name)
        if pool is None:
            return {"workers": 0, "idle": 0, "active": 0, "started": 0}
        return {
            "workers": len(pool.workers),
            "idle": len(pool.idle),
            "active": pool.active,
            "started": pool.stats.started,
        }

    async def aclose(self) -> None:
        """Stop every worker and pending event; the runtime cannot be used afterwards."""
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(pool.aclose() for pool in self._pools.values()), return_exceptions=True)
        for log in self._logs.values():
            log.close()
        for watcher in self._watchers.values():
            watcher.close()
        if self._spawner is not None:
            self._spawner.shutdown(wait=False)
            self._spawner = None

    async def __aenter__(self) -> FunctionRuntime:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
