from pynamodb.exceptions import DoesNotExist

from todos.todo_model import TodoModel


def delete(event, context):
    try:
        found = TodoModel.get(hash_key=event["path"]["todo_id"])
    except DoesNotExist:
        raise Exception("[404] TODO was not found") from None
    found.delete()
    return {"todo_id": found.todo_id}
