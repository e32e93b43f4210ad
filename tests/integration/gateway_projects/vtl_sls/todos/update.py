from pynamodb.exceptions import DoesNotExist

from todos.todo_model import TodoModel


def update(event, context):
    data = event["body"]  # already an object: the default template puts the JSON body in as JSON
    if "text" not in data and "checked" not in data:
        raise Exception("[422] Couldn't update the todo item.")
    try:
        found = TodoModel.get(hash_key=event["path"]["todo_id"])
    except DoesNotExist:
        raise Exception("[404] TODO was not found") from None
    if "text" in data:
        found.text = data["text"]
    if "checked" in data:
        found.checked = data["checked"]
    found.save()
    return found.to_dict()
