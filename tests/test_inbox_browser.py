"""The inbox in a real headless Chromium: messages sent through the gateway endpoint appear in
the open page without a reload.

Chromium is Debian's (``make test`` installs it when missing; ``ISMART_CHROMIUM`` names another
binary), driven by Playwright's Python package. Without it these tests skip with a message
saying how to get one, except in CI (``CI=true``), where a missing browser fails them loudly.
Every test also checks that the page asked nothing of any host but the emulator and logged no
error (a Content-Security-Policy violation would be one).

``ISMART_INBOX_SCREENSHOT=docs/inbox.png pytest tests/test_inbox_browser.py -k screenshot``
renders the README's picture.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, NoReturn

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright
from starlette.applications import Starlette

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config, apply_mapping, load_rules_file
from ismart_sms_kit.mock_server.server import ServerThread
from ismart_sms_kit.protocol.spec import SEND_PATH

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("ISMART_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GATEWAY_TZ = timezone(timedelta(hours=4))
ACME_PASSWORD = "Tr0ub4dor&3-acme"
WRONG_PASSWORD = "wrong-Hunter2!"
ARABIC = "مرحبا، رمز التحقق الخاص بك هو 4821"
SAMPLE = {
    "UserId": "ismartsms",
    "Password": "ismartsms",
    "MobileNo": "96899123456",
    "Message": "TestMessage",
    "Lang": "0",
    "Header": "AnyHeader",
    "referenceIds": "100",
}
"""The vendor's sample request (sent now: no PushDateTime)."""

expect.set_options(timeout=10_000)
SHOTS = Path(os.environ["ISMART_INBOX_SHOTS"]) if os.environ.get("ISMART_INBOX_SHOTS") else None
"""A folder to picture the rules and accounts tabs in, to look at them (unset: no pictures)."""


def inbox_config() -> Config:
    """The demo accounts and ``acme``, whose password appears nowhere else and whose
    registered headers include markup."""
    account = {
        "user_id": "acme",
        "password": ACME_PASSWORD,
        "company": "Acme LLC",
        "headers": ["ACME", "<b>HI</b>"],
    }
    return apply_mapping(Config(seed=0), {"accounts": [account]}, "test_inbox_browser")


def no_browser(environ: Mapping[str, str]) -> NoReturn:
    """Where no Chromium can be had: skip, with how to get one; in CI, fail loudly."""
    message = (
        f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium package "
        "(sudo apt-get install chromium), or set ISMART_CHROMIUM to a Chromium binary"
    )
    if environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{message} (CI is set: the browser tests must run)")
    pytest.skip(f"{message}; the inbox's browser tests are skipped")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while
    it is open, which later tests that run their own loop cannot share."""
    if shutil.which(CHROMIUM) is None:
        no_browser(os.environ)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def test_without_chromium_the_browser_tests_skip_except_in_ci() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install chromium.*skipped"):
        no_browser({})
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        no_browser({"CI": "true"})


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(create_app(inbox_config())) as running:
        yield running


@dataclass
class Inbox:
    """An open inbox page and the emulator behind it."""

    page: Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def send(self, **overrides: str) -> str:
        """POST the sample request with ``overrides`` to the gateway endpoint; the answer."""
        data = {**SAMPLE, **overrides}
        return requests.post(self.url + SEND_PATH, data=data, timeout=10).text

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/_mock/api{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def tab(self, name: str) -> None:
        self.page.locator(f"#tab-{name}").click()

    @property
    def messages(self) -> Any:
        return self.page.locator("#messages > .msg")

    @property
    def rejected(self) -> Any:
        return self.page.locator("#rejected > .req")


@contextlib.contextmanager
def open_inbox(
    browser: Browser,
    url: str,
    *,
    height: int = 860,
    path: str = "/_mock/",
    timezone_id: str = "Asia/Muscat",  # the gateway's clock, UTC+4
    before: Callable[[Page], None] | None = None,
) -> Iterator[Inbox]:
    """An inbox page (``before`` is called with it before it loads), then checks that it
    logged no error and asked nothing of any host but the emulator."""
    context = browser.new_context(
        viewport={"width": 1200, "height": height}, timezone_id=timezone_id, locale="en-GB"
    )
    page = context.new_page()
    inbox = Inbox(page, url)
    page.on("request", lambda request: inbox.requested.append(request.url))
    page.on("pageerror", lambda error: inbox.console_errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            inbox.console_errors.append(message.text)

    def on_dialog(dialog: Any) -> None:
        inbox.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("console", on_console)
    page.on("dialog", on_dialog)
    try:
        if before is not None:
            before(page)
        page.goto(url + path)
        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        yield inbox
        assert inbox.console_errors == []
        outside = [u for u in inbox.requested if not u.startswith(url + "/")]
        assert outside == [], "the inbox must need nothing but the emulator"
    finally:
        context.close()


@contextlib.contextmanager
def inbox_on(browser: Browser, config: Config, **options: Any) -> Iterator[Inbox]:
    """An inbox page on an emulator of its own, made from ``config``."""
    with (
        ServerThread(create_app(config)) as server,
        open_inbox(browser, server.url, **options) as inbox,
    ):
        yield inbox


@pytest.fixture
def fresh_server(server: ServerThread) -> ServerThread:
    """The module's emulator, in its start state."""
    app: Starlette = server.app  # type: ignore[assignment]
    app.state.backend.reset()
    return server


