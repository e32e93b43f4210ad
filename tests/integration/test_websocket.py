"""WebSocket APIs and ``@connections`` through a real ``nubis serve`` (a serverless.yml ``websocket`` project in
``websocket_projects/chat``), driven by the ``websockets`` client and boto3. Expected values come from
``shared/reference/gateway.md`` §4 and carry the marker of the rule they rely on.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from nubis.testing import NubisServer

PROJECTS = Path(__file__).parent / "websocket_projects"
PROJECT = PROJECTS / "chat"
FRAME = 32 * 1024
MESSAGE = 128 * 1024
SHORT_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")
CLF = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")


class Running:
    def __init__(self, server: NubisServer, project: Path, stage: str = "dev") -> None:
        self.server = server
        self.project = project
        self.stage = stage
        self.ws_url = f"ws://127.0.0.1:{server.port}/{stage}"

    def events(self) -> list[dict[str, Any]]:
        path = self.project / "events.jsonl"
        if not path.exists():
            return []
        # The handler may be mid-write: only lines it has ended are whole events.
        text = path.read_text()
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no matching event in {self.events()}")

    def disconnect_of(self, connection_id: str, timeout: float = 20.0) -> dict[str, Any]:
        return self.wait_for(
            lambda e: (
                e["requestContext"]["eventType"] == "DISCONNECT"
                and e["requestContext"]["connectionId"] == connection_id
            ),
            timeout,
        )

    def management(self) -> Any:
        return boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=f"http://127.0.0.1:{self.server.port}/{self.stage}",
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
        )


def _serve(tmp: Path, *args: str, project: Path = PROJECT, stage: str = "dev") -> Iterator[Running]:
    copy = tmp / project.name
    shutil.copytree(project, copy)
    server = NubisServer(tmp / "data", extra_args=["--storage", "memory:", *args, str(copy)]).start()
    try:
        yield Running(server, copy, stage)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    yield from _serve(tmp_path_factory.mktemp("ws"))


def _ask(client: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    client.send(json.dumps(message))
    return json.loads(client.recv(timeout=20))


def _connection_id(client: ClientConnection) -> str:
    return str(_ask(client, {"action": "echo"})["requestContext"]["connectionId"])


# ---------------------------------------------------------------------------------------------- $connect


@pytest.mark.D
def test_connect_event_carries_headers_and_query(ws: Running):
    with connect(ws.ws_url + "?token=abc&token=def&x=1", additional_headers={"X-Custom": "yes"}) as client:
        connection_id = _connection_id(client)
    event = ws.wait_for(lambda e: e["requestContext"].get("connectionId") == connection_id)
    context = event["requestContext"]
    assert context["eventType"] == "CONNECT"
    assert context["routeKey"] == "$connect"
    assert context["messageDirection"] == "IN"
    assert context["stage"] == "dev"
    assert SHORT_ID.match(context["connectionId"]) and SHORT_ID.match(context["requestId"])
    assert CLF.match(context["requestTime"])
    assert context["domainName"] == f"127.0.0.1:{ws.server.port}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert "userAgent" in context["identity"]
    assert event["queryStringParameters"] == {"token": "def", "x": "1"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc", "def"], "x": ["1"]}
    assert event["headers"]["X-Custom"] == "yes"
    assert event["headers"]["Sec-Websocket-Key"] or event["headers"]["Sec-WebSocket-Key"]
    assert event["isBase64Encoded"] is False
    assert "body" not in event


@pytest.mark.D
def test_non_2xx_connect_result_refuses_the_handshake(ws: Running):
    with pytest.raises(InvalidStatus) as refused:
        connect(ws.ws_url + "?deny=1")
    assert refused.value.response.status_code == 403


@pytest.mark.D
def test_unknown_stage_is_refused(ws: Running):
    with pytest.raises(InvalidStatus):
        connect(f"ws://127.0.0.1:{ws.server.port}/nostage")


@pytest.mark.D
def test_host_based_url_reaches_the_api(ws: Running):
    host = f"zulh89zlza.execute-api.localhost:{ws.server.port}"
    sock = socket.create_connection(("127.0.0.1", ws.server.port))
    with connect(f"ws://{host}/dev", sock=sock) as client:
        assert _ask(client, {"action": "echo"})["requestContext"]["domainName"] == host


# ---------------------------------------------------------------------------------------------- messages


@pytest.mark.V
def test_message_event_has_aws_shape_and_two_way_route_replies(ws: Running):
    with connect(ws.ws_url) as client:
        event = _ask(client, {"action": "echo", "n": 1})
    context = event["requestContext"]
    assert set(event) == {"requestContext", "body", "isBase64Encoded"}
    assert json.loads(event["body"]) == {"action": "echo", "n": 1}
    assert context["routeKey"] == "echo"
    assert context["eventType"] == "MESSAGE"
    assert SHORT_ID.match(context["messageId"])
    assert isinstance(context["connectedAt"], int) and isinstance(context["requestTimeEpoch"], int)
    assert context["apiId"] == "zulh89zlza"
    assert {
        "routeKey",
        "messageId",
        "eventType",
        "extendedRequestId",
        "requestTime",
        "messageDirection",
        "stage",
        "connectedAt",
        "requestTimeEpoch",
        "identity",
        "requestId",
        "domainName",
        "connectionId",
        "apiId",
    } <= set(context)


@pytest.mark.D
def test_unmatched_or_non_json_messages_go_to_default(ws: Running):
    with connect(ws.ws_url) as client:
        client.send("not json")
        assert client.recv(timeout=20) == "default:not json"
        client.send('{"action": "nope"}')
        assert client.recv(timeout=20) == 'default:{"action": "nope"}'


@pytest.mark.D
def test_one_way_route_result_is_discarded(ws: Running):
    with connect(ws.ws_url) as client:
        client.send(json.dumps({"action": "silent"}))
        assert _ask(client, {"action": "echo"})["requestContext"]["routeKey"] == "echo"


@pytest.mark.D
def test_function_error_sends_an_internal_server_error_frame(ws: Running):
    with connect(ws.ws_url) as client:
        client.send(json.dumps({"action": "boom"}))
        frame = client.recv(timeout=20)
    assert re.fullmatch(r'\{"message": "Internal server error", "connectionId":"\S+", "requestId":"\S+"\}', frame)


@pytest.mark.D
def test_binary_frame_closes_with_1003(ws: Running):
    with connect(ws.ws_url) as client:
        client.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1003


def test_binary_frames_reach_default_as_base64_when_asked(tmp_path: Path):
    """``--ws-binary-frames base64``: the lenient switch (AWS itself closes with 1003, the test above)."""
    for running in _serve(tmp_path, "--ws-binary-frames", "base64"):
        with connect(running.ws_url) as client:
            client.send(b"\x00\x01\xff")
            assert client.recv(timeout=20) == "default(base64):AAH/"
            client.send(json.dumps({"action": "nothing-routes-this"}))
            assert client.recv(timeout=20) == 'default:{"action": "nothing-routes-this"}'


@pytest.mark.D
def test_frames_of_32_kb_make_messages_of_up_to_128_kb(ws: Running):
    with connect(ws.ws_url, compression=None, max_size=None) as client:
        client.send("a" * FRAME)  # one frame at the limit
        assert client.recv(timeout=20) == "default:" + "a" * FRAME
        body = "b" * MESSAGE
        client.send([body[i : i + FRAME] for i in range(0, MESSAGE, FRAME)])  # four frames
        assert client.recv(timeout=20) == "default:" + body


@pytest.mark.D
def test_frame_over_32_kb_closes_with_1009(ws: Running):
    with connect(ws.ws_url, compression=None) as client:
        connection_id = _connection_id(client)
        client.send("x" * (FRAME + 1))  # well under the message limit, but in one frame
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert ws.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1009


@pytest.mark.D
def test_compressed_frame_counts_its_uncompressed_size(ws: Running):
    with connect(ws.ws_url) as client:  # permessage-deflate: 33 KB of one letter is a few bytes on the wire
        client.send("x" * (FRAME + 1))
        with pytest.raises(ConnectionClosed) as closed:
            client.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


@pytest.mark.D
def test_message_over_128_kb_closes_with_1009_even_in_small_frames(ws: Running):
    with connect(ws.ws_url, compression=None) as client:
        body = "x" * (MESSAGE + 1)
        with pytest.raises(ConnectionClosed) as closed:
            # Five frames. On a busy machine the close may already be in when the client sends its last one.
            client.send([body[i : i + FRAME] for i in range(0, len(body), FRAME)])
            client.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


# ---------------------------------------------------------------------------------------------- @connections


@pytest.mark.D
def test_handler_reaches_connections_with_the_https_url_aws_gives_it(ws: Running):
    with connect(ws.ws_url) as client:
        client.send(json.dumps({"action": "push"}))
        assert json.loads(client.recv(timeout=30)) == {"pushed": True, "sourceIp": "127.0.0.1", "otherIsGone": True}


@pytest.mark.D
def test_handler_that_imports_boto3_when_called_reaches_connections_on_its_first_call(ws: Running):
    with connect(ws.ws_url) as client:
        client.send(json.dumps({"action": "lazypush"}))
        assert client.recv(timeout=30) == "lazy"


@pytest.mark.D
def test_handler_deletes_its_own_connection(ws: Running):
    with connect(ws.ws_url) as client:
        connection_id = _connection_id(client)
        client.send(json.dumps({"action": "kick"}))
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=30)
    kicked = ws.wait_for(lambda e: e["requestContext"] == {"eventType": "KICKED", "connectionId": connection_id})
    assert kicked["gone"] is True  # GetConnection right after DeleteConnection: 410
    ws.disconnect_of(connection_id)


@pytest.mark.D
def test_connections_send_get_delete_from_outside(ws: Running):
    api = ws.management()
    with connect(ws.ws_url, user_agent_header="nubis-test/1") as client:
        connection_id = _connection_id(client)
        api.post_to_connection(ConnectionId=connection_id, Data=b"hello")
        assert client.recv(timeout=20) == "hello"
        info = api.get_connection(ConnectionId=connection_id)
        assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "nubis-test/1"}
        assert info["ConnectedAt"] <= info["LastActiveAt"]
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        response = api.delete_connection(ConnectionId=connection_id)
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=20)
    ws.disconnect_of(connection_id)
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection_id, Data=b"late")
    with pytest.raises(api.exceptions.GoneException):
        api.get_connection(ConnectionId=connection_id)


@pytest.mark.D
def test_unknown_connection_is_gone_with_an_empty_body(ws: Running):
    api = ws.management()
    with pytest.raises(api.exceptions.GoneException) as gone:
        api.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


# ---------------------------------------------------------------------------------------------- $disconnect


@pytest.mark.V
def test_disconnect_on_client_close(ws: Running):
    with connect(ws.ws_url) as client:
        connection_id = _connection_id(client)
    event = ws.disconnect_of(connection_id)
    context = event["requestContext"]
    assert context["routeKey"] == "$disconnect"
    assert context["disconnectStatusCode"] == 1000
    assert context["disconnectReason"] == ""
    assert set(event["headers"]) == {"Host", "x-api-key", "X-Forwarded-For", "x-restapi"}
    assert "body" not in event


@pytest.mark.D
def test_disconnect_on_abrupt_drop(ws: Running):
    with connect(ws.ws_url) as client:
        connection_id = _connection_id(client)
        client.socket.shutdown(socket.SHUT_RDWR)
        client.socket.close()
    assert ws.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1006


@pytest.mark.D
def test_idle_timeout_closes_and_disconnects(tmp_path: Path):
    for running in _serve(tmp_path, "--ws-idle-timeout", "2"):
        opened = time.monotonic()
        with connect(running.ws_url) as silent, pytest.raises(ConnectionClosed) as closed:
            silent.recv(timeout=20)  # never a message either way
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert 1.5 <= time.monotonic() - opened < 15
        with connect(running.ws_url) as client:
            connection_id = _connection_id(client)
            for _ in range(5):  # each message restarts the idle clock: 2.5 s in, still open
                time.sleep(0.5)
                _ask(client, {"action": "echo"})
            api = running.management()
            for n in range(5):  # so does each message sent to the client [P ISSUE subscriptionless#3]
                time.sleep(0.5)
                api.post_to_connection(ConnectionId=connection_id, Data=f"n{n}".encode())
                assert client.recv(timeout=20) == f"n{n}"
            silent_since = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                client.recv(timeout=20)
            assert time.monotonic() - silent_since >= 1.5
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert running.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1001


@pytest.mark.D
def test_disconnect_on_server_stop(tmp_path: Path):
    # Both limits off (0): the session waits on the socket alone, with no timer.
    for running in _serve(tmp_path, "--ws-idle-timeout", "0", "--ws-max-duration", "0"):
        with connect(running.ws_url) as client:
            connection_id = _connection_id(client)
            time.sleep(0.3)
            assert _ask(client, {"action": "echo"})["requestContext"]["connectionId"] == connection_id
            running.server.stop()
            event = running.disconnect_of(connection_id, timeout=5)
            assert event["requestContext"]["disconnectStatusCode"] == 1012


@pytest.mark.D
def test_maximum_connection_duration_closes_and_disconnects(tmp_path: Path):
    for running in _serve(tmp_path, "--ws-max-duration", "2"):
        with connect(running.ws_url) as client:
            connection_id = _connection_id(client)
            deadline = time.monotonic() + 20
            with pytest.raises(ConnectionClosed) as closed:
                while time.monotonic() < deadline:  # activity does not extend the connection's life
                    _ask(client, {"action": "echo"})
                    time.sleep(0.2)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert running.disconnect_of(connection_id)["requestContext"]["disconnectStatusCode"] == 1001


# ---------------------------------------------------------------------------------------------- --workers


def _post_on_a_new_connection(port: int, connection_id: str, data: str) -> int:
    """A fresh TCP connection per call, so that calls land on either server process."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", f"/dev/@connections/{quote(connection_id, safe='')}", body=data.encode())
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.D
def test_connections_calls_reach_the_process_holding_the_connection(tmp_path: Path):
    for running in _serve(tmp_path, "--workers", "2"):
        with ExitStack() as stack:
            clients = [stack.enter_context(connect(running.ws_url)) for _ in range(6)]
            for client in clients:
                connection_id = _connection_id(client)
                for n in range(4):
                    assert _post_on_a_new_connection(running.server.port, connection_id, f"m{n}") == 200
                    assert client.recv(timeout=20) == f"m{n}"
                client.send(json.dumps({"action": "push"}))  # the handler's boto3 reaches either process too
                assert json.loads(client.recv(timeout=30))["pushed"] is True
            clients[0].close()
        assert _post_on_a_new_connection(running.server.port, connection_id, "late") == 410


