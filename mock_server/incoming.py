"""What a gateway endpoint gets back from the backend (:class:`Answer`), and what a fault
rule's final action is in the journal (:func:`ruled`, :func:`fault_status`). What it hands the
backend is the request, :class:`~ismart_sms_kit.mock_server.gateway.request.SendRequest`."""

from __future__ import annotations

from dataclasses import dataclass

from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.rules.actions import Action
from ismart_sms_kit.mock_server.rules.rule import Rule


@dataclass(slots=True)
class Answer:
    """The decision on a request, as committed, and a fault rule's final action (hang, drop,
    another HTTP status, a raw body) for the endpoint to carry out instead of the code."""

    decision: Decision
    action: Action | None = None


def ruled(action: Action, rule: Rule) -> Decision:
    """The journal's decision for a rule's final action (its code, or none: a fault)."""
    by = f"rule:{rule.label}"
    if action.code is not None:
        return Decision(action.code, f"answered {action.code} by rule {rule.label}", by)
    if action.http_status is not None:
        return Decision(None, f"HTTP {action.http_status} by rule {rule.label}", by)
    if action.body is not None:
        return Decision(None, f"raw body by rule {rule.label}", by)
    if action.hang:
        reason = f"hangs up to {action.hang_ms} ms, then drops, by rule {rule.label}"
        return Decision(None, reason, by)
    return Decision(None, f"connection dropped by rule {rule.label}", by)


def fault_status(action: Action) -> int:
    """The HTTP status the journal records for a rule's final action (0: no response)."""
    if action.code is not None or (action.http_status is None and action.body is not None):
        return 200
    return action.http_status if action.http_status is not None else 0