@pytest.fixture
def inbox(browser: Browser, fresh_server: ServerThread) -> Iterator[Inbox]:
    """A fresh inbox page on an emulator in its start state."""
    with open_inbox(browser, fresh_server.url) as inbox:
        yield inbox


def mark_page(page: Page) -> str:
    """Put a mark on the loaded page: it survives anything but a reload."""
    mark = secrets.token_hex(8)
    page.evaluate("mark => { window.__inboxMark = mark; }", mark)
    return mark


def assert_not_reloaded(page: Page, mark: str) -> None:
    assert page.evaluate("() => window.__inboxMark") == mark


def push_datetime(when: datetime) -> str:
    """The vendor's PushDateTime format, on the gateway's clock."""
    return when.astimezone(GATEWAY_TZ).strftime("%m/%d/%Y %H:%M:%S")


# --- live messages -----------------------------------------------------------------------------


def test_an_inbox_with_a_scope_shows_that_scope_only(
    browser: Browser, fresh_server: ServerThread
) -> None:
    """``/_mock/?scope=NAME``: the messages and requests of one scope (as X-Mock-Scope gives
    them), at load and live; the filters keep the scope in the address."""
    server = fresh_server

    def scoped(scope: str, text: str) -> None:
        data = {**SAMPLE, "Message": text}
        headers = {"X-Mock-Scope": scope} if scope else {}
        answer = requests.post(server.url + SEND_PATH, data=data, headers=headers, timeout=10)
        assert answer.text == "1"

    scoped("run-a", "a before the page")
    scoped("run-b", "b before the page")
    with open_inbox(browser, server.url, path="/_mock/?scope=run-a") as inbox:
        page = inbox.page
        expect(page.locator("[data-field=page-scope]")).to_have_text("scope run-a")
        expect(inbox.messages).to_have_count(1)
        expect(inbox.messages.first.locator("[data-field=text]")).to_have_text("a before the page")
        mark = mark_page(page)
        scoped("run-b", "b live")
        scoped("", "unscoped live")
        scoped("run-a", "a live")
        expect(inbox.messages.first.locator("[data-field=text]")).to_have_text("a live")
        expect(inbox.messages).to_have_count(2)
        expect(page.locator("#count-requests")).to_have_text("2")
        page.locator("#filter-text").fill("live")
        expect(inbox.messages).to_have_count(1)
        assert "scope=run-a" in page.url and "text=live" in page.url
        json_link = page.locator(".links a").first.get_attribute("href")
        assert json_link is not None and json_link.endswith("scope=run-a")
        assert_not_reloaded(page, mark)


def test_a_scopes_reset_leaves_the_unscoped_inbox_with_what_is_left(inbox: Inbox) -> None:
    page = inbox.page
    mark = mark_page(page)
    for scope in ("run-a", "run-b"):
        data = {**SAMPLE, "Message": f"from {scope}"}
        headers = {"X-Mock-Scope": scope}
        assert requests.post(inbox.url + SEND_PATH, data=data, headers=headers, timeout=10).ok
    expect(inbox.messages).to_have_count(2)
    inbox.api("POST", "/reset", headers={"X-Mock-Scope": "run-a"})
    expect(inbox.messages).to_have_count(1)
    expect(inbox.messages.first.locator("[data-field=text]")).to_have_text("from run-b")
    expect(page.locator("#count-requests")).to_have_text("1")
    assert_not_reloaded(page, mark)


def test_the_root_redirects_to_the_inbox(inbox: Inbox) -> None:
    inbox.page.goto(inbox.url + "/")
    assert inbox.page.url == inbox.url + "/_mock/"
    expect(inbox.page).to_have_title(re.compile("Inbox"))


