"""Warm worker pools: one per function, growing on demand to its concurrency limit and shrinking when idle.

A ``Worker`` is the parent's handle on one worker process (``worker.py``): a Unix socket pair for frames
(``protocol.py``), read by an asyncio protocol, and a non-blocking pipe carrying the process's stdout and stderr.
Nothing here blocks the event loop: frames are read by the loop, output by ``add_reader``, and ``Popen`` (a fork
and exec, a few milliseconds) runs on one spawner thread.

``WorkerPool.run`` is one invocation:

1. **Admit.** Take an idle worker (most recently used first: warmest caches), else start one if fewer than
   ``max_workers`` invocations are active, else wait in a bounded queue, or, for a function with reserved
   concurrency invoked synchronously, raise ``TooManyRequestsException`` at once, as Lambda throttles.
2. **Run.** Send INVOKE, arm a timer at the function's timeout, await RESULT or ERROR.
3. **Fail safe.** On the timer, the memory limit, or the process dying (``os._exit``, a segfault), the worker is
   killed and dropped; the outcome says why, and the next invocation starts a fresh worker. The pool itself never
   fails with the worker.
4. **Release.** Hand the worker to the next waiting invocation, or park it idle. Workers started before a code
   change (an older ``generation``) are retired instead.

Memory is enforced on resident memory, as Lambda's cgroup does: ``check_memory`` (called every 50 ms by the
runtime) reads each live worker's RSS from ``/proc`` and kills one past its memory size; a worker also reports its
peak RSS with every result, which catches spikes shorter than the sampling interval.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

from nubis.functions import protocol
from nubis.functions.errors import CONCURRENCY_EXCEEDED, RESERVED_CONCURRENCY_EXCEEDED, TooManyRequestsException
from nubis.functions.spec import FunctionSpec

logger = logging.getLogger(__name__)

WORKER_BOOT = "from nubis.functions.worker import main; main()"
INIT_TIMEOUT = 10.0
"""Lambda's init phase limit [D lambda runtime-environment: "The Init phase is limited to 10 seconds"]."""
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

OutcomeKind = Literal["ok", "error", "init_error", "timeout", "died", "oom"]


class WorkerDied(Exception):
    """The worker process ended (or was killed) before answering."""


@dataclass(slots=True)
class Outcome:
    """What happened to one invocation inside the pool, before it is worded as Lambda's result."""

    kind: OutcomeKind
    body: bytes = b""
    duration_ms: float = 0.0
    max_rss_kb: int = 0
    init_duration_ms: float | None = None
    returncode: int | None = None
    output: str = ""
    """stdout, stderr and logging of this invocation."""
    init_output: str = ""
    """Output of the worker's init (module import), logged before START on a cold start."""


class _ControlProtocol(asyncio.Protocol):
    __slots__ = ("decoder", "worker")

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.decoder = protocol.FrameDecoder()

    def data_received(self, data: bytes) -> None:
        for frame in self.decoder.feed(data):
            self.worker.on_frame(frame)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.on_lost()


