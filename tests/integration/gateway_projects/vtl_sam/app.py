"""Lambda non-proxy handlers: they receive the event the request template built and return plain values."""


def greet(event, context):
    name = event["name"]
    if name.lower() == "nobody":
        raise Exception(f"[BadRequest] there is no one to greet: {name!r}")
    message = f"{event['greeting']}, {name}{'!' if event['polite'] else '.'}"
    return {"message": message, "length": len(message), "tags": event["tags"]}


def echo(event, context):
    return event
