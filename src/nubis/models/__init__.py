"""``nubis.models``: typed models for DynamoDB tables, over ``nubis.client`` (in-process, a Nubis server, AWS).

    from nubis.models import Attr, HashKey, Model, Session

    class Note(Model, table="notes"):
        id: str = HashKey()
        title: str

    db = Session(Client.in_process())
    db.create_table(Note)
    db.create(Note(id="n1", title="hi"))

See ``docs/models.md``.
"""

from nubis.models.batch import Batch
from nubis.models.errors import (
    ConditionFailed,
    DoesNotExist,
    ModelDefinitionError,
    ModelError,
    ModelValidationError,
    TransactionCanceled,
)
from nubis.models.expressions import Attr, Condition, Size
from nubis.models.fields import CreatedAt, Field, FieldSpec, HashKey, RangeKey, UpdatedAt
from nubis.models.hooks import Hooks
from nubis.models.model import Document, Model
from nubis.models.plan import GlobalIndex, LocalIndex
from nubis.models.query import AsyncQuery, AsyncScan, Page, Query, Scan
from nubis.models.session import AsyncSession, Session
from nubis.models.transactions import Transaction

__all__ = [
    "AsyncQuery",
    "AsyncScan",
    "AsyncSession",
    "Attr",
    "Batch",
    "Condition",
    "ConditionFailed",
    "CreatedAt",
    "Document",
    "DoesNotExist",
    "Field",
    "FieldSpec",
    "GlobalIndex",
    "HashKey",
    "Hooks",
    "LocalIndex",
    "Model",
    "ModelDefinitionError",
    "ModelError",
    "ModelValidationError",
    "Page",
    "Query",
    "RangeKey",
    "Scan",
    "Session",
    "Size",
    "Transaction",
    "TransactionCanceled",
    "UpdatedAt",
]
