"""Issue 19, points 7, 9 and 10: charsets that are not text encodings read as UTF-8; the admin
API refuses foreign Host names, cross-site origins and non-JSON bodies; other methods and
over-long URLs answer 15."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import FORM, body_of, exchange

# --- 7. charsets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "charset",
    ["rot13", "base64", "hex", "bz2", "zlib", "uu", "quopri", "idna", "undefined", "punycode"],
)
def test_a_charset_that_is_not_a_text_encoding_reads_as_utf_8(
    served: ServerThread, charset: str
) -> None:
    body = urlencode({**SAMPLE, "Message": "مرحبا"}).encode()
    answer = requests.post(
        served.url + SEND_PATH,
        data=body,
        headers={"Content-Type": f"{FORM}; charset={charset}"},
        timeout=10,
    )
    assert answer.text == "1"
    messages = requests.get(served.url + "/_mock/api/messages?limit=1", timeout=10).json()
    assert messages[0]["text"] == "مرحبا"


# --- 9. drive-by admin requests -----------------------------------------------------------------


def host_request(port: int, method: str, path: str, headers: str = "", body: bytes = b"") -> bytes:
    raw = (
        f"{method} {path} HTTP/1.1\r\n{headers}Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    return exchange("127.0.0.1", port, raw)


def test_the_admin_api_refuses_foreign_host_names(served: ServerThread) -> None:
    port = served.port
    for host in ("evil.example", "evil.example:80", f"rebind.attacker.test:{port}"):
        answer = host_request(port, "GET", "/_mock/api/health", f"Host: {host}\r\n")
        assert answer.startswith(b"HTTP/1.1 403"), (host, answer)
        answer = host_request(port, "POST", "/_mock/api/reset", f"Host: {host}\r\n")
        assert answer.startswith(b"HTTP/1.1 403"), (host, answer)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", "[::1]:1"):
        answer = host_request(port, "GET", "/_mock/api/health", f"Host: {host}\r\n")
        assert answer.startswith(b"HTTP/1.1 200"), (host, answer)
    # the gateway itself answers any Host, as the real one does
    answer = host_request(
        port, "GET", SEND_PATH + "?" + urlencode(SAMPLE), "Host: evil.example\r\n"
    )
    assert body_of(answer) == b"1"


def test_allowed_hosts_lets_a_named_host_in(tmp_path: Path) -> None:
    config = apply_mapping(Config(seed=0), {"settings": {"allowed_hosts": ["ismart-mock"]}}, "t")
    with ServerThread(create_app(config)) as server:
        answer = host_request(server.port, "GET", "/_mock/api/health", "Host: ismart-mock:8080\r\n")
        assert answer.startswith(b"HTTP/1.1 200"), answer
        answer = host_request(server.port, "GET", "/_mock/api/health", "Host: other\r\n")
        assert answer.startswith(b"HTTP/1.1 403"), answer


def test_the_admin_api_refuses_non_json_bodies_and_cross_site_origins(
    served: ServerThread,
) -> None:
    port = served.port
    rule = json.dumps({"match": {"mobile": "96899000001"}, "action": {"code": 5}}).encode()
    host = f"Host: 127.0.0.1:{port}\r\n"
    for content_type in ("text/plain", FORM, "multipart/form-data; boundary=x"):
        answer = host_request(
            port, "POST", "/_mock/api/rules", host + f"Content-Type: {content_type}\r\n", rule
        )
        assert answer.startswith(b"HTTP/1.1 415"), (content_type, answer)
        answer = host_request(
            port,
            "PATCH",
            "/_mock/api/accounts/demo",
            host + f"Content-Type: {content_type}\r\n",
            b'{"credit": 1}',
        )
        assert answer.startswith(b"HTTP/1.1 415"), (content_type, answer)
    assert requests.get(served.url + "/_mock/api/rules", timeout=10).json() == []
    answer = host_request(
        port, "POST", "/_mock/api/reset", host + "Origin: http://evil.example\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 403"), answer
    answer = host_request(
        port, "POST", "/_mock/api/reset", host + f"Origin: http://127.0.0.1:{port}\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 200"), answer
    answer = host_request(
        port, "POST", "/_mock/api/rules", host + "Content-Type: application/json\r\n", rule
    )
    assert answer.startswith(b"HTTP/1.1 201"), answer
    requests.delete(served.url + "/_mock/api/rules", timeout=10)


# --- 10. other methods and over-long URLs answer 15 ---------------------------------------------


@pytest.mark.parametrize("method", ["PROPFIND", "TRACE", "PURGE", "MKCOL", "PUT", "DELETE"])
def test_other_methods_answer_15(served: ServerThread, method: str) -> None:
    answer = host_request(served.port, method, SEND_PATH, "Host: 127.0.0.1\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and body_of(answer) == b"15", answer


def test_an_over_long_url_answers_15(served: ServerThread) -> None:
    query = urlencode({**SAMPLE, "junk": "a" * 70_000})
    answer = host_request(served.port, "GET", f"{SEND_PATH}?{query}", "Host: 127.0.0.1\r\n")
    assert answer.startswith(b"HTTP/1.1 200") and body_of(answer) == b"15", answer[:300]
