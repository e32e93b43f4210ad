"""Typed settings from the command line and the environment (``NUBIS_*``), shared by every server process.

Worker processes are started by uvicorn from an import string, so the parent hands settings to them through the
environment: ``to_env`` and ``from_env`` are exact inverses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

Durability = Literal["full", "pipelined", "relaxed"]


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4566
    data_dir: str = ".nubis"
    storage: str = ""
    """Storage URL (``sqlite:PATH`` or ``memory:``); empty means ``sqlite:<data_dir>/tables.db``."""
    durability: Durability = "full"
    region: str = "us-east-1"
    account: str = "000000000000"
    workers: int = 1
    log_level: str = "info"
    ttl_interval: float = 30.0
    """Seconds between Time to Live sweeps (0: never delete expired items)."""
    project_dir: str = "."
    """The project folder: function code paths are relative to it."""
    stage: str = ""
    """``--stage``: serverless.yml's ``${opt:stage}`` (and ``${sls:stage}``); empty leaves the file's own."""
    project_region: str = ""
    """``--region`` when given: serverless.yml's ``${opt:region}``; empty leaves the file's ``provider.region``."""
    functions: str = ""
    """Function declarations, one ``NAME=module.handler[:key=value,...]`` a line (``serve --function``)."""
    reload: str = "auto"
    """``on``, ``off`` or ``auto`` (on when functions are declared): recycle workers when code changes."""
    async_retry_delays: str = "60,120"
    """Seconds before each retry of a failed ``Event`` invocation (Lambda: twice, 1 then 2 minutes)."""
    websocket_idle_timeout: float = 600.0
    """Seconds a WebSocket connection may stay silent before the gateway closes it (AWS: 10 minutes; 0: never)."""
    websocket_max_duration: float = 7200.0
    """Seconds a WebSocket connection may last (AWS: 2 hours; 0: no limit)."""
    websocket_binary_frames: str = "close"
    """``close`` (AWS: binary frames end the connection with 1003) or ``base64`` (delivered to ``$default``)."""
    verify_signatures: bool = False
    """Refuse AWS-protocol requests (tables, the Lambda API, ``@connections``) unless SigV4-signed with a known key."""
    credentials: str = ""
    """The known keys: ``ACCESS_KEY:SECRET[:SESSION_TOKEN]`` entries, comma- or whitespace-separated."""
    function_credentials: str = ""
    """The key boto3 in handlers signs with under ``verify_signatures`` (``ACCESS_KEY:SECRET:SESSION_TOKEN``, like
    a Lambda execution role's); ``serve`` draws a random one so every server process shares it."""

    @property
    def storage_url(self) -> str:
        if self.storage:
            return self.storage
        return "sqlite:" + str(Path(self.data_dir).resolve() / "tables.db")

    def to_env(self) -> dict[str, str]:
        return {f"NUBIS_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls) -> Settings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"NUBIS_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.lower() in ("1", "true", "yes", "on")
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]
