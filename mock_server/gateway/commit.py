"""A decision's effects, inside one storage transaction: :func:`apply`.

A wrong password counts a failed login (at the account's threshold the 3 becomes the 12 of
:func:`~ismart_sms_kit.mock_server.gateway.steps.locked_out`); a right one clears the count; a
1 charges the credit (if a concurrent request spent it since the decision, the 1 becomes the 4
of :func:`~ismart_sms_kit.mock_server.gateway.steps.overdrawn`); then the journal entry and the
messages are recorded and the counters bumped. Both storages and both commit paths (one
request, or a group) apply a decision here.
"""

from __future__ import annotations

import functools

from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.gateway.steps import locked_out, overdrawn
from ismart_sms_kit.mock_server.state.base import Encoded, Transaction
from ismart_sms_kit.mock_server.state.model import JournalEntry, bounded_text
from ismart_sms_kit.protocol.spec import ReturnCode


@functools.lru_cache(maxsize=1024)
def _requests_key(endpoint: str, code: int | None, http_status: int) -> tuple[str, ...]:
    """The counter of the requests answered ``code`` with ``http_status`` on ``endpoint``."""
    return ("requests", endpoint, "none" if code is None else str(code), str(http_status))


def apply(
    tx: Transaction, decision: Decision, entry: JournalEntry, encoded: Encoded | None = None
) -> None:
    """The writes of one answered request, inside ``tx``. ``encoded``: the entry and the
    decision's messages as the storage will write them, made before the transaction
    (``GroupCommitStorage.encode``), if it can."""
    user_id = decision.user_id
    if user_id is not None and decision.code is not None:
        if decision.failed_login:
            account = tx.failed_login(user_id)
            if account.status == "blocked":
                decision.refuse(locked_out(account))
        elif decision.authenticated:
            tx.clear_failed_logins(user_id)
        if decision.code == ReturnCode.PUSHED and not tx.charge(user_id, decision.cost):
            decision.refuse(overdrawn(decision.cost), "credit")
    if decision.code != ReturnCode.PUSHED:
        decision.messages = []
        if encoded is not None:
            encoded = encoded._replace(messages=[])
    entry.code, entry.reason, entry.decided_by = (
        decision.code,
        bounded_text(decision.reason),  # it may quote a request's value: the journal's budget
        decision.decided_by,
    )
    tx.record(entry, decision.messages, encoded)
    tx.count(_requests_key(entry.endpoint, decision.code, entry.http_status))
    for label in decision.rules_fired:
        tx.count(("rules_fired", label))
