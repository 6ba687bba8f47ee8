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
from typing import Any

from client.protocol import ReturnCode
from mock_server.accounts import Account
from mock_server.config import Config, ConfigError
from mock_server.gateway import Decision, GatewayCall, GatewayOptions, decide
from mock_server.params import Params
from mock_server.reload import RulesWatcher
from mock_server.rules import RuleSet
from mock_server.store import JournalEntry, MemoryStorage, Storage, mask_params

Clock = Callable[[], datetime]
_Journaled = tuple[str, str, str, dict[str, str], int, str]
"""What the journal keeps of a request besides its decision: method, endpoint, client IP,
masked parameters, HTTP status, scope."""
_Waiter = asyncio.Future[Decision]


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
        from mock_server.sqlite_store import SqliteStorage

        return SqliteStorage(path, config.accounts, config.closed_companies, **caps)
    raise ConfigError(f"state {config.state!r}: use memory or sqlite:PATH")


def _apply(
    tx: Any, decision: Decision, entry: JournalEntry, endpoint: str, http_status: int
) -> None:
    """The writes of one answered request, inside a transaction."""
    user_id = decision.user_id
    if user_id is not None and decision.code is not None:
        if decision.decided_by == "password":
            account = tx.failed_login(user_id)
            if account.status == "blocked":
                decision.code = int(ReturnCode.ACCOUNT_BLOCKED)
                decision.reason = (
                    f"{user_id} locked after {account.failed_logins} failed logins "
                    f"(threshold {account.lockout_threshold})"
                )
        elif decision.authenticated:
            tx.clear_failed_logins(user_id)
        if decision.code == ReturnCode.PUSHED and not tx.charge(user_id, decision.cost):
            decision.code = int(ReturnCode.CREDIT_LOW)
            decision.reason = f"{decision.cost} credits needed, not enough left"
            decision.decided_by = "credit"
    stored = decision.messages if decision.code == ReturnCode.PUSHED else []
    decision.messages = stored
    entry.code, entry.reason, entry.decided_by = (
        decision.code,
        decision.reason,
        decision.decided_by,
    )
    tx.record(entry, stored)
    code = "none" if decision.code is None else str(decision.code)
    tx.count(("requests", endpoint, code, str(http_status)))
    for label in decision.rules_fired:
        tx.count(("rules_fired", label))


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
        self.group_commit = bool(getattr(self.storage, "group_commit", False))
        """Whether gateway requests are committed in groups (:meth:`commit_together`)."""
        self._pending: list[
            tuple[Decision, Callable[[], Decision] | None, _Journaled, _Waiter]
        ] = []
        """Requests waiting for the next group commit (``commit_together``)."""
        self.listeners: set[asyncio.Event] = set()
        """Woken when something is stored (a message or a journal entry)."""

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
        params: dict[str, str],
        http_status: int,
        scope: str,
    ) -> JournalEntry:
        return JournalEntry(
            id=0,
            time=self.clock(),
            method=method,
            endpoint=endpoint,
            client_ip=client_ip,
            params=params,
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
        masked = mask_params(params)
        entry = self._entry(decision, method, endpoint, client_ip, masked, http_status, scope)
        with self.storage.transaction() as tx:
            _apply(tx, decision, entry, endpoint, http_status)
        for event in self.listeners:
            event.set()
        return entry

    async def commit_together(
        self,
        decision: Decision,
        *,
        redecide: Callable[[], Decision] | None = None,
        method: str,
        endpoint: str,
        client_ip: str,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int = 200,
        scope: str = "",
    ) -> Decision:
        """:meth:`commit` for the gateway's requests; the decision, as committed.

        With a storage that writes to disk (``group_commit``: SQLite), the requests that get
        here in the same turn of the event loop share one storage transaction, each applied in
        its own savepoint in the order they came, and each returns once that transaction is
        committed: an answer never leaves before its request is durable. One commit, one lock
        turn and one write of the hot pages (counters, the account, the newest rows) then
        serve many requests.

        A decision taken before an earlier request of the same batch counted a wrong password
        for its account (which may have locked it) is taken again (``redecide``) when its turn
        comes, so lockouts work exactly as for requests taken one by one; credit needs no such
        care, the charge itself refuses an overdraft (a 1 becomes a 4, see :meth:`commit`)."""
        if not self.group_commit:
            self.commit(
                decision,
                method=method,
                endpoint=endpoint,
                client_ip=client_ip,
                params=params,
                http_status=http_status,
                scope=scope,
            )
            return decision
        masked = mask_params(params)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Decision] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._commit_when_free)
        journaled = (method, endpoint, client_ip, masked, http_status, scope)
        self._pending.append((decision, redecide, journaled, done))
        return await done

    def _commit_when_free(self) -> None:
        """Commit the waiting requests now if no other process is writing; else keep serving
        (the batch grows) and try again in a millisecond. (Waiting for the turn in a thread
        would hold it idle until that thread gets the GIL back from the busy event loop, up
        to 5 ms, while the other worker waits for it too.)"""
        storage: Any = self.storage
        try:
            free = storage.try_writer()
        except Exception as exc:  # e.g. the state file closed at shut-down: none is stored
            pending, self._pending = self._pending, []
            for *_, done in pending:
                if not done.done():
                    done.set_exception(exc)
            return
        if not free:
            asyncio.get_running_loop().call_later(0.001, self._commit_when_free)
            return
        try:
            self._commit_pending()
        finally:
            storage.release_writer()

    def _commit_pending(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        outcomes: list[Decision | BaseException] = []
        storage: Any = self.storage  # a group_commit storage: SqliteStorage
        try:
            with storage.transaction(writer_held=True) as tx, tx.batch():
                locked_out: set[str] = set()  # accounts with a wrong password in this batch
                for decision, redecide, journaled, _ in pending:
                    method, endpoint, client_ip, masked, status, scope = journaled
                    try:
                        with tx.savepoint():
                            if redecide is not None and decision.user_id in locked_out:
                                decision = redecide()
                            entry = self._entry(
                                decision, method, endpoint, client_ip, masked, status, scope
                            )
                            _apply(tx, decision, entry, endpoint, status)
                    except Exception as exc:  # this request only: its savepoint rolled back
                        outcomes.append(exc)
                    else:
                        outcomes.append(decision)
                        if decision.decided_by == "password" and decision.user_id is not None:
                            locked_out.add(decision.user_id)
        except Exception as exc:  # the transaction itself failed: none of them is stored
            outcomes = [exc] * len(pending)
        for (*_, done), outcome in zip(pending, outcomes, strict=True):
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)
        for event in self.listeners:
            event.set()

    def reset(self, scope: str | None = None) -> None:
        """Back to the configured start state: accounts, rules (from files), seed; with a
        scope, only that scope's messages, journal and rules."""
        self.storage.reset(scope)
        self.rules.reset(scope)
        if scope is None:
            self.random = random.Random(self.seed)

    def close(self) -> None:
        self.storage.close()
