"""A real Nubis server on a free loopback port, for users' tests and ours.

The server runs as a child process (``python -m nubis serve``), exactly as a user starts it, so tests exercise
the real HTTP stack, storage and shutdown path. ``kill()`` sends SIGKILL for crash tests; ``stop()`` SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NubisServer:
    """``with NubisServer(tmp_path) as server: boto3.client("dynamodb", endpoint_url=server.url, ...)``."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        port: int | None = None,
        extra_args: list[str] | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_args = extra_args or []
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NubisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nubis",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--log-level",
                "info",
                *self.extra_args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nubis serve exited early:\n{self.log_path.read_text()}")
            try:
                # The Lambda API's ListFunctions: always the server's own, whatever APIs the project serves at /.
                with urllib.request.urlopen(self.url + "/2015-03-31/functions/", timeout=1) as response:
                    if response.status == 200:
                        return self
            except urllib.error.HTTPError as exc:
                if exc.code == 403:  # serve --verify-signatures refuses the unsigned probe: it is up
                    return self
                time.sleep(0.05)
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"nubis serve did not answer within {self.startup_timeout}s:\n{self.log_path.read_text()}")

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> NubisServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