def test_sent_messages_appear_without_a_reload_newest_first(inbox: Inbox) -> None:
    page = inbox.page
    expect(page.locator("#messages .empty-state")).to_contain_text("No messages yet.")
    mark = mark_page(page)

    assert inbox.send(Message="Your code is 4821", referenceIds="101") == "1"
    first = inbox.messages.first
    expect(first.locator("[data-field=text]")).to_have_text("Your code is 4821")
    expect(first.locator("[data-field=to]")).to_have_text("96899123456")
    expect(first.locator("[data-field=header]")).to_have_text("AnyHeader")
    expect(first.locator("[data-field=encoding]")).to_have_text("GSM-7")
    expect(first.locator("[data-field=parts]")).to_have_text("1 part")
    expect(first.locator("[data-field=units]")).to_have_text("17 units")
    expect(first.locator("[data-field=user]")).to_have_text("user ismartsms")
    expect(first.locator("[data-field=reference]")).to_have_text("ref 101")
    expect(first.locator("[data-field=endpoint]")).to_have_text("SMSDynamicRefIntlAPI")
    expect(first.locator("[data-field=scheduled]")).to_have_count(0)
    expect(first.locator("[data-field=status]")).to_have_text("delivered")
    expect(first.locator("[data-field=scope]")).to_have_count(0)

    long_text = "Your parcel is on its way. " * 7  # 189 characters: two GSM-7 parts
    assert inbox.send(Message=long_text, MobileNo="96899000002") == "1"
    expect(inbox.messages).to_have_count(2)
    newest = inbox.messages.first
    expect(newest.locator("[data-field=to]")).to_have_text("96899000002")
    expect(newest.locator("[data-field=parts]")).to_have_text("2 parts")
    expect(newest.locator("[data-field=units]")).to_have_text("189 units")
    expect(inbox.messages.nth(1).locator("[data-field=text]")).to_have_text("Your code is 4821")
    expect(page.locator("#count-messages")).to_have_text("2")
    expect(page.locator("#count-requests")).to_have_text("2")
    expect(page.locator("#count-rejected")).to_have_text("0")
    assert_not_reloaded(page, mark)


MESSAGE_META: Final = [
    "encoding", "parts", "units", "lang", "user", "reference", "request", "endpoint", "interface",
]  # fmt: skip
"""The meta line of a message sent now with a reference id and no scope."""


def test_a_field_the_page_does_not_know_is_shown_after_those_it_knows(
    browser: Browser, fresh_server: ServerThread
) -> None:
    """A field a newer model adds (here added to the real server's answer on its way to the
    page) is shown as "name value" without an edit to the page; one the model has now and
    the page shows nowhere else (the journal's ``params_cut``) likewise; a message with no
    such field keeps its look."""
    server = fresh_server
    requests.post(server.url + SEND_PATH, data=SAMPLE, timeout=10)
    requests.post(server.url + SEND_PATH, data={**SAMPLE, "Message": "plain"}, timeout=10)
    many = {**SAMPLE, **{f"extra{i}": "v" for i in range(40)}}  # the journal keeps 32
    assert requests.post(server.url + SEND_PATH, data=many, timeout=10).text == "1"

    def newer_model(route: Route) -> None:
        response = route.fetch()
        messages = response.json()
        for message in messages:
            if message["text"] != "plain":
                message.update(campaign="spring-sale", vip=True, tags=["a", "b"], note=None)
        route.fulfill(response=response, json=messages)

    def route_messages(page: Page) -> None:
        page.route(re.compile(r".*/_mock/api/messages\?.*"), newer_model)

    with open_inbox(browser, server.url, before=route_messages) as inbox:
        expect(inbox.messages).to_have_count(3)
        newer = inbox.messages.first
        expect(newer.locator("[data-field=campaign]")).to_have_text("campaign spring-sale")
        expect(newer.locator("[data-field=vip]")).to_have_text("vip")
        expect(newer.locator("[data-field=tags]")).to_have_text("tags a, b")
        expect(newer.locator("[data-field=note]")).to_have_count(0)
        plain = inbox.messages.nth(1)
        expect(plain.locator("[data-field=text]")).to_have_text("plain")
        fields = plain.locator(".meta-item").evaluate_all(
            "nodes => nodes.map(n => n.dataset.field)"
        )
        assert fields == MESSAGE_META
        title = plain.locator("[data-field=status]").get_attribute("title") or ""
        assert title.startswith("Delivery state, since ") and title.endswith(" UTC+4")
        inbox.tab("requests")
        cut = inbox.page.locator("#requests > .req").first.locator("[data-field=params_cut]")
        expect(cut).to_contain_text("params cut kept 32 of 47 parameters")


