"""The models' errors: validation names the model, the field and the rule; operations map the client's errors."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConditionFailed",
    "DoesNotExist",
    "ModelDefinitionError",
    "ModelError",
    "ModelValidationError",
    "TransactionCanceled",
]


class ModelError(Exception):
    """The root of every error ``nubis.models`` raises itself."""


class ModelDefinitionError(ModelError, TypeError):
    """A model class is declared wrongly (no hash key, an annotation with no DynamoDB type...)."""


class ModelValidationError(ModelError, ValueError):
    """A value breaks a field's rule.

    Attributes:
        model: the model's class name.
        field: the document path of the value (``"address.city"``, ``"tags[2]"``).
        rule: the rule broken: ``required``, ``type``, ``validate``, ``enum``, ``unknown``.
    """

    def __init__(self, model: str, field: str, rule: str, detail: str) -> None:
        super().__init__(f"{model}.{field}: {rule}: {detail}")
        self.model = model
        self.field = field
        self.rule = rule
        self.detail = detail


class DoesNotExist(ModelError, LookupError):
    """``get`` found no item with that key."""


class ConditionFailed(ModelError):
    """A condition was false (``create`` of an existing item, ``save``/``update``/``delete`` with a condition).

    Attributes:
        item: the item as stored, decoded to the model, when the request asked for it (``return_item=True``);
            ``None`` otherwise.
    """

    def __init__(self, message: str, item: Any = None) -> None:
        super().__init__(message)
        self.item = item


class TransactionCanceled(ModelError):
    """A transaction was cancelled.

    Attributes:
        reasons: one ``(index, code, message)`` per action that failed, in the order the actions were added.
        codes: every action's code (``"None"`` for the actions that were fine).
    """

    def __init__(self, reasons: list[tuple[int, str, str]], codes: list[str]) -> None:
        detail = "; ".join(f"action {i}: {code}{': ' + msg if msg else ''}" for i, code, msg in reasons)
        super().__init__(f"transaction cancelled ({detail or 'no reason given'})")
        self.reasons = reasons
        self.codes = codes
