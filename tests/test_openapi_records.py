"""The OpenAPI document's record schemas (``Message``, ``Request``, ``Account``) come from the
model (``admin/openapi/records.py``): what a real server serves has exactly their properties,
of their types, and a field added to the model is in its schema without an edit elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from ismart_sms_kit.mock_server.admin.openapi.records import (
    message_schema,
    record_schema,
    request_schema,
)
from ismart_sms_kit.mock_server.state.model import JournalEntry, Message
from tests.conftest import Emulator

JSON_TYPES: dict[str, type] = {"string": str, "boolean": bool, "object": dict}


def conforms(value: object, schema: dict[str, Any]) -> bool:
    """Whether ``value`` is of the schema's type (OpenAPI 3.0: ``nullable``, ``enum``, array
    ``items``, ``format: date-time``)."""
    if value is None:
        return bool(schema.get("nullable"))
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = schema["type"]
    if kind == "array":
        return isinstance(value, list) and all(conforms(item, schema["items"]) for item in value)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if schema.get("format") == "date-time":
        return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
    return isinstance(value, JSON_TYPES[kind])


def test_what_a_real_server_serves_has_exactly_the_schemas_properties(emulator: Emulator) -> None:
    assert emulator.send() == "1"  # a past PushDateTime: sent, delivered
    future = (datetime.now() + timedelta(days=3)).strftime("%m/%d/%Y %H:%M:%S")
    assert emulator.send(PushDateTime=future, MobileNo="96899000001,96899000002") == "1"
    assert emulator.send(Password="wrong") == "3"
    many = {f"extra{i}": "v" for i in range(40)}  # over the journal's 32: params_cut is said
    assert emulator.send(**many) == "1"
    get = emulator.session.get
    schemas = get(emulator.url + "/_mock/api/openapi.json", timeout=10).json()
    served = {
        name: get(f"{emulator.url}/_mock/api/{path}", timeout=10).json()
        for name, path in (
            ("Message", "messages"),
            ("Request", "requests"),
            ("Account", "accounts"),
        )
    }
    for name, records in served.items():
        schema = schemas["components"]["schemas"][name]
        assert records, name
        for record in records:
            assert sorted(record) == sorted(schema["properties"]), name
            assert sorted(schema["required"]) == sorted(record), name
            for key, value in record.items():
                assert conforms(value, schema["properties"][key]), (name, key, value)
    assert any(r["params_cut"] for r in served["Request"])
    assert {m["status"] for m in served["Message"]} == {"delivered", "scheduled"}


@dataclass
class TaggedMessage(Message):
    """A message with two more fields, as a later model might have."""

    campaign: str | None = None
    priority: int = 0

    def to_json(self, now: datetime, delivery_delay: timedelta = timedelta(0)) -> dict[str, Any]:
        shown = Message.to_json(self, now, delivery_delay)
        return {**shown, "campaign": self.campaign, "priority": self.priority}


@dataclass
class TracedEntry(JournalEntry):
    trace_ids: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {**JournalEntry.to_json(self), "trace_ids": self.trace_ids}


def test_a_field_added_to_the_model_is_in_its_schema() -> None:
    message = message_schema(TaggedMessage)
    assert message["properties"]["campaign"] == {"type": "string", "nullable": True}
    assert message["properties"]["priority"] == {"type": "integer"}
    assert {"campaign", "priority"} <= set(message["required"])
    assert message["properties"]["status"]["enum"] == ["scheduled", "sent", "delivered", "failed"]
    entry = request_schema(TracedEntry)
    assert entry["properties"]["trace_ids"] == {
        "type": "array",
        "items": {"type": "string"},
        "nullable": True,
    }
    assert set(message_schema()["properties"]) == set(message["properties"]) - {
        "campaign",
        "priority",
    }


def test_a_refinement_of_a_property_the_model_no_longer_serves_is_an_error() -> None:
    shown = {"id": 1, "to": "96899123456"}  # no "status", which REFINEMENTS["Message"] refines
    with pytest.raises(KeyError, match="status"):
        record_schema((shown, shown), "Message")
