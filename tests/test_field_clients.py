"""Public integrations of the gateway, replayed byte for byte against the emulator at its
defaults, with only the app's own account created through the admin API (issue 17's check).

Each test builds the exact request the integration builds (method, parameter names and order,
encoding, bare ``&Header&``, the body it sends or does not send) and says where the code is;
no third-party code is copied, only the shape of what it puts on the wire. Credentials are our
own. For each: a valid send is answered 1 and captured exactly (number, text, sender, flash,
reference ids), a wrong password is answered 3, and the magic numbers answer their code where
the integration can send them at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest
import requests

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import LEGACY_SEND_PATH, SEND_PATH
from tests.processes import running
from tests.test_field_shapes import raw

PASSWORD = "Pa55@w0rd!x"
"""An app's password with the ``@`` and ``!`` real ones have (sent unencoded by several)."""


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """``make serve``'s defaults: the embedded configuration, nothing else."""
    with ServerThread(create_app(Config(seed=0))) as running_server:
        yield running_server


@pytest.fixture
def admin(server: ServerThread) -> Iterator[MockAdmin]:
    handle = MockAdmin(server.url)
    handle.reset()  # removes the accounts the previous test created
    yield handle
    handle.close()


def account(admin: MockAdmin, user_id: str, **fields: Any) -> None:
    """The one thing a user does before pointing the app at the emulator."""
    admin.create_account(user_id, PASSWORD, **fields)


def answer(server: ServerThread, method: str, target: str, body: bytes = b"", **kw: Any) -> str:
    status, text = raw(server, method, target, body, **kw)
    assert status == 200
    return text.decode()


def only_message(admin: MockAdmin) -> dict[str, Any]:
    messages = admin.messages()
    assert len(messages) == 1, messages
    return messages[0]


# --- wp-sms: the WordPress SMS plugin's iSmart gateway class --------------------------------------
def wp_sms_url(user: str, password: str, numbers: list[str], text: str) -> str:
    """``WP_SMS\\Gateway\\ismartsms::SendSMS`` (wp-sms): ``add_query_arg(['UserId' => ...,
    'Password' => ..., 'MobileNo' => implode(',', $to), 'Message' => urlencode($msg),
    'Lang' => 0, 'Header' => '', 'FLashSMS' => 'N'], SMSDynamicRefIntlAPI.aspx)`` then
    ``wp_remote_get``. ``add_query_arg`` does not encode the values again (the message is
    ``urlencode``d once, the credentials not at all) and drops the ``=`` of an empty value:
    ``&Header&``. No referenceIds, no PushDateTime."""
    query = (
        f"UserId={user}&Password={password}&MobileNo={','.join(numbers)}"
        f"&Message={quote_plus(text)}&Lang=0&Header&FLashSMS=N"
    )
    return f"{SEND_PATH}?{query}"


def test_wp_sms_gateway_class(server: ServerThread, admin: MockAdmin) -> None:
    account(admin, "wpsite", headers=["MyShop"])
    numbers = ["96899123456", "96891234567"]
    text = "Order #1042 is ready & paid"
    url = wp_sms_url("wpsite", PASSWORD, numbers, text)
    assert answer(server, "GET", url, content_type=None) == "1"
    sent = sorted(admin.messages(), key=lambda m: m["to"])
    assert [m["to"] for m in sent] == sorted(numbers)
    assert {(m["text"], m["header"], m["header_defaulted"], m["flash"]) for m in sent} == {
        (text, "MyShop", True, False)
    }
    wrong = wp_sms_url("wpsite", "nope", numbers, text)
    assert answer(server, "GET", wrong, content_type=None) == "3"
    for code in (4, 13, 20):  # nothing in the plugin checks the number: every code is reachable
        magic = wp_sms_url("wpsite", PASSWORD, [f"968000000{code:02d}"], text)
        assert answer(server, "GET", magic, content_type=None) == str(code)


# --- a WooCommerce OTP login plugin ---------------------------------------------------------------
def otp_plugin_url(user: str, password: str, local_mobile: str, otp: str) -> str:
    """A WooCommerce OTP plugin in production (``wp_remote_get``): the URL is concatenated,
    ``...SMSDynamicAPI.aspx?UserId=U&Password=P&MobileNo=+968{$mobile}&Lang=0&FLashSMS=y
    &Message={urlencode("Your OTP code is: {$otp}")}``: an unencoded ``+`` (it arrives as a
    space), lower-case ``y``, no Header; the answer goes through ``json_decode``."""
    message = quote_plus(f"Your OTP code is: {otp}")
    return (
        f"{LEGACY_SEND_PATH}?UserId={user}&Password={password}&MobileNo=+968{local_mobile}"
        f"&Lang=0&FLashSMS=y&Message={message}"
    )


