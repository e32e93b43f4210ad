"""Handlers for the functions integration tests: each exercises one Lambda behaviour."""

import ctypes
import logging
import os
import sys
import time

# Module init: runs once per worker process. INIT_LOG (a function variable) records each init's pid.
if os.environ.get("INIT_LOG"):
    with open(os.environ["INIT_LOG"], "a") as _log:
        _log.write(f"{os.getpid()}\n")
print(f"init pid={os.getpid()}")
CALLS = 0


def echo(event, context):
    global CALLS
    CALLS += 1
    return {"event": event, "pid": os.getpid(), "calls": CALLS}


def context_info(event, context):
    names = [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_EXECUTION_ENV",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "TZ",
        "GREETING",
        "_X_AMZN_TRACE_ID",
    ]
    client = context.client_context
    return {
        "env": {name: os.environ.get(name) for name in names},
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
            "client_context": None if client is None else {"custom": client.custom, "env": client.env},
            "remaining": context.get_remaining_time_in_millis(),
        },
    }


def chatty(event, context):
    print("to stdout", event.get("tag"))
    sys.stderr.write("to stderr\n")
    logging.getLogger().warning("a warning from logging")
    logging.getLogger().info("an info line: hidden, as in Lambda, the root level is WARNING")
    return "ok"


def _inner(message):
    raise ValueError(message)


def boom(event, context):
    _inner("something bad")


def sleepy(event, context):
    time.sleep(event.get("seconds", 0))
    return {"pid": os.getpid()}


def spin(event, context):
    if event.get("spin"):
        while True:
            pass
    return {"pid": os.getpid()}


def crash(event, context):
    if event.get("how") == "exit":
        os._exit(event.get("code", 3))
    if event.get("how") == "segfault":
        ctypes.string_at(0)
    return {"pid": os.getpid()}


def hog(event, context):
    block = bytearray(event["mb"] * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return len(block)


def flaky(event, context):
    with open(event["path"], "a") as attempts:
        attempts.write(f"{context.aws_request_id}\n")
    if event.get("fail", True):
        raise RuntimeError("try again")
    return "done"


def tables(event, context):
    import boto3

    ddb = boto3.client("dynamodb")  # no endpoint, region or keys: the environment points at Nubis
    ddb.put_item(TableName=event["table"], Item={"pk": {"S": event["key"]}, "sk": {"S": "v"}, "by": {"S": "lambda"}})
    item = ddb.get_item(TableName=event["table"], Key={"pk": {"S": event["key"]}, "sk": {"S": "v"}})["Item"]
    return {"by": item["by"]["S"]}
