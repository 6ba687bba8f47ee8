"""The OpenAPI document's schemas (``components/schemas``): the answers and records the
routes refer to by ``$ref``."""

from __future__ import annotations

from typing import Any, Final

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
