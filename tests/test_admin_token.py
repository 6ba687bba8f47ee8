"""``--admin-token``: every admin route and the inbox refuse a missing or wrong token; the
gateway stays open as the real one is; the inbox link with ``?token=`` sets a cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from starlette.routing import Route

from ismart_sms_kit.client.mock_admin import MockAdmin
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.config import Config
from ismart_sms_kit.mock_server.server import ServerThread
from tests.conftest import SAMPLE

TOKEN = "t0k3n-for-tests"


@pytest.fixture(scope="module")
def protected() -> Iterator[ServerThread]:
    config = Config(seed=0)
    config.settings.admin_token = TOKEN
    with ServerThread(create_app(config)) as server:
        yield server


def admin_paths(server: ServerThread) -> list[tuple[str, str]]:
    """Every (method, path) under /_mock the app serves, with path parameters filled in."""
    out = []
    for route in server.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/_mock"):
            path = route.path.replace("{user_id}", "demo").replace("{rule_id}", "1")
            path = path.replace("{message_id}", "1")
            out.extend((method, path) for method in sorted(route.methods or ()) if method != "HEAD")
    return out


def test_every_admin_route_refuses_a_missing_or_wrong_token(protected: ServerThread) -> None:
    paths = admin_paths(protected)
    assert len(paths) >= 15 and ("GET", "/_mock/api/messages") in paths
    for method, path in [*paths, ("GET", "/_mock/"), ("GET", "/_mock/static/inbox.js")]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Mock-Token": "wrong"}):
            response = requests.request(method, protected.url + path, headers=headers, timeout=10)
            assert response.status_code == 401, (method, path, headers)
        cookie = {"Cookie": "ismart_mock_token=wrong"}
        assert (
            requests.request(method, protected.url + path, headers=cookie, timeout=10).status_code
            == 401
        )


def test_the_right_token_opens_the_admin_api_and_the_gateway_needs_none(
    protected: ServerThread,
) -> None:
    assert (
        requests.post(
            protected.url + "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx", data=SAMPLE, timeout=10
        ).text
        == "1"
    )
    admin = MockAdmin(protected.url, token=TOKEN)
    assert admin.latest(SAMPLE["MobileNo"]) is not None
    header = {"X-Mock-Token": TOKEN}
    assert requests.get(protected.url + "/_mock/api/health", headers=header, timeout=10).ok
    admin.close()


def test_the_inbox_link_with_the_token_sets_a_cookie_and_drops_it_from_the_url(
    protected: ServerThread,
) -> None:
    with requests.Session() as browser:
        first = browser.get(
            protected.url + f"/_mock/?token={TOKEN}", allow_redirects=False, timeout=10
        )
        assert first.status_code == 303 and first.headers["location"] == "/_mock/"
        assert "HttpOnly" in first.headers["set-cookie"]
        assert browser.get(protected.url + "/_mock/api/health", timeout=10).status_code == 200
