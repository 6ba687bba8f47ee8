"""The schemas of the records the admin API serves (a message, a journal entry, an account),
derived from the model rather than written out a second time.

A record's property list is what the model serialises: each record class (``Message``,
``JournalEntry``, ``Account``) is made twice from its own dataclass fields, once with every
field filled and once with every field as empty as it can be (``None``, ``""``, 0, an empty
list), and serialised as the API serialises it (``to_json``, ``shown_account``). The keys are
the properties, every one required (the model always writes every key); a property's type is
what its values were (``integer``, ``string``, an ISO date-time ``string`` as ``format:
date-time``, an ``array`` of what its item was, ...), ``nullable`` when one was ``None``. A
field added to the model (and to its ``to_json``) is in the document without an edit here.

What a value's type cannot say (an enum, a minimum, a description) is added from the facts'
own homes (``DELIVERY_STATES``, ``Encoding``, ``INTERFACES``, ``STATUSES``) by
:data:`REFINEMENTS`, keyed by property: a refinement of a property the model no longer serves
is an error when the document is built.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from ismart_sms_kit.mock_server.admin.accounts import shown_account
from ismart_sms_kit.mock_server.state.accounts import READ_ONLY_FIELDS, STATUSES, Account
from ismart_sms_kit.mock_server.state.model import DELIVERY_STATES, JournalEntry, Message
from ismart_sms_kit.protocol.interfaces import INTERFACES
from ismart_sms_kit.protocol.segments import Encoding

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Schema = dict[str, Any]
Record = TypeVar("Record", bound="DataclassInstance")

MOMENT: Final = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
"""The date-time every sample holds: a string equal to its ISO form is a date-time."""


def _sample_value(hint: object, filled: bool) -> object:
    """A value of type ``hint``: when ``filled``, a container holds one item (so that its
    items' type can be seen) and an optional one is set; else every value is as empty as it
    can be (None, "", 0, False, an empty container)."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if not filled and type(None) in args:
            return None
        return _sample_value(next(a for a in args if a is not type(None)), filled)
    if origin is Literal:
        return args[0]
    if origin is list:
        return [_sample_value(args[0], filled)] if filled else []
    if origin is dict:
        return {"name": _sample_value(args[1], filled)} if filled else {}
    if hint is datetime:
        return MOMENT
    if hint is bool:
        return filled
    if hint is int:
        return 1 if filled else 0
    if hint is str:
        return "x" if filled else ""
    raise TypeError(f"no sample of {hint!r}: teach openapi/records.py this type")


def samples(cls: type[Record]) -> tuple[Record, Record]:
    """``cls`` made from its dataclass fields twice: filled, and as empty as it can be."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    filled = cls(**{name: _sample_value(hints[name], filled=True) for name in names})
    return filled, cls(**{name: _sample_value(hints[name], filled=False) for name in names})


def _value_schema(value: object) -> Schema | None:
    """The JSON schema of one value; None for an empty container (its items cannot be seen)."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, str):
        if value == MOMENT.isoformat():
            return {"type": "string", "format": "date-time"}
        return {"type": "string"}
    if isinstance(value, list):
        items = _value_schema(value[0]) if value else None
        return {"type": "array", "items": items} if items else None
    if isinstance(value, dict):
        return {"type": "object"}
    raise TypeError(f"no JSON schema for {value!r}")


def _property(name: str, values: list[object]) -> Schema:
    seen = [s for s in (_value_schema(v) for v in values if v is not None) if s is not None]
    if not seen:
        raise TypeError(f"{name!r} was None in every sample: its type cannot be seen")
    if any(s != seen[0] for s in seen):
        raise TypeError(f"{name!r} has values of different types: {seen}")
    return {**seen[0], "nullable": True} if None in values else seen[0]


def record_schema(shown: tuple[Mapping[str, object], Mapping[str, object]], name: str) -> Schema:
    """The schema of a record from two of its serialised samples, refined by ``REFINEMENTS``."""
    properties = {key: _property(key, [s.get(key) for s in shown]) for key in shown[0]}
    refinements = REFINEMENTS.get(name, {})
    stale = set(refinements) - set(properties)
    if stale:
        raise KeyError(f"{name} refines {sorted(stale)}, which the model does not serve")
    for key, more in refinements.items():
        properties[key] = {**properties[key], **more}
    return {"type": "object", "required": list(properties), "properties": properties}


def message_schema(cls: type[Message] = Message) -> Schema:
    """The empty sample is seen a day before its arrival: scheduled, without a status time."""
    filled, empty = samples(cls)
    shown = (filled.to_json(MOMENT), empty.to_json(MOMENT - timedelta(days=1)))
    return record_schema(shown, "Message")


def request_schema(cls: type[JournalEntry] = JournalEntry) -> Schema:
    filled, empty = samples(cls)
    return record_schema((filled.to_json(), empty.to_json()), "Request")


def account_schema(cls: type[Account] = Account) -> Schema:
    filled, empty = samples(cls)
    shown = (shown_account(filled, configured=True), shown_account(empty, configured=False))
    return record_schema(shown, "Account")


def account_input_fields(account: Schema) -> Schema:
    """What a definition or a patch may carry: the account's properties but the computed ones,
    and the password (write-only); a list may be given as one string, and a name as a number
    (as YAML config files write them)."""
    fields: Schema = {}
    for key, schema in account["properties"].items():
        if key in READ_ONLY_FIELDS:
            continue
        if schema.get("type") == "array":
            schema = {"anyOf": [schema, {"type": "string"}]}
        fields[key] = INPUT_REFINEMENTS.get(key, schema)
    return {**fields, "password": {**NAME, "writeOnly": True}}


NAME: Final = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "integer"}]}
"""A user id, password or company: a string, or a number (as YAML config files write them)."""
INPUT_REFINEMENTS: Final = {"user_id": NAME, "company": NAME}

REFINEMENTS: Final[dict[str, dict[str, Schema]]] = {
    "Message": {
        "status": {"enum": list(DELIVERY_STATES)},
        "encoding": {"enum": [e.value for e in Encoding]},
        "interface": {"enum": list(INTERFACES)},
    },
    "Request": {"interface": {"enum": list(INTERFACES)}},
    "Account": {
        "user_id": {"minLength": 1},
        "company": {"minLength": 1},
        "status": {"enum": list(STATUSES)},
        "credit": {"minimum": 0},
        "failed_logins": {"minimum": 0},
        "lockout_threshold": {"minimum": 1},
        "default_header": {"description": "'' = the first of headers"},
        "default_sender": {
            "description": "the sender of a message sent without a Header: "
            "default_header, else the first registered header",
        },
        "configured": {
            "description": "from the configuration (a reset restores it), "
            "else created at run time (a reset removes it)",
        },
    },
}
"""What the values' types cannot say, per schema and property."""
