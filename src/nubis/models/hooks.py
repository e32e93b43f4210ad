"""Before and after callbacks on a session, the counterpart of Dynamoose's middleware.

    hooks = Hooks()
    hooks.on("before_save", lambda item: ...)      # create, save and the puts of batches and transactions
    Session(client, hooks=hooks)

Events: ``before_save`` and ``after_save`` (the instance), ``after_load`` (each instance decoded from a read),
``before_delete`` (the model class and the key). Callbacks are plain functions, run in registration order, in both
the sync and async sessions; an exception in a ``before_*`` callback stops the operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

__all__ = ["Event", "Hooks"]

Event = Literal["before_save", "after_save", "after_load", "before_delete"]
_EVENTS: frozenset[str] = frozenset({"before_save", "after_save", "after_load", "before_delete"})


class Hooks:
    """A registry of callbacks per event."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callable[..., object]]] = {}

    def on(self, event: Event, callback: Callable[..., object]) -> Callable[..., object]:
        """Register ``callback`` for ``event``; returns it, so ``on`` also works as a decorator's body."""
        if event not in _EVENTS:
            raise ValueError(f"unknown hook event {event!r}; expected one of {sorted(_EVENTS)}")
        self._callbacks.setdefault(event, []).append(callback)
        return callback

    def run(self, event: Event, *args: Any) -> None:
        """Call every callback of ``event`` with ``args``."""
        for callback in self._callbacks.get(event, ()):
            callback(*args)
