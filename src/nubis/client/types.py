"""The DynamoDB request and response shapes, as ``TypedDict``s with AWS's exact keys, and the typed operation table.

Requests are what the client methods take as keyword arguments (``client.put_item(TableName=..., Item=...)``,
exactly as boto3's low-level client), so mypy checks the keywords through ``Unpack``. Responses are the decoded
JSON DynamoDB returns; their keys are all optional (``total=False``) because which appear depends on the request.

Values stay in the wire form: numbers are decimal strings (``{"N": "1.5"}``) and binaries are base64 text
(``{"B": "AAE="}``). boto3 decodes binaries to ``bytes``; this client does not, so the in-process path costs no
conversion and both transports return byte-identical shapes. The models library does the typing.

``Operation`` ties an operation's name to its request and response types, so the drivers' one ``_call`` is typed
for every method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, Required, TypedDict, TypeVar

AttributeValue = dict[str, Any]
"""One of ``{"S": str}``, ``{"N": str}``, ``{"B": str}``, ``{"BOOL": bool}``, ``{"NULL": True}``, ``{"L": [...]}``,
``{"M": {...}}``, ``{"SS": [...]}``, ``{"NS": [...]}``, ``{"BS": [...]}``. A plain dict (not a union of TypedDicts):
values nest arbitrarily and are built in hot loops, where a union only costs the caller casts."""

Item = dict[str, AttributeValue]
"""An item: attribute name → attribute value."""

Key = dict[str, AttributeValue]
"""A primary key: the key attributes only."""

ReturnValue = Literal["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]
ReturnConsumedCapacity = Literal["INDEXES", "TOTAL", "NONE"]
ReturnItemCollectionMetrics = Literal["SIZE", "NONE"]
ReturnValuesOnConditionCheckFailure = Literal["ALL_OLD", "NONE"]
Select = Literal["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"]
BillingMode = Literal["PROVISIONED", "PAY_PER_REQUEST"]


# -- shared pieces ---------------------------------------------------------------------------------------------


class KeySchemaElement(TypedDict):
    AttributeName: str
    KeyType: Literal["HASH", "RANGE"]


class AttributeDefinition(TypedDict):
    AttributeName: str
    AttributeType: Literal["S", "N", "B"]


class Projection(TypedDict, total=False):
    ProjectionType: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    NonKeyAttributes: list[str]


class ProvisionedThroughput(TypedDict):
    ReadCapacityUnits: int
    WriteCapacityUnits: int


class GlobalSecondaryIndex(TypedDict, total=False):
    IndexName: Required[str]
    KeySchema: Required[list[KeySchemaElement]]
    Projection: Required[Projection]
    ProvisionedThroughput: ProvisionedThroughput
    OnDemandThroughput: dict[str, Any]


class LocalSecondaryIndex(TypedDict):
    IndexName: str
    KeySchema: list[KeySchemaElement]
    Projection: Projection


class StreamSpecification(TypedDict, total=False):
    StreamEnabled: Required[bool]
    StreamViewType: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]


class Tag(TypedDict):
    Key: str
    Value: str


class ConsumedCapacity(TypedDict, total=False):
    TableName: str
    CapacityUnits: float
    ReadCapacityUnits: float
    WriteCapacityUnits: float
    Table: dict[str, Any]
    LocalSecondaryIndexes: dict[str, Any]
    GlobalSecondaryIndexes: dict[str, Any]


class ItemCollectionMetrics(TypedDict, total=False):
    ItemCollectionKey: Item
    SizeEstimateRangeGB: list[float]


class TableDescription(TypedDict, total=False):
    """The ``Table``/``TableDescription`` of the control-plane responses (the common members)."""

    TableName: str
    TableArn: str
    TableId: str
    TableStatus: Literal["CREATING", "UPDATING", "DELETING", "ACTIVE", "INACCESSIBLE_ENCRYPTION_CREDENTIALS"]
    CreationDateTime: float
    KeySchema: list[KeySchemaElement]
    AttributeDefinitions: list[AttributeDefinition]
    ItemCount: int
    TableSizeBytes: int
    BillingModeSummary: dict[str, Any]
    ProvisionedThroughput: dict[str, Any]
    GlobalSecondaryIndexes: list[dict[str, Any]]
    LocalSecondaryIndexes: list[dict[str, Any]]
    StreamSpecification: StreamSpecification
    LatestStreamArn: str
    LatestStreamLabel: str
    DeletionProtectionEnabled: bool
    TableClassSummary: dict[str, Any]


class _ExpressionNames(TypedDict, total=False):
    ExpressionAttributeNames: dict[str, str]


class _ExpressionNamesValues(_ExpressionNames, total=False):
    ExpressionAttributeValues: dict[str, AttributeValue]


# -- control plane ---------------------------------------------------------------------------------------------


class CreateTableInput(TypedDict, total=False):
    TableName: Required[str]
    KeySchema: Required[list[KeySchemaElement]]
    AttributeDefinitions: Required[list[AttributeDefinition]]
    BillingMode: BillingMode
    ProvisionedThroughput: ProvisionedThroughput
    GlobalSecondaryIndexes: list[GlobalSecondaryIndex]
    LocalSecondaryIndexes: list[LocalSecondaryIndex]
    StreamSpecification: StreamSpecification
    SSESpecification: dict[str, Any]
    Tags: list[Tag]
    TableClass: Literal["STANDARD", "STANDARD_INFREQUENT_ACCESS"]
    DeletionProtectionEnabled: bool
    OnDemandThroughput: dict[str, Any]
    ResourcePolicy: str


class CreateTableOutput(TypedDict, total=False):
    TableDescription: TableDescription


class DescribeTableInput(TypedDict):
    TableName: str


class DescribeTableOutput(TypedDict, total=False):
    Table: TableDescription


class UpdateTableInput(TypedDict, total=False):
    TableName: Required[str]
    AttributeDefinitions: list[AttributeDefinition]
    BillingMode: BillingMode
    ProvisionedThroughput: ProvisionedThroughput
    GlobalSecondaryIndexUpdates: list[dict[str, Any]]
    StreamSpecification: StreamSpecification
    SSESpecification: dict[str, Any]
    ReplicaUpdates: list[dict[str, Any]]
    TableClass: Literal["STANDARD", "STANDARD_INFREQUENT_ACCESS"]
    DeletionProtectionEnabled: bool
    OnDemandThroughput: dict[str, Any]


class UpdateTableOutput(TypedDict, total=False):
    TableDescription: TableDescription


class DeleteTableInput(TypedDict):
    TableName: str


class DeleteTableOutput(TypedDict, total=False):
    TableDescription: TableDescription


class TimeToLiveSpecification(TypedDict):
    Enabled: bool
    AttributeName: str


class UpdateTimeToLiveInput(TypedDict):
    TableName: str
    TimeToLiveSpecification: TimeToLiveSpecification


class UpdateTimeToLiveOutput(TypedDict, total=False):
    TimeToLiveSpecification: TimeToLiveSpecification


class DescribeTimeToLiveInput(TypedDict):
    TableName: str


class TimeToLiveDescription(TypedDict, total=False):
    TimeToLiveStatus: Literal["ENABLING", "DISABLING", "ENABLED", "DISABLED"]
    AttributeName: str


class DescribeTimeToLiveOutput(TypedDict, total=False):
    TimeToLiveDescription: TimeToLiveDescription


class ListTablesInput(TypedDict, total=False):
    ExclusiveStartTableName: str
    Limit: int


class ListTablesOutput(TypedDict, total=False):
    TableNames: list[str]
    LastEvaluatedTableName: str


class TagResourceInput(TypedDict):
    ResourceArn: str
    Tags: list[Tag]


class UntagResourceInput(TypedDict):
    ResourceArn: str
    TagKeys: list[str]


class ListTagsOfResourceInput(TypedDict, total=False):
    ResourceArn: Required[str]
    NextToken: str


class ListTagsOfResourceOutput(TypedDict, total=False):
    Tags: list[Tag]
    NextToken: str


class EmptyInput(TypedDict):
    pass


class EmptyOutput(TypedDict):
    pass


class DescribeLimitsOutput(TypedDict, total=False):
    AccountMaxReadCapacityUnits: int
    AccountMaxWriteCapacityUnits: int
    TableMaxReadCapacityUnits: int
    TableMaxWriteCapacityUnits: int


class DescribeEndpointsOutput(TypedDict, total=False):
    Endpoints: list[dict[str, Any]]


# -- items -----------------------------------------------------------------------------------------------------


class PutItemInput(_ExpressionNamesValues, total=False):
    TableName: Required[str]
    Item: Required[Item]
    ConditionExpression: str
    ReturnValues: ReturnValue
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ReturnItemCollectionMetrics: ReturnItemCollectionMetrics
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure
    Expected: dict[str, Any]
    ConditionalOperator: Literal["AND", "OR"]


class PutItemOutput(TypedDict, total=False):
    Attributes: Item
    ConsumedCapacity: ConsumedCapacity
    ItemCollectionMetrics: ItemCollectionMetrics


class GetItemInput(_ExpressionNames, total=False):
    TableName: Required[str]
    Key: Required[Key]
    ConsistentRead: bool
    ProjectionExpression: str
    ReturnConsumedCapacity: ReturnConsumedCapacity
    AttributesToGet: list[str]


class GetItemOutput(TypedDict, total=False):
    Item: Item
    ConsumedCapacity: ConsumedCapacity


class UpdateItemInput(_ExpressionNamesValues, total=False):
    TableName: Required[str]
    Key: Required[Key]
    UpdateExpression: str
    ConditionExpression: str
    ReturnValues: ReturnValue
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ReturnItemCollectionMetrics: ReturnItemCollectionMetrics
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure
    AttributeUpdates: dict[str, Any]
    Expected: dict[str, Any]
    ConditionalOperator: Literal["AND", "OR"]


class UpdateItemOutput(TypedDict, total=False):
    Attributes: Item
    ConsumedCapacity: ConsumedCapacity
    ItemCollectionMetrics: ItemCollectionMetrics


class DeleteItemInput(_ExpressionNamesValues, total=False):
    TableName: Required[str]
    Key: Required[Key]
    ConditionExpression: str
    ReturnValues: ReturnValue
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ReturnItemCollectionMetrics: ReturnItemCollectionMetrics
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure
    Expected: dict[str, Any]
    ConditionalOperator: Literal["AND", "OR"]


class DeleteItemOutput(TypedDict, total=False):
    Attributes: Item
    ConsumedCapacity: ConsumedCapacity
    ItemCollectionMetrics: ItemCollectionMetrics


class QueryInput(_ExpressionNamesValues, total=False):
    TableName: Required[str]
    IndexName: str
    KeyConditionExpression: str
    FilterExpression: str
    ProjectionExpression: str
    Select: Select
    Limit: int
    ConsistentRead: bool
    ScanIndexForward: bool
    ExclusiveStartKey: Key
    ReturnConsumedCapacity: ReturnConsumedCapacity
    KeyConditions: dict[str, Any]
    QueryFilter: dict[str, Any]
    AttributesToGet: list[str]
    ConditionalOperator: Literal["AND", "OR"]


class QueryOutput(TypedDict, total=False):
    Items: list[Item]
    Count: int
    ScannedCount: int
    LastEvaluatedKey: Key
    ConsumedCapacity: ConsumedCapacity


class ScanInput(_ExpressionNamesValues, total=False):
    TableName: Required[str]
    IndexName: str
    FilterExpression: str
    ProjectionExpression: str
    Select: Select
    Limit: int
    ConsistentRead: bool
    Segment: int
    TotalSegments: int
    ExclusiveStartKey: Key
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ScanFilter: dict[str, Any]
    AttributesToGet: list[str]
    ConditionalOperator: Literal["AND", "OR"]


class ScanOutput(TypedDict, total=False):
    Items: list[Item]
    Count: int
    ScannedCount: int
    LastEvaluatedKey: Key
    ConsumedCapacity: ConsumedCapacity


# -- batches and transactions ----------------------------------------------------------------------------------


class KeysAndAttributes(_ExpressionNames, total=False):
    Keys: Required[list[Key]]
    ConsistentRead: bool
    ProjectionExpression: str
    AttributesToGet: list[str]


class BatchGetOptions(_ExpressionNames, total=False):
    """The members of ``KeysAndAttributes`` besides ``Keys``: what ``batch_get_all`` passes through."""

    ConsistentRead: bool
    ProjectionExpression: str


class BatchGetItemInput(TypedDict, total=False):
    RequestItems: Required[dict[str, KeysAndAttributes]]
    ReturnConsumedCapacity: ReturnConsumedCapacity


class BatchGetItemOutput(TypedDict, total=False):
    Responses: dict[str, list[Item]]
    UnprocessedKeys: dict[str, KeysAndAttributes]
    ConsumedCapacity: list[ConsumedCapacity]


class WriteRequest(TypedDict, total=False):
    """Exactly one of ``PutRequest`` (``{"Item": ...}``) or ``DeleteRequest`` (``{"Key": ...}``)."""

    PutRequest: dict[Literal["Item"], Item]
    DeleteRequest: dict[Literal["Key"], Key]


class BatchWriteItemInput(TypedDict, total=False):
    RequestItems: Required[dict[str, list[WriteRequest]]]
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ReturnItemCollectionMetrics: ReturnItemCollectionMetrics


class BatchWriteItemOutput(TypedDict, total=False):
    UnprocessedItems: dict[str, list[WriteRequest]]
    ItemCollectionMetrics: dict[str, list[ItemCollectionMetrics]]
    ConsumedCapacity: list[ConsumedCapacity]


class TransactWriteItem(TypedDict, total=False):
    """Exactly one of ``ConditionCheck``, ``Put``, ``Delete`` or ``Update``, each shaped like its single-item
    request (with ``TableName``) plus ``ReturnValuesOnConditionCheckFailure``."""

    ConditionCheck: dict[str, Any]
    Put: dict[str, Any]
    Delete: dict[str, Any]
    Update: dict[str, Any]


class TransactWriteItemsInput(TypedDict, total=False):
    TransactItems: Required[list[TransactWriteItem]]
    ClientRequestToken: str
    ReturnConsumedCapacity: ReturnConsumedCapacity
    ReturnItemCollectionMetrics: ReturnItemCollectionMetrics


class TransactWriteItemsOutput(TypedDict, total=False):
    ConsumedCapacity: list[ConsumedCapacity]
    ItemCollectionMetrics: dict[str, list[ItemCollectionMetrics]]


class TransactGetItem(TypedDict):
    """``{"Get": {"TableName", "Key", "ProjectionExpression"?, "ExpressionAttributeNames"?}}``."""

    Get: dict[str, Any]


class TransactGetItemsInput(TypedDict, total=False):
    TransactItems: Required[list[TransactGetItem]]
    ReturnConsumedCapacity: ReturnConsumedCapacity


class ItemResponse(TypedDict, total=False):
    Item: Item


class TransactGetItemsOutput(TypedDict, total=False):
    Responses: list[ItemResponse]
    ConsumedCapacity: list[ConsumedCapacity]


# -- PartiQL ---------------------------------------------------------------------------------------------------


class ExecuteStatementInput(TypedDict, total=False):
    Statement: Required[str]
    Parameters: list[AttributeValue]
    ConsistentRead: bool
    NextToken: str
    ReturnConsumedCapacity: ReturnConsumedCapacity
    Limit: int
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure


class ExecuteStatementOutput(TypedDict, total=False):
    Items: list[Item]
    NextToken: str
    ConsumedCapacity: ConsumedCapacity
    LastEvaluatedKey: Key


class BatchStatementRequest(TypedDict, total=False):
    Statement: Required[str]
    Parameters: list[AttributeValue]
    ConsistentRead: bool
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure


class BatchExecuteStatementInput(TypedDict, total=False):
    Statements: Required[list[BatchStatementRequest]]
    ReturnConsumedCapacity: ReturnConsumedCapacity


class BatchExecuteStatementOutput(TypedDict, total=False):
    Responses: list[dict[str, Any]]
    """One per statement: ``{"TableName"?, "Item"?}`` or ``{"Error": {"Code", "Message", "Item"?}}``."""
    ConsumedCapacity: list[ConsumedCapacity]


class ParameterizedStatement(TypedDict, total=False):
    Statement: Required[str]
    Parameters: list[AttributeValue]
    ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailure


class ExecuteTransactionInput(TypedDict, total=False):
    TransactStatements: Required[list[ParameterizedStatement]]
    ClientRequestToken: str
    ReturnConsumedCapacity: ReturnConsumedCapacity


class ExecuteTransactionOutput(TypedDict, total=False):
    Responses: list[ItemResponse]
    ConsumedCapacity: list[ConsumedCapacity]


# -- the operation table ---------------------------------------------------------------------------------------

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True, slots=True)
class Operation(Generic[In, Out]):
    """An operation's wire name, typed with its request and response shapes (the types exist only for mypy)."""

    name: str


