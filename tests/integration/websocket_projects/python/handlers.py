"""Handlers written as they are for AWS."""

import json
import os

EVENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl")


def _record(event):
    with open(EVENTS, "a") as out:
        out.write(json.dumps(event) + "\n")


def connect(event, context):
    _record(event)
    token = (event.get("headers") or {}).get("X-Token")
    return {"statusCode": 200 if token == "open" else 401}


def disconnect(event, context):
    _record(event)


def whoami(event, context):
    ctx = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({"connectionId": ctx["connectionId"], "route": ctx["routeKey"]})}
