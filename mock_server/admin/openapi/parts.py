"""The building blocks every part of the OpenAPI document uses: responses, parameters, an
admin operation."""

from __future__ import annotations

from typing import Any, Final

TEXT: Final = {"text/plain": {"schema": {"type": "string"}}}
ERROR: Final = {
    "description": "A refused call",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def json_answer(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def query_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_SCOPE_HEADER: Final = {
    "name": "X-Mock-Scope",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "limit the call to one scope",
}
NO_CONTENT: Final = {"204": {"description": "Done"}}


def admin_op(summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    params = [_SCOPE_HEADER, *more.pop("parameters", [])]
    # every call: an over-long X-Mock-Scope is a 400; a call with a body: over 1 MiB is a 413
    limits = refused(400, 413) if "requestBody" in more else refused(400)
    return {
        "summary": summary,
        "tags": ["admin"],
        "parameters": params,
        "responses": {**limits, **responses},
        **more,
    }


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def refused(*statuses: int) -> dict[str, Any]:
    """The answers of refused calls, each a JSON ``Error``."""
    return {str(status): ERROR for status in statuses}


def in_path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}
