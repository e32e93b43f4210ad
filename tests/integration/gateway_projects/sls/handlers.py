"""Handlers written for AWS: they echo their event, return what they are told, fail, or use DynamoDB."""

import base64
import json
import os

import boto3


def echo(event, context):
    return {"statusCode": 200, "headers": {"x-function": context.function_name}, "body": json.dumps(event)}


def respond(event, context):
    """Returns the JSON document the request sent (base64 when the body came base64-encoded)."""
    body = event["body"] or "null"
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


def boom(event, context):
    raise RuntimeError("boom")


def notes(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["NOTES_TABLE"])
    note_id = event["pathParameters"]["id"]
    table.put_item(Item={"id": note_id, "text": event["body"]})
    item = table.get_item(Key={"id": note_id})["Item"]
    return {"statusCode": 200, "body": json.dumps(item)}
