import json

from pynamodb.exceptions import DoesNotExist

from todos.todo_model import TodoModel


def get(event, context):
    # integration: lambda — the path parameters are in event["path"], and what is returned is the response body.
    try:
        found = TodoModel.get(hash_key=event["path"]["todo_id"])
    except DoesNotExist:
        return {"statusCode": 404, "body": json.dumps({"error_message": "TODO was not found"})}
    return {"statusCode": 200, "body": json.dumps(found.to_dict())}
