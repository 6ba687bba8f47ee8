"""``--admin-token``: the admin API and the inbox refuse callers without the token.

The gateway endpoints stay open, as the real ones are (they have their own credentials). The
token is accepted as ``Authorization: Bearer TOKEN``, ``X-Mock-Token: TOKEN``, the cookie
``ismart_mock_token`` or ``?token=TOKEN``. Opening the inbox as ``/_mock/?token=TOKEN`` sets
the cookie (HttpOnly, SameSite=Strict) and redirects to the bare URL, so the token leaves the
address bar and the page's own API calls and event stream carry the cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
from http.cookies import SimpleCookie
from typing import Final
from urllib.parse import parse_qs, urlsplit

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


# --- the drive-by guard: Host names, cross-site origins, non-JSON bodies ----------------------

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def _hostname(host: str) -> str:
    """The name or address of a ``Host`` value (or an origin's netloc), without the port."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8080
        return host[1 : host.find("]")] if "]" in host else host[1:]
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class DriveByGuard:
    """Refuses what a web page on another site could make a browser send to ``/_mock``
    (``ismart-mock`` has no login a browser would hold, so a request that arrives is obeyed):

    * a ``Host`` that is a name other than ``localhost`` (or ``*.localhost``) or one of
      ``allowed_hosts``: 403. A page of ``evil.example`` whose name was re-pointed to
      127.0.0.1 (DNS rebinding) sends its own name. An IP address is always accepted (a
      rebinding page cannot send one), and ``*`` in ``allowed_hosts`` accepts any name.
    * a state-changing request (not GET, HEAD or OPTIONS) whose ``Origin`` is not the
      ``Host`` it was sent to, or whose ``Sec-Fetch-Site`` is ``cross-site``: 403.
    * a state-changing request to ``/_mock/api/`` with a body that is not JSON
      (``application/json`` or ``+json``): 415. A form or ``text/plain`` POST is a "simple"
      request that no CORS preflight stops.

    The gateway's endpoints are not guarded: the real ones answer any host and origin."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed = frozenset(_hostname(h) for h in allowed_hosts if h != "*")

    def host_allowed(self, name: str) -> bool:
        return (
            self.any_host
            or name == "localhost"
            or name.endswith(".localhost")
            or name in self.allowed
            or _is_ip(name)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k: v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self.refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, text = refusal
        await JSONResponse({"error": text}, status_code=status)(scope, receive, send)

    def refusal(self, scope: Scope, headers: dict[bytes, str]) -> tuple[int, str] | None:
        host = headers.get(b"host")
        if host is not None and not self.host_allowed(_hostname(host)):
            return 403, (
                f"Host {host!r} is not allowed for the admin API and inbox (a guard against "
                "DNS rebinding): use localhost or an IP address, or start the emulator with "
                f"the setting allowed_hosts: [{_hostname(host)}] (ISMART_MOCK_ALLOWED_HOSTS)"
            )
        if scope["method"] in _SAFE_METHODS:
            return None
        origin = headers.get(b"origin")
        if origin is not None:
            netloc = urlsplit(origin).netloc.lower() if "://" in origin else ""
            if not netloc or host is None or netloc != host.strip().lower():
                return 403, f"a request from origin {origin!r} may not change the emulator"
        if headers.get(b"sec-fetch-site", "").lower() == "cross-site":
            return 403, "a cross-site request may not change the emulator"
        has_body = headers.get(b"content-length", "0").strip() not in ("", "0") or (
            b"transfer-encoding" in headers
        )
        if has_body and scope["path"].startswith(PROTECTED_PREFIX + "/api/"):
            media = headers.get(b"content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                return 415, (
                    f"the body must be JSON (Content-Type: application/json), not {media!r}"
                )
        return None
