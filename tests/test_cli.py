"""``ismart-sms`` as a real process against a real emulator: exit statuses, the vendor's
descriptions on errors, standard input, ``--json``, ``segments --porcelain``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server import tls
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.server import ServerThread, free_port
from tests.conftest import acme_config, fresh_admin, refusing_port

pytestmark = pytest.mark.subprocess


SECRET = "cli-Pa55+w&rd"
OMAN = "96899123456"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(acme_config(SECRET))) as running:
        yield running


@pytest.fixture
def admin(server: ServerThread) -> Iterator[MockAdmin]:
    yield from fresh_admin(server)


def run(
    *args: str, url: str | None = None, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m client.cli ARGS`` with credentials in the environment; never leaks them."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ISMART_")}
    environ.update(ISMART_USER_ID="acme", ISMART_PASSWORD=SECRET, ISMART_HEADER="ACME")
    if url is not None:
        environ["ISMART_URL"] = url
    environ.update(env)
    environ["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "ismart_sms_kit.client.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={k: v for k, v in environ.items() if v != ""},
        cwd=ROOT,
        timeout=60,
    )
    assert SECRET not in done.stdout + done.stderr
    return done


def test_send_pushed_exits_0(admin: MockAdmin) -> None:
    done = run("send", "+968 9912 3456", "Hello", url=admin.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 Message Pushed successfully. (1 number, GSM7, 1 part")
    [message] = admin.messages()
    assert (message["to"], message["text"], message["header"]) == (OMAN, "Hello", "ACME")


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (3, "User or Password is wrong."),
        (4, "Credit is Low."),
        (11, "Un Known Error."),
        (14, "Credit Expired."),
        (19, "Header Not registers with Infocomm."),
    ],
)
def test_any_other_code_exits_1_with_the_vendor_description(
    admin: MockAdmin, code: int, description: str
) -> None:
    done = run("send", f"968000000{code:02d}", "Hello", url=admin.url)
    assert done.returncode == 1
    assert f"ismart-sms: {code} {description}" in done.stderr
    assert done.stdout == ""


def test_wrong_password_exits_1(admin: MockAdmin) -> None:
    done = run("send", OMAN, "Hello", url=admin.url, ISMART_PASSWORD="nope")
    assert (done.returncode, done.stderr.strip()) == (1, "ismart-sms: 3 User or Password is wrong.")


def test_a_request_refused_by_the_checks_exits_1_and_sends_nothing(admin: MockAdmin) -> None:
    done = run("send", "12345", "Hello", url=admin.url)
    assert done.returncode == 1
    assert "ismart-sms: 9 Invalid Mobile No. (MobileNo '12345' has 5 digits" in done.stderr
    assert "nothing was sent" in done.stderr
    assert admin.requests() == []


def test_the_message_from_standard_input(admin: MockAdmin) -> None:
    done = run("send", OMAN, stdin="مرحبا\n", url=admin.url)
    assert done.returncode == 0, done.stderr
    [message] = admin.messages()
    assert (message["text"], message["lang"], message["encoding"]) == ("مرحبا", 64, "UCS2")


def test_send_options_reach_the_gateway(admin: MockAdmin) -> None:
    done = run(
        "send",
        "91234567,99123456",
        "Later",
        "--default-country",
        "968",
        "--ref",
        "101,102",
        "--at",
        "2099-03-04T03:30:00Z",
        "--lang",
        "0",
        url=admin.url,
    )
    assert done.returncode == 0, done.stderr
    [entry] = admin.requests()
    params = entry["params"]
    assert params["MobileNo"] == "96891234567,96899123456"
    assert params["referenceIds"] == "101,102"
    assert params["PushDateTime"] == "03/04/2099 07:30:00"
    assert params["Password"] == "***"  # the emulator masks it; it arrived (the answer was 1)


def test_json_output(admin: MockAdmin) -> None:
    admin.add_rule({"code": 4})
    done = run("send", OMAN, "Hello", "--json", url=admin.url)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert (result["ok"], result["code"], result["description"]) == (False, 4, "Credit is Low.")
    assert result["chunks"][0]["http_status"] == 200


def test_chunks_in_the_report(admin: MockAdmin) -> None:
    admin.add_rule({"code": 4}, {"nth": 2})
    numbers = ",".join(f"968991{i:05d}" for i in range(60))
    done = run("send", numbers, "Hello", url=admin.url)
    assert done.returncode == 1
    assert "50 of 60 numbers accepted; request 2 of 2 failed" in done.stderr


def test_no_connection_exits_3() -> None:
    done = run("send", OMAN, "Hello", "--no-retry", url=f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 3
    assert "Could not connect to the gateway; nothing was sent" in done.stderr


def test_an_http_error_exits_3(admin: MockAdmin) -> None:
    admin.add_rule({"http_status": 503, "body": "Service Unavailable"})
    done = run("send", OMAN, "Hello", url=admin.url)
    assert done.returncode == 3
    assert "HTTP 503 Service Unavailable from the gateway" in done.stderr
    assert len(admin.requests()) == 1


def test_retry_5xx_option(admin: MockAdmin) -> None:
    admin.add_rule({"http_status": 503}, times=1)
    done = run("send", OMAN, "Hello", "--retry-5xx", url=admin.url)
    assert done.returncode == 0, done.stderr
    assert len(admin.requests()) == 2


def test_a_dropped_connection_exits_4_and_warns_against_resending(admin: MockAdmin) -> None:
    admin.add_rule({"drop": True})
    done = run("send", OMAN, "Hello", url=admin.url)
    assert done.returncode == 4
    assert "may have been delivered" in done.stderr
    assert len(admin.requests()) == 1


@pytest.mark.parametrize(
    ("unset", "complaint"),
    [
        ("ISMART_PASSWORD", "set ISMART_USER_ID and ISMART_PASSWORD"),
        ("ISMART_USER_ID", "set ISMART_USER_ID and ISMART_PASSWORD"),
        ("ISMART_HEADER", "no header"),
    ],
)
def test_missing_configuration_exits_2(admin: MockAdmin, unset: str, complaint: str) -> None:
    done = run("send", OMAN, "Hello", url=admin.url, **{unset: ""})
    assert done.returncode == 2 and complaint in done.stderr
    assert admin.requests() == []


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("send",),
        ("send", OMAN, "Hi", "--password", "x"),
        ("send", OMAN, "Hi", "--at", "tomorrow"),
        ("send", OMAN, "Hi", "--ref", "101,102"),
        ("send", OMAN, "Hi", "--url", "ftp://example.com"),
        ("send", OMAN, "Hi", "--timezone", "Mars/Olympus"),
        ("check", OMAN, "Hi", "--default-country", "oman"),
    ],
)
def test_usage_errors_exit_2(admin: MockAdmin, args: tuple[str, ...]) -> None:
    assert run(*args, url=admin.url).returncode == 2
    assert admin.requests() == []


def test_check_passes_with_0_and_fails_with_1_without_sending(admin: MockAdmin) -> None:
    ok = run("check", "+968 9912 3456", "Hello", url=admin.url)
    assert ok.returncode == 0
    assert ok.stdout.strip() == "ok: 1 number in 1 request, GSM7, 1 part, 5 units, Lang=0"
    bad = run("check", OMAN, "x" * 766)
    assert bad.returncode == 1
    assert bad.stderr.startswith("ismart-sms: 6 Message Length Exceeded.")
    as_json = json.loads(run("check", OMAN, "Hello", "--json").stdout)
    assert (as_json["ok"], as_json["requests"], as_json["parts"]) == (True, 1, 1)
    assert admin.requests() == []


def test_check_needs_no_credentials() -> None:
    done = run("check", OMAN, "Hello", ISMART_USER_ID="", ISMART_PASSWORD="")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "GSM7 1 5"),
        ("Hello\n", "GSM7 1 5"),  # echo's newline is not part of the message
        ("a" * 160, "GSM7 1 160"),
        ("a" * 161, "GSM7 2 161"),
        ("{}" * 80, "GSM7 3 320"),  # extension characters cost two, 152 per part
        ("مرحبا", "UCS2 1 5"),
        ("😀" * 35, "UCS2 1 70"),  # surrogate pairs
        ("a" * 766, "GSM7 6 766"),
        ("", "GSM7 0 0"),
    ],
)
def test_segments_porcelain_reads_standard_input(text: str, expected: str) -> None:
    done = run("segments", "--porcelain", stdin=text)
    assert (done.returncode, done.stdout) == (0, expected + "\n")


def test_segments_for_people_and_with_a_language() -> None:
    assert run("segments", "Hello").stdout == "GSM7: 1 part, 5 units, 5 characters\n"
    assert run("segments", "--porcelain", "--lang", "64", stdin="Hello").stdout == "UCS2 1 5\n"
    assert "the gateway answers 6" in run("segments", "a" * 766).stdout


def test_segments_refuses_input_that_is_not_utf8() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ismart_sms_kit.client.cli", "segments", "--porcelain"],
        input=b"\xff\xfe",
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2 and b"not UTF-8" in done.stderr


def test_the_installed_command() -> None:
    script = Path(sys.executable).parent / "ismart-sms"
    if not script.exists():
        pytest.skip("the package is not installed with its scripts in this environment")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("send", "check", "segments"):
        assert command in done.stdout


# --- issue 21, point 6: TLS trust, a refused connection, help text, impossible dates -----------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    """The emulator over HTTPS with the certificate ``ismart-mock --tls`` would write."""
    files = tls.prepare(tmp_path_factory.mktemp("tls"), "127.0.0.1")
    app = create_app(acme_config(SECRET))
    with ServerThread(app, ssl_certfile=str(files.cert), ssl_keyfile=str(files.key)) as running:
        yield running, files.ca


def test_cacert_trusts_the_emulators_tls_ca(tls_server: tuple[ServerThread, Path]) -> None:
    server, ca = tls_server
    done = run("send", OMAN, "Hello", "--cacert", str(ca), url=server.url)
    assert done.returncode == 0, done.stderr
    assert "--cacert FILE" in run("send", "--help").stdout


def test_an_untrusted_certificate_is_explained_and_names_cacert(
    tls_server: tuple[ServerThread, Path],
) -> None:
    done = run("send", OMAN, "Hello", url=tls_server[0].url)
    assert done.returncode == 3
    assert "certificate" in done.stderr and "--cacert" in done.stderr
    missing = run("send", OMAN, "Hello", "--cacert", "no-such-ca.pem", url=tls_server[0].url)
    assert missing.returncode == 2 and "no-such-ca.pem" in missing.stderr


def test_a_refused_connection_is_reported_at_once_in_plain_words() -> None:
    with refusing_port() as port:
        done = run("send", OMAN, "Hello", "--json", url=f"http://127.0.0.1:{port}")
        plain = run("send", OMAN, "Hello", url=f"http://127.0.0.1:{port}")
    assert done.returncode == 3
    assert json.loads(done.stdout)["chunks"][0]["attempts"] == 1  # no silent retries
    assert f"connection refused by 127.0.0.1:{port}" in plain.stderr, plain.stderr
    assert "nothing was sent" in plain.stderr
    for raw in ("HTTPConnectionPool", "Max retries", "NewConnectionError", "Errno"):
        assert raw not in plain.stderr


def test_timeout_help_reads_as_words_not_a_tuple() -> None:
    help_text = " ".join(run("send", "--help").stdout.split())
    assert "(10.0, 30.0)" not in help_text
    assert "10 s to connect, 30 s for the answer" in help_text


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-02-30T10:00", "day is out of range for month"),
        ("2026-13-01T10:00", "month must be in 1..12"),
        ("2026-01-31T25:00", "hour must be in 0..23"),
    ],
)
def test_an_impossible_date_is_named_as_such(value: str, why: str) -> None:
    done = run("check", OMAN, "Hi", "--at", value)
    assert done.returncode == 2
    assert f"--at {value!r} is not a real date and time ({why})" in done.stderr
    assert "neither" not in done.stderr


def test_a_checked_push_time_names_the_clock_it_is_on() -> None:
    done = run("check", OMAN, "Hi", "--at", "2027-12-31T09:00:00+00:00")
    assert done.returncode == 0, done.stderr
    assert "PushDateTime=12/31/2027 13:00:00 (Asia/Muscat)" in done.stdout
    dubai = run("check", OMAN, "Hi", "--at", "2027-12-31T09:00", "--timezone", "Asia/Dubai")
    assert "PushDateTime=12/31/2027 09:00:00 (Asia/Dubai)" in dubai.stdout
