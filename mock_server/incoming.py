"""What a gateway endpoint gets back from the backend (:class:`Answer`), and what a fault
rule's final action is in the journal (:func:`ruled`, :func:`fault_status`). What it hands the
backend is the request, :class:`~ismart_sms_kit.mock_server.gateway.request.SendRequest`."""

from __future__ import annotations

from dataclasses import dataclass

from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.rules.actions import Action, ActionKind
from ismart_sms_kit.mock_server.rules.rule import Rule


@dataclass(slots=True)
class Answer:
    """The decision on a request, as committed, and a fault rule's final action (hang, drop,
    another HTTP status, a raw body) for the endpoint to carry out instead of the code."""

    decision: Decision
    action: Action | None = None


def ruled(action: Action, rule: Rule) -> Decision:
    """The journal's decision for a rule's final action (its code, or none: a fault)."""
    by, label = f"rule:{rule.label}", rule.label
    match action.kind:
        case ActionKind.CODE:
            return Decision(action.code, f"answered {action.code} by rule {label}", by)
        case ActionKind.HTTP_STATUS:
            return Decision(None, f"HTTP {action.http_status} by rule {label}", by)
        case ActionKind.BODY:
            return Decision(None, f"raw body by rule {label}", by)
        case ActionKind.HANG:
            reason = f"hangs up to {action.hang_ms} ms, then drops, by rule {label}"
            return Decision(None, reason, by)
        case _:
            return Decision(None, f"connection dropped by rule {label}", by)


def fault_status(action: Action) -> int:
    """The HTTP status the journal records for a rule's final action (0: no response)."""
    match action.kind:
        case ActionKind.CODE | ActionKind.BODY:
            return 200
        case ActionKind.HTTP_STATUS:
            return action.http_status or 0
        case _:
            return 0
