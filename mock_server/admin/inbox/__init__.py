"""The web inbox at ``/_mock/``: captured messages and rejected requests, live.

One hand-written page (``static/index.html``, ``inbox.js``, ``inbox.css``; no framework, no
build step, nothing from the internet). The page loads the newest messages and journal entries
from the admin API, then follows ``/_mock/api/events`` (server-sent events, :mod:`.events`).
Every value from the server is put into the page as text (``textContent``), never as HTML,
and the page's Content-Security-Policy allows only its own script and style.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from ismart_sms_kit.mock_server.admin.inbox import events

# resolved: in a strict editable install this file is a link, and StaticFiles serves only files
# whose real path is inside the real path of its folder
STATIC = Path(__file__).resolve().parent / "static"
PAGE_PATH = "/_mock/"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _Assets(StaticFiles):
    """The page's script and style, revalidated on every load (ETag, so usually a 304): a
    browser never runs last version's script against this version's API."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def page(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)


async def to_page(request: Request) -> Response:
    return RedirectResponse(PAGE_PATH)


def routes() -> list[BaseRoute]:
    """The page, its assets under ``/_mock/static/`` and the event stream."""
    return [
        Route(PAGE_PATH, page, methods=["GET", "HEAD"], name="inbox"),
        Route("/_mock", to_page, methods=["GET", "HEAD"]),
        *events.routes(),
        Mount("/_mock/static", app=_Assets(directory=STATIC), name="inbox-static"),
    ]


__all__ = ["routes"]
