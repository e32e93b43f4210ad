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
    return {"statusCode": 200, "body": "default:" + event["body"]}


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}


def push(event, context):
    ctx = event["requestContext"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    info = client.get_connection(ConnectionId=ctx["connectionId"])
    client.post_to_connection(
        ConnectionId=ctx["connectionId"],
        Data=json.dumps({"pushed": True, "sourceIp": info["Identity"]["SourceIp"]}).encode(),
    )
    return {"statusCode": 200}


def boom(event, context):
    raise RuntimeError("boom")
