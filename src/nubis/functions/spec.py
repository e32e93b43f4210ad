"""``FunctionSpec``: what a function is (handler, code, limits, environment), fixed before it ever runs.

Until the project loaders exist (serverless.yml ``functions:``, SAM), functions are declared in Python with
``FunctionSpec(...)`` or on the command line with ``parse_function_option``::

    NAME=module.handler[:key=value,...]
    keys: timeout (s), memory (MB), concurrency (reserved), code (dir), runtime, description, env.VAR (variable)

    hello=app.handler:timeout=10,memory=256,concurrency=2,env.TABLE=orders
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# [D] Lambda CreateFunction: FunctionName up to 64 of [a-zA-Z0-9-_]; Timeout 1..900 s (default 3);
# MemorySize 128..10240 MB (default 128); Handler "module.function".
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
DEFAULT_TIMEOUT = 3.0
MAX_TIMEOUT = 900.0
DEFAULT_MEMORY = 128
MIN_MEMORY = 128
MAX_MEMORY = 10240
RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")


class FunctionSpecError(ValueError):
    """A function declaration that cannot run (bad name, handler, limits or option syntax)."""


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function. Frozen: a changed definition is a new spec, and its pool is rebuilt."""

    name: str
    """Function name, as in its ARN."""
    handler: str
    """Lambda's ``Handler``: ``package.module.function`` (the last dot separates the function)."""
    code_dir: Path = field(default_factory=lambda: Path("."))
    """The code root (``LAMBDA_TASK_ROOT``): first on ``sys.path`` and the working directory."""
    runtime: str = "python3.11"
    """A label (``AWS_EXECUTION_ENV``); workers run the server's own interpreter."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds. Lambda takes whole seconds; fractions are allowed here for tests."""
    memory: int = DEFAULT_MEMORY
    """MB. Enforced: a worker whose resident memory passes it is killed (``Runtime.OutOfMemory``)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """The function's own variables; Lambda's reserved names override them."""
    reserved_concurrency: int | None = None
    """Lambda's reserved concurrency: the hard cap on simultaneous invocations (0 disables the function)."""
    description: str = ""

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise FunctionSpecError(f"function name {self.name!r} must be 1-64 of letters, digits, '-' and '_'")
        module, _, func = self.handler.rpartition(".")
        if not module or not func:
            raise FunctionSpecError(f"handler {self.handler!r} must look like module.function")
        if not 0 < self.timeout <= MAX_TIMEOUT:
            raise FunctionSpecError(f"timeout {self.timeout} must be in (0, {MAX_TIMEOUT:g}] seconds")
        if not MIN_MEMORY <= self.memory <= MAX_MEMORY:
            raise FunctionSpecError(f"memory {self.memory} must be {MIN_MEMORY}..{MAX_MEMORY} MB")
        if self.runtime not in RUNTIMES:
            raise FunctionSpecError(f"runtime {self.runtime!r} is not one of {', '.join(RUNTIMES)}")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise FunctionSpecError("reserved concurrency must be 0 or more")
        object.__setattr__(self, "code_dir", Path(self.code_dir).resolve())
        object.__setattr__(self, "environment", dict(self.environment))


def parse_function_option(text: str, *, base_dir: str | Path = ".") -> FunctionSpec:
    """``NAME=module.handler[:key=value,...]`` (the ``nubis serve --function`` syntax) to a spec.

    Raises:
        FunctionSpecError: on a malformed option, an unknown key or a value out of range.
    """
    name, eq, rest = text.partition("=")
    if not eq or not name:
        raise FunctionSpecError(f"--function {text!r}: expected NAME=module.handler[:key=value,...]")
    handler, _, options = rest.partition(":")
    values: dict[str, object] = {"name": name.strip(), "handler": handler.strip()}
    env: dict[str, str] = {}
    code = Path(base_dir)
    for item in filter(None, (part.strip() for part in options.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise FunctionSpecError(f"--function {text!r}: option {item!r} is not key=value")
        try:
            if key.startswith("env."):
                env[key[4:]] = value
            elif key == "timeout":
                values["timeout"] = float(value)
            elif key == "memory":
                values["memory"] = int(value)
            elif key == "concurrency":
                values["reserved_concurrency"] = int(value)
            elif key == "code":
                code = Path(base_dir) / value
            elif key in ("runtime", "description"):
                values[key] = value
            else:
                raise FunctionSpecError(
                    f"--function {text!r}: unknown key {key!r} "
                    "(timeout, memory, concurrency, code, runtime, description, env.VAR)"
                )
        except ValueError as exc:
            if isinstance(exc, FunctionSpecError):
                raise
            raise FunctionSpecError(f"--function {text!r}: {key} must be a number, not {value!r}") from exc
    return FunctionSpec(code_dir=code, environment=env, **values)  # type: ignore[arg-type]
