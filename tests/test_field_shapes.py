"""Every request shape the field notes list, sent as raw HTTP the way those clients send it.

Each test's docstring says which client sends it and why the answer is the one the live
gateway would give (``shared/spec/field-notes.md``; where the field is silent, the README's
"Compatibility" decision). The bytes go over a plain socket so that nothing (no HTTP library)
re-encodes what a careless client would really put on the wire.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, load_file
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, LEGACY_SEND_PATH, SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import running

QUERY = urlencode(SAMPLE)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    path = tmp_path_factory.mktemp("cfg") / "c.yaml"
    path.write_text(
        "accounts:\n"
        "  - {user_id: city, password: 'p&ss', headers: [City Code, Go-Watt], http_get: true}\n",
        encoding="utf-8",
    )
    config = load_file(path, Config(seed=0))
    with ServerThread(create_app(config)) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(server: ServerThread) -> None:
    server.app.state.backend.reset()  # type: ignore[attr-defined]


def raw(
    server: ServerThread,
    method: str,
    target: str,
    body: bytes = b"",
    content_type: str | None = "application/x-www-form-urlencoded",
    extra: bytes = b"",
) -> tuple[int, bytes]:
    """Send one request exactly as given; the status and the body of the answer."""
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
    if content_type is not None and (body or method == "POST"):
        head += f"Content-Type: {content_type}\r\n".encode()
    if method == "POST":
        head += f"Content-Length: {len(body)}\r\n".encode()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(head + extra + b"\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.split(b"\r\n\r\n", 1)[1]


def code(server: ServerThread, method: str, target: str, body: bytes = b"", **kw: str) -> str:
    status, answer = raw(server, method, target, body, **kw)  # type: ignore[arg-type]
    assert status == 200
    return answer.decode()


def form(**overrides: str) -> bytes:
    return urlencode({**SAMPLE, **overrides}).encode()


def test_wordpress_style_get_with_a_bare_header_key(server: ServerThread) -> None:
    """WordPress's gateway class (wp-sms, ``ismartsms.php``) builds its URL with
    ``add_query_arg([..., 'Header' => '', ...])``, which writes ``...&Header&FLashSMS=N``.
    ASP.NET reads a key without ``=`` as a value with no name, so ``Request["Header"]`` is
    null: the Header is missing. Field notes, "Production evidence against a strict reading":
    about half of the clients surveyed send no Header and the live service then uses the
    account's registered sender. So it is accepted (1) under the account's default sender
    (its first registered header, ``AnyHeader`` for ``ismartsms``), and the message says so."""
    query = urlencode({k: v for k, v in SAMPLE.items() if k != "Header"}) + "&Header&FLashSMS=N"
    assert code(server, "GET", f"{SEND_PATH}?{query}", content_type=None) == "1"
    message = server.app.state.backend.storage.messages()[0]  # type: ignore[attr-defined]
    assert (message.header, message.header_defaulted) == ("AnyHeader", True)


@pytest.mark.parametrize("path", [SEND_PATH, LEGACY_SEND_PATH])
def test_no_header_at_all_is_sent_under_the_default_sender(server: ServerThread, path: str) -> None:
    """The vendor's own sample URL for ``SMSDynamicAPI.aspx`` has no Header; a Java scheduler
    POSTs its query string to ``SMSDynamicRefIntlAPI.aspx`` without one, a WooCommerce OTP
    plugin and a Laravel app send none to ``SMSDynamicAPI.aspx`` (field notes, "Header
    absent"). Both endpoints accept it under the account's default sender; the journal and the
    message record which sender it went out under and that it was defaulted."""
    body = urlencode({k: v for k, v in SAMPLE.items() if k != "Header"}).encode()
    assert code(server, "POST", path, body) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    message = backend.storage.messages()[0]
    assert (message.header, message.header_defaulted) == ("AnyHeader", True)
    shown = message.to_json(backend.clock())
    assert (shown["header"], shown["header_defaulted"]) == ("AnyHeader", True)


def test_a_missing_header_no_longer_hides_a_wrong_password(server: ServerThread) -> None:
    """Issue 17's first cause: a missing Header answered 15 before anything else, so a wrong
    password looked like a malformed request. Without a Header, a wrong password is 3."""
    body = urlencode({**{k: v for k, v in SAMPLE.items() if k != "Header"}, "Password": "x"})
    assert code(server, "POST", LEGACY_SEND_PATH, body.encode()) == "3"


def test_the_default_sender_is_the_accounts_default_header(server: ServerThread) -> None:
    """``city`` registers ``City Code`` then ``Go-Watt``: the first is its default sender, unless
    the account names another (``default_header``)."""
    body = urlencode({"UserId": "city", "Password": "p&ss", "MobileNo": "96899123456",
                      "Message": "Hi", "Lang": "0"}).encode()  # fmt: skip
    assert code(server, "POST", LEGACY_SEND_PATH, body) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert backend.storage.messages()[0].header == "City Code"
    backend.storage.patch_account("city", {"default_header": "Go-Watt"})
    assert code(server, "POST", LEGACY_SEND_PATH, body) == "1"
    assert backend.storage.messages()[-1].header == "Go-Watt"


def test_a_present_but_unregistered_header_still_answers_19(server: ServerThread) -> None:
    """Defaulting is for a Header the client did not give. One it gave and the account has not
    registered is refused as before (19), on both endpoints."""
    for path in (SEND_PATH, LEGACY_SEND_PATH):
        assert code(server, "POST", path, form(Header="NotMine")) == "19"


def test_header_required_brings_back_the_strict_reading() -> None:
    """``endpoints.<name>.header_required: true``: absent or bare Header answers 15 again, on
    that endpoint only."""
    from ismart_sms_kit.mock_server.config import apply_mapping

    config = apply_mapping(
        Config(seed=0), {"endpoints": {"SMSDynamicAPI": {"header_required": True}}}, "test"
    )
    body = urlencode({k: v for k, v in SAMPLE.items() if k != "Header"}).encode()
    bare = body + b"&Header"
    with ServerThread(create_app(config)) as strict:
        assert code(strict, "POST", LEGACY_SEND_PATH, body) == "15"
        assert code(strict, "POST", LEGACY_SEND_PATH, bare) == "15"
        assert code(strict, "POST", SEND_PATH, body) == "1"  # the other endpoint is unchanged


def test_an_account_without_any_header_cannot_default(tmp_path: object) -> None:
    """No Header and nothing registered to fall back on: 19 (nothing it could be sent under)."""
    from ismart_sms_kit.mock_server.config import apply_mapping

    account = {"user_id": "bare", "password": "bare", "headers": []}
    config = apply_mapping(Config(seed=0), {"accounts": [account]}, "test")
    body = urlencode({**{k: v for k, v in SAMPLE.items() if k != "Header"},
                      "UserId": "bare", "Password": "bare"}).encode()  # fmt: skip
    with ServerThread(create_app(config)) as running:
        assert code(running, "POST", LEGACY_SEND_PATH, body) == "19"


def test_get_with_the_query_string_is_read(server: ServerThread) -> None:
    """PHP ``file_get_contents($url . '?' . http_build_query(...))``: a GET, allowed for the
    account (``http_get``), answers 1."""
    assert code(server, "GET", f"{SEND_PATH}?{QUERY}", content_type=None) == "1"


def test_java_style_post_with_the_query_string_and_an_empty_body(server: ServerThread) -> None:
    """``HttpURLConnection`` POST to ``url?params`` with no body: ``Request[...]`` looks in the
    query string first, so the request is whole: 1."""
    assert code(server, "POST", f"{SEND_PATH}?{QUERY}", b"") == "1"


def test_post_with_the_query_string_repeated_in_the_body(server: ServerThread) -> None:
    """Some clients put the parameters in both places. ``Request[name]`` takes the query
    string's value and never joins it with the form's, so nothing is doubled: 1."""
    assert code(server, "POST", f"{SEND_PATH}?{QUERY}", form()) == "1"


def test_a_name_repeated_in_one_collection_is_joined_with_a_comma(server: ServerThread) -> None:
    """``MobileNo=a&MobileNo=b`` reads as ``a,b`` (``NameValueCollection``): two recipients."""
    body = form() + b"&MobileNo=96899123457"
    assert code(server, "POST", SEND_PATH, body) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert sorted(m.number for m in backend.storage.messages()) == ["96899123456", "96899123457"]


def test_laravel_style_json_body(server: ServerThread) -> None:
    """``Http::post($url, [...])`` sends JSON, which ASP.NET's ``Request.Form`` does not read:
    every field is missing, 15 (never a 500)."""
    body = b'{"UserId": "ismartsms", "Password": "ismartsms", "MobileNo": "96899123456"}'
    assert code(server, "POST", SEND_PATH, body, content_type="application/json") == "15"


def test_unencoded_ampersand_in_the_password(server: ServerThread) -> None:
    """A password ``p&ss`` concatenated into the body unencoded arrives as ``Password=p`` and a
    bare key ``ss``: a wrong password, 3 (and it counts towards the lockout)."""
    body = form(UserId="city", Header="City Code").replace(b"Password=ismartsms", b"Password=p&ss")
    assert code(server, "POST", SEND_PATH, body) == "3"
    encoded = form(UserId="city", Password="p&ss", Header="City Code")
    assert code(server, "POST", SEND_PATH, encoded) == "1"  # encoded, it is right


def test_unencoded_plus_and_hash_in_the_message(server: ServerThread) -> None:
    """``Message=Hi+there #1`` unencoded: ``+`` arrives as a space; in a form body ``#`` is just
    a character. Accepted, with the text as the gateway reads it."""
    body = form().replace(b"Message=TestMessage", b"Message=Hi+there #1")
    assert code(server, "POST", SEND_PATH, body) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert backend.storage.messages()[0].text == "Hi there #1"


def test_unencoded_hash_in_a_get_url_cuts_the_request(server: ServerThread) -> None:
    """In a GET URL a ``#`` starts the fragment, which the client never sends: everything after
    it is lost. ``Message=Order #12&Lang=0&Header=...`` arrives without Lang and Header: 15."""
    cut = f"{SEND_PATH}?UserId=ismartsms&Password=ismartsms&MobileNo=96899123456&Message=Order%20"
    assert code(server, "GET", cut, content_type=None) == "15"


def test_literal_plus_968_arrives_as_a_space(server: ServerThread) -> None:
    """``MobileNo=+96899123456`` unencoded decodes to `` 96899123456``; the space around a
    number is ignored (Compatibility table): 1. Encoded as ``%2B968...`` the ``+`` is real and
    the number is not 11 digits: 9."""
    body = form().replace(b"MobileNo=96899123456", b"MobileNo=+96899123456")
    assert code(server, "POST", SEND_PATH, body) == "1"
    assert code(server, "POST", SEND_PATH, form(MobileNo="+96899123456")) == "9"


@pytest.mark.parametrize(
    ("number", "answer"),
    [
        ("96899123456", "1"),  # 11-digit Omani: the common case
        ("97199123456", "1"),  # the document's own UAE sample, with digits for the X's
        ("91234567", "9"),  # 8-digit local number without the country code
        ("9198123456", "9"),  # 10-digit Indian number as in the document's second sample
        ("0096899123456", "9"),  # 00 prefix: 13 digits
    ],
)
def test_numbers_seen_in_the_field(server: ServerThread, number: str, answer: str) -> None:
    """Only 11 digits pass (the document's rule); the local and 10-digit numbers the field
    sends answer 9 (Invalid Mobile No)."""
    assert code(server, "POST", SEND_PATH, form(MobileNo=number)) == answer


def test_fifty_numbers_pass_and_fifty_one_do_not(server: ServerThread) -> None:
    """At most 50 per request: 51 answers 9 on the documented endpoint and 24 on the older one
    (reported there)."""
    fifty = ",".join(f"968991{i:05d}" for i in range(50))
    assert code(server, "POST", SEND_PATH, form(MobileNo=fifty)) == "1"
    fifty_one = fifty + ",96899999999"
    assert code(server, "POST", SEND_PATH, form(MobileNo=fifty_one)) == "9"
    assert code(server, "POST", LEGACY_SEND_PATH, form(MobileNo=fifty_one)) == "24"


@pytest.mark.parametrize(
    ("push", "answer"),
    [
        ("", "1"),  # absent value: now
        ("03/04/2018 07:30:00", "1"),  # the document's sample, years in the past: sent now
        ("11/25/2026 00:00:00", "1"),  # midnight today
        ("03/04/2018 7:30:00", "16"),  # a 12-hour time without AM/PM and without padding
        ("03/04/2018 07:30:00 PM", "16"),  # .NET culture string with AM/PM
        ("03/04/2018 07:30", "16"),  # no seconds
        ("25/12/2026 10:00:00", "16"),  # DD/MM (the field reports 16)
    ],
)
def test_push_date_times_seen_in_the_field(server: ServerThread, push: str, answer: str) -> None:
    """The documented ``MM/DD/YYYY hh:mm:ss`` only, read as a 24-hour clock with two digits per
    field; anything else is 16. ``push_datetime_lenient`` accepts the .NET culture shapes if the
    live gateway turns out to (Compatibility table)."""
    assert code(server, "POST", SEND_PATH, form(PushDateTime=push)) == answer


def test_push_date_times_leniently(tmp_path: object) -> None:
    """With ``push_datetime_lenient``, the same shapes parse as en-US ``DateTime.Parse``."""
    config = Config(seed=0)
    from ismart_sms_kit.mock_server.config import build_endpoint

    config.endpoints["SMSDynamicRefIntlAPI"] = build_endpoint(
        "SMSDynamicRefIntlAPI", {"push_datetime_lenient": True}, "test"
    )
    with ServerThread(create_app(config)) as lenient:
        for push in ("03/04/2018 7:30:00", "3/4/2018 7:30:00 PM", "03/04/2018 07:30"):
            assert code(lenient, "POST", SEND_PATH, form(PushDateTime=push)) == "1", push
        assert code(lenient, "POST", SEND_PATH, form(PushDateTime="25/12/2026 10:00")) == "16"
        assert code(lenient, "POST", SEND_PATH, form(PushDateTime="3/4/2018 13:00 PM")) == "16"


@pytest.mark.parametrize(
    ("refs", "answer"),
    [
        ("101", "1"),  # one fixed value on every send
        ("000042", "1"),  # zero-padded last 6 digits of a timestamp
        ("101,102", "1"),  # the document's sample: one number, two ids
        ("96899123456-1795000000", "15"),  # not numeric, 22 characters
        ("12", "15"),  # fewer than 3 digits
        ("", "1"),  # blank: optional, as the document says
    ],
)
def test_reference_ids_seen_in_the_field(server: ServerThread, refs: str, answer: str) -> None:
    """3 to 6 digits each; the count need not match the numbers (the document's own sample has
    one number and two ids); blank is as absent (below)."""
    assert code(server, "POST", SEND_PATH, form(referenceIds=refs)) == answer


@pytest.mark.parametrize("path", [SEND_PATH, LEGACY_SEND_PATH])
def test_reference_ids_are_optional(server: ServerThread, path: str) -> None:
    """The document calls referenceIds optional. ``SMSDynamicAPI``'s integrations send none,
    and so does wp-sms's gateway class on ``SMSDynamicRefIntlAPI.aspx`` (GET, bare Header, no
    referenceIds). A field report says the Ref endpoint answered 15 without them; with nothing
    in the document behind it and a shipped integration against it, that is the switch
    ``reference_ids_required: true``, not the default."""
    body = urlencode({k: v for k, v in SAMPLE.items() if k != "referenceIds"}).encode()
    assert code(server, "POST", path, body) == "1"


def test_reference_ids_required_brings_back_the_field_report() -> None:
    from ismart_sms_kit.mock_server.config import apply_mapping

    config = apply_mapping(
        Config(seed=0),
        {"endpoints": {"SMSDynamicRefIntlAPI": {"reference_ids_required": True}}},
        "test",
    )
    body = urlencode({k: v for k, v in SAMPLE.items() if k != "referenceIds"}).encode()
    with ServerThread(create_app(config)) as strict:
        assert code(strict, "POST", SEND_PATH, body) == "15"
        assert code(strict, "POST", SEND_PATH, form(referenceIds=" ")) == "15"
        assert code(strict, "POST", LEGACY_SEND_PATH, body) == "1"


@pytest.mark.parametrize(
    "refs",
    [
        "96899123456-1796033221166",  # <mobile>-<epoch ms>: 25 characters, delivered live
        "OTP_42",  # letters and an underscore
        "12",  # fewer than 3 digits
        "1234567890",  # more than 6 digits
    ],
)
def test_free_form_reference_ids_on_the_older_endpoint(server: ServerThread, refs: str) -> None:
    """A TypeScript integration delivered a real OTP through ``SMSDynamicAPI.aspx`` (the
    provider answered ``1``) with ``referenceIds=<mobile>-<epoch ms>``, 25 characters; its
    notes call referenceIds harmless on the plain endpoints (field notes, "Free-form
    referenceIds"). The 3-6 digit rule is the Ref endpoint's document. So on the older
    endpoint any text is accepted and kept as given, and the delivery report finds it."""
    body = form(MobileNo="96899123456", referenceIds=refs)
    assert code(server, "POST", LEGACY_SEND_PATH, body) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert backend.storage.messages()[0].reference_id == refs
    report = urlencode({"UserId": "ismartsms", "Password": "ismartsms", "referenceIds": refs})
    answer = code(server, "GET", f"{DELIVERY_REPORT_PATH}?{report}", content_type=None)
    assert answer.startswith(f"ReferenceId={refs},Status=delivered,"), answer


def test_the_ref_endpoint_keeps_its_documented_reference_id_rule(server: ServerThread) -> None:
    """``SMSDynamicRefIntlAPI.aspx``'s document states "3 to 6 digit numbers like 101,102", and
    no integration is known to send it anything else and get ``1`` (the Java scheduler sends
    integer ids there): the strict reading stays, ``reference_ids_strict: false`` lifts it."""
    assert code(server, "POST", SEND_PATH, form(referenceIds="96899123456-1796033221166")) == "15"


@pytest.mark.parametrize(
    ("header", "answer"),
    [
        ("", "1"),  # present but empty: the default sender (below)
        ("   ", "1"),  # only white space: as empty
        ("City Code", "1"),  # a space inside, registered so
        ("Go-Watt", "1"),
        ("Go-watt", "19"),  # matched case-sensitively (field report)
        ("City Code X", "19"),  # 11 characters but not registered
        ("City Code XY", "19"),  # 12 characters: longer than a header can be
    ],
)
def test_headers_seen_in_the_field(server: ServerThread, header: str, answer: str) -> None:
    """A header must be registered for the account, exactly as registered (case included).

    ``Header=`` (present, empty) is sent under the default sender like an absent one: the
    field sends it from the same code path (an integration whose header option is empty;
    PHP's ``http_build_query`` writes ``Header=`` where WordPress's ``add_query_arg`` writes a
    bare ``Header``), an ASP.NET page that tests ``string.IsNullOrEmpty`` cannot tell the two
    apart, and the document says nothing of an empty Header: no strict reading to keep.
    ``blank_header_default: false`` answers 19 to it instead."""
    body = form(UserId="city", Password="p&ss", Header=header)
    assert code(server, "POST", SEND_PATH, body) == answer
    if header.strip() == "":
        backend = server.app.state.backend  # type: ignore[attr-defined]
        assert backend.storage.messages()[0].header == "City Code"


def test_blank_header_default_off_answers_19() -> None:
    """``blank_header_default: false`` refuses ``Header=`` with 19, as before issue 17."""
    from ismart_sms_kit.mock_server.config import apply_mapping

    config = apply_mapping(
        Config(seed=0),
        {"endpoints": {"SMSDynamicRefIntlAPI": {"blank_header_default": False}}},
        "test",
    )
    with ServerThread(create_app(config)) as strict:
        assert code(strict, "POST", SEND_PATH, form(Header="")) == "19"
        assert code(strict, "POST", LEGACY_SEND_PATH, form(Header="")) == "1"


@pytest.mark.parametrize(
    ("extra", "answer"),
    [
        ({"Lang": "1"}, "10"),  # Lang=1 as some clients send for "English"
        ({"Lang": "0", "Language": "64"}, "1"),  # Language is not a parameter: ignored
        ({"Lang": "0", "Message": "مرحبا"}, "1"),  # Arabic with Lang=0: counted as UCS-2
        ({"Lang": "0", "Message": "Hi 👋"}, "1"),  # emoji with Lang=0
        ({"SenderId": "X", "Flag": "1", "FLashSMS": "Y"}, "1"),  # unknown parameters ignored
    ],
)
def test_lang_and_unknown_parameters(
    server: ServerThread, extra: dict[str, str], answer: str
) -> None:
    """Lang is 0 or 64 only; parameters the documented endpoint does not define are ignored,
    as the live service does."""
    assert code(server, "POST", SEND_PATH, form(**extra)) == answer


def test_flash_on_the_older_endpoint(server: ServerThread) -> None:
    """``FLashSMS`` is ``Y`` or ``N``; lower case ``y`` is sent by two integrations, one an OTP
    plugin in production, and a Python client's documentation writes ``y`` (field notes,
    "FLashSMS=y"): accepted by default. Anything else still answers 22."""
    assert code(server, "POST", LEGACY_SEND_PATH, form(FLashSMS="Y")) == "1"
    assert code(server, "POST", LEGACY_SEND_PATH, form(FLashSMS="y")) == "1"
    assert code(server, "POST", LEGACY_SEND_PATH, form(FLashSMS="n")) == "1"
    assert code(server, "POST", LEGACY_SEND_PATH, form(FLashSMS="yes")) == "22"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert [m.flash for m in backend.storage.messages()] == [True, True, False]


def test_flash_lower_case_off_answers_22() -> None:
    """``flash_lower_case: false`` is the strict reading: ``y`` answers 22."""
    from ismart_sms_kit.mock_server.config import apply_mapping

    config = apply_mapping(
        Config(seed=0), {"endpoints": {"SMSDynamicAPI": {"flash_lower_case": False}}}, "test"
    )
    with ServerThread(create_app(config)) as strict:
        assert code(strict, "POST", LEGACY_SEND_PATH, form(FLashSMS="y")) == "22"


def test_a_session_cookie_and_odd_headers_change_nothing(server: ServerThread) -> None:
    """Clients replay the ``ASP.NET_SessionId`` cookie they got: ignored. The answer is the bare
    code: no BOM, no HTML, no trailing newline."""
    status, body = raw(
        server,
        "POST",
        SEND_PATH,
        form(),
        extra=b"Cookie: ASP.NET_SessionId=abc123\r\nUser-Agent: okhttp/4.9\r\n",
    )
    assert (status, body) == (200, b"1")


def test_form_body_in_another_charset(server: ServerThread) -> None:
    """A C# ``WebClient`` with ``Encoding.Unicode``-free defaults sends UTF-8; a declared
    ``charset=windows-1256`` (Arabic Windows) is honoured, so the text arrives right."""
    text = "مرحبا"
    body = urlencode({**SAMPLE, "Message": text, "Lang": "64"}, encoding="cp1256").encode()
    ctype = "application/x-www-form-urlencoded; charset=windows-1256"
    assert code(server, "POST", SEND_PATH, body, content_type=ctype) == "1"
    backend = server.app.state.backend  # type: ignore[attr-defined]
    assert backend.storage.messages()[0].text == text


OMANI_MOBILE = re.compile(r"968[79]\d{7}")
"""What integrations that check numbers themselves let through (field notes, "Number checks
in the client"), e.g. a TypeScript kiosk's ``/^(968)?[79]\\d{7}$/``."""


def test_the_default_magic_range_is_out_of_reach_of_omani_number_checks(
    server: ServerThread,
) -> None:
    """``968000000NN`` answers NN, and no real subscriber can hold it (no Omani number starts
    ``9680``), which is why it is the default; an app that validates ``968[79]\\d{7}`` itself
    never sends it, hence the magic range setting below."""
    assert code(server, "POST", SEND_PATH, form(MobileNo="96800000004")) == "4"
    assert not OMANI_MOBILE.fullmatch("96800000004")


@pytest.mark.subprocess
def test_a_magic_range_apps_with_their_own_number_checks_can_reach(tmp_path: Path) -> None:
    """``settings: {magic_prefix: "968799999"}`` puts the magic numbers where such an app can
    send them (``96879999904`` answers 4, ``96879999999`` fails its delivery), and the
    emulator warns loudly, at start-up and in ``/_mock/api/health``, that real subscribers could
    hold that range: an app left pointing at the live gateway would text strangers."""
    path = tmp_path / "magic.yaml"
    path.write_text("settings: {magic_prefix: '968799999'}\n", encoding="utf-8")
    with running("--config", str(path)) as mock:
        number = "96879999904"
        assert OMANI_MOBILE.fullmatch(number)
        answer = requests.post(mock.send_url, data={**SAMPLE, "MobileNo": number}, timeout=10)
        assert answer.text == "4"
        old = requests.post(mock.send_url, data={**SAMPLE, "MobileNo": "96800000004"}, timeout=10)
        assert old.text == "1"  # the default range is an ordinary number now
        health = requests.get(mock.url + "/_mock/api/health", timeout=10).json()
        output = mock.stop()
    assert any("magic_prefix" in w and "subscriber" in w for w in health["warnings"]), health
    assert "WARNING" in output and "968799999" in output and "strangers" in output, output


@pytest.mark.subprocess
def test_the_default_magic_range_warns_of_nothing() -> None:
    """The default range is unassignable: no warning."""
    with running() as mock:
        health = requests.get(mock.url + "/_mock/api/health", timeout=10).json()
        output = mock.stop()
    assert health["warnings"] == []
    assert "magic_prefix" not in output