CREATE_TABLE: Operation[CreateTableInput, CreateTableOutput] = Operation("CreateTable")
DESCRIBE_TABLE: Operation[DescribeTableInput, DescribeTableOutput] = Operation("DescribeTable")
UPDATE_TABLE: Operation[UpdateTableInput, UpdateTableOutput] = Operation("UpdateTable")
DELETE_TABLE: Operation[DeleteTableInput, DeleteTableOutput] = Operation("DeleteTable")
UPDATE_TIME_TO_LIVE: Operation[UpdateTimeToLiveInput, UpdateTimeToLiveOutput] = Operation("UpdateTimeToLive")
DESCRIBE_TIME_TO_LIVE: Operation[DescribeTimeToLiveInput, DescribeTimeToLiveOutput] = Operation("DescribeTimeToLive")
LIST_TABLES: Operation[ListTablesInput, ListTablesOutput] = Operation("ListTables")
TAG_RESOURCE: Operation[TagResourceInput, EmptyOutput] = Operation("TagResource")
UNTAG_RESOURCE: Operation[UntagResourceInput, EmptyOutput] = Operation("UntagResource")
LIST_TAGS_OF_RESOURCE: Operation[ListTagsOfResourceInput, ListTagsOfResourceOutput] = Operation("ListTagsOfResource")
DESCRIBE_LIMITS: Operation[EmptyInput, DescribeLimitsOutput] = Operation("DescribeLimits")
DESCRIBE_ENDPOINTS: Operation[EmptyInput, DescribeEndpointsOutput] = Operation("DescribeEndpoints")
PUT_ITEM: Operation[PutItemInput, PutItemOutput] = Operation("PutItem")
GET_ITEM: Operation[GetItemInput, GetItemOutput] = Operation("GetItem")
UPDATE_ITEM: Operation[UpdateItemInput, UpdateItemOutput] = Operation("UpdateItem")
DELETE_ITEM: Operation[DeleteItemInput, DeleteItemOutput] = Operation("DeleteItem")
QUERY: Operation[QueryInput, QueryOutput] = Operation("Query")
SCAN: Operation[ScanInput, ScanOutput] = Operation("Scan")
BATCH_GET_ITEM: Operation[BatchGetItemInput, BatchGetItemOutput] = Operation("BatchGetItem")
BATCH_WRITE_ITEM: Operation[BatchWriteItemInput, BatchWriteItemOutput] = Operation("BatchWriteItem")
TRANSACT_WRITE_ITEMS: Operation[TransactWriteItemsInput, TransactWriteItemsOutput] = Operation("TransactWriteItems")
TRANSACT_GET_ITEMS: Operation[TransactGetItemsInput, TransactGetItemsOutput] = Operation("TransactGetItems")
EXECUTE_STATEMENT: Operation[ExecuteStatementInput, ExecuteStatementOutput] = Operation("ExecuteStatement")
BATCH_EXECUTE_STATEMENT: Operation[BatchExecuteStatementInput, BatchExecuteStatementOutput] = Operation(
    "BatchExecuteStatement"
)
EXECUTE_TRANSACTION: Operation[ExecuteTransactionInput, ExecuteTransactionOutput] = Operation("ExecuteTransaction")


# -- the envelope the drivers hand to a transport ---------------------------------------------------------------

Response = dict[str, Any]
"""A decoded successful response body."""


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """One call as a transport sees it: everything needed to send it, nothing about how.

    ``body`` is the request object of DynamoDB's JSON protocol. Transports must not change it: retries send the
    same object again.
    """

    operation: str
    """The operation name, as in ``X-Amz-Target: DynamoDB_20120810.<operation>``."""
    region: str
    """The region: it scopes the table namespace and, over HTTP, the signature's credential scope."""
    body: dict[str, Any]
    """The request object."""
