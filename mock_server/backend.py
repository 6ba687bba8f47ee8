"""The emulator's backend: one per app, holding the state, the clock and the seeded random.

The HTTP layer only parses and renders; :meth:`Backend.decide` turns a :class:`GatewayCall`
into a :class:`Decision` (reading state, changing nothing) and :meth:`Backend.commit` applies
the decision's effects and writes its journal entry in one storage transaction.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from types import EllipsisType

from ismart_sms_kit.mock_server.config import Config, ConfigError
from ismart_sms_kit.mock_server.gateway.commit import apply
from ismart_sms_kit.mock_server.gateway.decide import decide
from ismart_sms_kit.mock_server.gateway.decision import Decision, GatewayCall, GatewayOptions
from ismart_sms_kit.mock_server.group_commit import GroupCommit, Redecide
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.rules.reload import RulesWatcher
from ismart_sms_kit.mock_server.rules.ruleset import RuleSet
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Basis, Storage
from ismart_sms_kit.mock_server.state.memory import MemoryStorage
from ismart_sms_kit.mock_server.state.model import JournalEntry, mask_params

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def _networks(config: Config) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(n, strict=False) for n in config.setting("oman_networks"))
    except ValueError as exc:
        raise ConfigError(f"settings.oman_networks: {exc}") from None


def open_storage(config: Config) -> Storage:
    """The storage ``config.state`` names: ``memory`` or ``sqlite:PATH``."""
    caps = {
        "message_cap": config.setting("message_cap"),
        "journal_cap": config.setting("journal_cap"),
    }
    if config.state == "memory":
        return MemoryStorage(config.accounts, config.closed_companies, **caps)
    kind, _, path = config.state.partition(":")
    if kind == "sqlite" and path:
        from ismart_sms_kit.mock_server.state.sqlite import SqliteStorage

        return SqliteStorage(path, config.accounts, config.closed_companies, **caps)
    raise ConfigError(f"state {config.state!r}: use memory or sqlite:PATH")


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
        self.options = GatewayOptions(
            gateway_tz=timezone(timedelta(minutes=config.setting("utc_offset_minutes"))),
            magic_numbers=config.setting("magic_numbers"),
            magic_prefix=config.setting("magic_prefix"),
            oman_networks=_networks(config),
        )
        self.delivery_delay = timedelta(milliseconds=config.setting("delivery_delay_ms"))
        self.rules = RuleSet(zip(config.rules, config.rule_sources, strict=True))
        self.watcher = RulesWatcher(self.rules, config.rule_files)
        self.storage: Storage = storage if storage is not None else open_storage(config)
        self.listeners: set[asyncio.Event] = set()
        """Woken when something is stored (a message or a journal entry)."""
        committer = self.storage.group_committer()
        self.group = GroupCommit(committer, self.listeners) if committer is not None else None
        """Commits the gateway's requests in groups (:meth:`commit_together`), or None."""
        self.group_commit = self.group is not None

    def account(self, user_id: str) -> tuple[Account | None, Basis | None]:
        """The account a gateway request is decided on, and the basis its commit checks
        (:meth:`commit_together`): with SQLite, the account as this process last saw it; else
        the account as it is (no basis: nothing to check)."""
        if self.group is not None:
            return self.group.storage.recent_account(user_id)
        return self.storage.account(user_id), None

    def decide(
        self, call: GatewayCall, *, account: Account | EllipsisType | None = ...
    ) -> Decision:
        return decide(call, self.storage, self.options, account=account)

    def _entry(
        self,
        decision: Decision,
        method: str,
        endpoint: str,
        client_ip: str,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int,
        scope: str,
    ) -> JournalEntry:
        """The journal entry of a request (its parameters masked), before its commit."""
        return JournalEntry(
            id=0,
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
            scope=scope,
        )

    def commit(
        self,
        decision: Decision,
        *,
        method: str,
        endpoint: str,
        client_ip: str,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int = 200,
        scope: str = "",
    ) -> JournalEntry:
        """Apply the decision's effects and journal it, atomically; may turn a 3 into a 12
        (the failure that reaches the lockout threshold) or a 1 into a 4 (credit spent by a
        concurrent request since the decision)."""
        entry = self._entry(decision, method, endpoint, client_ip, params, http_status, scope)
        with self.storage.transaction() as tx:
            apply(tx, decision, entry)
        for event in self.listeners:
            event.set()
        return entry

    async def commit_together(
        self,
        decision: Decision,
        *,
        redecide: Redecide | None = None,
        basis: Basis | None = None,
        scope_from_account: bool = False,
        method: str,
        endpoint: str,
        client_ip: str,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int = 200,
        scope: str = "",
    ) -> Decision:
        """:meth:`commit` for the gateway's requests with a group-commit storage (SQLite):
        the decision, as committed (:class:`~ismart_sms_kit.mock_server.group_commit.GroupCommit`).
        With another storage, the caller uses :meth:`commit` (one await less on the hot path)."""
        assert self.group is not None
        entry = self._entry(decision, method, endpoint, client_ip, params, http_status, scope)
        return await self.group.commit(
            decision,
            entry,
            redecide=redecide,
            basis=basis,
            scope_from_account=scope_from_account,
        )

    def reset(self, scope: str | None = None) -> None:
        """Back to the configured start state: accounts, rules (from files), seed; with a
        scope, only that scope's messages, journal and rules."""
        self.storage.reset(scope)
        self.rules.reset(scope)
        if scope is None:
            self.random = random.Random(self.seed)

    def close(self) -> None:
        if self.group is not None:
            self.group.stop_waiting()
        self.storage.close()
