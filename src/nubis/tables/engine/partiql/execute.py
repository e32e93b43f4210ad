"""ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: parse, translate, run through ``Engine.execute``.

Each statement runs as ordinary engine operations (Query, Scan, PutItem, UpdateItem, DeleteItem, TransactGetItems,
TransactWriteItems), so PartiQL shares every rule, error and capacity figure of those operations.

    request ──parse (cached by text)──▶ AST ──check Parameters──▶ translate (pure) ──▶ engine.execute(op, ...)
                                                                                        │
    response ◀── Items / NextToken / LastEvaluatedKey / ConsumedCapacity ◀── map errors ◀┘

Paging: a SELECT is one or more requests (a Query per partition, or one Scan). A response ends where an operation
stops (``Limit`` items evaluated, or the 1 MB page of Query/Scan) and ``NextToken`` says where to go on: the
request index and that request's ``LastEvaluatedKey``, plus a digest of the statement and parameters so that a
token is refused for another statement ([P] "NextToken does not match request").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from nubis.tables.engine.partiql import ast, messages
from nubis.tables.engine.partiql.parser import parse
from nubis.tables.engine.partiql.translate import (
    TransactionStatement,
    check_parameters,
    is_read,
    plan_point_select,
    plan_select,
    translate_delete,
    translate_insert,
    translate_transaction,
    translate_update,
)
from nubis.tables.errors import (
    CancellationReason,
    ConditionalCheckFailedException,
    DuplicateItemException,
    DynamoDBError,
    TransactionCanceledException,
    ValidationException,
)
from nubis.tables.schema import KeySchema, TableDescription

if TYPE_CHECKING:
    from nubis.tables.engine.engine import Engine

Request = dict[str, Any]
Response = dict[str, Any]

# [D] botocore's BatchStatementErrorCodeEnum: an error's code in a BatchExecuteStatement response.
_BATCH_ERROR_CODES = {
    "ValidationException": "ValidationError",
    "SerializationException": "ValidationError",
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ResourceNotFoundException": "ResourceNotFound",
    "TransactionConflictException": "TransactionConflict",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
    "RequestLimitExceeded": "RequestLimitExceeded",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "InternalServerError": "InternalServerError",
}


# The engine words an expression error for the expression member it came in ("Invalid FilterExpression: ...").
# A PartiQL statement has no such member, and AWS sends the bare message ([V] "Incorrect operand type for operator
# or function; operator or function: <, operand type: BOOL"; "An operand in the update expression has ...").
_EXPRESSION_PREFIXES = tuple(
    f"Invalid {member}: "
    for member in ("FilterExpression", "KeyConditionExpression", "ConditionExpression", "UpdateExpression",
                   "ProjectionExpression")
)  # fmt: skip


def _run(engine: Engine, operation: str, region: str, request: Request) -> Response:
    try:
        return engine.execute(operation, region, request)
    except ValidationException as exc:
        if exc.message.startswith(_EXPRESSION_PREFIXES):
            raise ValidationException(exc.message.split(": ", 1)[1]) from exc
        raise


def execute_statement(engine: Engine, region: str, request: Request) -> Response:
    """ExecuteStatement: one PartiQL statement.

    Returns:
        ``Items`` (empty for writes without RETURNING), and for reads ``NextToken`` and ``LastEvaluatedKey`` when
        more may follow; ``ConsumedCapacity`` when asked.
    """
    text: str = request["Statement"]
    parsed = parse(text)
    params = check_parameters(parsed, request.get("Parameters"))
    statement = parsed.statement
    if isinstance(statement, ast.Exists):
        raise ValidationException(messages.EXISTS_OUTSIDE_TRANSACTION)
    table = engine.catalog.get(region, statement.source.table)
    if isinstance(statement, ast.Select):
        return _run_select(engine, region, statement, table, params, request, text)
    return _run_write(engine, region, statement, table, params, request)


def batch_execute_statement(engine: Engine, region: str, request: Request) -> Response:
    """BatchExecuteStatement: up to 25 statements, all reads or all writes, each with its own result or error.

    Raises:
        ValidationException: reads and writes mixed ([P] DynamoDB Local's wording).
    """
    prepared: list[tuple[ast.Statement, list[Any]] | DynamoDBError] = []
    for entry in request["Statements"]:
        try:
            parsed = parse(entry["Statement"])
            params = check_parameters(parsed, entry.get("Parameters"))
            if isinstance(parsed.statement, ast.Exists):
                raise ValidationException(messages.EXISTS_OUTSIDE_TRANSACTION)
            prepared.append((parsed.statement, params))
        except ValidationException as exc:
            prepared.append(exc)
    kinds = {is_read(p[0]) for p in prepared if not isinstance(p, DynamoDBError)}
    if len(kinds) > 1:
        raise ValidationException(messages.BATCH_MIXED)
    capacity_mode = request.get("ReturnConsumedCapacity")
    responses: list[Response] = []
    capacities: list[dict[str, Any]] = []
    for entry, item in zip(request["Statements"], prepared, strict=True):
        if isinstance(item, DynamoDBError):
            responses.append({"Error": _batch_error(item)})
            continue
        statement, params = item
        assert not isinstance(statement, ast.Exists)
        try:
            table = engine.catalog.get(region, statement.source.table)
            if isinstance(statement, ast.Select):
                query = plan_point_select(statement, table.key_schema, params)
                if entry.get("ConsistentRead"):
                    query["ConsistentRead"] = True
                if capacity_mode is not None:
                    query["ReturnConsumedCapacity"] = capacity_mode
                result = _run(engine, "Query", region, query)
                response: Response = {"TableName": table.name}
                if result.get("Items"):
                    response["Item"] = result["Items"][0]
            else:
                options = {"ReturnConsumedCapacity": capacity_mode} if capacity_mode is not None else {}
                if entry.get("ReturnValuesOnConditionCheckFailure") is not None:
                    options["ReturnValuesOnConditionCheckFailure"] = entry["ReturnValuesOnConditionCheckFailure"]
                result = _run_write(engine, region, statement, table, params, options)
                response = {"TableName": table.name}
                if result["Items"]:
                    response["Item"] = result["Items"][0]  # [P] RETURNING in a batch answers its item
        except DynamoDBError as exc:
            responses.append({"Error": _batch_error(exc)})
            continue
        if result.get("ConsumedCapacity"):
            capacities.append(result["ConsumedCapacity"])
        responses.append(response)
    out: Response = {"Responses": responses}
    if capacity_mode in ("TOTAL", "INDEXES"):
        out["ConsumedCapacity"] = _per_table(capacities)
    return out


def execute_transaction(engine: Engine, region: str, request: Request) -> Response:
    """ExecuteTransaction: up to 100 statements run as one TransactGetItems or TransactWriteItems.

    Raises:
        ValidationException: a statement that does not parse or translate, named by its position ([V]).
        TransactionCanceledException: as TransactWriteItems raises it, an INSERT's failed guard reported as
            ``DuplicateItem`` ([?] BatchStatementErrorCodeEnum has the code; the reason is unrecorded).
    """
    statements: list[TransactionStatement] = []
    for index, entry in enumerate(request["TransactStatements"]):
        try:
            parsed = parse(entry["Statement"])
            params = check_parameters(parsed, entry.get("Parameters"))
        except ValidationException as exc:
            raise ValidationException(messages.TRANSACTION_STATEMENT.format(index, exc.message)) from exc
        statements.append(
            TransactionStatement(parsed.statement, params, entry.get("ReturnValuesOnConditionCheckFailure"))
        )
    operation, transact = translate_transaction(
        statements,
        lambda name: engine.catalog.get(region, name).key_schema,
        request.get("ClientRequestToken"),
        request.get("ReturnConsumedCapacity"),
    )
    try:
        result = _run(engine, operation, region, transact)
    except TransactionCanceledException as exc:
        raise TransactionCanceledException(
            [_insert_reason(s.statement, r) for s, r in zip(statements, exc.reasons, strict=False)]
        ) from exc
    # [V] a transaction of writes answers an empty Responses list, not none
    out: Response = {"Responses": result.get("Responses", []) if operation == "TransactGetItems" else []}
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out


# -- SELECT --------------------------------------------------------------------------------------------------


def _keys(table: TableDescription, index: str | None) -> KeySchema | None:
    if index is None:
        return table.key_schema
    described = table.index(index)
    return None if described is None else described.key_schema


def _run_select(
    engine: Engine,
    region: str,
    select: ast.Select,
    table: TableDescription,
    params: list[Any],
    request: Request,
    text: str,
) -> Response:
    plan = plan_select(select, _keys(table, select.source.index), params)
    digest = _digest(text, params)
    branch, start_key = _decode_token(request.get("NextToken"), digest, len(plan.requests))
    limit = request.get("Limit")
    remaining = limit
    items: list[Any] = []
    capacity: dict[str, Any] | None = None
    next_at: tuple[int, Any] | None = None
    last_key = None
    while branch < len(plan.requests):
        call = dict(plan.requests[branch])
        if start_key is not None:
            call["ExclusiveStartKey"] = start_key
            start_key = None
        if remaining is not None:
            call["Limit"] = remaining
        for member in ("ConsistentRead", "ReturnConsumedCapacity"):
            if request.get(member) is not None:
                call[member] = request[member]
        result = _run(engine, plan.operation, region, call)
        items.extend(result.get("Items", []))
        capacity = _add_capacity(capacity, result.get("ConsumedCapacity"))
        last_key = result.get("LastEvaluatedKey")
        if last_key is not None:
            next_at = (branch, last_key)
            break
        branch += 1
        if remaining is not None:
            remaining -= int(result.get("ScannedCount", 0))
            if remaining <= 0:
                if branch < len(plan.requests):
                    next_at = (branch, None)
                break
    out: Response = {"Items": items}
    if next_at is not None:
        out["NextToken"] = _encode_token(digest, *next_at)
    if last_key is not None:
        out["LastEvaluatedKey"] = last_key
    if capacity is not None:
        out["ConsumedCapacity"] = capacity
    return out


def _digest(text: str, params: list[Any]) -> str:
    return hashlib.sha256(text.encode() + b"\0" + orjson.dumps(params)).hexdigest()[:24]


def _encode_token(digest: str, branch: int, key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"d": digest, "b": branch, "k": key})).decode("ascii")


def _decode_token(token: str | None, digest: str, branches: int) -> tuple[int, Any]:
    if token is None:
        return 0, None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        branch, key, token_digest = data["b"], data["k"], data["d"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeEncodeError) as exc:
        raise ValidationException(messages.INVALID_NEXT_TOKEN) from exc
    if token_digest != digest or not isinstance(branch, int) or not 0 <= branch < branches:
        raise ValidationException(messages.NEXT_TOKEN_MISMATCH)
    return branch, key


def _add_capacity(total: dict[str, Any] | None, more: dict[str, Any] | None) -> dict[str, Any] | None:
    if more is None:
        return total
    if total is None:
        return {k: dict(v) if isinstance(v, dict) else v for k, v in more.items()}
    for member, value in more.items():
        if isinstance(value, (int, float)) and member in total:
            total[member] += value
        elif isinstance(value, dict) and isinstance(total.get(member), dict):
            for k, v in value.items():
                total[member][k] = total[member].get(k, 0) + v
    return total


def _per_table(capacities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_table: dict[str, dict[str, Any]] = {}
    for capacity in capacities:
        name = capacity.get("TableName", "")
        by_table[name] = _add_capacity(by_table.get(name), capacity) or {}
    return list(by_table.values())


# -- writes --------------------------------------------------------------------------------------------------


def _run_write(
    engine: Engine,
    region: str,
    statement: ast.Insert | ast.Update | ast.Delete,
    table: TableDescription,
    params: list[Any],
    request: Request,
) -> Response:
    keys = table.key_schema
    call: Request
    if isinstance(statement, ast.Insert):
        operation, call = "PutItem", translate_insert(statement, keys, params)
    elif isinstance(statement, ast.Update):
        operation, call = "UpdateItem", translate_update(statement, keys, params)
    else:
        operation, call = "DeleteItem", translate_delete(statement, keys, params)
    for member in ("ReturnConsumedCapacity", "ReturnValuesOnConditionCheckFailure"):
        if request.get(member) is not None and not (operation == "PutItem" and member.startswith("ReturnValuesOn")):
            call[member] = request[member]
    try:
        result = _run(engine, operation, region, call)
    except ConditionalCheckFailedException as exc:
        if operation == "PutItem":
            raise DuplicateItemException(messages.DUPLICATE_ITEM) from exc  # [P] recorded: "DuplicateItem"
        raise
    out: Response = {"Items": [result["Attributes"]] if result.get("Attributes") else []}
    if "ConsumedCapacity" in result:
        out["ConsumedCapacity"] = result["ConsumedCapacity"]
    return out


def _batch_error(exc: DynamoDBError) -> dict[str, Any]:
    error: dict[str, Any] = {
        "Code": _BATCH_ERROR_CODES.get(type(exc).__name__, "InternalServerError"),
        "Message": exc.message,
    }
    if isinstance(exc, ConditionalCheckFailedException) and exc.item is not None:
        error["Item"] = exc.item
    return error


def _insert_reason(statement: ast.Statement, reason: CancellationReason) -> CancellationReason:
    if isinstance(statement, ast.Insert) and reason.code == "ConditionalCheckFailed":
        return CancellationReason("DuplicateItem", messages.DUPLICATE_ITEM, reason.item)
    return reason