def test_woocommerce_otp_plugin(server: ServerThread, admin: MockAdmin) -> None:
    account(admin, "shopotp", headers=["SHOP"])
    reply = answer(server, "GET", otp_plugin_url("shopotp", PASSWORD, "99123456", "4821"))
    assert json.loads(reply) == 1  # what the plugin compares
    sent = only_message(admin)
    assert (sent["to"], sent["text"]) == ("96899123456", "Your OTP code is: 4821")
    assert (sent["header"], sent["header_defaulted"], sent["flash"]) == ("SHOP", True, True)
    wrong = otp_plugin_url("shopotp", "nope", "99123456", "4821")
    assert json.loads(answer(server, "GET", wrong)) == 3
    # it asks the user for 8 local digits: 00000004 makes 96800000004, a magic number
    assert answer(server, "GET", otp_plugin_url("shopotp", PASSWORD, "00000004", "1")) == "4"


# --- a Laravel app: Http::post with everything in the URL -----------------------------------------
def laravel_request(user: str, password: str, mobile: str, text: str, lang: str) -> str:
    """``Http::post('...SMSDynamicAPI.aspx?UserId=' . env(...) . '&Password=' . env(...) .
    '&MobileNo=' . $phone . '&Message=' . $messageSms . '&PushDateTime=10/12/2022 02:03:00
    &Lang=' . $lang . '&FLashSMS=N')``: a POST whose parameters are all in the query string,
    the message concatenated raw (Guzzle percent-encodes the spaces and the Arabic as UTF-8),
    a fixed PushDateTime years in the past, no Header; Laravel's default body format sends
    ``[]`` as ``application/json``."""
    safe = "/:!@,"
    return (
        f"{LEGACY_SEND_PATH}?UserId={user}&Password={quote(password, safe=safe)}"
        f"&MobileNo={mobile}&Message={quote(text, safe=safe)}"
        f"&PushDateTime={quote('10/12/2022 02:03:00', safe=safe)}&Lang={lang}&FLashSMS=N"
    )


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Your Verifcation code is 123456", "0"), ("رمز التأكيد الخاص بك هو: 123456", "64")],
)
def test_laravel_http_post_with_the_query_string(
    server: ServerThread, admin: MockAdmin, text: str, lang: str
) -> None:
    account(admin, "youthweb", headers=["YOUTH"])
    url = laravel_request("youthweb", PASSWORD, "96899123456", text, lang)
    json_body = {"content_type": "application/json"}
    assert answer(server, "POST", url, b"[]", **json_body) == "1"
    sent = only_message(admin)
    assert (sent["to"], sent["text"], sent["lang"]) == ("96899123456", text, int(lang))
    assert (sent["header"], sent["header_defaulted"], sent["pending"]) == ("YOUTH", True, False)
    wrong = laravel_request("youthweb", "nope", "96899123456", text, lang)
    assert answer(server, "POST", wrong, b"[]", **json_body) == "3"
    magic = laravel_request("youthweb", PASSWORD, "96800000013", text, lang)
    assert answer(server, "POST", magic, b"[]", **json_body) == "13"


# --- a PHP class with curl -----------------------------------------------------------------------
def test_php_curl_get_without_header(server: ServerThread, admin: MockAdmin) -> None:
    """A PHP SMS helper class, ``iSmart($api_key, $secret_key, $phone, $msg)``: ``$phone``
    without its ``+``, ``curl`` GET of ``...SMSDynamicAPI.aspx?UserId=..&Password=..
    &MobileNo=..&Message=urlencode($msg)&Lang=0&FLashSMS=N`` (no Header)."""
    account(admin, "phpapp", headers=["PHPAPP"])

    def url(password: str, phone: str) -> str:
        message = quote_plus("Your booking is confirmed")
        return (
            f"{LEGACY_SEND_PATH}?UserId=phpapp&Password={password}&MobileNo={phone}"
            f"&Message={message}&Lang=0&FLashSMS=N"
        )

    assert answer(server, "GET", url(PASSWORD, "96899123456"), content_type=None) == "1"
    sent = only_message(admin)
    assert (sent["to"], sent["text"], sent["header"]) == (
        "96899123456",
        "Your booking is confirmed",
        "PHPAPP",
    )
    assert answer(server, "GET", url("nope", "96899123456"), content_type=None) == "3"
    assert answer(server, "GET", url(PASSWORD, "96800000007"), content_type=None) == "7"


