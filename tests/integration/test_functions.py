"""Functions through a real ``nubis serve``: boto3's ``lambda`` client and the AWS CLI, unchanged.

Each test asserts one behaviour of issue 5: warm reuse, throttling, timeouts, exception payloads, crash and hang
recovery, the memory limit, logs and their tail, asynchronous retries, reload, the environment and context, and
the API's reads and errors. Expected values carry their evidence marker (see ``tests/conftest.py``).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from nubis.testing import NubisServer
from tests.integration.conftest import client_for, unique

APP = Path(__file__).parent / "functions_app"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
RELOADABLE = 'VERSION = "{version}"\n\n\ndef handler(event, context):\n    return VERSION\n'


class Functions:
    def __init__(self, server: NubisServer, root: Path) -> None:
        self.server = server
        self.root = root
        self.reload_dir = root / "reload_code"
        self.init_log = root / "init.log"

    def client(self):
        return boto3.client(
            "lambda",
            endpoint_url=self.server.url,
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1}, read_timeout=30),
        )


@pytest.fixture(scope="module")
def fns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Functions]:
    root = tmp_path_factory.mktemp("functions")
    (root / "reload_code").mkdir()
    (root / "reload_code" / "reloadable.py").write_text(RELOADABLE.format(version="v1"))
    declarations = [
        f"echo=handlers.echo:env.INIT_LOG={root / 'init.log'}",
        "ctx=handlers.context_info:timeout=7,memory=256,env.GREETING=hi,description=shows its context",
        "chatty=handlers.chatty",
        "boom=handlers.boom",
        "sleepy=handlers.sleepy:timeout=1",
        "pair=handlers.sleepy:concurrency=2,timeout=5",
        "disabled=handlers.echo:concurrency=0",
        "hang=handlers.spin:timeout=1",
        "crash=handlers.crash",
        "hog=handlers.hog:memory=128",
        "flaky=handlers.flaky",
        "tables=handlers.tables:timeout=30",
        "broken=no_such_module.handler",
        f"reload=reloadable.handler:code={root / 'reload_code'}",
    ]
    args = [str(APP), "--async-retry-delays", "0.2,0.3"]
    for declaration in declarations:
        args += ["--function", declaration]
    with NubisServer(root / "data", extra_args=args) as server:
        yield Functions(server, root)


@pytest.fixture(scope="module")
def lam(fns: Functions):
    return fns.client()


def invoke(lam, name: str, event: object = None, **kwargs):
    if event is not None:
        kwargs["Payload"] = json.dumps(event).encode()
    response = lam.invoke(FunctionName=name, **kwargs)
    response["body"] = response["Payload"].read()
    return response


def payload(response) -> object:
    return json.loads(response["body"])


# --------------------------------------------------------------------------------------------- warm workers
@pytest.mark.D
def test_warm_worker_imports_the_handler_once_and_serves_many(fns: Functions, lam):
    results = [payload(invoke(lam, "echo", {"n": n})) for n in range(5)]
    assert [r["event"] for r in results] == [{"n": n} for n in range(5)]
    assert len({r["pid"] for r in results}) == 1
    assert [r["calls"] for r in results] == [1, 2, 3, 4, 5]
    assert fns.init_log.read_text().split() == [str(results[0]["pid"])]


@pytest.mark.D
def test_pool_grows_to_reserved_concurrency_then_throttles_with_429(fns: Functions):
    # Clients made first and a barrier before the calls: the three must overlap, even on a loaded machine.
    clients = [fns.client() for _ in range(3)]
    start = threading.Barrier(3)

    def call(client):
        start.wait()
        try:
            return payload(invoke(client, "pair", {"seconds": 1.0}))
        except ClientError as exc:
            return exc.response

    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(call, clients))
    throttled = [o for o in outcomes if "Error" in o]
    served = [o for o in outcomes if "pid" in o]
    assert len(served) == 2 and len({o["pid"] for o in served}) == 2
    assert len(throttled) == 1
    error = throttled[0]
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error["Error"]["Message"] == "Rate Exceeded."


@pytest.mark.D
def test_reserved_concurrency_zero_throttles_every_invocation(lam):
    with pytest.raises(ClientError) as caught:
        invoke(lam, "disabled", {})
    assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"


# --------------------------------------------------------------------------------------------- failures
@pytest.mark.V
def test_timeout_kills_and_replaces_the_worker(lam):
    first = payload(invoke(lam, "sleepy", {"seconds": 0}))
    response = invoke(lam, "sleepy", {"seconds": 5}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert payload(response) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    log = base64.b64decode(response["LogResult"]).decode()
    assert re.search(rf"\d{{4}}-\d\d-\d\dT[\d:.]+Z {request_id} Task timed out after 1.00 seconds\n", log)
    assert re.search(r"\tStatus: timeout\t\n$", log)
    after = payload(invoke(lam, "sleepy", {"seconds": 0}))
    assert after["pid"] != first["pid"]


@pytest.mark.V
def test_a_hung_handler_is_timed_out_and_the_function_recovers(lam):
    response = invoke(lam, "hang", {"spin": True})
    assert payload(response)["errorType"] == "Sandbox.Timedout"
    assert "pid" in payload(invoke(lam, "hang", {}))


@pytest.mark.V
def test_unhandled_exception_returns_lambdas_error_document(lam):
    response = invoke(lam, "boom", {}, LogType="Tail")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    document = payload(response)
    # awslambdaric's key order and fields; requestId is the invocation's id (x-amzn-RequestId).
    assert list(document) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert document["errorMessage"] == "something bad" and document["errorType"] == "ValueError"
    assert document["requestId"] == response["ResponseMetadata"]["RequestId"]
    trace = document["stackTrace"]
    assert all(line.startswith('  File "') for line in trace)
    assert "in boom\n    _inner(" in trace[0] and "in _inner\n    raise ValueError(message)\n" in trace[-1]
    assert "functions/worker.py" not in "".join(trace)
    log = base64.b64decode(response["LogResult"]).decode()
    assert "[ERROR] ValueError: something bad\nTraceback (most recent call last):\n" in log


@pytest.mark.V
@pytest.mark.parametrize(
    ("how", "status"), [("exit", "exit status 3"), ("segfault", "signal: segmentation fault")], ids=["exit", "segv"]
)
def test_a_crashed_worker_is_replaced_and_reported_as_runtime_exit(fns: Functions, lam, how, status):
    response = invoke(lam, "crash", {"how": how}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert payload(response) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {status}",
    }
    log = base64.b64decode(response["LogResult"]).decode()
    assert "\tStatus: error\tError Type: Runtime.ExitError\t" in log
    assert "pid" in payload(invoke(lam, "crash", {}))
    # The server stayed up: the table service still answers.
    assert "TableNames" in client_for(fns.server.url).list_tables()


@pytest.mark.P
def test_memory_size_is_enforced_and_the_worker_replaced(lam):
    assert payload(invoke(lam, "hog", {"mb": 8})) == 8 * 1024 * 1024
    response = invoke(lam, "hog", {"mb": 400}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert payload(response) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    report = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
    used = int(re.search(r"Max Memory Used: (\d+) MB", report).group(1))  # type: ignore[union-attr]
    assert used >= 128
    assert payload(invoke(lam, "hog", {"mb": 1})) == 1024 * 1024


@pytest.mark.V
def test_init_error_reports_runtime_import_module_error(lam):
    response = invoke(lam, "broken", {})
    assert response["FunctionError"] == "Unhandled"
    assert payload(response) == {
        "errorMessage": "Unable to import module 'no_such_module': No module named 'no_such_module'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


# --------------------------------------------------------------------------------------------- logs
REPORT = re.compile(
    rf"^REPORT RequestId: ({UUID})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB"
    r"\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?$"
)


@pytest.mark.V
def test_output_and_logging_are_captured_with_start_end_report_and_tail(lam):
    response = invoke(lam, "chatty", {"tag": "first"}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    start = lines.index(f"START RequestId: {request_id} Version: $LATEST")
    assert lines[start + 1 : start + 3] == ["to stdout first", "to stderr"]
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\ta warning from logging",
        lines[start + 3],
    )
    assert lines[start + 4] == f"END RequestId: {request_id}"
    report = REPORT.match(lines[start + 5])
    assert report and report.group(1) == request_id
    assert not any("hidden" in line for line in lines)
    warm = base64.b64decode(invoke(lam, "chatty", {"tag": "second"}, LogType="Tail")["LogResult"]).decode()
    assert "Init Duration" not in warm and "to stdout second" in warm


@pytest.mark.D
def test_log_tail_is_the_last_4_kb(lam):
    response = invoke(lam, "chatty", {"tag": "x" * 10000}, LogType="Tail")
    log = base64.b64decode(response["LogResult"])
    assert len(log) == 4096 and log.decode().rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")


def test_nubis_logs_shows_and_follows_a_functions_logs(fns: Functions, lam):
    request_id = invoke(lam, "chatty", {"tag": "kept"})["ResponseMetadata"]["RequestId"]
    data_dir = str(fns.server.data_dir)
    shown = subprocess.run(
        [sys.executable, "-m", "nubis", "logs", "chatty", "--data-dir", data_dir],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"START RequestId: {request_id} Version: $LATEST\nto stdout kept\n" in shown
    assert f"END RequestId: {request_id}\nREPORT RequestId: {request_id}\t" in shown

    follower = subprocess.Popen(
        [sys.executable, "-m", "nubis", "logs", "chatty", "--follow", "--data-dir", data_dir],
        stdout=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(iter(follower.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        time.sleep(0.5)
        followed = invoke(lam, "chatty", {"tag": "followed"})["ResponseMetadata"]["RequestId"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(followed in line and "REPORT" in line for line in seen):
            time.sleep(0.05)
        assert any(line == "to stdout followed\n" for line in seen)
        assert any(line.startswith(f"REPORT RequestId: {followed}\t") for line in seen)
    finally:
        follower.kill()
        follower.wait()
        reader.join(5)
        follower.stdout.close()  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------- invocation types
@pytest.mark.D
def test_event_invocation_is_accepted_then_retried_twice_on_error(fns: Functions, lam):
    attempts = fns.root / f"{unique('attempts')}.txt"
    response = invoke(lam, "flaky", {"path": str(attempts)}, InvocationType="Event")
    assert response["StatusCode"] == 202 and response["body"] == b""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (not attempts.exists() or len(attempts.read_text().split()) < 3):
        time.sleep(0.05)
    time.sleep(0.6)  # longer than the retry delays: a fourth attempt would have happened by now
    ids = attempts.read_text().split()
    assert len(ids) == 3 and len(set(ids)) == 1
    assert ids[0] == response["ResponseMetadata"]["RequestId"]


@pytest.mark.D
def test_successful_event_runs_once(fns: Functions, lam):
    attempts = fns.root / f"{unique('once')}.txt"
    invoke(lam, "flaky", {"path": str(attempts), "fail": False}, InvocationType="Event")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not attempts.exists():
        time.sleep(0.05)
    time.sleep(0.6)
    assert len(attempts.read_text().split()) == 1


@pytest.mark.D
def test_dry_run_answers_204_without_running(fns: Functions, lam):
    before = fns.init_log.read_text() if fns.init_log.exists() else ""
    response = invoke(lam, "echo", InvocationType="DryRun")
    assert response["StatusCode"] == 204 and response["body"] == b""
    assert (fns.init_log.read_text() if fns.init_log.exists() else "") == before


# --------------------------------------------------------------------------------------------- development
@pytest.mark.D
def test_reload_picks_up_a_code_change_on_the_next_invocation(fns: Functions, lam):
    assert payload(invoke(lam, "reload", {})) == "v1"
    (fns.reload_dir / "reloadable.py").write_text(RELOADABLE.format(version="v2"))
    assert payload(invoke(lam, "reload", {})) == "v2"
    (fns.reload_dir / "reloadable.py").write_text(RELOADABLE.format(version="v3"))
    assert payload(invoke(lam, "reload", {})) == "v3"


# --------------------------------------------------------------------------------------------- environment
@pytest.mark.D
def test_environment_and_context_are_lambdas(fns: Functions, lam):
    custom = {"custom": {"k": "v"}, "env": {"locale": "en"}}
    response = invoke(
        lam, "ctx", {}, ClientContext=base64.b64encode(json.dumps(custom).encode()).decode(), Qualifier="$LATEST"
    )
    assert response["ExecutedVersion"] == "$LATEST"
    request_id = response["ResponseMetadata"]["RequestId"]
    result = payload(response)
    env, context = result["env"], result["context"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "ctx" and env["_HANDLER"] == "handlers.context_info"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["LAMBDA_TASK_ROOT"] == str(APP) == result["cwd"] == result["path0"]
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11" and env["TZ"] == ":UTC"
    assert env["AWS_ENDPOINT_URL"] == fns.server.url
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["GREETING"] == "hi" and env["LAMBDA_RUNTIME_DIR"] and env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert context["function_name"] == "ctx" and context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert context["memory_limit_in_mb"] == "256"  # a string in Lambda's Python runtime [P awslambdaric]
    assert context["aws_request_id"] == request_id
    assert context["log_group_name"] == "/aws/lambda/ctx"
    assert context["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert context["identity"] == [None, None]
    assert context["client_context"] == custom
    assert 0 < context["remaining"] <= 7000


@pytest.mark.D
def test_boto3_in_a_handler_reaches_this_nubiss_tables_unchanged(fns: Functions, lam):
    ddb = client_for(fns.server.url)
    name = unique("fromlambda")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    response = invoke(lam, "tables", {"table": name, "key": "k1"})
    assert "FunctionError" not in response, response["body"]
    assert payload(response) == {"by": "lambda"}
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "k1"}, "sk": {"S": "v"}})["Item"]
    assert item["by"] == {"S": "lambda"}


# --------------------------------------------------------------------------------------------- API
@pytest.mark.D
def test_get_function_and_list_functions(lam):
    config = lam.get_function(FunctionName="ctx")["Configuration"]
    assert config["FunctionName"] == "ctx" and config["Handler"] == "handlers.context_info"
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert config["Runtime"] == "python3.11" and config["Timeout"] == 7 and config["MemorySize"] == 256
    assert config["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert config["Description"] == "shows its context" and config["Version"] == "$LATEST"
    assert config["State"] == "Active" and config["PackageType"] == "Zip" and config["CodeSize"] > 0
    assert lam.get_function(FunctionName="pair")["Concurrency"] == {"ReservedConcurrentExecutions": 2}
    assert lam.get_function_configuration(FunctionName="ctx")["CodeSha256"] == config["CodeSha256"]
    names = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]]
    assert names == sorted(names) and {"echo", "ctx", "reload"} <= set(names)
    first = lam.list_functions(MaxItems=2)
    assert len(first["Functions"]) == 2 and "NextMarker" in first


@pytest.mark.P
def test_unknown_function_or_qualifier_is_resource_not_found(lam):
    with pytest.raises(ClientError) as caught:
        invoke(lam, "nope", {})
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope",
    }
    with pytest.raises(ClientError) as caught:
        invoke(lam, "echo", {}, Qualifier="7")
    assert caught.value.response["Error"]["Message"].endswith(":function:echo:7")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="nope")
    by_arn = invoke(lam, "arn:aws:lambda:us-east-1:000000000000:function:echo", {"a": 1})
    assert payload(by_arn)["event"] == {"a": 1}


@pytest.mark.P
def test_a_payload_that_is_not_json_is_invalid_request_content(lam):
    with pytest.raises(ClientError) as caught:
        lam.invoke(FunctionName="echo", Payload=b"{not json")
    assert caught.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"]["Message"].startswith("Could not parse request body into json")


@pytest.mark.D
def test_aws_cli_lambda_invoke(fns: Functions, tmp_path):
    out = tmp_path / "out.json"
    aws = Path(sys.executable).parent / "aws"
    env = {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": str(aws.parent),
    }
    completed = subprocess.run(
        [
            str(aws),
            "lambda",
            "invoke",
            "--endpoint-url",
            fns.server.url,
            "--function-name",
            "echo",
            "--payload",
            '{"from": "cli"}',
            "--log-type",
            "Tail",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    summary = json.loads(completed.stdout)
    assert summary["StatusCode"] == 200 and summary["ExecutedVersion"] == "$LATEST"
    assert "START RequestId: " in base64.b64decode(summary["LogResult"]).decode()
    assert json.loads(out.read_text())["event"] == {"from": "cli"}
