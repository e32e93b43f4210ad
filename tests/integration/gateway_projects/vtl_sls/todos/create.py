import json
import uuid

from todos.todo_model import TodoModel


def create(event, context):
    data = json.loads(event["body"])
    todo = TodoModel(todo_id=str(uuid.uuid4()), text=data["text"])
    todo.save()
    return {"statusCode": 201, "body": json.dumps(todo.to_dict())}
