"""The OpenAPI document's schemas (``components/schemas``): the answers and records the
routes refer to by ``$ref``."""

from __future__ import annotations

from typing import Any, Final

from ismart_sms_kit.mock_server.admin.openapi.records import (
    account_input_fields,
    account_schema,
    message_schema,
    request_schema,
)

_ACCOUNT: Final = account_schema()
_ACCOUNT_INPUT: Final = account_input_fields(_ACCOUNT)

SCHEMAS: Final[dict[str, Any]] = {
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
    "Message": message_schema(),
    "Request": request_schema(),
    "Account": _ACCOUNT,
    "AccountFields": {"type": "object", "properties": _ACCOUNT_INPUT},
    "AccountInput": {
        "type": "object",
        "required": ["user_id", "password"],
        "properties": _ACCOUNT_INPUT,
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
