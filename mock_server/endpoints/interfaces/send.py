"""One send request of the REST or SOAP interface, and its form-API parameters.

Both interfaces carry the same seven fields (``UserID``, ``Password``, ``Message``,
``Language``, a list of recipients, ``RecipientType``, ``ScheddateTime``). The emulator decides
them with the form API's decision core: :func:`to_params` writes them as the form API's
parameters (``UserId``, ``Password``, ``Message``, ``Lang``, ``MobileNo``, ``PushDateTime``,
``FLashSMS``, ``Header``), and the endpoints of these interfaces use a validation order without
the form-only steps (``header``, ``http_get``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Final

from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.protocol.validation import format_push_datetime

FLASH_RECIPIENT_TYPE: Final = "9"
"""``RecipientType`` 9 is a flash SMS (phpawcom's REST client, wp-sms's SOAP client); 1 is a
normal one. Any other value is sent as a normal SMS: its meaning is unknown."""


@dataclass
class WebServiceSend:
    """The fields of one REST or SOAP send, as text, None where the request had none."""

    user_id: str | None = None
    password: str | None = None
    message: str | None = None
    language: str | None = None
    numbers: list[str] = field(default_factory=list)
    recipient_type: str | None = None
    schedule: datetime | None = None
    """When to send: naive (gateway-local time) or aware; None: now."""
    schedule_text: str | None = None
    """``ScheddateTime`` as sent (for the journal)."""
    unreadable_schedule: str | None = None
    """A schedule the core shall judge (its code 16): set only under ``schedule_strict``."""
    notes: list[str] = field(default_factory=list)
    """What the reader made of odd shapes, for the journal's reason."""

    @property
    def flash(self) -> bool:
        return (self.recipient_type or "").strip() == FLASH_RECIPIENT_TYPE


def push_datetime(when: datetime | None, now: datetime, gateway_tz: timezone) -> str | None:
    """The form API's ``PushDateTime`` (gateway-local ``MM/DD/YYYY HH:mm:ss``) for a schedule;
    None (send now) for none or one that is not in the future: every public client sends a
    past, current or empty time, and means "now"."""
    if when is None:
        return None
    try:
        local = when.astimezone(gateway_tz).replace(tzinfo=None) if when.tzinfo else when
        if local <= now.astimezone(gateway_tz).replace(tzinfo=None):
            return None
    except (OverflowError, ValueError):  # year 1 or 9999 moved across a day boundary: past
        return None
    return format_push_datetime(local)


def to_params(
    send: WebServiceSend, header: str | None, now: datetime, gateway_tz: timezone
) -> Params:
    """The form API's parameters for ``send``; ``header``: the sender name to store with its
    messages, or None for none (the interfaces have no sender field, so the gateway's sender
    step sends under the account's default sender and marks the message defaulted);
    ``now``: the request's arrival (aware)."""
    params = Params()
    params.add("UserId", send.user_id or "")
    params.add("Password", send.password or "")
    params.add("Message", send.message or "")
    language = (send.language or "").strip()
    params.add("Lang", language or "0")
    params.add("MobileNo", ",".join(send.numbers))
    if header is not None:
        params.add("Header", header)
    params.add("FLashSMS", "Y" if send.flash else "N")
    when = send.unreadable_schedule or push_datetime(send.schedule, now, gateway_tz)
    if when is not None:
        params.add("PushDateTime", when)
    return params


def split_numbers(values: Iterable[str]) -> list[str]:
    """Recipients as the form API reads ``MobileNo``: each value may hold several numbers
    joined by commas; blanks between commas are dropped."""
    return [n.strip() for v in values for n in v.split(",") if n.strip()]
