"""``nubis.models``: typed models for DynamoDB tables, over ``nubis.client`` (in-process, a Nubis server, AWS).

    from nubis.models import Attr, Field, HashKey, Model, Session

    class Note(Model, table="notes"):
        id: Attr[str] = HashKey()
        title: Attr[str]
        views: Attr[int] = Field(default=0)

    db = Session(Client.in_process())
    notes = db.bind(Note)
    notes.create_table()
    notes.create(Note(id="n1", title="hi"))
    notes.update("n1", actions=[Note.views.add(1)], condition=Note.title.begins_with("h"))

See ``docs/models.md``.
"""

from nubis.models.batch import Batch
from nubis.models.bound import AsyncBound, Bound
from nubis.models.errors import (
    ConditionFailed,
    DoesNotExist,
    ModelDefinitionError,
    ModelError,
    ModelValidationError,
    TransactionCanceled,
)
from nubis.models.expressions import Action, Attr, Condition, Size
from nubis.models.fields import CreatedAt, ExpiresAt, Field, FieldSpec, HashKey, RangeKey, UpdatedAt, Version
from nubis.models.hooks import Hooks
from nubis.models.model import Document, Model
from nubis.models.plan import GlobalIndex, LocalIndex
from nubis.models.query import AsyncQuery, AsyncScan, Page, Query, Scan
from nubis.models.session import AsyncSession, Session
from nubis.models.transactions import Transaction

__all__ = [
    "Action",
    "AsyncBound",
    "AsyncQuery",
    "AsyncScan",
    "AsyncSession",
    "Attr",
    "Batch",
    "Bound",
    "Condition",
    "ConditionFailed",
    "CreatedAt",
    "Document",
    "DoesNotExist",
    "ExpiresAt",
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
    "Version",
]
