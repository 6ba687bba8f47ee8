"""The password never appears in a ``repr``, a log line (urllib3's DEBUG included), a result
or an exception -- even when the gateway echoes it back in an error page."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote_plus

import pytest

from ismart_sms_kit.client.errors import IsmartError
from ismart_sms_kit.client.http import IsmartClient
from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.client.retry import HTTP_5XX, RetryPolicy
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.server import ServerThread, free_port
from tests.conftest import acme_config, fresh_admin

SECRET = "Pa55+w&rd/S3cret="
OMAN = "96899123456"
FAST = RetryPolicy(connect=2, statuses=HTTP_5XX, status=1, backoff_factor=0.01)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(acme_config(SECRET))) as running:
        yield running


@pytest.fixture
def admin(server: ServerThread) -> Iterator[MockAdmin]:
    yield from fresh_admin(server)


def leaks(text: str) -> bool:
    return SECRET in text or quote_plus(SECRET) in text


def everything_about(error: BaseException) -> str:
    parts = [str(error), repr(error), repr(error.args), repr(vars(error))]
    for linked in (error.__cause__, error.__context__):
        if linked is not None:
            parts.append(everything_about(linked))
    return "\n".join(parts)


def test_repr_and_str_of_the_client(admin: MockAdmin) -> None:
    client = IsmartClient("acme", SECRET, header="ACME", base_url=admin.url)
    assert not leaks(repr(client)) and not leaks(str(client))
    assert "acme" in repr(client)


def test_a_send_logs_nothing_secret_even_at_debug(
    admin: MockAdmin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with IsmartClient("acme", SECRET, header="ACME", base_url=admin.url) as client:
        result = client.send(OMAN, "Hello")
    assert result.ok
    assert "urllib3" in {r.name.split(".")[0] for r in caplog.records}  # urllib3 did log
    assert not leaks(caplog.text)
    assert not leaks(repr(result)) and not leaks(json.dumps(result.to_dict()))


@pytest.mark.parametrize(
    "action",
    [
        {"code": 3},
        {"code": 99},
        {"drop": True},
        {"http_status": 500, "body": f"<html>Password={SECRET}&amp;UserId=acme</html>"},
        {"body": f"Error: bad form UserId=acme&Password={quote_plus(SECRET)}"},
    ],
    ids=["code-3", "code-99", "drop", "echo-500", "echo-200"],
)
def test_failures_quote_nothing_secret(
    admin: MockAdmin, caplog: pytest.LogCaptureFixture, action: dict[str, object]
) -> None:
    caplog.set_level(logging.DEBUG)
    admin.add_rule(action)
    client = IsmartClient(
        "acme", SECRET, header="ACME", base_url=admin.url, retry=FAST, raise_on_error=True
    )
    with pytest.raises(IsmartError) as raised:
        client.send(OMAN, "Hello")
    client.close()
    assert not leaks(everything_about(raised.value))
    assert raised.value.result is not None
    assert not leaks(repr(raised.value.result))
    assert not leaks(json.dumps(raised.value.result.to_dict()))
    assert not leaks(caplog.text)


def test_connection_failures_quote_nothing_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{free_port()}"
    client = IsmartClient("acme", SECRET, header="ACME", base_url=url, retry=FAST)
    result = client.send(OMAN, "Hello")
    error = result.error()
    assert error is not None
    assert not leaks(everything_about(error)) and not leaks(repr(result))
    assert "Retrying" in caplog.text  # urllib3 logged its retries
    assert not leaks(caplog.text)


def test_the_gateway_got_the_password_in_the_body_only(admin: MockAdmin) -> None:
    with IsmartClient("acme", SECRET, header="ACME", base_url=admin.url) as client:
        assert client.send(OMAN, "Hello").ok  # so the password arrived intact
        assert "?" not in client.url