# --- a Java campaign scheduler ------------------------------------------------------------------
def java_scheduler_target(password: str, numbers: list[str], text: str, ids: list[int]) -> str:
    """``InfocommSMSGateway.sendSMS`` of a Java marketing scheduler: ``HttpURLConnection`` POST
    (``application/x-www-form-urlencoded``, an empty body) to ``SMSDynamicRefIntlAPI.aspx?
    UserId=<USER>&Password=<URLEncoder(pwd)>&MobileNo=<a,b,...>&Message=<URLEncoder(msg)>
    &Lang=0&FLashSMS=N&referenceIds=<Integer.parseInt(sentId),...>`` (up to 50 numbers, one id
    each). No Header."""
    return (
        f"{SEND_PATH}?UserId=campaigns&Password={quote_plus(password)}"
        f"&MobileNo={','.join(numbers)}&Message={quote_plus(text)}&Lang=0&FLashSMS=N"
        f"&referenceIds={','.join(str(i) for i in ids)}"
    )


def test_java_scheduler_posts_the_query_string(server: ServerThread, admin: MockAdmin) -> None:
    account(admin, "campaigns", headers=["BRAND"])
    numbers = ["96899123456", "96891234567", "96871234567"]
    text = "Weekend sale: 20% off, today only"
    target = java_scheduler_target(PASSWORD, numbers, text, [4001, 4002, 4003])
    assert answer(server, "POST", target) == "1"
    sent = sorted(admin.messages(), key=lambda m: m["reference_id"])
    assert [(m["to"], m["reference_id"]) for m in sent] == list(
        zip(numbers, ["4001", "4002", "4003"], strict=True)
    )
    assert {(m["text"], m["header"], m["header_defaulted"]) for m in sent} == {
        (text, "BRAND", True)
    }
    # its getReportsFromInfocomm POSTs the report URL and writes that same URL as the body
    report = (
        "/iBulkSMS/HttpWS/SMSDeliveryReportAPI.aspx?UserId=campaigns"
        f"&Password={quote_plus(PASSWORD)}&referenceIds=4002"
    )
    body = f"https://www.ismartsms.net{report}".encode()
    delivered = answer(server, "POST", report, body)
    assert delivered.startswith("ReferenceId=4002,Status=delivered,"), delivered
    wrong = java_scheduler_target("nope", numbers, text, [4001, 4002, 4003])
    assert answer(server, "POST", wrong) == "3"
    magic = java_scheduler_target(PASSWORD, ["96800000020"], text, [4004])
    assert answer(server, "POST", magic) == "20"


# --- TypeScript integrations -------------------------------------------------------------------
def test_typescript_backend_posting_a_form_to_the_older_endpoint(
    server: ServerThread, admin: MockAdmin
) -> None:
    """A TypeScript backend's ``sendSms``: ``URLSearchParams`` of UserId, Password, MobileNo,
    Message, Lang=0 and its registered Header (``Go-Watt``), ``fetch`` POST
    ``application/x-www-form-urlencoded`` to ``SMSDynamicAPI.aspx``; it takes the first
    white-space separated word of the body as the code."""
    account(admin, "gowattapp", headers=["Go-Watt"])

    def send(password: str, mobile: str) -> str:
        body = urlencode(
            {
                "UserId": "gowattapp",
                "Password": password,
                "MobileNo": mobile,
                "Message": "Your login code is 731904",
                "Lang": "0",
                "Header": "Go-Watt",
            }
        ).encode()
        return answer(server, "POST", LEGACY_SEND_PATH, body).split()[0]

    assert send(PASSWORD, "96898568885") == "1"
    sent = only_message(admin)
    assert (sent["to"], sent["header"], sent["header_defaulted"]) == (
        "96898568885",
        "Go-Watt",
        False,
    )
    assert send("nope", "96898568885") == "3"
    assert send(PASSWORD, "96800000012") == "12"  # its own check wants 10 to 15 digits: passes


