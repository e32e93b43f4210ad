"""The listener's direct path (``nubis.listener``): DynamoDB requests answered without ASGI keep HTTP's rules.

Raw sockets, since what is checked is the wire: the order of pipelined responses when direct and ASGI requests are
mixed on one connection, HTTP/1.0, the requests that must leave the direct path (chunked, ``Expect``, too large),
and the keep-alive timer that the listener re-arms lazily.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from nubis.testing import NubisServer

from .conftest import create_items_table

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def request(
    operation: str, body: dict | bytes, *, version: str = "1.1", extra: str = "", chunked: bool = False
) -> bytes:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = (
        f"POST / HTTP/{version}\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{operation}\r\nX-Amz-Date: 20240101T000000Z\r\nAuthorization: {AUTH}\r\n"
        + extra
    )
    if chunked:
        return (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (
            len(payload),
            payload,
        )
    return (head + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


class Reader:
    """Reads whole HTTP/1.1 responses (Content-Length framed, as all of Nubis's are) from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def response(self, *, to_head: bool = False) -> tuple[int, dict[str, str], bytes]:
        """The next response; ``to_head``: an answer to HEAD, whose Content-Length is not followed by a body."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        length = 0 if to_head else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        try:
            self._fill()
        except (EOFError, ConnectionResetError):
            return True
        return False


def connect(server: NubisServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def item(n: int) -> dict:
    return {"pk": {"S": "p"}, "sk": {"S": f"s{n}"}, "n": {"N": str(n)}}


def test_pipelined_direct_and_asgi_requests_are_answered_in_order(server: NubisServer, ddb) -> None:
    table = create_items_table(ddb, "pipe")
    key = {"pk": {"S": "p"}, "sk": {"S": "s1"}}
    batch = b"".join(
        [
            request("PutItem", {"TableName": table, "Item": item(1)}),  # direct, a write (awaits the commit)
            b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",  # ASGI: the health check
            request("GetItem", {"TableName": table, "Key": key}),  # direct, a read
            request("GetItem", {"TableName": table, "Key": key}, chunked=True),  # chunked: the ASGI path
            b"GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n",  # ASGI 404
            request(
                "UpdateItem",
                {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                    "ReturnValues": "UPDATED_NEW",
                },
            ),
            request("GetItem", {"TableName": "missing-" + table, "Key": key}),  # direct, an error
            request("GetItem", b"{not json"),
        ]
    )
    with connect(server) as sock:
        sock.sendall(batch)
        reader = Reader(sock)
        answers = [reader.response() for _ in range(8)]
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 200, 200, 404, 200, 400, 400]
    assert answers[0][2] == b"{}"
    assert answers[1][2].startswith(b"healthy: dynamodb.")
    assert json.loads(answers[2][2])["Item"] == item(1)
    assert json.loads(answers[3][2])["Item"] == item(1)
    assert b"Nubis has no API" in answers[4][2]
    assert json.loads(answers[5][2]) == {"Attributes": {"n": {"N": "2"}}}
    assert json.loads(answers[6][2])["__type"].endswith("#ResourceNotFoundException")
    assert json.loads(answers[7][2])["__type"].endswith("#SerializationException")
    for _, headers, body in answers[:4] + answers[5:]:
        assert len(headers["x-amzn-requestid"]) == 52 or body.startswith(b"healthy")
    assert all("date" in headers for _, headers, _ in answers)


def test_http_1_0_gets_one_answer_and_a_closed_connection(server: NubisServer) -> None:
    with connect(server) as sock:
        sock.sendall(request("ListTables", {}, version="1.0"))
        reader = Reader(sock)
        status, headers, body = reader.response()
        assert status == 200 and "TableNames" in json.loads(body)
        assert headers["connection"] == "close"
        assert reader.closed()


def test_connection_close_is_honoured_on_the_direct_path(server: NubisServer) -> None:
    with connect(server) as sock:
        sock.sendall(request("ListTables", {}, extra="Connection: close\r\n"))
        reader = Reader(sock)
        status, headers, _ = reader.response()
        assert status == 200 and headers["connection"] == "close"
        assert reader.closed()


def test_expect_100_continue_is_answered(server: NubisServer) -> None:
    body = b"{}"
    head = request("ListTables", body, extra="Expect: 100-continue\r\n")[: -len(body)]
    with connect(server) as sock:
        sock.sendall(head)
        reader = Reader(sock)
        while b"\r\n\r\n" not in reader.buffer:
            reader._fill()
        assert reader.buffer.startswith(b"HTTP/1.1 100 Continue")
        reader.buffer = reader.buffer.partition(b"\r\n\r\n")[2]
        sock.sendall(body)
        status, _, answer = reader.response()
        assert status == 200 and "TableNames" in json.loads(answer)


def test_a_body_over_16_mb_gets_413_and_the_connection_stays_usable_for_others(server: NubisServer) -> None:
    big = b"x" * (16 * 1024 * 1024 + 1)
    with connect(server) as sock:
        sock.sendall(request("ListTables", big))
        status, _, _ = Reader(sock).response()
    assert status == 413
    with connect(server) as sock:
        sock.sendall(request("ListTables", {}))
        assert Reader(sock).response()[0] == 200


@pytest.mark.timeout(30)
def test_idle_connections_close_after_the_keep_alive_timeout_and_busy_ones_do_not(server: NubisServer) -> None:
    """uvicorn's 5 s keep-alive: the listener re-arms its timer only when it fires, so a connection used every
    2 s must stay open past 5 s while an idle one closes."""
    idle, busy = connect(server), connect(server)
    with idle, busy:
        idle_reader, busy_reader = Reader(idle), Reader(busy)
        for sock, reader in ((idle, idle_reader), (busy, busy_reader)):
            sock.sendall(request("ListTables", {}))
            assert reader.response()[0] == 200
        started = time.monotonic()
        for _ in range(4):
            time.sleep(2)
            busy.sendall(request("ListTables", {}))
            assert busy_reader.response()[0] == 200
        assert time.monotonic() - started > 7
        assert idle_reader.closed()
        busy.sendall(request("ListTables", {}))
        assert busy_reader.response()[0] == 200