class Worker:
    """The parent's handle on one worker process."""

    def __init__(self, popen: subprocess.Popen[bytes], log_fd: int, generation: int, started: float) -> None:
        self.popen = popen
        self.pid = popen.pid
        self.log_fd = log_fd
        self.generation = generation
        self.started = started
        self.transport: asyncio.Transport | None = None
        self.alive = True
        self.cold = True
        self.init_duration_ms: float | None = None
        self.killed_for: OutcomeKind | None = None
        self.last_used = time.monotonic()
        self.busy = False
        self.peak_rss_kb = 0
        self._waiter: asyncio.Future[protocol.Frame] | None = None
        self._output: list[bytes] = []
        self._loop = asyncio.get_running_loop()
        self._reading = True
        self._loop.add_reader(log_fd, self._read_output)

    # ------------------------------------------------------------------ events from the loop
    def on_frame(self, frame: protocol.Frame) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)

    def on_lost(self) -> None:
        self.alive = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(WorkerDied())

    def _read_output(self) -> None:
        while True:
            try:
                data = os.read(self.log_fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._stop_reading()
                return
            self._output.append(data)

    def _stop_reading(self) -> None:
        if self._reading:
            self._reading = False
            self._loop.remove_reader(self.log_fd)
            os.close(self.log_fd)

    def take_output(self) -> str:
        """Everything the worker has written so far (reading the pipe dry first: see worker.py on ordering)."""
        if self._reading:
            self._read_output()
        if not self._output:
            return ""
        data = b"".join(self._output)
        self._output.clear()
        return data.decode("utf-8", "replace")

    # ------------------------------------------------------------------ calls
    def next_frame(self) -> asyncio.Future[protocol.Frame]:
        waiter: asyncio.Future[protocol.Frame] = self._loop.create_future()
        if not self.alive:
            waiter.set_exception(WorkerDied())
        else:
            self._waiter = waiter
        return waiter

    def call(self, frame: bytes) -> asyncio.Future[protocol.Frame]:
        waiter = self.next_frame()
        if self.alive and self.transport is not None:
            self.transport.write(frame)
        return waiter

    def kill(self, reason: OutcomeKind | None = None) -> None:
        """SIGKILL, and fail the pending call at once (its outcome says ``reason``)."""
        if reason is not None and self.killed_for is None:
            self.killed_for = reason
        if self.popen.returncode is None:
            # The worker leads its own process group (start_new_session): processes the handler started die with
            # it, as a Lambda sandbox's do.
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.on_lost()
        if self.transport is not None:
            self.transport.close()

    async def wait_exit(self, timeout: float = 2.0) -> int | None:
        """The exit status once the process is gone (polled: it is normally already dead or dying)."""
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while self.popen.poll() is None:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
        self._stop_reading_later()
        return self.popen.returncode

    def _stop_reading_later(self) -> None:
        # A grandchild may still hold the log pipe open; output after exit is not this invocation's.
        if self._reading:
            self._read_output()
            self._stop_reading()

    def rss_kb(self) -> int | None:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE // 1024
        except (OSError, ValueError, IndexError):
            return None


@dataclass(slots=True)
class PoolSettings:
    python: str
    max_workers: int
    """Simultaneous invocations (and so worker processes) when the function has no reserved concurrency."""
    max_queue: int = 1000
    """Invocations waiting for a worker; past it, ``TooManyRequestsException`` (bounded, like everything)."""
    idle_timeout: float = 300.0
    """Seconds an idle worker is kept warm before it is stopped (the pool shrinks)."""
    bytecode: bool = True
    """Whether workers may write ``.pyc`` files (off with reload: a same-second edit could hit a stale cache)."""


@dataclass(slots=True)
class _Stats:
    started: int = 0
    invocations: int = 0


class WorkerPool:
    """The warm workers of one function (see the module docstring for an invocation's steps)."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: Callable[[], dict[str, str]],
        settings: PoolSettings,
        spawner: Executor,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self._environment = environment
        self._spawner = spawner
        reserved = spec.reserved_concurrency
        self.max_workers = reserved if reserved is not None else settings.max_workers
        self.throttles = reserved is not None
        self.idle: list[Worker] = []
        self.workers: set[Worker] = set()
        self.active = 0
        self.generation = 0
        self.code_version = 0
        self.closed = False
        self.stats = _Stats()
        self._waiters: collections.deque[asyncio.Future[Worker | None]] = collections.deque()
        self._reaping: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------------ admission
    async def _acquire(self, wait: bool) -> Worker:
        idle = self.idle
        while idle:
            worker = idle.pop()
            if worker.alive and worker.generation == self.generation:
                self.active += 1
                return worker
            self._discard(worker)
        if self.active < self.max_workers:
            self.active += 1
            return await self._start_or_release_slot()
        if not wait or self.closed or self.max_workers == 0:
            raise TooManyRequestsException(RESERVED_CONCURRENCY_EXCEEDED)
        if len(self._waiters) >= self.settings.max_queue:
            raise TooManyRequestsException(CONCURRENCY_EXCEEDED)
        waiter: asyncio.Future[Worker | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            handed = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            else:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass
            raise
        if handed is not None:
            return handed
        return await self._start_or_release_slot()

    async def _start_or_release_slot(self) -> Worker:
        try:
            return await self._start()
        except BaseException:
            self.active -= 1
            self._wake()
            raise

    def _wake(self) -> None:
        """Give free slots to waiting invocations (each then starts its own worker)."""
        while self._waiters and self.active < self.max_workers:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.active += 1
                waiter.set_result(None)

    def _release(self, worker: Worker | None) -> None:
        if worker is not None:
            worker.busy = False
            worker.last_used = time.monotonic()
        if worker is not None and worker.alive and worker.generation == self.generation and not self.closed:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    worker.busy = True
                    waiter.set_result(worker)
                    return
            self.idle.append(worker)
            self.active -= 1
            return
        if worker is not None:
            self._discard(worker)
        self.active -= 1
        self._wake()

    # ------------------------------------------------------------------ workers
    def _popen(self) -> tuple[subprocess.Popen[bytes], socket.socket, int]:
        parent, child = socket.socketpair()
        log_read, log_write = os.pipe()
        try:
            env = self._environment()
            env["_NUBIS_CONTROL_FD"] = str(child.fileno())
            if not self.settings.bytecode:
                env["PYTHONDONTWRITEBYTECODE"] = "1"
            popen = subprocess.Popen(
                [self.settings.python, "-c", WORKER_BOOT],
                cwd=self.spec.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_write,
                stderr=log_write,
                pass_fds=(child.fileno(),),
                start_new_session=True,
            )
        except BaseException:
            parent.close()
            os.close(log_read)
            raise
        finally:
            child.close()
            os.close(log_write)
        os.set_blocking(log_read, False)
        parent.setblocking(False)
        return popen, parent, log_read

    async def _start(self) -> Worker:
        """Start a worker and wait for its READY (a cold start). Raises ``InitFailed`` on an init error."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        popen, sock, log_fd = await loop.run_in_executor(self._spawner, self._popen)
        worker = Worker(popen, log_fd, self.generation, started)
        self.workers.add(worker)
        self.stats.started += 1
        try:
            transport, _ = await loop.create_unix_connection(lambda: _ControlProtocol(worker), sock=sock)
        except BaseException:
            sock.close()
            self._discard(worker)
            raise
        worker.transport = transport
        timer = loop.call_later(max(INIT_TIMEOUT, self.spec.timeout), worker.kill, "timeout")
        try:
            kind, _meta, body = await worker.next_frame()
        except WorkerDied:
            returncode = await worker.wait_exit()
            init_ms = (time.perf_counter() - started) * 1000.0
            reason = worker.killed_for
            self._discard(worker)
            raise InitFailed(
                Outcome(
                    kind="timeout" if reason == "timeout" else ("oom" if reason == "oom" else "died"),
                    duration_ms=init_ms,
                    returncode=returncode,
                    init_duration_ms=init_ms,
                    init_output=worker.take_output(),
                )
            ) from None
        finally:
            timer.cancel()
        worker.init_duration_ms = (time.perf_counter() - started) * 1000.0
        if kind == protocol.INIT_ERROR:
            output = worker.take_output()
            self._discard(worker)
            raise InitFailed(
                Outcome(
                    kind="init_error",
                    body=body,
                    duration_ms=worker.init_duration_ms,
                    init_duration_ms=worker.init_duration_ms,
                    init_output=output,
                )
            )
        worker.busy = True
        return worker

    def _discard(self, worker: Worker) -> None:
        self.workers.discard(worker)
        if worker.alive or worker.popen.returncode is None:
            worker.kill()
        task = asyncio.ensure_future(worker.wait_exit(timeout=10.0))
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)

    # ------------------------------------------------------------------ one invocation
    async def run(self, meta: dict[str, Any], body: bytes, *, wait: bool) -> Outcome:
        """Run one invocation (see the module docstring). Raises ``TooManyRequestsException`` when throttled."""
        try:
            worker = await self._acquire(wait)
        except InitFailed as failed:
            return failed.outcome
        worker.busy = True
        self.stats.invocations += 1
        init_output = worker.take_output() if worker.cold else ""
        init_ms = worker.init_duration_ms if worker.cold else None
        worker.cold = False
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        timer = loop.call_later(self.spec.timeout, worker.kill, "timeout")
        try:
            kind, result_meta, result = await worker.call(protocol.encode_frame(protocol.INVOKE, meta, body))
        except WorkerDied:
            timer.cancel()
            elapsed = (time.perf_counter() - started) * 1000.0
            returncode = await worker.wait_exit()
            reason = worker.killed_for
            output = worker.take_output()
            self._release(worker)
            return Outcome(
                kind=reason if reason in ("timeout", "oom") else "died",
                duration_ms=elapsed,
                max_rss_kb=worker.peak_rss_kb,
                init_duration_ms=init_ms,
                returncode=returncode,
                output=output,
                init_output=init_output,
            )
        except BaseException:
            timer.cancel()
            worker.kill()
            self._release(worker)
            raise
        timer.cancel()
        output = worker.take_output()
        max_rss_kb = int(result_meta.get("m", 0))
        if max_rss_kb > self.spec.memory * 1024:
            # The peak passed the memory size between two samples: Lambda's cgroup would have killed it.
            worker.kill("oom")
            returncode = await worker.wait_exit()
            self._release(worker)
            return Outcome(
                kind="oom",
                duration_ms=float(result_meta.get("d", 0.0)),
                max_rss_kb=max_rss_kb,
                init_duration_ms=init_ms,
                returncode=returncode,
                output=output,
                init_output=init_output,
            )
        self._release(worker)
        return Outcome(
            kind="ok" if kind == protocol.RESULT else "error",
            body=result,
            duration_ms=float(result_meta.get("d", 0.0)),
            max_rss_kb=max_rss_kb,
            init_duration_ms=init_ms,
            output=output,
            init_output=init_output,
        )

    # ------------------------------------------------------------------ housekeeping
    def check_memory(self) -> None:
        """Kill any live worker whose resident memory passed the function's memory size."""
        limit_kb = self.spec.memory * 1024
        for worker in list(self.workers):
            if not worker.alive:
                continue
            rss = worker.rss_kb()
            if rss is None:
                continue
            if rss > worker.peak_rss_kb:
                worker.peak_rss_kb = rss
            if rss > limit_kb:
                logger.info("function %s: worker %d passed %d MB; killed", self.spec.name, worker.pid, self.spec.memory)
                worker.kill("oom")

    def reap_idle(self) -> None:
        """Stop workers idle for longer than ``idle_timeout`` (the pool shrinks)."""
        cutoff = time.monotonic() - self.settings.idle_timeout
        keep = []
        for worker in self.idle:
            if worker.last_used < cutoff or not worker.alive:
                self._discard(worker)
            else:
                keep.append(worker)
        self.idle = keep

    def recycle(self, code_version: int) -> None:
        """New code: idle workers stop now, busy ones when their invocation ends."""
        self.code_version = code_version
        self.generation += 1
        for worker in self.idle:
            self._discard(worker)
        self.idle = []

    @property
    def busy(self) -> bool:
        return self.active > 0

    async def aclose(self) -> None:
        self.closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()
        for worker in list(self.workers):
            self._discard(worker)
        self.idle = []
        if self._reaping:
            await asyncio.gather(*self._reaping, return_exceptions=True)


class InitFailed(Exception):
    """A worker could not start (init error, init timeout, death during init); carries the outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.kind)
        self.outcome = outcome
