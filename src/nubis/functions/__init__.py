"""``nubis.functions``: run Lambda-style Python handlers in warm worker processes. Usable alone, as a library.

Re-exports are lazy (PEP 562) so that a worker process, which imports ``nubis.functions.worker``, does not pay
for asyncio, the pools and the API at every cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nubis.functions.api import LambdaApp
    from nubis.functions.errors import LambdaServiceError, ResourceNotFoundException, TooManyRequestsException
    from nubis.functions.invoker import FunctionRuntime, InvocationResult, Invoker, RuntimeConfig
    from nubis.functions.spec import FunctionSpec, FunctionSpecError, parse_function_option

_EXPORTS = {
    "FunctionRuntime": "nubis.functions.invoker",
    "FunctionSpec": "nubis.functions.spec",
    "FunctionSpecError": "nubis.functions.spec",
    "InvocationResult": "nubis.functions.invoker",
    "Invoker": "nubis.functions.invoker",
    "LambdaApp": "nubis.functions.api",
    "LambdaServiceError": "nubis.functions.errors",
    "ResourceNotFoundException": "nubis.functions.errors",
    "RuntimeConfig": "nubis.functions.invoker",
    "TooManyRequestsException": "nubis.functions.errors",
    "parse_function_option": "nubis.functions.spec",
}

__all__ = [
    "FunctionRuntime",
    "FunctionSpec",
    "FunctionSpecError",
    "InvocationResult",
    "Invoker",
    "LambdaApp",
    "LambdaServiceError",
    "ResourceNotFoundException",
    "RuntimeConfig",
    "TooManyRequestsException",
    "parse_function_option",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nubis.functions' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
