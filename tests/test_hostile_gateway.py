"""Issue 8, the gateway endpoint under hostile input: Hypothesis-generated raw requests (random
bytes, huge and repeated parameters, invalid UTF-8 and percent-encoding, NUL bytes, odd methods
and content types, slow bodies), body caps, idle connections. Never a 5xx, and the emulator
answers the vendor's sample correctly afterwards. All on loopback, bounded."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, LEGACY_SEND_PATH, SEND_PATH
from tests.conftest import SAMPLE

CAP = 65_536
FUZZED: list[int] = []


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    config = Config(seed=0)
    config.state = "memory"
    with ServerThread(create_app(config)) as running:
        yield running
        # after everything the fuzzer sent, the emulator still answers the sample correctly
        status, body = exchange(running, post(SEND_PATH, form(SAMPLE)))
        assert (status, body) == (200, b"1")
        print(f"hostile gateway requests fuzzed: {len(FUZZED)}")


def form(params: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(params).encode()


def post(path: str, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def exchange(server: ServerThread, raw: bytes, *, timeout: float = 20) -> tuple[int, bytes]:
    """Send raw bytes, read the whole answer; (status, body). (0, b"") when the server closed
    the connection without an answer."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)  # the server may answer and close before reading it all
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    if not data:
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


# --- strategies: hostile pieces of a request ------------------------------------------------------

NAMES = ["UserId", "Password", "MobileNo", "Message", "Lang", "Header", "PushDateTime",
         "referenceIds", "FLashSMS", "userid", "MOBILENO", "", "%00", "x"]  # fmt: skip
nasty_text = st.one_of(
    st.text(max_size=50),
    st.binary(max_size=50).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["%", "%%", "%zz", "%C3%28", "%FF%FE", "%00", "\x00", "+", "&&", "==",
                     "%E2%82", "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
                     "9" * 5000, "ب" * 400, "😀" * 100, ",,,,", "<script>alert(1)</script>"]),
)  # fmt: skip


@st.composite
def hostile_body(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["random", "form", "repeated", "huge-value"]))
    if kind == "random":
        return draw(st.binary(max_size=2000))
    if kind == "repeated":
        name = draw(st.sampled_from(NAMES))
        count = draw(st.integers(1, 3000))
        return ("&".join(f"{name}={i}" for i in range(count))).encode()[: CAP + 100]
    pairs = draw(st.lists(st.tuples(st.sampled_from(NAMES), nasty_text), max_size=12))
    body = "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogateescape")
    if kind == "huge-value":
        body += b"&Message=" + b"A" * draw(st.integers(CAP - 200, CAP + 200))
    return body


METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=nonsense",
    "application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data",
    "multipart/form-data; boundary=x", "application/json", "text/xml", "", "\x00", "a/b; c=d; ;",
]  # fmt: skip
PATHS = [SEND_PATH, SEND_PATH.upper(), LEGACY_SEND_PATH, DELIVERY_REPORT_PATH, SEND_PATH.lower()]


@st.composite
def hostile_request(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(METHODS))
    path = draw(st.sampled_from(PATHS))
    query = draw(st.one_of(st.just(""), hostile_body().map(lambda b: b[:4000])))
    if query:
        path += "?" + query.decode("latin-1").replace(" ", "%20").replace("#", "%23")
        path = "".join(c if 0x21 <= ord(c) < 0x7F else f"%{ord(c):02X}" for c in path)
    body = draw(hostile_body())
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode("latin-1") + body


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=hostile_request())
def test_hostile_requests_never_get_a_5xx(server: ServerThread, raw: bytes) -> None:
    status, body = exchange(server, raw)
    FUZZED.append(1)
    assert status != 0, "the server closed the connection without an answer"
    assert status < 500, (status, body[:200])
    if status == 200 and not raw.startswith(b"HEAD "):  # a HEAD answer has no body
        assert body.isdigit() or b"ReferenceId=" in body, body[:200]


def test_a_slow_body_is_read_and_answered(server: ServerThread) -> None:
    body = form(SAMPLE)
    request = (
        f"POST {SEND_PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        sock.sendall(request)
        for i in range(0, len(body), 20):  # a trickle, 20 bytes at a time
            sock.sendall(body[i : i + 20])
            time.sleep(0.01)
        answer = sock.recv(65536)
    assert answer.endswith(b"\r\n\r\n1")


def test_a_declared_body_over_the_cap_answers_15_without_being_read(server: ServerThread) -> None:
    """The answer comes while the client has sent 10 bytes of a declared 100 MB body: the
    emulator did not wait for (or keep) the rest."""
    head = (
        f"POST {SEND_PATH} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    ).encode()
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        sock.sendall(head + b"UserId=abc")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n15")


def test_a_chunked_body_over_the_cap_answers_15_after_the_cap(server: ServerThread) -> None:
    """No Content-Length: the emulator reads up to the cap and answers 15 while the client is
    still sending; the rest of the 10 MB is never read."""
    head = (
        f"POST {SEND_PATH} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"A" * 16384
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        sock.sendall(head)
        answer = b""
        sock.settimeout(0.05)
        for _ in range(640):  # up to 10 MB, stopping as soon as an answer is there
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        sock.settimeout(20)
        while b"\r\n\r\n" in answer and not answer.endswith(b"15") and (more := sock.recv(65536)):
            answer += more
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n15")


def test_many_idle_and_half_sent_connections_do_not_starve_others(server: ServerThread) -> None:
    idle = [socket.create_connection((server.host, server.port), timeout=10) for _ in range(200)]
    half = []
    for _ in range(100):  # slowloris: a request line and part of the headers, never finished
        sock = socket.create_connection((server.host, server.port), timeout=10)
        sock.sendall(f"POST {SEND_PATH} HTTP/1.1\r\nHost: x\r\nContent-Le".encode())
        half.append(sock)
    try:
        for _ in range(5):
            assert exchange(server, post(SEND_PATH, form(SAMPLE)), timeout=10) == (200, b"1")
    finally:
        for sock in idle + half:
            sock.close()
