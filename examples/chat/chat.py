"""Chat handlers written exactly as for AWS: DynamoDB for the connection list, @connections to broadcast.

A client connects with ``?name=ana``, then sends ``{"action": "send", "text": "hi"}``; everyone connected receives
``{"from": "ana", "text": "hi"}``. Connections that have gone away (GoneException) are removed from the table.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["CONNECTIONS_TABLE"])


def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("queryStringParameters") or {}).get("name")
    if not name:
        return {"statusCode": 400, "body": "a name is required: connect with ?name=..."}
    TABLE.put_item(Item={"connectionId": event["requestContext"]["connectionId"], "name": name})
    return {"statusCode": 200}


def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    TABLE.delete_item(Key={"connectionId": event["requestContext"]["connectionId"]})
    return {"statusCode": 200}


def send(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ctx = event["requestContext"]
    sender = TABLE.get_item(Key={"connectionId": ctx["connectionId"]}).get("Item", {}).get("name", "?")
    text = json.loads(event.get("body") or "{}").get("text", "")
    api = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    message = json.dumps({"from": sender, "text": text}).encode()
    for item in TABLE.scan(ProjectionExpression="connectionId")["Items"]:
        try:
            api.post_to_connection(ConnectionId=item["connectionId"], Data=message)
        except api.exceptions.GoneException:
            TABLE.delete_item(Key={"connectionId": item["connectionId"]})
    return {"statusCode": 200}
