"""``FunctionRuntime`` used alone, as a library: no server, no HTTP."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from nubis.functions import FunctionRuntime, FunctionSpec, ResourceNotFoundException, RuntimeConfig
from nubis.functions.errors import TooManyRequestsException

HANDLER = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "name": context.function_name, "echo": event}
"""


def run(coroutine):
    return asyncio.run(coroutine)


def test_invoke_by_name_reuses_a_warm_worker(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)

    async def scenario():
        async with FunctionRuntime([FunctionSpec("f", "app.handler", code_dir=tmp_path)]) as runtime:
            first = await runtime.invoke("f", b'{"a": 1}')
            second = await runtime.invoke("f")
            return first, second, runtime.pool_stats("f")

    first, second, stats = run(scenario())
    assert first.function_error is None and second.function_error is None, (first.payload, first.log, second.log)
    assert json.loads(first.payload)["echo"] == {"a": 1} and json.loads(second.payload)["echo"] == {}
    assert json.loads(first.payload)["pid"] == json.loads(second.payload)["pid"]
    assert first.init_duration_ms is not None and second.init_duration_ms is None
    assert first.log.startswith("START RequestId: ") and "REPORT RequestId: " in first.log
    assert stats == {"workers": 1, "idle": 1, "active": 0, "started": 1}


def test_reserved_concurrency_throttles_and_unknown_names_are_not_found(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    spec = FunctionSpec("one", "app.handler", code_dir=tmp_path, reserved_concurrency=1)

    async def scenario():
        async with FunctionRuntime([spec], RuntimeConfig()) as runtime:
            slow = asyncio.create_task(runtime.invoke("one", b'{"sleep": 0.5}'))
            await asyncio.sleep(0.2)
            with pytest.raises(TooManyRequestsException) as caught:
                await runtime.invoke("one")
            assert caught.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
            assert (await slow).function_error is None
            with pytest.raises(ResourceNotFoundException, match=r"function:missing$"):
                await runtime.invoke("missing")

    run(scenario())


def test_unreserved_invocations_queue_for_a_worker_instead_of_failing(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)

    async def scenario():
        config = RuntimeConfig(max_workers=2)
        async with FunctionRuntime([FunctionSpec("f", "app.handler", code_dir=tmp_path)], config) as runtime:
            results = await asyncio.gather(*(runtime.invoke("f", b'{"sleep": 0.1}') for _ in range(6)))
            return results, runtime.pool_stats("f")

    results, stats = run(scenario())
    assert all(r.function_error is None for r in results)
    assert len({json.loads(r.payload)["pid"] for r in results}) == 2 and stats["started"] == 2


def test_idle_workers_are_stopped_so_the_pool_shrinks(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)

    async def scenario():
        config = RuntimeConfig(idle_timeout=0.1)
        async with FunctionRuntime([FunctionSpec("f", "app.handler", code_dir=tmp_path)], config) as runtime:
            await asyncio.gather(*(runtime.invoke("f", b'{"sleep": 0.2}') for _ in range(3)))
            grown = runtime.pool_stats("f")["workers"]
            deadline = asyncio.get_running_loop().time() + 5
            while runtime.pool_stats("f")["workers"] and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            return grown, runtime.pool_stats("f")["workers"]

    assert run(scenario()) == (3, 0)


def test_events_to_a_disabled_function_are_dropped_not_queued_forever(tmp_path):
    (tmp_path / "app.py").write_text(HANDLER)
    spec = FunctionSpec("off", "app.handler", code_dir=tmp_path, reserved_concurrency=0)

    async def scenario():
        async with FunctionRuntime([spec]) as runtime:
            runtime.invoke_event("off", b"{}")
            await asyncio.sleep(0.1)
            return runtime.pool_stats("off")

    assert run(scenario())["workers"] == 0


def test_a_large_server_process_does_not_count_against_a_workers_memory(tmp_path):
    # Linux carries a parent's peak RSS into a child's ru_maxrss across exec; the runtime must not be fooled.
    (tmp_path / "app.py").write_text(HANDLER)
    ballast = bytearray(200 * 1024 * 1024)
    for offset in range(0, len(ballast), 4096):
        ballast[offset] = 1

    async def scenario():
        async with FunctionRuntime([FunctionSpec("f", "app.handler", code_dir=tmp_path, memory=128)]) as runtime:
            return await runtime.invoke("f")

    result = run(scenario())
    del ballast
    assert result.function_error is None, result.payload
    assert result.max_memory_used_mb < 128


def test_a_relative_pythonpath_means_the_servers_folder_not_the_functions(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["src", "/abs/lib"]))
    runtime = FunctionRuntime([FunctionSpec("f", "app.handler", code_dir=tmp_path)])
    env = runtime.environment(runtime.specs["f"])
    assert env["PYTHONPATH"] == os.pathsep.join([os.path.abspath("src"), "/abs/lib"])
