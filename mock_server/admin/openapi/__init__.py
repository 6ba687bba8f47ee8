"""``GET /_mock/api/openapi.json``: an OpenAPI 3.0 description of the gateway and admin routes.

Written out by hand rather than generated: the gateway speaks form parameters and bare codes,
which no schema generator infers, and the document is also the contract schemathesis fuzzes
(``tests/test_hostile_api.py``), so every status a route can answer is listed.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ismart_sms_kit.mock_server.admin.openapi import admin_paths, gateway
from ismart_sms_kit.mock_server.admin.openapi.schemas import SCHEMAS


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ismart-mock",
            "version": "1",
            "description": "Emulator of the iSmart SMS bulk gateway (Infocomm, Oman): the "
            "gateway endpoints as the vendor documents them, and the emulator's admin API.",
        },
        "paths": {**gateway.paths(), **admin_paths.paths()},
        "components": {"schemas": SCHEMAS},
    }


_DOCUMENT: Final = document()


async def route(request: Request) -> Response:
    return JSONResponse(_DOCUMENT)
