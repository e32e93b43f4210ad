"""A small notes app on the Nubis table service, driven by boto3 exactly as it would drive DynamoDB.

It creates a ``notes`` table (user → note id), writes a few notes, updates one with a conditional counter, queries a
user's notes newest first and prints them. Run it against a server: ``python app.py --endpoint URL``.
"""

from __future__ import annotations

import argparse
import time

import boto3
from boto3.dynamodb.conditions import Key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    args = parser.parse_args()
    ddb = boto3.resource(
        "dynamodb",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client = ddb.meta.client
    if "notes" not in client.list_tables()["TableNames"]:
        client.create_table(
            TableName="notes",
            KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "user", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName="notes")
    notes = ddb.Table("notes")
    now = int(time.time() * 1000)
    for i, text in enumerate(["buy milk", "write the report", "call Ana"]):
        notes.put_item(Item={"user": "demo", "id": f"{now + i}", "text": text, "views": 0})
    notes.update_item(
        Key={"user": "demo", "id": f"{now}"},
        UpdateExpression="SET #v = #v + :one",
        ConditionExpression="attribute_exists(#t)",
        ExpressionAttributeNames={"#v": "views", "#t": "text"},
        ExpressionAttributeValues={":one": 1},
    )
    page = notes.query(KeyConditionExpression=Key("user").eq("demo"), ScanIndexForward=False, Limit=5)
    print(f"{len(page['Items'])} newest notes of 'demo' (of {notes.item_count} stored):")
    for item in page["Items"]:
        print(f"  {item['id']}  views={item['views']}  {item['text']}")


if __name__ == "__main__":
    main()
