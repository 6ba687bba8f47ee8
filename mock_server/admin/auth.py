"""``--admin-token``: the admin API and the inbox refuse callers without the token.

The gateway endpoints stay open, as the real ones are (they have their own credentials). The
token is accepted as ``Authorization: Bearer TOKEN``, ``X-Mock-Token: TOKEN``, the cookie
``ismart_mock_token`` or ``?token=TOKEN``. Opening the inbox as ``/_mock/?token=TOKEN`` sets
the cookie (HttpOnly, SameSite=Strict) and redirects to the bare URL, so the token leaves the
address bar and the page's own API calls and event stream carry the cookie.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from typing import Final
from urllib.parse import parse_qs

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

PROTECTED_PREFIX: Final = "/_mock"
COOKIE: Final = "ismart_mock_token"


def _presented(scope: Scope) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came in the query string."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), False
    if "x-mock-token" in headers:
        return headers["x-mock-token"], False
    if "cookie" in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers["cookie"])
        except Exception:  # a malformed cookie header is just no token
            cookie = SimpleCookie()
        if COOKIE in cookie:
            return cookie[COOKIE].value, False
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "token" in query:
        return query["token"][0], True
    return None, False


class AdminTokenMiddleware:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        token, in_query = _presented(scope)
        if token is None or not hmac.compare_digest(token.encode(), self.token):
            response: Response = JSONResponse(
                {"error": "the admin API and inbox need the admin token (--admin-token)"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="ismart-mock"'},
            )
        elif in_query and scope["method"] == "GET" and not scope["path"].startswith("/_mock/api"):
            response = RedirectResponse(scope["path"], status_code=303)
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/_mock")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
