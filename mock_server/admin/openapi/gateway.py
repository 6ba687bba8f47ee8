"""The gateway's paths in the OpenAPI document: the two form endpoints, ``PostSMS`` (REST) and the
delivery-report endpoint (SOAP is described by its own WSDL)."""

from __future__ import annotations

from typing import Any, Final

from ismart_sms_kit.mock_server.admin.openapi.parts import TEXT, json_answer, query_param, ref
from ismart_sms_kit.protocol.spec import (
    DELIVERY_REPORT_PATH,
    LEGACY_SEND_PATH,
    REST_PATH,
    SEND_PATH,
)

_SEND_FIELDS: Final = {
    "UserId": {"type": "string"},
    "Password": {"type": "string"},
    "MobileNo": {"type": "string", "description": "11-digit numbers, comma separated (1..50)"},
    "Message": {"type": "string"},
    "PushDateTime": {"type": "string", "description": "MM/DD/YYYY HH:mm:ss; absent = now"},
    "Lang": {"type": "string", "description": "0 (English) or 64 (Arabic)"},
    "Header": {
        "type": "string",
        "description": "a registered sender name, at most 11; absent or empty: the account's "
        "default sender",
    },
    "referenceIds": {
        "type": "string",
        "description": "optional; 3- to 6-digit ids, comma separated (any text on SMSDynamicAPI)",
    },
}
_CODE_ANSWER: Final = {
    "200": {"description": "The bare return code (1 = pushed), text/plain", "content": TEXT}
}


_OTHER_METHOD: Final = {
    "summary": "Not a gateway method: answers 15 (Invalid Http request), as any other does",
    "tags": ["gateway"],
    "responses": _CODE_ANSWER,
}


def _form_post(summary: str, fields: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """A gateway POST with a form body of ``fields``, none required (a missing one gets the
    gateway's own answer)."""
    form = {"schema": {"type": "object", "properties": fields}}
    return {
        "summary": summary,
        "tags": ["gateway"],
        "requestBody": {
            "required": False,
            "content": {"application/x-www-form-urlencoded": form},
        },
        "responses": responses,
    }


def _gateway(summary: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = {**_SEND_FIELDS, **(extra or {})}
    return {
        **{method: _OTHER_METHOD for method in ("put", "patch", "delete", "options", "trace")},
        "post": _form_post(summary, fields, _CODE_ANSWER),
        "get": {
            "summary": summary + " (HTTP GET, for accounts allowed to; else code 18)",
            "tags": ["gateway"],
            "parameters": [query_param(name, schema, name) for name, schema in fields.items()],
            "responses": _CODE_ANSWER,
        },
    }


_REST_FIELDS: Final = {
    "UserID": {"description": "text (a number reads as its digits)"},
    "Password": {"description": "text"},
    "Message": {"description": "text"},
    "Language": {"description": "0 (English) or 64 (Arabic), a string or a number"},
    "MobileNo": {
        "description": "968 + 8 digits: an array (strings or numbers), or one string, "
        "comma separated"
    },
    "RecipientType": {"description": "1, or 9 for a flash SMS"},
    "ScheddateTime": {"description": "MM/dd/yyyy HH:mm:ss (DateTime.Parse shapes); absent = now"},
}
_REST_BODY: Final = {
    "description": "The fields, any JSON types: what Json.NET cannot bind answers Code 15, "
    "never a 4xx (every Code answers 201 by default)",
    "properties": _REST_FIELDS,
}
_WEB_API_REFUSAL: Final = {
    "summary": "Not a PostSMS method: Web API's 405",
    "tags": ["gateway"],
    "responses": {"405": json_answer(ref("WebApiError"), "Web API's refusal")},
}


def _rest() -> dict[str, Any]:
    """``PostSMS``: JSON (or a form body) in, ``{"Code", "Message"}`` out (201 by default for
    every code, the ``error_status`` setting)."""
    return {
        **{method: _WEB_API_REFUSAL for method in ("get", "put", "patch", "delete", "options")},
        "post": {
            "summary": "Send SMS (the REST API)",
            "tags": ["gateway"],
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {"schema": _REST_BODY},
                    "application/x-www-form-urlencoded": {"schema": _REST_BODY},
                },
            },
            "responses": {
                "201": json_answer(ref("RestAnswer"), "The return code (1 = pushed) and its text"),
                "415": json_answer(ref("WebApiError"), "Another media type: Web API's refusal"),
            },
        },
    }


def paths() -> dict[str, Any]:
    return {
        SEND_PATH: _gateway("Send SMS (the documented endpoint)"),
        LEGACY_SEND_PATH: _gateway(
            "Send SMS (the older endpoint, with FLashSMS)",
            {"FLashSMS": {"type": "string", "description": "Y or N (either case)"}},
        ),
        REST_PATH: _rest(),
        DELIVERY_REPORT_PATH: {
            "post": _form_post(
                "Delivery reports by reference id (form body)",
                {n: {"type": "string"} for n in ("UserId", "Password", "referenceIds")},
                {"200": {"description": "As GET", "content": TEXT}},
            ),
            "get": {
                "summary": "Delivery reports by reference id",
                "tags": ["gateway"],
                "parameters": [
                    query_param("UserId", {"type": "string"}, "user id"),
                    query_param("Password", {"type": "string"}, "password"),
                    query_param("referenceIds", {"type": "string"}, "comma separated"),
                ],
                "responses": {
                    "200": {
                        "description": "ReferenceId=..,Status=..,DeliveryDateTime=.. "
                        "records joined by |, or a code (3, 11, 12, 31, 32, 33)",
                        "content": TEXT,
                    }
                },
            },
        },
    }
