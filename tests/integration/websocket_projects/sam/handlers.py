"""One handler for every route, as SAM WebSocket samples often write it: it branches on the route key."""

import json
import os

import boto3

EVENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl")


def handle(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] != "MESSAGE":
        with open(EVENTS, "a") as out:
            out.write(json.dumps(event) + "\n")
        return {"statusCode": 200}
    if ctx["routeKey"] == "ping":
        reply = {"route": "ping", "stage": ctx["stage"], "colour": event.get("stageVariables", {}).get("colour")}
        return {"statusCode": 200, "body": json.dumps(reply)}
    api = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
    api.post_to_connection(ConnectionId=ctx["connectionId"], Data=("pushed:" + event["body"]).encode())
    return {"statusCode": 200}
