"""Handlers written as they are for AWS."""

import json
import os

import boto3

EVENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl")


def _record(event):
    with open(EVENTS, "a") as out:
        out.write(json.dumps(event) + "\n")


def connect(event, context):
    _record(event)
    if (event.get("queryStringParameters") or {}).get("deny"):
        return {"statusCode": 403}
    return {"statusCode": 200}


def disconnect(event, context):
    _record(event)
    return {"statusCode": 200}


def default(event, context):
    prefix = "default(base64):" if event["isBase64Encoded"] else "default:"
    return {"statusCode": 200, "body": prefix + event["body"]}


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}


def push(event, context):
    ctx = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    info = client.get_connection(ConnectionId=ctx["connectionId"])
    try:
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"to nobody")
        other_is_gone = False
    except client.exceptions.GoneException:
        other_is_gone = True
    reply = {"pushed": True, "sourceIp": info["Identity"]["SourceIp"], "otherIsGone": other_is_gone}
    client.post_to_connection(ConnectionId=ctx["connectionId"], Data=json.dumps(reply).encode())
    return {"statusCode": 200}


def kick(event, context):
    ctx = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    client.delete_connection(ConnectionId=ctx["connectionId"])
    try:
        client.get_connection(ConnectionId=ctx["connectionId"])
        gone = False
    except client.exceptions.GoneException:
        gone = True
    _record({"requestContext": {"eventType": "KICKED", "connectionId": ctx["connectionId"]}, "gone": gone})
    return {"statusCode": 200}


def boom(event, context):
    raise RuntimeError("boom")
