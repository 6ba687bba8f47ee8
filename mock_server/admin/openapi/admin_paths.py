"""The admin API's paths (``/_mock/api/...``) in the OpenAPI document: messages, the journal,
rules, the event stream, accounts, reset, metrics and the document itself."""

from __future__ import annotations

from typing import Any, Final

from ismart_sms_kit.mock_server.admin.openapi.parts import (
    _ERROR,
    _NO_CONTENT,
    _TEXT,
    _body,
    _json,
    _op,
    _query,
    _ref,
)

_MESSAGE_FILTERS: Final = [
    _query("to", {"type": "string"}, "recipient number"),
    _query("user", {"type": "string"}, "user id"),
    _query("header", {"type": "string"}, "sender header"),
    _query("contains", {"type": "string"}, "text contains"),
    _query("since", {"type": "string", "format": "date-time"}, "received at or after"),
    _query("after", {"type": "integer", "minimum": 0}, "only ids above this one"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "at most (100)"),
]
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


def paths() -> dict[str, Any]:
    api = "/_mock/api"
    return {
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
                    _query("timeout_ms", {"type": "integer", "minimum": 0, "maximum": 300000}, ""),
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
            "post": _op("Back to the configured start state", {"200": _json({"type": "object"})})
        },
        f"{api}/metrics": {
            "get": _op(
                "Prometheus counters",
                {"200": {"description": "Prometheus text format", "content": _TEXT}},
            )
        },
        f"{api}/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})})},
    }
