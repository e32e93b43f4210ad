"""Handlers for the SAM test application."""

import json
import time


def echo(event, context):
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    if headers.get("accept") == "image/png":
        # Send the request's binary body back as binary.
        headers = {"Content-Type": "image/png"}
        return {"statusCode": 200, "headers": headers, "body": event["body"], "isBase64Encoded": True}
    return {"statusCode": 200, "body": json.dumps(event)}


def slow(event, context):
    time.sleep(3)
    return {"statusCode": 200, "body": "late"}
