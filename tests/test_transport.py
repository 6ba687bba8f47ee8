"""The emulator's transport under uvicorn: a response's head and body leave in one write, and
nothing is held back longer than the event loop's current iteration (streams, HEAD)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.contract_tests.transport import UPGRADE_HEADERS
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.mock_server.transport import CoalescingTransport
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE, Emulator


class Recorder:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def wrapped() -> tuple[asyncio.AbstractEventLoop, Recorder, CoalescingTransport]:
    loop = asyncio.new_event_loop()
    raw = Recorder()
    return loop, raw, CoalescingTransport(raw, loop)  # type: ignore[arg-type]


def run_one_iteration(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_head_and_body_leave_in_one_write() -> None:
    loop, raw, transport = wrapped()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"1")
    assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\n1"]
    run_one_iteration(loop)
    assert raw.writes == [b"HTTP/1.1 200 OK\r\n\r\n1"]
    loop.close()


def test_a_lone_write_leaves_at_the_end_of_the_iteration() -> None:
    loop, raw, transport = wrapped()
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert raw.writes == []
    run_one_iteration(loop)
    assert raw.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    transport.write(b"next")
    run_one_iteration(loop)
    assert raw.writes[-1] == b"next"
    loop.close()


def test_close_writes_what_is_held_and_abort_drops_it() -> None:
    loop, raw, transport = wrapped()
    transport.write(b"head")
    transport.close()
    assert (raw.writes, raw.closed) == ([b"head"], True)
    loop.close()
    loop, raw, transport = wrapped()
    transport.write(b"head")
    transport.abort()
    run_one_iteration(loop)
    assert (raw.writes, raw.aborted) == ([], True)
    loop.close()
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)


def read_until(sock: socket.socket, marker: bytes, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_stream_is_not_held_back_over_real_http() -> None:
    """The first chunk reaches the client while the stream writes nothing more: the second is
    written only once the client has the first (a transport that held a write back until the
    next one would leave the client waiting for both)."""
    first_read = threading.Event()

    async def slow(request: Request) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            for _ in range(1000):  # at most 10 s, until the client has read the first
                if first_read.is_set():
                    break
                await asyncio.sleep(0.01)
            yield b"second"

        return StreamingResponse(chunks(), media_type="text/plain")

    app = Starlette(routes=[Route("/slow", slow)])
    with ServerThread(app) as server, socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        data = read_until(s, b"first", timeout=5)
        assert b"first" in data and b"second" not in data
        first_read.set()
        assert b"second" in read_until(s, b"second", timeout=5)


def test_gateway_answers_and_a_head_on_one_keep_alive_connection() -> None:
    body = b"UserId=x&Password=y"
    post = (
        b"POST " + SEND_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    head = b"HEAD " + SEND_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    with (
        ServerThread(create_app(Config(seed=0))) as server,
        socket.create_connection(("127.0.0.1", server.port)) as s,
    ):
        for request, end in ((post, b"\r\n\r\n15"), (head, b"\r\n\r\n"), (post, b"\r\n\r\n15")):
            s.sendall(request)
            data = read_until(s, end, timeout=5)
            assert data.startswith(b"HTTP/1.1 200") and data.endswith(end), data


def test_a_gateway_answer_is_written_whole_as_uvicorn_would_write_it() -> None:
    """The transport's one-write answer (``ANSWER_EXTENSION``) writes what uvicorn's two ASGI
    messages would: its ``date`` header, the length and type, ``connection: close`` when the
    client asked for it (and then closes); a pipelined request behind another is answered
    the ASGI way, in order."""
    body = b"UserId=x&Password=y"

    def post(connection: bytes = b"") -> bytes:
        return (
            b"POST "
            + SEND_PATH.encode()
            + b" HTTP/1.1\r\nHost: x\r\n"
            + connection
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    with ServerThread(create_app(Config(seed=0))) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(post())
            head, _, answer = read_until(s, b"\r\n\r\n15", timeout=5).partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            assert lines[0] == b"HTTP/1.1 200 OK" and lines[1].startswith(b"date: ")
            assert lines[2:] == [b"content-length: 2", b"content-type: text/plain; charset=utf-8"]
            assert answer == b"15"
            s.sendall(post() + post())  # pipelined: both answered, in order
            data = read_until(s, b"\r\n\r\n15", timeout=5)
            while data.count(b"\r\n\r\n15") < 2:
                data += read_until(s, b"\r\n\r\n15", timeout=5)
            assert data.count(b"HTTP/1.1 200 OK") == 2 and data.endswith(b"15")
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(post(b"Connection: close\r\n"))
            data = read_until(s, b"never", timeout=5)  # until the server closes
            assert b"\r\nconnection: close\r\n\r\n15" in data and data.endswith(b"15")


def test_each_worker_gets_its_own_listening_socket_on_the_port() -> None:
    import pickle

    from ismart_sms_kit.mock_server.transport import worker_listener

    supervisor = worker_listener("127.0.0.1", 0)
    port = supervisor.getsockname()[1]
    workers = [pickle.loads(pickle.dumps(supervisor)) for _ in range(2)]
    try:
        assert [w.getsockname()[1] for w in workers] == [port, port]
        assert len({w.fileno() for w in workers} | {supervisor.fileno()}) == 3
        for worker in workers:
            worker.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # a worker's socket accepts it; the supervisor's never listens
        with pytest.raises(OSError):
            worker_listener("127.0.0.1", port)  # a second emulator on the port is refused
    finally:
        for sock in (*workers, supervisor):
            sock.close()


def test_a_second_emulator_starting_beside_the_first_is_refused() -> None:
    """Two ``--workers`` emulators started on one port at once: the second must not share the
    port while the first's workers are still starting (its socket holds the port, not yet
    listening), or requests meant for one would be answered by the other's state."""
    from ismart_sms_kit.mock_server.transport import worker_listener

    first = worker_listener("127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            worker_listener("127.0.0.1", first.getsockname()[1])
    finally:
        first.close()


# --- a request with an Upgrade header: plain HTTP, body and all -----------------------------------
# (docs/decisions.md, "Upgrade requests": IIS answers it as it answers the request without one)

UPGRADES = UPGRADE_HEADERS  # the kit's (A-UPGRADE)


@pytest.mark.parametrize("kind", sorted(UPGRADES))
def test_a_send_with_an_upgrade_header_is_answered_as_plain_http_body_and_all(
    emulator: Emulator, kind: str
) -> None:
    """Before: httptools took the body for the new protocol's data and the send answered 15
    (``h2c``, what ``curl --http2`` sends) or no answer at all (a WebSocket upgrade)."""
    answer = emulator.post(data={**SAMPLE, "Message": f"upgrade {kind}"}, headers=UPGRADES[kind])
    assert (answer.status_code, answer.text) == (200, "1")
    assert answer.headers["connection"] == "close"  # the parser takes no further request
    [message] = MockAdmin(emulator.url).messages()
    assert message["text"] == f"upgrade {kind}"


def test_the_body_of_an_upgrade_request_may_arrive_in_pieces(emulator: Emulator) -> None:
    body = urlencode({**SAMPLE, "Message": "x" * 300}).encode()
    head = (
        f"POST {SEND_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
        f"Upgrade: h2c\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", emulator.server.port), timeout=10) as sock:
        sock.sendall(head + body[:100])
        time.sleep(0.05)  # the rest in another read of the server's
        sock.sendall(body[100:250])
        time.sleep(0.05)
        sock.sendall(body[250:] + b"GET / HTTP/1.1\r\n\r\n")  # past the body: not a request
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\n1")
    assert answer.count(b"HTTP/1.1") == 1
    assert [m["text"] for m in MockAdmin(emulator.url).messages()] == ["x" * 300]


def test_a_websocket_handshake_gets_the_gateways_answer_not_a_switch(emulator: Emulator) -> None:
    """A WebSocket handshake (GET) is a GET to the page: the account's GET rule decides (the
    sample account may send by GET), never ``101 Switching Protocols`` or uvicorn's 403."""
    headers = {
        **UPGRADES["websocket"],
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    answer = emulator.session.get(emulator.send_url, params=SAMPLE, headers=headers, timeout=10)
    assert (answer.status_code, answer.text) == (200, "1")


@pytest.mark.subprocess
def test_curl_http2_on_plain_http_sends_as_without_it(emulator: Emulator) -> None:
    """``curl --http2`` on an http:// URL asks to upgrade to h2c with every request."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    data = urlencode({**SAMPLE, "Message": "from curl"})
    done = subprocess.run(
        [curl, "-sS", "--http2", "-v", "--data", data, emulator.send_url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Upgrade: h2c" in done.stderr  # it did ask
    assert done.stdout == "1", done.stderr
    assert [m["text"] for m in MockAdmin(emulator.url).messages()] == ["from curl"]
