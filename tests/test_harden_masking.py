"""Issue 28, point 9: masking folds Unicode compatibility forms (a full-width ``Ｐassword`` is a
password), and the access log masks a password written inside another parameter's value."""

from __future__ import annotations

import pytest
import requests

from ismart_sms_kit.mock_server.masking import is_secret_name, mask_text
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.hardening import exchange, last_entry
from tests.processes import running

FOLDED = [
    "\uff30assword",
    "ＰＡＳＳＷＯＲＤ",
    "Pass\uff57ord",
    "p\u00adwd",
    "ｔｏｋｅｎ",
    "%EF%BC%B0assword",
]


@pytest.mark.parametrize("name", FOLDED)
def test_compatibility_forms_of_a_secret_name_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("/x?x=1;Password=S3cret&y=2", "/x?x=1;Password=***&y=2"),
        ("/x?x=a;b;pwd%3DS3cret", "/x?x=a;b;pwd%3D***"),
        ("/x?x=1;UserId=demo", "/x?x=1;UserId=demo"),
    ],
)
def test_a_secret_inside_another_value_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_a_full_width_password_is_masked_in_the_journal(served: ServerThread) -> None:
    body = "&".join(f"{k}={v}" for k, v in SAMPLE.items()) + "&%EF%BC%B0assword=FullWidth1"
    answer = requests.post(
        served.url + SEND_PATH,
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert answer.text == "1"
    params = last_entry(served.url)["params"]
    assert isinstance(params, dict)
    assert params["\uff30assword"] == "***", params


@pytest.mark.subprocess
def test_the_access_log_masks_a_password_inside_another_value() -> None:
    with running("--access-log") as mock:
        for query in ("x=1;Password=InsideX1", "UserId=demo&%EF%BC%B0assword=FullWidth2"):
            raw = (
                f"GET {SEND_PATH}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            assert exchange("127.0.0.1", mock.port, raw.encode()).startswith(b"HTTP/1.1 200")
        output = mock.stop()
    assert "InsideX1" not in output and "FullWidth2" not in output, output[-3000:]
    assert "x=1;Password=***" in output, output[-3000:]
