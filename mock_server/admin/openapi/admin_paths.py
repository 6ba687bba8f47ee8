"""The admin API's paths (``/_mock/api/...``) in the OpenAPI document: messages, the journal,
rules, the event stream, accounts, reset, metrics and the document itself."""

from __future__ import annotations

from typing import Any, Final

from ismart_sms_kit.mock_server.admin.openapi.parts import (
    NO_CONTENT,
    TEXT,
    admin_op,
    in_path,
    json_answer,
    json_body,
    query_param,
    ref,
    refused,
)

_MESSAGE_FILTERS: Final = [
    query_param("to", {"type": "string"}, "recipient number"),
    query_param("user", {"type": "string"}, "user id"),
    query_param("header", {"type": "string"}, "sender header"),
    query_param("contains", {"type": "string"}, "text contains"),
    query_param("since", {"type": "string", "format": "date-time"}, "received at or after"),
    query_param("after", {"type": "integer", "minimum": 0}, "only ids above this one"),
    query_param("limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "at most (100)"),
]
_USER_ID: Final = in_path("user_id", {"type": "string"})
_MESSAGE_ID: Final = in_path("message_id", {"type": "integer", "minimum": 1})
_RULE_ID: Final = in_path("rule_id", {"type": "integer", "minimum": 1})


def paths() -> dict[str, Any]:
    api = "/_mock/api"
    return {
        f"{api}/health": {
            "get": admin_op("Health, seed, sizes", {"200": json_answer(ref("Health"))})
        },
        f"{api}/messages": {
            "get": admin_op(
                "Captured messages, newest first",
                {"200": json_answer({"type": "array", "items": ref("Message")}), **refused(400)},
                parameters=_MESSAGE_FILTERS,
            ),
            "delete": admin_op("Forget the captured messages", NO_CONTENT),
        },
        f"{api}/messages/latest": {
            "get": admin_op(
                "The last message to a number",
                {"200": json_answer(ref("Message")), **refused(400, 404)},
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
            "get": admin_op(
                "Wait for a matching message to arrive",
                {
                    "200": json_answer(ref("Message")),
                    **refused(400),
                    "408": json_answer(ref("Error"), "No matching message in time"),
                    "503": json_answer(ref("Error"), "The server began to shut down"),
                },
                parameters=[
                    *_MESSAGE_FILTERS[:4],
                    query_param(
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
                    query_param(
                        "timeout_ms", {"type": "integer", "minimum": 0, "maximum": 300000}, ""
                    ),
                ],
            )
        },
        f"{api}/messages/{{message_id}}": {
            "get": admin_op(
                "One message",
                {"200": json_answer(ref("Message")), **refused(404)},
                parameters=[_MESSAGE_ID],
            ),
            "patch": admin_op(
                "Set a message's delivery state",
                {"200": json_answer(ref("Message")), **refused(400, 404, 422)},
                parameters=[_MESSAGE_ID],
                requestBody=json_body(
                    {
                        "type": "object",
                        "required": ["status"],
                        "additionalProperties": False,
                        "properties": {"status": {"enum": ["delivered", "failed"]}},
                    }
                ),
            ),
            "delete": admin_op(
                "Forget one message",
                {**NO_CONTENT, **refused(404)},
                parameters=[_MESSAGE_ID],
            ),
        },
        f"{api}/requests": {
            "get": admin_op(
                "The request journal, newest first",
                {"200": json_answer({"type": "array", "items": ref("Request")}), **refused(400)},
                parameters=[
                    _MESSAGE_FILTERS[5],
                    _MESSAGE_FILTERS[6],
                    query_param("rejected", {"type": "boolean"}, "only answers other than 1"),
                ],
            )
        },
        f"{api}/rules": {
            "get": admin_op("Fault rules in force", {"200": json_answer({"type": "array"})}),
            "post": admin_op(
                "Add a fault rule",
                {
                    "201": json_answer(ref("RuleId"), "Added"),
                    **refused(400, 409, 422),
                },
                requestBody=json_body(ref("Rule")),
            ),
            "delete": admin_op("Remove the rules added at run time", NO_CONTENT),
        },
        f"{api}/rules/{{rule_id}}": {
            "delete": admin_op(
                "Remove one rule added at run time (409: a file's rule, which stays)",
                {**NO_CONTENT, **refused(404, 409)},
                parameters=[_RULE_ID],
            )
        },
        f"{api}/events": {
            "get": admin_op(
                "The inbox's live feed: server-sent events (message, request, health, "
                "cleared), each with the id M-R of the last message and journal entry sent",
                {
                    "200": {
                        "description": "An endless text/event-stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    **refused(400),
                },
                parameters=[
                    query_param(
                        "after",
                        {"type": "string"},
                        "start after this event id, M-R (as Last-Event-ID does)",
                    ),
                    query_param("scope", {"type": "string"}, "only this scope (as X-Mock-Scope)"),
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
            "get": admin_op(
                "Accounts", {"200": json_answer({"type": "array", "items": ref("Account")})}
            ),
            "post": admin_op(
                "Create an account (the config file's fields, password included); a reset "
                "removes it",
                {
                    "201": json_answer(ref("Account"), "Created"),
                    **refused(400, 403, 409, 422),
                },
                requestBody=json_body(ref("AccountInput")),
            ),
        },
        f"{api}/accounts/{{user_id}}": {
            "get": admin_op(
                "One account",
                {"200": json_answer(ref("Account")), **refused(404)},
                parameters=[_USER_ID],
            ),
            "put": admin_op(
                "Define an account anew: absent fields take their defaults, an absent "
                "password keeps the current one; creates it if absent",
                {
                    "200": json_answer(ref("Account")),
                    "201": json_answer(ref("Account"), "Created"),
                    **refused(400, 403, 422),
                },
                parameters=[_USER_ID],
                requestBody=json_body(ref("AccountFields")),
            ),
            "patch": admin_op(
                "Change any subset of an account's fields",
                {"200": json_answer(ref("Account")), **refused(400, 403, 404, 422)},
                parameters=[_USER_ID],
                requestBody=json_body(ref("AccountFields")),
            ),
            "delete": admin_op(
                "Delete an account (a reset brings a configured one back)",
                {"204": {"description": "Deleted"}, **refused(403, 404)},
                parameters=[_USER_ID],
            ),
        },
        f"{api}/reset": {
            "post": admin_op(
                "Back to the configured start state", {"200": json_answer({"type": "object"})}
            )
        },
        f"{api}/metrics": {
            "get": admin_op(
                "Prometheus counters",
                {"200": {"description": "Prometheus text format", "content": TEXT}},
            )
        },
        f"{api}/openapi.json": {
            "get": admin_op("This document", {"200": json_answer({"type": "object"})})
        },
    }
