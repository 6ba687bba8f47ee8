"""``GET /_mock/api/openapi.json``: an OpenAPI 3.0 description of the gateway and admin routes.

Written out by hand rather than generated: the gateway speaks form parameters and bare codes,
which no schema generator infers, and the document is also the contract schemathesis fuzzes
(``tests/test_hostile_api.py``), so every status a route can answer is listed.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ismart_sms_kit.protocol.spec import (
    DELIVERY_REPORT_PATH,
    LEGACY_SEND_PATH,
    REST_PATH,
    SEND_PATH,
)

_TEXT: Final = {"text/plain": {"schema": {"type": "string"}}}
_ERROR: Final = {
    "description": "A refused call",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


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
    "200": {"description": "The bare return code (1 = pushed), text/plain", "content": _TEXT}
}


_OTHER_METHOD: Final = {
    "summary": "Not a gateway method: answers 15 (Invalid Http request), as any other does",
    "tags": ["gateway"],
    "responses": _CODE_ANSWER,
}


def _gateway(summary: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = {**_SEND_FIELDS, **(extra or {})}
    return {
        **{method: _OTHER_METHOD for method in ("put", "patch", "delete", "options", "trace")},
        "post": {
            "summary": summary,
            "tags": ["gateway"],
            "requestBody": {
                "required": False,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": fields}
                    }
                },
            },
            "responses": _CODE_ANSWER,
        },
        "get": {
            "summary": summary + " (HTTP GET, for accounts allowed to; else code 18)",
            "tags": ["gateway"],
            "parameters": [_query(name, schema, name) for name, schema in fields.items()],
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
    "responses": {"405": _json(_ref("WebApiError"), "Web API's refusal")},
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
                "201": _json(_ref("RestAnswer"), "The return code (1 = pushed) and its text"),
                "415": _json(_ref("WebApiError"), "Another media type: Web API's refusal"),
            },
        },
    }


_MESSAGE_FILTERS: Final = [
    _query("to", {"type": "string"}, "recipient number"),
    _query("user", {"type": "string"}, "user id"),
    _query("header", {"type": "string"}, "sender header"),
    _query("contains", {"type": "string"}, "text contains"),
    _query("since", {"type": "string", "format": "date-time"}, "received at or after"),
    _query("after", {"type": "integer", "minimum": 0}, "only ids above this one"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "at most (100)"),
]
_SCOPE_HEADER: Final = {
    "name": "X-Mock-Scope",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "limit the call to one scope",
}
_USER_ID: Final = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string"}}
_MESSAGE_ID: Final = {
    "name": "message_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_RULE_ID: Final = {
    "name": "rule_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_NO_CONTENT: Final = {"204": {"description": "Done"}}


def _op(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    params = [_SCOPE_HEADER, *more.pop("parameters", [])]
    return {
        "summary": summary,
        "tags": ["admin"],
        "parameters": params,
        "responses": responses,
        **more,
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_DATE: Final = {"type": "string", "format": "date-time", "nullable": True}
_STRINGS: Final = {"type": "array", "items": {"type": "string"}}
_ACCOUNT_FIELDS: Final[dict[str, Any]] = {
    "user_id": {"type": "string", "minLength": 1},
    "company": {"type": "string", "minLength": 1},
    "status": {"type": "string", "enum": ["active", "inactive", "blocked"]},
    "expires_at": _DATE,
    "credit": {"type": "integer", "minimum": 0},
    "credit_expires_at": _DATE,
    "api_expires_at": _DATE,
    "web_service": {"type": "boolean"},
    "http_get": {"type": "boolean"},
    "headers": _STRINGS,
    "default_header": {"type": "string", "description": "'' = the first of headers"},
    "allowed_ips": _STRINGS,
    "blocked_ips": _STRINGS,
    "failed_logins": {"type": "integer", "minimum": 0},
    "lockout_threshold": {"type": "integer", "minimum": 1},
    "opted_out": _STRINGS,
    "oman_only": {"type": "boolean"},
    "delivery_reports": {"type": "boolean"},
    "scope": {"type": "string"},
    "simulate_internal_error": {"type": "boolean"},
}
_NAME: Final = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}
"""A user id, password or company: a string, or a number (as YAML config files write them)."""
_STRINGS_IN: Final = {"anyOf": [_STRINGS, {"type": "string"}]}
"""A list of strings, or one string (a list of one), as config files may write it."""
_INPUT_FIELDS: Final[dict[str, Any]] = {
    **_ACCOUNT_FIELDS,
    **{name: _STRINGS_IN for name in ("headers", "allowed_ips", "blocked_ips", "opted_out")},
    "user_id": _NAME,
    "company": _NAME,
    "password": {**_NAME, "writeOnly": True},
}


def document() -> dict[str, Any]:
    api = "/_mock/api"
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ismart-mock",
            "version": "1",
            "description": "Emulator of the iSmart SMS bulk gateway (Infocomm, Oman): the "
            "gateway endpoints as the vendor documents them, and the emulator's admin API.",
        },
        "paths": {
            SEND_PATH: _gateway("Send SMS (the documented endpoint)"),
            LEGACY_SEND_PATH: _gateway(
                "Send SMS (the older endpoint, with FLashSMS)",
                {"FLashSMS": {"type": "string", "description": "Y or N (either case)"}},
            ),
            REST_PATH: _rest(),
            DELIVERY_REPORT_PATH: {
                "post": {
                    "summary": "Delivery reports by reference id (form body)",
                    "tags": ["gateway"],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        n: {"type": "string"}
                                        for n in ("UserId", "Password", "referenceIds")
                                    },
                                }
                            }
                        },
                    },
                    "responses": {"200": {"description": "As GET", "content": _TEXT}},
                },
                "get": {
                    "summary": "Delivery reports by reference id",
                    "tags": ["gateway"],
                    "parameters": [
                        _query("UserId", {"type": "string"}, "user id"),
                        _query("Password", {"type": "string"}, "password"),
                        _query("referenceIds", {"type": "string"}, "comma separated"),
                    ],
                    "responses": {
                        "200": {
                            "description": "ReferenceId=..,Status=..,DeliveryDateTime=.. "
                            "records joined by |, or a code (3, 11, 12, 31, 32, 33)",
                            "content": _TEXT,
                        }
                    },
                },
            },
            f"{api}/health": {"get": _op("Health, seed, sizes", {"200": _json(_ref("Health"))})},
            f"{api}/messages": {
                "get": _op(
                    "Captured messages, newest first",
                    {"200": _json({"type": "array", "items": _ref("Message")}), "400": _ERROR},
                    parameters=_MESSAGE_FILTERS,
                ),
                "delete": _op("Forget the captured messages", _NO_CONTENT),
            },
            f"{api}/messages/latest": {
                "get": _op(
                    "The last message to a number",
                    {"200": _json(_ref("Message")), "400": _ERROR, "404": _ERROR},
                    parameters=[
                        {
                            "name": "to",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                )
            },
            f"{api}/messages/wait": {
                "get": _op(
                    "Wait for a matching message to arrive",
                    {
                        "200": _json(_ref("Message")),
                        "400": _ERROR,
                        "408": _json(_ref("Error"), "No matching message in time"),
                    },
                    parameters=[
                        *_MESSAGE_FILTERS[:4],
                        _query(
                            "after",
                            {
                                "oneOf": [
                                    {"type": "integer", "minimum": 0},
                                    {"type": "string", "enum": ["now"]},
                                ]
                            },
                            "only ids above this one; now: only a message arriving during the "
                            "call; absent: any kept (everything since the last reset)",
                        ),
                        _query(
                            "timeout_ms", {"type": "integer", "minimum": 0, "maximum": 300000}, ""
                        ),
                    ],
                )
            },
            f"{api}/messages/{{message_id}}": {
                "get": _op(
                    "One message",
                    {"200": _json(_ref("Message")), "404": _ERROR},
                    parameters=[_MESSAGE_ID],
                ),
                "patch": _op(
                    "Set a message's delivery state",
                    {"200": _json(_ref("Message")), "400": _ERROR, "404": _ERROR, "422": _ERROR},
                    parameters=[_MESSAGE_ID],
                    requestBody=_body(
                        {
                            "type": "object",
                            "required": ["status"],
                            "additionalProperties": False,
                            "properties": {"status": {"enum": ["delivered", "failed"]}},
                        }
                    ),
                ),
                "delete": _op(
                    "Forget one message",
                    {**_NO_CONTENT, "404": _ERROR},
                    parameters=[_MESSAGE_ID],
                ),
            },
            f"{api}/requests": {
                "get": _op(
                    "The request journal, newest first",
                    {"200": _json({"type": "array", "items": _ref("Request")}), "400": _ERROR},
                    parameters=[
                        _MESSAGE_FILTERS[5],
                        _MESSAGE_FILTERS[6],
                        _query("rejected", {"type": "boolean"}, "only answers other than 1"),
                    ],
                )
            },
            f"{api}/rules": {
                "get": _op("Fault rules in force", {"200": _json({"type": "array"})}),
                "post": _op(
                    "Add a fault rule",
                    {
                        "201": _json(_ref("RuleId"), "Added"),
                        "400": _ERROR,
                        "409": _ERROR,
                        "422": _ERROR,
                    },
                    requestBody=_body(_ref("Rule")),
                ),
                "delete": _op("Remove the rules added at run time", _NO_CONTENT),
            },
            f"{api}/rules/{{rule_id}}": {
                "delete": _op(
                    "Remove one rule added at run time (409: a file's rule, which stays)",
                    {**_NO_CONTENT, "404": _ERROR, "409": _ERROR},
                    parameters=[_RULE_ID],
                )
            },
            f"{api}/events": {
                "get": _op(
                    "The inbox's live feed: server-sent events (message, request, health, "
                    "cleared), each with the id M-R of the last message and journal entry sent",
                    {
                        "200": {
                            "description": "An endless text/event-stream",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        "400": _ERROR,
                    },
                    parameters=[
                        _query(
                            "after",
                            {"type": "string"},
                            "start after this event id, M-R (as Last-Event-ID does)",
                        ),
                        _query("scope", {"type": "string"}, "only this scope (as X-Mock-Scope)"),
                        {
                            "name": "Last-Event-ID",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                    ],
                )
            },
            f"{api}/accounts": {
                "get": _op("Accounts", {"200": _json({"type": "array", "items": _ref("Account")})}),
                "post": _op(
                    "Create an account (the config file's fields, password included); a reset "
                    "removes it",
                    {
                        "201": _json(_ref("Account"), "Created"),
                        "400": _ERROR,
                        "409": _ERROR,
                        "422": _ERROR,
                    },
                    requestBody=_body(_ref("AccountInput")),
                ),
            },
            f"{api}/accounts/{{user_id}}": {
                "get": _op(
                    "One account",
                    {"200": _json(_ref("Account")), "404": _ERROR},
                    parameters=[_USER_ID],
                ),
                "put": _op(
                    "Define an account anew: absent fields take their defaults, an absent "
                    "password keeps the current one; creates it if absent",
                    {
                        "200": _json(_ref("Account")),
                        "201": _json(_ref("Account"), "Created"),
                        "400": _ERROR,
                        "422": _ERROR,
                    },
                    parameters=[_USER_ID],
                    requestBody=_body(_ref("AccountFields")),
                ),
                "patch": _op(
                    "Change any subset of an account's fields",
                    {"200": _json(_ref("Account")), "400": _ERROR, "404": _ERROR, "422": _ERROR},
                    parameters=[_USER_ID],
                    requestBody=_body(_ref("AccountFields")),
                ),
                "delete": _op(
                    "Delete an account (a reset brings a configured one back)",
                    {"204": {"description": "Deleted"}, "404": _ERROR},
                    parameters=[_USER_ID],
                ),
            },
            f"{api}/reset": {
                "post": _op(
                    "Back to the configured start state", {"200": _json({"type": "object"})}
                )
            },
            f"{api}/metrics": {
                "get": _op(
                    "Prometheus counters",
                    {"200": {"description": "Prometheus text format", "content": _TEXT}},
                )
            },
            f"{api}/openapi.json": {
                "get": _op("This document", {"200": _json({"type": "object"})})
            },
        },
        "components": {
            "schemas": {
                "RestAnswer": {
                    "type": "object",
                    "required": ["Code", "Message"],
                    "properties": {"Code": {"type": "integer"}, "Message": {"type": "string"}},
                },
                "WebApiError": {
                    "type": "object",
                    "required": ["Message"],
                    "properties": {"Message": {"type": "string"}},
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
                },
                "Health": {
                    "type": "object",
                    "required": [
                        "service",
                        "version",
                        "status",
                        "seed",
                        "messages",
                        "requests",
                        "rules",
                    ],
                    "properties": {
                        "service": {"type": "string", "enum": ["ismart-mock"]},
                        "version": {"type": "string"},
                        "status": {"enum": ["ok", "degraded"]},
                        "seed": {"type": "integer"},
                        "messages": {"type": "integer"},
                        "requests": {"type": "integer"},
                        "rules": {"type": "integer"},
                        "rules_errors": {"type": "object"},
                        "gateway_clock": {
                            "type": "object",
                            "properties": {
                                "utc_offset_minutes": {"type": "integer"},
                                "label": {"type": "string"},
                            },
                        },
                    },
                },
                "Message": {
                    "type": "object",
                    "required": ["id", "to", "text", "parts", "encoding", "units", "status"],
                    "properties": {
                        "id": {"type": "integer"},
                        "request_id": {"type": "integer"},
                        "received_at": {"type": "string"},
                        "push_at": {"type": "string", "nullable": True},
                        "pending": {"type": "boolean"},
                        "status": {"enum": ["scheduled", "sent", "delivered", "failed"]},
                        "status_at": {"type": "string", "nullable": True},
                        "user_id": {"type": "string"},
                        "header": {"type": "string"},
                        "header_defaulted": {"type": "boolean"},
                        "to": {"type": "string"},
                        "reference_id": {"type": "string", "nullable": True},
                        "text": {"type": "string"},
                        "lang": {"type": "integer"},
                        "encoding": {"enum": ["GSM7", "UCS2"]},
                        "parts": {"type": "integer"},
                        "units": {"type": "integer"},
                        "endpoint": {"type": "string"},
                        "interface": {"type": "string", "enum": ["form", "rest", "soap"]},
                        "flash": {"type": "boolean"},
                        "scope": {"type": "string"},
                    },
                },
                "Request": {
                    "type": "object",
                    "required": ["id", "time", "method", "endpoint", "code", "reason"],
                    "properties": {
                        "id": {"type": "integer"},
                        "time": {"type": "string"},
                        "method": {"type": "string"},
                        "endpoint": {"type": "string"},
                        "interface": {"type": "string", "enum": ["form", "rest", "soap"]},
                        "client_ip": {"type": "string"},
                        "params": {"type": "object"},
                        "code": {"type": "integer", "nullable": True},
                        "description": {"type": "string", "nullable": True},
                        "reason": {"type": "string"},
                        "decided_by": {"type": "string"},
                        "http_status": {"type": "integer"},
                        "user_id": {"type": "string", "nullable": True},
                        "messages": {"type": "array", "items": {"type": "integer"}},
                        "scope": {"type": "string"},
                    },
                },
                "Account": {
                    "type": "object",
                    "required": ["user_id", "credit", "status", "default_sender", "configured"],
                    "properties": {
                        **_ACCOUNT_FIELDS,
                        "default_sender": {
                            "type": "string",
                            "nullable": True,
                            "description": "the sender of a message sent without a Header: "
                            "default_header, else the first registered header",
                        },
                        "configured": {
                            "type": "boolean",
                            "description": "from the configuration (a reset restores it), "
                            "else created at run time (a reset removes it)",
                        },
                    },
                },
                "AccountFields": {"type": "object", "properties": _INPUT_FIELDS},
                "AccountInput": {
                    "type": "object",
                    "required": ["user_id", "password"],
                    "properties": _INPUT_FIELDS,
                },
                "Rule": {
                    "type": "object",
                    "required": ["action"],
                    "properties": {
                        "name": {"type": "string"},
                        "match": {"type": "object"},
                        "action": {"type": "object"},
                        "times": {"type": "integer", "minimum": 1},
                        "priority": {"type": "integer"},
                    },
                },
                "RuleId": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "integer"}},
                },
            }
        },
    }


_DOCUMENT: Final = document()


async def route(request: Request) -> Response:
    return JSONResponse(_DOCUMENT)
