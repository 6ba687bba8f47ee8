"""The emulator's backend: one per app, holding the state, the clock and the seeded random.

The HTTP layer only parses and renders; :meth:`Backend.handle` turns a :class:`GatewayCall`
into a :class:`Decision`, applies its effects on the storage and writes the journal.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from client.protocol import ReturnCode
from mock_server.config import Config
from mock_server.gateway import Decision, GatewayCall, GatewayOptions, decide
from mock_server.metrics import Metrics
from mock_server.reload import RulesWatcher
from mock_server.rules import RuleSet
from mock_server.store import JournalEntry, MemoryStorage, Storage, mask_params

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Backend:
    def __init__(
        self,
        config: Config,
        *,
        storage: Storage | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.config = config
        self.clock = clock
        self.seed = (
            config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
        )
        self.random = random.Random(self.seed)
        self.storage: Storage = storage or MemoryStorage(
            config.accounts,
            config.closed_companies,
            message_cap=config.setting("message_cap"),
            journal_cap=config.setting("journal_cap"),
        )
        self.rules = RuleSet(zip(config.rules, config.rule_sources, strict=True))
        self.watcher = RulesWatcher(self.rules, config.rule_files)
        self.metrics = Metrics()
        self.listeners: set[asyncio.Event] = set()  # woken when a message or request is stored
        self.options = GatewayOptions(
            gateway_tz=timezone(timedelta(minutes=config.setting("utc_offset_minutes"))),
            magic_numbers=config.setting("magic_numbers"),
            magic_prefix=config.setting("magic_prefix"),
        )

    def handle(self, call: GatewayCall) -> Decision:
        """Decide, then apply the decision's effects (failed-login count, charge and store)."""
        decision = decide(call, self.storage, self.options)
        user_id = decision.user_id
        if user_id is None:
            return decision
        if decision.decided_by == "password":
            account = self.storage.failed_login(user_id)
            if account.status == "blocked":
                decision.code = int(ReturnCode.ACCOUNT_BLOCKED)
                decision.reason = (
                    f"{user_id} locked after {account.failed_logins} failed logins "
                    f"(threshold {account.lockout_threshold})"
                )
            return decision
        if decision.authenticated:
            current = self.storage.account(user_id)
            if current is not None and current.failed_logins and current.status != "blocked":
                self.storage.clear_failed_logins(user_id)
        if decision.code == ReturnCode.PUSHED:
            stored = self.storage.accept(user_id, decision.cost, decision.messages)
            if stored is None:
                decision.code = int(ReturnCode.CREDIT_LOW)
                decision.reason = f"{decision.cost} credits needed, not enough left"
                decision.decided_by = "credit"
                decision.messages = []
            else:
                for event in self.listeners:
                    event.set()
        return decision

    def record(
        self,
        *,
        request_id: int,
        method: str,
        endpoint: str,
        client_ip: str,
        params: list[tuple[str, str]],
        decision: Decision,
        http_status: int = 200,
    ) -> JournalEntry:
        code = "none" if decision.code is None else str(decision.code)
        self.metrics.requests[(endpoint, code, str(http_status))] += 1
        entry = self.storage.journal(
            JournalEntry(
                id=request_id,
                time=self.clock(),
                method=method,
                endpoint=endpoint,
                client_ip=client_ip,
                params=mask_params(params),
                code=decision.code,
                reason=decision.reason,
                decided_by=decision.decided_by,
                http_status=http_status,
                user_id=decision.user_id,
                messages=[m.id for m in decision.messages],
            )
        )
        for event in self.listeners:  # the inbox's event stream shows every request at once
            event.set()
        return entry

    def reset(self) -> None:
        """Back to the configured start state: accounts, rules (from files), seed."""
        self.storage.reset()
        self.rules.reset()
        self.random = random.Random(self.seed)
