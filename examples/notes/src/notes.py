"""A notes API written exactly as for AWS Lambda behind API Gateway: boto3 against a DynamoDB table.

Routes (HTTP API, payload 2.0):
    POST   /notes                  create a note            -> 201 {note}
    GET    /notes                  list notes, newest first -> 200 {"notes": [...]}
    GET    /notes/{id}             read one                 -> 200 {note} | 404
    PUT    /notes/{id}             replace text (and tags)  -> 200 {note} | 404
    DELETE /notes/{id}             delete                   -> 204 | 404

Nothing here knows about Nubis: the table name comes from the environment, and boto3 finds its endpoint the
usual way (on AWS the real one; under Nubis, the AWS_ENDPOINT_URL Nubis gives every function).
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

TABLE = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
OWNER = "demo"  # a real app would take this from the authorizer's claims


def _response(status: int, body: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"statusCode": status, "headers": {"content-type": "application/json"}}
    if body is not None:
        out["body"] = json.dumps(body, default=lambda v: int(v) if v == int(v) else float(v))
    return out


def _body(event: dict[str, Any]) -> dict[str, Any]:
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", "replace")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def create(event: dict[str, Any], context: Any) -> dict[str, Any]:
    data = _body(event)
    if not isinstance(data.get("text"), str) or not data["text"]:
        return _response(400, {"message": "text is required"})
    now = Decimal(int(time.time() * 1000))
    note = {
        "owner": OWNER,
        "id": f"{int(now):013d}-{uuid.uuid4().hex[:8]}",
        "text": data["text"],
        "tags": data.get("tags") or [],
        "created": now,
        "updated": now,
    }
    TABLE.put_item(Item=note, ConditionExpression="attribute_not_exists(id)")
    return _response(201, note)


def list_notes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    page = TABLE.query(KeyConditionExpression=Key("owner").eq(OWNER), ScanIndexForward=False, Limit=50)
    return _response(200, {"notes": page["Items"]})


def get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    item = TABLE.get_item(Key={"owner": OWNER, "id": event["pathParameters"]["id"]}).get("Item")
    return _response(200, item) if item else _response(404, {"message": "note not found"})


def update(event: dict[str, Any], context: Any) -> dict[str, Any]:
    data = _body(event)
    if not isinstance(data.get("text"), str) or not data["text"]:
        return _response(400, {"message": "text is required"})
    try:
        out = TABLE.update_item(
            Key={"owner": OWNER, "id": event["pathParameters"]["id"]},
            UpdateExpression="SET #t = :t, tags = :g, updated = :u",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={
                ":t": data["text"],
                ":g": data.get("tags") or [],
                ":u": Decimal(int(time.time() * 1000)),
            },
            ReturnValues="ALL_NEW",
        )
    except TABLE.meta.client.exceptions.ConditionalCheckFailedException:
        return _response(404, {"message": "note not found"})
    return _response(200, out["Attributes"])


def delete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        TABLE.delete_item(
            Key={"owner": OWNER, "id": event["pathParameters"]["id"]}, ConditionExpression="attribute_exists(id)"
        )
    except TABLE.meta.client.exceptions.ConditionalCheckFailedException:
        return _response(404, {"message": "note not found"})
    return {"statusCode": 204}
