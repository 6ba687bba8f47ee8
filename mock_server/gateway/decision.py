"""What the gateway answers (:class:`Decision`) and what it decides with (:class:`Gateway`: the
storage it reads and the settings, :class:`GatewayOptions`).

Also the emulator's own failure (11, :func:`internal_failure`), the one code no step decides.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from ismart_sms_kit.mock_server.state.accounts import IpNetwork
from ismart_sms_kit.mock_server.state.base import Storage
from ismart_sms_kit.mock_server.state.model import Message
from ismart_sms_kit.protocol.spec import ReturnCode
from ismart_sms_kit.protocol.validation import Finding

log = logging.getLogger("mock_server")


@dataclass(slots=True)
class Decision:
    """The answer to one request and what decided it (code None: no code was answered, an
    HTTP-level fault such as a 503, a raw body, a hang or a drop)."""

    code: int | None
    reason: str
    decided_by: str
    user_id: str | None = None
    authenticated: bool = False
    cost: int = 0
    messages: list[Message] = field(default_factory=list)
    rules_fired: tuple[str, ...] = ()
    failed_login: bool = False
    """A wrong password for an existing account: the commit counts it (and may lock)."""
    on_credit: bool = False
    """A refusal by a step that reads the account's credit (:func:`.steps.reads_credit`): it
    stands only while the credit does (a batch commit decides it again otherwise)."""

    def refuse(self, finding: Finding, decided_by: str | None = None) -> None:
        """Turn this decision into ``finding``'s refusal (at commit: 3 into 12, 1 into 4)."""
        self.code = int(finding.code)
        self.reason = finding.reason
        if decided_by is not None:
            self.decided_by = decided_by


class GatewayFailure(RuntimeError):
    """A failure inside the gateway; the route answers 11 (Un Known Error) for it."""


@dataclass(frozen=True)
class GatewayOptions:
    """The global settings :func:`decide` needs, resolved once at start-up."""

    gateway_tz: timezone = timezone(timedelta(minutes=240))
    magic_numbers: bool = True
    magic_prefix: str = "968000000"
    oman_networks: tuple[IpNetwork, ...] = ()

    def in_oman(self, client_ip: str) -> bool:
        try:
            address = ipaddress.ip_address(client_ip)
        except ValueError:
            return False
        return any(address in network for network in self.oman_networks)


@dataclass(frozen=True, slots=True)
class Gateway:
    """What the steps decide with besides the request: one per backend."""

    storage: Storage
    options: GatewayOptions


def internal_failure(where: str, exc: Exception) -> Decision:
    """Log a failure inside the emulator; the decision to answer 11 (Un Known Error)."""
    if isinstance(exc, GatewayFailure):  # asked for (an account's simulate_internal_error)
        log.info("answered 11 on %s: %s", where, exc)
    else:
        log.error("internal failure on %s: %s", where, exc, exc_info=True)
    return Decision(int(ReturnCode.UNKNOWN_ERROR), f"internal failure: {exc}", "error")
