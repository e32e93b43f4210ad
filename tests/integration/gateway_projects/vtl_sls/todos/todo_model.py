import os

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model


class TodoModel(Model):
    class Meta:
        table_name = os.environ["DYNAMODB_TABLE"]
        region = os.environ.get("AWS_REGION", "us-east-1")

    todo_id = UnicodeAttribute(hash_key=True)
    text = UnicodeAttribute()
    checked = BooleanAttribute(default=False)

    def to_dict(self):
        return {"todo_id": self.todo_id, "text": self.text, "checked": self.checked}
