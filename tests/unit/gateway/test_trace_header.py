"""The X-Ray trace header the gateway hands the integration (``ids.trace_header``), without a server."""

from __future__ import annotations

import re

import pytest

from nubis.gateway.ids import trace_header

EPOCH = 1_587_481_701.067
CLIENT = "Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1"


@pytest.mark.V
@pytest.mark.parametrize("rest", [True, False])
@pytest.mark.parametrize("incoming", [None, "", "Parent=7fa8c0f79203be72;Sampled=1"])
def test_a_root_is_generated_when_the_client_sent_none(incoming: str | None, rest: bool):
    """[V GO apigw-v2-request-no-authorizer.json: ``Root=1-5e9f0c65-1de4d666d4dd26aced652b6c``]."""
    value = trace_header(incoming, EPOCH, rest=rest)
    assert re.fullmatch(r"Root=1-5e9f0c65-[0-9a-f]{24}", value)


@pytest.mark.V
@pytest.mark.parametrize("rest", [True, False])
def test_a_client_header_is_kept(rest: bool):
    """[V LS test_invocation_trace_id: the echoed header contains the client's, its Parent second]."""
    assert trace_header(CLIENT, EPOCH, rest=rest) == CLIENT


@pytest.mark.V
def test_rest_adds_a_parent_to_a_client_root_without_one():
    """[V LS test_invocation_trace_id: "AWS populated the parent part of the trace with a generated one"]."""
    root = CLIENT.split(";")[0]
    fields = trace_header(root + ";Sampled=0", EPOCH, rest=True).split(";")
    assert fields[0] == root and fields[2] == "Sampled=0"
    assert re.fullmatch(r"Parent=[0-9a-f]{16}", fields[1])
    assert trace_header(root, EPOCH, rest=False) == root  # no evidence for HTTP APIs: kept as sent