# ---------------------------------------------------------------------------------------------- other formats


@pytest.mark.D
def test_sam_websocket_api_serves_its_stages_routes_and_route_responses(tmp_path: Path):
    for running in _serve(tmp_path, project=PROJECTS / "sam", stage="prod"):
        with connect(running.ws_url) as client:  # RouteSelectionExpression: $request.body.message.type
            client.send(json.dumps({"message": {"type": "ping"}}))
            assert json.loads(client.recv(timeout=20)) == {"route": "ping", "stage": "prod", "colour": "blue"}
            client.send(json.dumps({"message": {"type": "other"}}))  # $default, which answers via @connections
            assert client.recv(timeout=20) == 'pushed:{"message": {"type": "other"}}'
        with connect(f"ws://127.0.0.1:{running.server.port}/beta") as client:
            client.send(json.dumps({"message": {"type": "ping"}}))
            assert json.loads(client.recv(timeout=20))["colour"] == "green"
        running.wait_for(
            lambda e: e["requestContext"]["eventType"] == "DISCONNECT" and e["requestContext"]["stage"] == "beta"
        )


@pytest.mark.D
def test_python_websocket_api_serves_its_routes(tmp_path: Path):
    for running in _serve(tmp_path, project=PROJECTS / "python", stage="live"):
        with pytest.raises(InvalidStatus) as refused:
            connect(running.ws_url)
        assert refused.value.response.status_code == 401
        with connect(running.ws_url, additional_headers={"X-Token": "open"}) as client:
            reply = _ask(client, {"op": "whoami"})
            assert reply["route"] == "whoami"
            # No route and no $default: an error frame, and the connection stays open [D].
            client.send("plain text")
            forbidden = json.loads(client.recv(timeout=20))
            assert forbidden["message"] == "Forbidden" and forbidden["connectionId"] == reply["connectionId"]
            assert _ask(client, {"op": "whoami"})["connectionId"] == reply["connectionId"]
        running.disconnect_of(reply["connectionId"])
