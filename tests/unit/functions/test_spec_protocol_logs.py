"""The pure parts of ``nubis.functions``: declarations, framing, log lines and error wording."""

from __future__ import annotations

import base64
import io
import json
import signal
from pathlib import Path

import pytest

import nubis.functions
from nubis.functions import errors, logs, protocol
from nubis.functions.spec import FunctionSpec, FunctionSpecError, parse_function_option
from nubis.functions.worker import PeakMemory, decode_event


def test_public_api_is_exported_lazily():
    for name in nubis.functions.__all__:
        assert getattr(nubis.functions, name) is not None
    with pytest.raises(AttributeError):
        nubis.functions.nothing  # noqa: B018


def test_function_option_parses_every_key(tmp_path):
    spec = parse_function_option(
        "orders=app.api.handler:timeout=10,memory=256,concurrency=2,code=src,runtime=python3.12,"
        "description=takes orders,env.TABLE=orders,env.EMPTY=",
        base_dir=tmp_path,
    )
    assert spec == FunctionSpec(
        name="orders",
        handler="app.api.handler",
        code_dir=tmp_path / "src",
        runtime="python3.12",
        timeout=10,
        memory=256,
        environment={"TABLE": "orders", "EMPTY": ""},
        reserved_concurrency=2,
        description="takes orders",
    )


def test_function_defaults_are_lambdas():
    spec = parse_function_option("f=app.handler")
    assert (spec.timeout, spec.memory, spec.runtime, spec.reserved_concurrency) == (3.0, 128, "python3.11", None)
    assert spec.code_dir == Path(".").resolve()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("no-handler", "expected NAME=module.handler"),
        ("f=handler", "must look like module.function"),
        ("bad name=app.h", "must be 1-64"),
        ("f=app.h:timeout=0", "timeout"),
        ("f=app.h:memory=64", "memory"),
        ("f=app.h:memory=lots", "memory must be a number"),
        ("f=app.h:colour=red", "unknown key 'colour'"),
        ("f=app.h:timeout", "is not key=value"),
        ("f=app.h:runtime=python2.7", "runtime"),
    ],
)
def test_bad_function_options_say_what_is_wrong(option, message):
    with pytest.raises(FunctionSpecError, match=message):
        parse_function_option(option)


def test_frames_decode_incrementally_in_any_chunking():
    frames = [
        (protocol.INVOKE, {"id": "a"}, b'{"x": 1}'),
        (protocol.READY, {}, b""),
        (protocol.RESULT, {}, b"x" * 70000),
    ]
    data = b"".join(protocol.encode_frame(kind, meta, body) for kind, meta, body in frames)
    for step in (1, 7, 4096, len(data)):
        decoder = protocol.FrameDecoder()
        out = []
        for i in range(0, len(data), step):
            out += decoder.feed(data[i : i + step])
        assert out == frames
    stream = io.BytesIO(data)
    assert [protocol.read_frame(stream) for _ in frames] == frames
    assert protocol.read_frame(stream) is None


@pytest.mark.V
def test_report_line_is_lambdas_format():
    line = logs.report_line("r1", duration_ms=2.345, memory_mb=128, max_memory_used_mb=40, init_duration_ms=113.514)
    assert line == (
        "REPORT RequestId: r1\tDuration: 2.35 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\tInit Duration: 113.51 ms\t\n"
    )
    assert logs.start_line("r1") == "START RequestId: r1 Version: $LATEST\n"
    assert logs.end_line("r1") == "END RequestId: r1\n"


def test_tail_keeps_the_last_4_kb():
    assert base64.b64decode(logs.tail("a" * 5000 + "END")) == b"a" * 4093 + b"END"


@pytest.mark.V
def test_exit_statuses_are_worded_as_go_prints_them():
    assert errors.exit_status_text(1) == "exit status 1"
    assert errors.exit_status_text(-signal.SIGKILL) == "signal: killed"
    assert errors.exit_status_text(-signal.SIGSEGV) == "signal: segmentation fault"
    assert errors.exit_status_text(-signal.SIGABRT) == "signal: aborted"


def test_function_log_rotates_and_stays_bounded(tmp_path):
    log = logs.FunctionLog(tmp_path, "f", max_bytes=100)
    for i in range(10):
        log.append(f"block {i} " + "x" * 30 + "\n")
    log.close()
    kept = logs.read_log(tmp_path, "f")
    assert "block 9" in kept and "block 0" not in kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.log", "f.log.1"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": 123456789012345678901234}', {"id": 123456789012345678901234}),
        (b"[18446744073709551616, -9223372036854775809]", [2**64, -(2**63) - 1]),
        (b'{"n": NaN}', None),
        (b'{"a": [1, 2.5, "x", true, null]}', {"a": [1, 2.5, "x", True, None]}),
    ],
)
def test_events_decode_as_json_loads_does(body: bytes, expected: object) -> None:
    """orjson reads integers past 64 bits as floats: the worker must hand handlers what awslambdaric would."""
    decoded = decode_event(body)
    reference = json.loads(body)
    assert repr(decoded) == repr(reference)
    if expected is not None:
        assert decoded == expected


def _high_water_kb() -> int:
    text = Path("/proc/self/status").read_text()
    return int(text.split("VmHWM:")[1].split("kB")[0])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux's /proc: where VmHWM is read from")
def test_peak_memory_is_the_high_water_mark_after_growth() -> None:
    peak = PeakMemory()
    assert peak.kb() == _high_water_kb()
    block = bytearray(64 * 1024 * 1024)  # touched pages: page faults, so the next read is a fresh one
    block[::4096] = b"x" * len(block[::4096])
    grown = peak.kb()
    assert grown == _high_water_kb() and grown >= 64 * 1024
    del block
