"""The delivery-report endpoint's decision (``/iBulkSMS/HttpWS/SMSDeliveryReportAPI.aspx``).

As the field reports it (``shared/spec/field-notes.md``)::

    GET ...SMSDeliveryReportAPI.aspx?UserId=u&Password=p&referenceIds=100001,100002
    ReferenceId=100001,Status=delivered,DeliveryDateTime=8/5/2018 10:03:00AM|ReferenceId=...

Codes: 3 (unknown user or wrong password; wrong passwords count towards the lockout like on
the send endpoints, so 12 once locked), 11 (internal failure), 31 (delivery reports not enabled
for the account: its ``delivery_reports`` field), 32 (``referenceIds`` absent or blank),
33 (no stored message of this account has any of those reference ids).

Decisions (assumptions to verify live): one record per stored message of the account with a
requested reference id, in the order the ids were asked, oldest message first; a message that
is not yet delivered (scheduled or within the simulated delay) reports ``Status=pending`` with
an empty ``DeliveryDateTime``; the time is the gateway's clock (UTC+4) as ``M/D/YYYY
h:mm:ssAM``. Delivery itself is simulated: see
:meth:`ismart_sms_kit.mock_server.state.model.Message.delivery_state`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

from ismart_sms_kit.mock_server.config import EndpointConfig
from ismart_sms_kit.mock_server.gateway.decide import run_steps
from ismart_sms_kit.mock_server.gateway.decision import Decision, Gateway
from ismart_sms_kit.mock_server.gateway.request import REFERENCE_IDS_KEY, SendRequest
from ismart_sms_kit.mock_server.state.model import REPORTED, Message, MessageQuery
from ismart_sms_kit.protocol.spec import DELIVERY_REPORT_PATH, ReturnCode
from ismart_sms_kit.protocol.validation import Limits

NAME: Final = "SMSDeliveryReportAPI"
ACCOUNT_STEPS: Final = ("client_ip", "password", "blocked", "inactive", "account_expired")
MAX_RECORDS: Final = 1000
ENDPOINT: Final = EndpointConfig(
    name=NAME, path=DELIVERY_REPORT_PATH, validation_order=ACCOUNT_STEPS, limits=Limits()
)


def format_time(when: datetime, tz: timezone) -> str:
    """``8/5/2018 10:03:00AM``: the .NET ``G``-like format the field reports (no zero padding
    of month, day and hour; 12-hour clock; AM/PM glued to the seconds)."""
    local = when.astimezone(tz)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return (
        f"{local.month}/{local.day}/{local.year} {hour}:{local.minute:02}:{local.second:02}{half}"
    )


def _record(message: Message, now: datetime, delay: timedelta, tz: timezone) -> str:
    state, at = message.delivery_state(now, delay)
    if state not in ("delivered", "failed"):
        state, at = "pending", None
    when = format_time(at, tz) if at is not None else ""
    return f"ReferenceId={message.reference_id},Status={state},DeliveryDateTime={when}"


def report(req: SendRequest, gw: Gateway, delay: timedelta) -> tuple[Decision, str]:
    """The decision for the journal and the body to answer (a code or the records); the
    request's account read by the caller."""
    failure = run_steps(req, gw, ACCOUNT_STEPS)
    if failure is not None:
        return failure, str(failure.code)
    account, storage, now = req.account, gw.storage, req.now
    assert account is not None  # the steps refuse a request without an account
    user = account.user_id

    def answer(code: ReturnCode, reason: str, by: str) -> tuple[Decision, str]:
        return Decision(int(code), reason, by, user, authenticated=True), str(int(code))

    if not account.delivery_reports:
        return answer(
            ReturnCode.DELIVERY_REPORTS_DISABLED,
            f"delivery reports are not enabled for {user}",
            "delivery_reports",
        )
    raw = req.raw(REFERENCE_IDS_KEY)
    refs = list(dict.fromkeys(r.strip() for r in raw.split(",") if r.strip()))
    if not refs:
        return answer(ReturnCode.REFERENCE_ID_BLANK, "referenceIds is blank", "reference_ids")
    found = storage.find_messages(
        MessageQuery(user=user, reference_ids=tuple(refs), limit=MAX_RECORDS, oldest_first=True)
    )
    if not found:
        return answer(
            ReturnCode.NO_RECORD_FOUND, f"no message of {user} has reference id {raw!r}", "report"
        )
    order = {ref: i for i, ref in enumerate(refs)}
    found.sort(key=lambda m: (order[m.reference_id or ""], m.id))
    body = "|".join(_record(m, now, delay, gw.options.gateway_tz) for m in found)
    decision = Decision(None, f"{len(found)} delivery record(s)", REPORTED, user, True)
    return decision, body
