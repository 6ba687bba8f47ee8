"""The baseline of ``make bench``: a minimal Starlette app that parses the same form body with
``await request.form()`` and answers ``1``, what an app would write in five minutes instead of
using the emulator. Served with the same uvicorn settings as the emulator.

    python -m uvicorn benchmarks.baseline_app:app --loop uvloop --http httptools --no-access-log \
        --no-proxy-headers
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"


async def send(request: Request) -> PlainTextResponse:
    async with request.form() as form:
        ok = bool(form.get("UserId")) and bool(form.get("MobileNo"))
    return PlainTextResponse("1" if ok else "15")


app = Starlette(routes=[Route(SEND_PATH, send, methods=["GET", "POST"])])