def test_a_message_sent_without_a_header_shows_its_default_sender(inbox: Inbox) -> None:
    """Issue 17: a message stored without a Header shows the sender it went out under and
    that it was defaulted; one with a Header has no such mark."""
    assert inbox.send(Header="", Message="no header") == "1"
    defaulted = inbox.messages.first
    expect(defaulted.locator("[data-field=text]")).to_have_text("no header")
    expect(defaulted.locator("[data-field=header]")).to_have_text("AnyHeader")
    expect(defaulted.locator("[data-field=default-sender]")).to_have_text("Default sender")
    assert inbox.send(Message="with header") == "1"
    expect(inbox.messages.first.locator("[data-field=text]")).to_have_text("with header")
    expect(inbox.messages.first.locator("[data-field=default-sender]")).to_have_count(0)


def test_one_card_per_recipient(inbox: Inbox) -> None:
    assert inbox.send(MobileNo="96899000011,96899000012", referenceIds="301,302") == "1"
    expect(inbox.messages).to_have_count(2)
    expect(inbox.messages.locator("[data-field=to]")).to_have_text(["96899000012", "96899000011"])
    expect(inbox.messages.locator("[data-field=reference]")).to_have_text(["ref 302", "ref 301"])


def test_an_arabic_message_is_shown_right_to_left(inbox: Inbox) -> None:
    mark = mark_page(inbox.page)
    assert inbox.send(Message="Welcome to Muscat") == "1"
    assert inbox.send(Message=ARABIC, Lang="64", MobileNo="96891234567") == "1"
    arabic = inbox.messages.first
    text = arabic.locator("[data-field=text]")
    expect(text).to_have_text(ARABIC)
    assert text.evaluate("node => getComputedStyle(node).direction") == "rtl"
    expect(text).to_have_attribute("lang", "ar")
    expect(arabic.locator("[data-field=encoding]")).to_have_text("UCS-2")
    expect(arabic.locator("[data-field=parts]")).to_have_text("1 part")
    expect(arabic.locator("[data-field=units]")).to_have_text("34 units")
    expect(arabic.locator("[data-field=lang]")).to_have_text("Lang 64 (Arabic)")
    english = inbox.messages.nth(1).locator("[data-field=text]")
    assert english.evaluate("node => getComputedStyle(node).direction") == "ltr"
    assert_not_reloaded(inbox.page, mark)


