"""Issue 28, point 10: a caller scoped to one scope cannot change, replace or delete an account
bound to another (403), nor bind one to another scope; an unscoped call (the instance's owner)
and the account's own scope still can."""

from __future__ import annotations

import requests

from ismart_sms_kit.mock_server.server import ServerThread

API = "/_mock/api/accounts"


def call(server: ServerThread, method: str, path: str, scope: str | None, **kw: object):
    headers = {"X-Mock-Scope": scope} if scope else {}
    return requests.request(method, server.url + path, headers=headers, timeout=10, **kw)


def test_a_scoped_caller_cannot_touch_another_scope_s_account(served: ServerThread) -> None:
    made = call(
        served, "POST", API, None, json={"user_id": "teamb", "password": "pw", "scope": "teamB"}
    )
    assert made.status_code == 201, made.text
    refused = {
        "error": "account 'teamb' belongs to scope 'teamB': a call scoped to 'teamA' cannot "
        "change it",
        "field": "scope",
    }
    for method, body in (("PATCH", {"credit": 0}), ("PUT", {"password": "x"}), ("DELETE", None)):
        answer = call(served, method, f"{API}/teamb", "teamA", json=body)
        assert (answer.status_code, answer.json()) == (403, refused), method
    account = call(served, "GET", f"{API}/teamb", None).json()
    assert account["credit"] == 1_000_000 and account["scope"] == "teamB"
    # its own scope, and an unscoped call, can
    assert call(served, "PATCH", f"{API}/teamb", "teamB", json={"credit": 5}).status_code == 200
    assert call(served, "PATCH", f"{API}/teamb", None, json={"credit": 6}).status_code == 200
    # nor can a scoped caller bind an account to another scope
    answer = call(
        served, "POST", API, "teamA", json={"user_id": "sneak", "password": "p", "scope": "teamB"}
    )
    assert (answer.status_code, answer.json()["field"]) == (403, "scope")
    answer = call(served, "PATCH", f"{API}/ismartsms", "teamA", json={"scope": "teamB"})
    assert (answer.status_code, answer.json()["field"]) == (403, "scope")
    assert call(served, "DELETE", f"{API}/teamb", "teamB").status_code == 204