def kiosk_form(password: str, mobile: str, reference: str) -> bytes:
    """A TypeScript (Deno) donation kiosk's receipt: it refuses numbers that do not match
    ``/^(968)?[79]\\d{7}$/``, then ``fetch`` POSTs ``URLSearchParams`` of UserId, Password,
    MobileNo (``968`` added), Message (Arabic), Lang=64, Header (11 characters at most) and
    referenceIds (the last 6 digits of its reference) to ``SMSDynamicRefIntlAPI.aspx``; it
    takes the first run of digits of the body as the code."""
    mobile = mobile if mobile.startswith("968") else f"968{mobile}"
    refs = "".join(c for c in reference if c.isdigit())[-6:].rjust(3, "0")
    return urlencode(
        {
            "UserId": "kiosk",
            "Password": password,
            "MobileNo": mobile,
            "Message": "تم استلام تبرعكم بمبلغ 5.000 ر.ع",
            "Lang": "64",
            "Header": "Charity",
            "referenceIds": refs,
        }
    ).encode()


def test_typescript_kiosk_with_its_own_number_check(server: ServerThread, admin: MockAdmin) -> None:
    account(admin, "kiosk", headers=["Charity"])
    form = kiosk_form(PASSWORD, "99123456", "TX-2026-004217")
    assert answer(server, "POST", SEND_PATH, form) == "1"
    sent = only_message(admin)
    assert (sent["to"], sent["reference_id"], sent["lang"]) == ("96899123456", "004217", 64)
    assert sent["text"] == "تم استلام تبرعكم بمبلغ 5.000 ر.ع"
    assert answer(server, "POST", SEND_PATH, kiosk_form("nope", "99123456", "TX-1")) == "3"


@pytest.mark.subprocess
def test_typescript_kiosk_reaches_the_magic_range_setting(tmp_path: Path) -> None:
    """The kiosk's ``968[79]\\d{7}`` check never lets ``968000000NN`` through; with
    ``settings: {magic_prefix: "968799999"}`` (and the start-up warning that goes with it) its
    ``79999904`` rehearses code 4."""
    config = tmp_path / "kiosk.yaml"
    config.write_text(
        "settings: {magic_prefix: '968799999'}\n"
        "accounts:\n"
        f"  - {{user_id: kiosk, password: '{PASSWORD}', headers: [Charity]}}\n",
        encoding="utf-8",
    )
    with running("--config", str(config)) as mock:
        form = kiosk_form(PASSWORD, "79999904", "1")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        reply = requests.post(mock.send_url, data=form, headers=headers, timeout=10)
        assert reply.text == "4"


# --- PHP itself, where it is installed ----------------------------------------------------------
PHP_SEND = r"""
$base = $argv[1];
$params = array(
    'UserId' => 'phpreal', 'Password' => $argv[2], 'MobileNo' => '96899123456',
    'Message' => 'Your code is 5521 & valid 5 min', 'Lang' => 0, 'Header' => '',
    'FLashSMS' => 'y',
);
// what plugins do with an empty header option: http_build_query writes Header=
$first = file_get_contents($base . '?' . http_build_query($params));
// and what the concatenating ones do: urlencode the message, no Header at all
$second = file_get_contents($base . '?UserId=phpreal&Password=' . $argv[2]
    . '&MobileNo=+96899123457&Lang=0&FLashSMS=y&Message=' . urlencode('Hi there'));
echo json_encode(array(json_decode($first), json_decode($second)));
"""


@pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed")
def test_real_php_file_get_contents(server: ServerThread, admin: MockAdmin) -> None:
    """PHP's own ``http_build_query`` (``Header=`` for an empty option, ``+`` for spaces,
    ``%26`` for ``&``) and ``file_get_contents`` GET, the way the WordPress and WooCommerce
    integrations build their URLs, run by a real ``php``: both answered 1 and captured."""
    account(admin, "phpreal", headers=["PHPREAL"])
    url = server.url + LEGACY_SEND_PATH

    def run(password: str) -> list[int]:
        out = subprocess.run(
            ["php", "-r", PHP_SEND, url, password], capture_output=True, text=True, timeout=30
        )
        assert out.returncode == 0, out.stderr
        result: list[int] = json.loads(out.stdout)
        return result

    assert run(PASSWORD) == [1, 1]
    sent = sorted(admin.messages(), key=lambda m: m["to"])
    assert [(m["to"], m["text"], m["header"], m["flash"]) for m in sent] == [
        ("96899123456", "Your code is 5521 & valid 5 min", "PHPREAL", True),
        ("96899123457", "Hi there", "PHPREAL", True),
    ]
    assert run("nope") == [3, 3]