def test_a_scheduled_message_is_marked_with_its_push_time(inbox: Inbox) -> None:
    later = (datetime.now(GATEWAY_TZ) + timedelta(days=2)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    assert inbox.send(Message="Reminder", PushDateTime=push_datetime(later)) == "1"
    scheduled = inbox.messages.first
    expect(scheduled.locator("[data-field=scheduled]")).to_have_text("Scheduled")
    expect(scheduled.locator("[data-field=push-at]")).to_have_text(
        f"due {later:%Y-%m-%d} 09:30:00 UTC+4"
    )

    assert inbox.send(Message="Sent now", PushDateTime="03/04/2018 07:30:00") == "1"
    past = inbox.messages.first
    expect(past.locator("[data-field=text]")).to_have_text("Sent now")
    expect(past.locator("[data-field=push-at]")).to_have_text("push time 2018-03-04 07:30:00 UTC+4")
    expect(past.locator("[data-field=scheduled]")).to_have_count(0)


def test_what_was_there_before_the_page_opened_is_listed_newest_first(
    browser: Browser, fresh_server: ServerThread
) -> None:
    server = fresh_server
    for text in ("first", "second", "third"):
        requests.post(server.url + SEND_PATH, data={**SAMPLE, "Message": text}, timeout=10)
    requests.post(server.url + SEND_PATH, data={**SAMPLE, "Password": "nope"}, timeout=10)
    with open_inbox(browser, server.url) as inbox:
        expect(inbox.messages.locator("[data-field=text]")).to_have_text(
            ["third", "second", "first"]
        )
        expect(inbox.page.locator("#count-rejected")).to_have_text("1")
        inbox.send(Message="fourth")
        expect(inbox.messages.first.locator("[data-field=text]")).to_have_text("fourth")


# --- filters -----------------------------------------------------------------------------------


def test_filters_by_number_header_and_text_apply_to_live_messages_too(inbox: Inbox) -> None:
    page = inbox.page
    inbox.send(MobileNo="96899000001", Message="Hello Ahmed")
    inbox.send(
        UserId="demo", Password="demo", Header="OTP", MobileNo="96899000002", Message="OTP 1"
    )
    inbox.send(MobileNo="96891111111", Message="hello from Sohar")
    expect(inbox.messages).to_have_count(3)
    mark = mark_page(page)

    page.locator("#filter-to").fill("96899")
    expect(inbox.messages.locator("[data-field=to]")).to_have_text(["96899000002", "96899000001"])
    page.locator("#filter-header").fill("otp")
    expect(inbox.messages.locator("[data-field=text]")).to_have_text(["OTP 1"])
    page.locator("#filter-header").fill("")
    page.locator("#filter-text").fill("HELLO")
    expect(inbox.messages.locator("[data-field=text]")).to_have_text(["Hello Ahmed"])
    expect(page.locator("#count-messages")).to_have_text("1")

    inbox.send(MobileNo="96899000003", Message="hello, live")  # matches: shown
    inbox.send(MobileNo="96891111112", Message="hello, elsewhere")  # another number: not
    inbox.send(MobileNo="96899000004", Message="bye")  # other text: not
    expect(inbox.messages.locator("[data-field=text]")).to_have_text(["hello, live", "Hello Ahmed"])
    expect(page.locator("#count-messages")).to_have_text("2")
    expect(page.locator("#count-requests")).to_have_text("2")
    assert_not_reloaded(page, mark)

    assert page.url.endswith("/_mock/?to=96899&text=HELLO")  # a link keeps the filter
    page.reload()
    expect(page.locator("#filter-to")).to_have_value("96899")
    expect(inbox.messages).to_have_count(2)

    page.locator("#filter-reset").click()
    expect(inbox.messages).to_have_count(6)
    expect(page.locator("#messages .empty-state")).to_have_count(0)


def test_a_filter_that_matches_nothing_says_so(inbox: Inbox) -> None:
    inbox.send()
    inbox.page.locator("#filter-to").fill("000")
    expect(inbox.page.locator("#messages .empty-state")).to_have_text(
        "No messages match the filter."
    )


# --- the request journal -----------------------------------------------------------------------


def test_rejected_requests_show_code_description_and_what_decided(inbox: Inbox) -> None:
    page = inbox.page
    mark = mark_page(page)
    assert inbox.send(Password=WRONG_PASSWORD) == "3"
    rule = inbox.api(
        "POST",
        "/rules",
        json={"name": "outage", "match": {"mobile": "96899000503"}, "action": {"http_status": 503}},
    )
    inbox.send(MobileNo="96899000503")
    assert inbox.send() == "1"
    expect(page.locator("#count-rejected")).to_have_text("2")
    expect(page.locator("#count-requests")).to_have_text("3")
    expect(page.locator("#count-messages")).to_have_text("1")

    inbox.tab("rejected")
    expect(page.locator("#panel-rejected")).to_be_visible()
    expect(page.locator("#panel-messages")).to_be_hidden()
    assert page.url.endswith("#rejected")
    journal = inbox.api("GET", "/requests")  # newest first, like the page
    outage, wrong = inbox.rejected.nth(0), inbox.rejected.nth(1)
    expect(inbox.rejected).to_have_count(2)

    expect(wrong.locator("[data-field=code]")).to_have_text("3")
    expect(wrong.locator("[data-field=description]")).to_have_text("User or Password is wrong.")
    expect(wrong.locator("[data-field=decided-by]")).to_have_text("password")
    expect(wrong.locator("[data-field=reason]")).to_have_text(journal[2]["reason"])
    expect(wrong.locator("[data-field=method]")).to_have_text("POST")
    expect(wrong.locator("[data-field=endpoint]")).to_have_text("SMSDynamicRefIntlAPI")
    expect(wrong.locator("[data-field=client-ip]")).to_have_text("from 127.0.0.1")
    params = wrong.locator("[data-field=params]")
    expect(params).to_contain_text("Password***")
    expect(params).to_contain_text("MobileNo96899123456")

    expect(outage.locator("[data-field=code]")).to_have_text("HTTP 503")
    expect(outage.locator("[data-field=decided-by]")).to_have_text(journal[1]["decided_by"])
    expect(outage.locator("[data-field=reason]")).to_have_text(journal[1]["reason"])
    assert "outage" in journal[1]["decided_by"]

    inbox.tab("requests")
    accepted = page.locator("#requests > .req").first
    expect(accepted.locator("[data-field=code]")).to_have_text("1")
    expect(accepted.locator("[data-field=description]")).to_have_text(
        "Message Pushed successfully."
    )
    expect(accepted.locator("[data-field=decided-by]")).to_have_text("accepted")
    inbox.api("DELETE", f"/rules/{rule['id']}")
    assert_not_reloaded(page, mark)


def test_the_password_is_never_on_the_page(inbox: Inbox) -> None:
    assert inbox.send(UserId="acme", Password=ACME_PASSWORD, Header="ACME") == "1"
    assert inbox.send(UserId="acme", Password=WRONG_PASSWORD, Header="ACME") == "3"
    expect(inbox.page.locator("#count-requests")).to_have_text("2")
    expect(inbox.messages).to_have_count(1)
    html = inbox.page.content()  # every tab, hidden ones included
    assert "acme" in html
    assert ACME_PASSWORD not in html
    assert WRONG_PASSWORD not in html
    assert html.count("***") == 3  # both under All requests, the wrong one under Rejected too


# --- escaping ----------------------------------------------------------------------------------

XSS_TEXT = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'


def test_markup_in_a_message_its_header_and_raw_params_is_shown_as_text(inbox: Inbox) -> None:
    page = inbox.page
    assert inbox.send(UserId="acme", Password=ACME_PASSWORD, Header="<b>HI</b>") == "1"
    assert inbox.send(Message=XSS_TEXT) == "1"
    bad_number = "<script>alert(3)</script>"
    bad_header = "<svg onload=alert(4)>"
    assert inbox.send(MobileNo=bad_number, Header=bad_header, Message=XSS_TEXT) == "9"

    expect(inbox.messages.first.locator("[data-field=text]")).to_have_text(XSS_TEXT)
    expect(inbox.messages.nth(1).locator("[data-field=header]")).to_have_text("<b>HI</b>")
    inbox.tab("rejected")
    params = inbox.rejected.first.locator("[data-field=params] dd")
    expect(params).to_contain_text([bad_number, XSS_TEXT, bad_header])

    lists = page.locator("#messages, #rejected, #requests")
    expect(lists.locator("img, script, svg, b")).to_have_count(0)
    assert page.evaluate("() => window.__xss") is None
    assert inbox.dialogs == []


def test_the_page_forbids_inline_and_outside_scripts(inbox: Inbox) -> None:
    response = requests.get(inbox.url + "/_mock/", timeout=10)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


# --- state of the emulator ---------------------------------------------------------------------


def test_a_reset_empties_the_open_inbox(inbox: Inbox) -> None:
    inbox.send(Message="before the reset")
    inbox.send(Password="nope")
    expect(inbox.messages).to_have_count(1)
    expect(inbox.page.locator("#count-rejected")).to_have_text("1")
    inbox.api("POST", "/reset")
    expect(inbox.page.locator("#messages .empty-state")).to_contain_text("No messages yet.")
    expect(inbox.page.locator("#count-rejected")).to_have_text("0")
    inbox.send(Message="after the reset")
    expect(inbox.messages.locator("[data-field=text]")).to_have_text(["after the reset"])


def test_the_delivery_state_and_the_scope_are_shown(inbox: Inbox) -> None:
    """Delivery is simulated (delivered at once by default; the magic number 96800000099
    fails); a request carrying X-Mock-Scope shows its scope, here and in the rejected tab."""
    assert inbox.send(Message="will be delivered") == "1"
    assert inbox.send(Message="will fail", MobileNo="96800000099") == "1"
    failed, delivered = inbox.messages.nth(0), inbox.messages.nth(1)
    expect(delivered.locator("[data-field=status]")).to_have_text("delivered")
    expect(delivered.locator("[data-field=status]")).to_have_class(re.compile("status-delivered"))
    expect(failed.locator("[data-field=status]")).to_have_text("failed")
    expect(failed.locator("[data-field=status]")).to_have_class(re.compile("status-failed"))
    expect(delivered.locator("[data-field=scope]")).to_have_count(0)
    scoped = {"X-Mock-Scope": "team-a"}
    data = {**SAMPLE, "Message": "in a scope"}
    assert requests.post(inbox.url + SEND_PATH, data=data, headers=scoped, timeout=10).text == "1"
    expect(inbox.messages.first.locator("[data-field=scope]")).to_have_text("scope team-a")
    data = {**SAMPLE, "Password": "nope"}
    assert requests.post(inbox.url + SEND_PATH, data=data, headers=scoped, timeout=10).text == "3"
    inbox.tab("rejected")
    expect(inbox.rejected.first.locator("[data-field=scope]")).to_have_text("scope team-a")


def test_a_delivery_that_comes_later_shows_without_a_reload(browser: Browser) -> None:
    """With ``delivery_delay_ms`` a message is first "sent", then "delivered" on the server's
    clock: the open page shows the change by itself."""
    config = Config(seed=0)
    config.settings.delivery_delay_ms = 1500
    with inbox_on(browser, config) as inbox:
        assert inbox.send(Message="on its way") == "1"
        status = inbox.messages.first.locator("[data-field=status]")
        expect(status).to_have_text("sent")
        expect(status).to_have_text("delivered")
        expect(inbox.messages).to_have_count(1)


def write_rules(path: Path, code: object) -> None:
    path.write_text(f"rules:\n  - name: always\n    action: {{code: {code}}}\n")


def test_a_broken_rules_file_shows_a_banner_until_it_is_mended(
    browser: Browser, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    write_rules(rules, 4)
    config = load_rules_file(rules, Config(seed=0))
    config.settings.rules_reload_ms = 50
    with inbox_on(browser, config) as inbox:
        banner = inbox.page.locator("#banner")
        expect(banner).to_be_hidden()
        write_rules(rules, "four")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("A rules file was not reloaded.")
        expect(banner.locator("li")).to_contain_text(str(rules))
        expect(banner.locator("li")).to_contain_text("action.code")
        write_rules(rules, 9)
        expect(banner).to_be_hidden()


def test_screenshot(browser: Browser, tmp_path: Path) -> None:
    """The README's picture: an OTP, an Arabic message, a scheduled reminder to two numbers,
    and two rejected requests, on an emulator of its own (so the ids start at 1)."""
    with inbox_on(browser, inbox_config(), height=600) as inbox:
        take_screenshot(inbox, tmp_path / "inbox.png")


def take_screenshot(inbox: Inbox, path: Path) -> None:
    page = inbox.page
    later = (datetime.now(GATEWAY_TZ) + timedelta(days=1)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    inbox.send(
        Message="Your verification code is 482913. It expires in 5 minutes.", referenceIds="101"
    )
    inbox.send(Password=WRONG_PASSWORD)
    inbox.send(
        UserId="demo",
        Password="demo",
        Header="OTP",
        MobileNo="96891234567",
        Message="مرحبا، رمز التحقق الخاص بك هو 4821. لا تشاركه مع أحد.",
        Lang="64",
        referenceIds="102",
    )
    inbox.send(
        MobileNo="96895550123,96899887766",
        Message="Reminder: your appointment at Royal Hospital is tomorrow at 10:00. "
        "Reply STOP to opt out.",
        PushDateTime=push_datetime(later),
        referenceIds="103,104",
    )
    inbox.send(Header="PROMO", Message="50% off this weekend only!")
    expect(inbox.messages).to_have_count(4)
    expect(page.locator("#count-rejected")).to_have_text("2")
    page.evaluate("() => document.getAnimations().forEach(a => a.finish())")
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")
    target = os.environ.get("ISMART_INBOX_SCREENSHOT")
    if target:
        shutil.copyfile(path, target)


# --- issue 21: the empty state's example, the gateway's clock, delete, reset, rules, accounts ---


def test_the_empty_states_example_answers_1_and_its_message_appears(inbox: Inbox) -> None:
    """The first command a newcomer copies from the page: run verbatim, it must do what the
    page says (answer 1, and the message appears without a reload)."""
    example = inbox.page.locator("#messages .empty-state pre")
    expect(example).to_contain_text("curl")
    expect(inbox.page.locator("#messages .empty-state")).to_contain_text("It answers 1")
    command = example.inner_text()
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (0, "1"), done.stderr
    expect(inbox.messages.locator("[data-field=text]")).to_have_text(["TestMessage"])


def test_push_times_are_on_the_gateways_clock_whatever_the_browsers_zone(
    browser: Browser, fresh_server: ServerThread
) -> None:
    with open_inbox(browser, fresh_server.url, timezone_id="America/New_York") as inbox:
        expect(inbox.page.locator("#clock")).to_have_text(
            "times: gateway clock, Asia/Muscat, UTC+4"
        )
        assert inbox.send(PushDateTime="12/31/2027 09:00:00") == "1"
        push_at = inbox.messages.first.locator("[data-field=push-at]")
        expect(push_at).to_have_text("due 2027-12-31 09:00:00 UTC+4")
        title = push_at.get_attribute("title") or ""
        assert "Asia/Muscat, UTC+4" in title and "your clock" in title


def test_a_message_is_deleted_from_the_page(browser: Browser, inbox: Inbox) -> None:
    assert inbox.send(Message="keep me") == "1"
    assert inbox.send(Message="delete me", MobileNo="96899000002") == "1"
    expect(inbox.messages).to_have_count(2)
    mark = mark_page(inbox.page)
    with open_inbox(browser, inbox.url) as other:  # another open page follows
        expect(other.messages).to_have_count(2)
        inbox.messages.first.get_by_role("button", name="Delete this message").click()
        expect(inbox.messages.locator("[data-field=text]")).to_have_text(["keep me"])
        expect(inbox.page.locator("#count-messages")).to_have_text("1")
        expect(other.messages.locator("[data-field=text]")).to_have_text(["keep me"])
    assert [m["text"] for m in inbox.api("GET", "/messages")] == ["keep me"]
    assert_not_reloaded(inbox.page, mark)


def test_the_emulator_is_reset_from_the_page_after_a_confirmation(inbox: Inbox) -> None:
    page = inbox.page
    assert inbox.send(Message="before the reset") == "1"
    assert inbox.send(Password="nope") == "3"
    inbox.api("PATCH", "/accounts/lowcredit", json={"credit": 0})
    expect(inbox.messages).to_have_count(1)
    page.locator("#reset").click()
    confirm = page.locator("#confirm-reset")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Reset the emulator?")
    page.locator("#confirm-reset-no").click()
    expect(confirm).to_be_hidden()
    expect(inbox.messages).to_have_count(1)  # cancelled: nothing happened
    page.locator("#reset").click()
    page.locator("#confirm-reset-yes").click()
    expect(page.locator("#messages .empty-state")).to_contain_text("No messages yet.")
    expect(page.locator("#count-rejected")).to_have_text("0")
    assert inbox.api("GET", "/messages") == []
    assert inbox.api("GET", "/accounts/lowcredit")["credit"] == 2


def test_the_rules_and_accounts_in_force_are_shown(inbox: Inbox) -> None:
    page = inbox.page
    rule = {"name": "outage", "match": {"mobile_prefix": "96899"}, "action": {"code": 4}}
    rule_id = inbox.api("POST", "/rules", json={**rule, "times": 3})["id"]
    assert inbox.send() == "4"
    inbox.tab("rules")
    card = page.locator("#rules > .rule")
    expect(card).to_have_count(1)
    expect(card.locator("[data-field=rule-name]")).to_have_text("outage")
    expect(card.locator("[data-field=match]")).to_have_text("mobile_prefix: 96899")
    expect(card.locator("[data-field=action]")).to_have_text("code: 4")
    expect(card.locator("[data-field=hits]")).to_have_text("1 hit, 1 seen")
    expect(card.locator("[data-field=times]")).to_have_text("2 of 3 uses left")
    expect(page.locator("#count-rules")).to_have_text("1")
    card.get_by_role("button", name="Remove").click()
    expect(page.locator("#rules .empty-state")).to_contain_text("No fault rules")
    assert inbox.api("GET", "/rules") == [] and rule_id

    inbox.tab("accounts")
    accounts = page.locator("#accounts > .account")
    expect(accounts).to_have_count(len(inbox.api("GET", "/accounts")))
    broken = page.locator('#accounts > .account[data-id="broken"]')
    expect(broken.locator("[data-field=facts]")).to_contain_text("fails inside the gateway (11)")
    lowcredit = page.locator('#accounts > .account[data-id="lowcredit"]')
    expect(lowcredit.locator("[data-field=credit]")).to_have_text("2 credits")
    expect(
        page.locator('#accounts > .account[data-id="blocked"] [data-field=account-status]')
    ).to_have_text("blocked")
    assert inbox.send(UserId="lowcredit", Password="lowcredit") == "1"  # one part, one number
    expect(lowcredit.locator("[data-field=credit]")).to_have_text("1 credit")  # kept current
    if SHOTS is not None:
        page.screenshot(path=str(SHOTS / "accounts.png"))
        inbox.api("POST", "/rules", json=rule)
        inbox.tab("rules")
        expect(page.locator("#rules > .rule")).to_have_count(1)
        page.screenshot(path=str(SHOTS / "rules.png"))
