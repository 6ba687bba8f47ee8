"""The emulator's backend: one per app, holding the state, the clock and the seeded random.

The HTTP layer only parses and renders; :meth:`Backend.decide` turns a :class:`GatewayCall`
into a :class:`Decision` (reading state, changing nothing) and :meth:`Backend.commit` applies
the decision's effects and writes its journal entry in one storage transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from types import EllipsisType
from typing import Any

from ismart_sms_kit.mock_server.config import Config, ConfigError
from ismart_sms_kit.mock_server.gateway.decide import Decision, GatewayCall, GatewayOptions, decide
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.rules.reload import RulesWatcher
from ismart_sms_kit.mock_server.rules.ruleset import RuleSet
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.memory import (
    JournalEntry,
    MemoryStorage,
    Storage,
    mask_params,
)
from ismart_sms_kit.protocol.spec import ReturnCode

Clock = Callable[[], datetime]
_Waiter = asyncio.Future[Decision]
CHECKPOINT_WAITING_S = 0.01
"""A worker waiting for the write turn checkpoints the WAL if it has not for this long
(``SqliteStorage.checkpoint``)."""
_RETRY_S = 0.005
"""A worker waiting for the write turn tries again after this long, doorbell or not."""


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


def _apply(
    tx: Any,
    decision: Decision,
    entry: JournalEntry,
    endpoint: str,
    http_status: int,
    encoded: Any = None,
) -> None:
    """The writes of one answered request, inside a transaction. ``encoded``: the entry and
    the decision's messages as the storage will write them, made before the transaction
    (``storage.encode``), if it can."""
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
    if decision.code != ReturnCode.PUSHED:
        decision.messages = []
        if encoded is not None:
            encoded = encoded._replace(messages=[])
    entry.code, entry.reason, entry.decided_by = (
        decision.code,
        decision.reason,
        decision.decided_by,
    )
    tx.record(entry, decision.messages, encoded)
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
        self._recent: Callable[[str], tuple[Account | None, Any]] | None = (
            getattr(self.storage, "recent_account", None) if self.group_commit else None
        )
        self._pending: list[
            tuple[
                Decision,
                Callable[[Account | None], Decision] | None,
                Any,
                bool,
                JournalEntry,
                Any,
                _Waiter,
            ]
        ] = []
        """Requests waiting for the next group commit (``commit_together``)."""
        self._doorbell: tuple[asyncio.AbstractEventLoop, int] | None = None
        """The doorbell this backend listens to while it waits for the write turn."""
        self._retry: asyncio.TimerHandle | None = None
        """The next try for the turn in any case (``_RETRY_S``)."""
        self.listeners: set[asyncio.Event] = set()
        """Woken when something is stored (a message or a journal entry)."""

    def account(self, user_id: str) -> tuple[Account | None, Any]:
        """The account a gateway request is decided on, and the basis its commit checks
        (:meth:`commit_together`): with SQLite, the account as this process last saw it; else
        the account as it is (no basis: nothing to check)."""
        if self._recent is not None:
            return self._recent(user_id)
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
            _apply(tx, decision, entry, endpoint, http_status)
        for event in self.listeners:
            event.set()
        return entry

    async def commit_together(
        self,
        decision: Decision,
        *,
        redecide: Callable[[Account | None], Decision] | None = None,
        basis: Any = None,
        scope_from_account: bool = False,
        method: str,
        endpoint: str,
        client_ip: str,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int = 200,
        scope: str = "",
    ) -> Decision:
        """:meth:`commit` for the gateway's requests; the decision, as committed.

        With a storage that writes to disk (``group_commit``: SQLite), the requests that get
        here while a turn is awaited share one storage transaction, applied in the order they
        came (one that fails fails alone, see :meth:`_commit_pending`), and each returns once
        that transaction is committed: an answer never leaves before its request is durable.
        One commit, one lock turn and one write of the hot pages (counters, the account, the
        newest rows) then serve many requests.

        Decisions are taken on the account as this process last saw it (:meth:`account`), so a
        request reads nothing from the file before its turn; in its turn, a decision whose
        ``basis`` no longer holds (another worker or an earlier request of the batch changed
        the account's revision or status, or its credit when the decision was about credit) is
        taken again (``redecide``) on the account as it is then, and, if the request's scope
        was its account's (``scope_from_account``: no ``X-Mock-Scope``), in the account's scope
        as it is then. So lockouts, patches (scopes too) and resets work exactly as for
        requests taken one by one. A 1 needs no such care for credit: the charge itself
        refuses an overdraft (a 1 becomes a 4, see :meth:`commit`).

        Only for a ``group_commit`` storage; with another, the caller uses :meth:`commit`
        (one await less on the hot path)."""
        entry = self._entry(decision, method, endpoint, client_ip, params, http_status, scope)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Decision] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._commit_when_free)
        storage: Any = self.storage  # a group_commit storage: SqliteStorage
        encoded = storage.encode(entry, decision.messages)
        self._pending.append((decision, redecide, basis, scope_from_account, entry, encoded, done))
        return await done

    def _commit_when_free(self) -> None:
        """Commit the waiting requests now if no other process is writing; else keep serving
        (the batch grows) and try again when the writer rings the state file's doorbell
        (``SqliteStorage.wake_fd``), or after ``_RETRY_S`` in any case.

        Not blocking on the lock: a worker blocked in ``flock`` reads no new requests, and the
        kernel wakes it only when the scheduler gets to it, often after the other worker took
        the lock again (measured: 1.40x for two workers). Not in a thread either: it would
        hold the lock idle until it gets the GIL back from the busy event loop, up to 5 ms,
        while the other worker waits for it. Not polling: trying at every turn of the event
        loop burns the CPU the other worker and the clients need, and polling every
        millisecond (uvloop's timers have no finer grain) leaves the worker idle for most of
        it (1.47x)."""
        storage: Any = self.storage
        loop = asyncio.get_running_loop()
        try:
            free = storage.try_writer()
        except Exception as exc:  # e.g. the state file closed at shut-down: none is stored
            self._stop_waiting()
            pending, self._pending = self._pending, []
            self._resolve([(done, exc) for *_, done in pending])
            return
        if not free:
            if storage.checkpoint(CHECKPOINT_WAITING_S):  # work it would wait idle for
                self._commit_when_free()
            else:
                self._wait_for_turn(loop, storage.wake_fd)
            return
        self._stop_waiting()
        try:
            outcomes = self._commit_pending()
        finally:
            storage.release_writer()
        self._resolve(outcomes)

    def _wait_for_turn(self, loop: asyncio.AbstractEventLoop, fd: int | None) -> None:
        if fd is not None and self._doorbell is None:
            loop.add_reader(fd, self._rung)
            self._doorbell = (loop, fd)
        if self._retry is None:
            self._retry = loop.call_later(_RETRY_S, self._retry_now)

    def _rung(self) -> None:
        storage: Any = self.storage
        storage.drain_doorbell()
        self._stop_waiting()
        self._commit_when_free()

    def _retry_now(self) -> None:
        self._retry = None
        self._commit_when_free()

    def _stop_waiting(self) -> None:
        if self._doorbell is not None:
            loop, fd = self._doorbell
            self._doorbell = None
            with contextlib.suppress(Exception):  # the loop or the file closed already
                loop.remove_reader(fd)
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _resolve(self, outcomes: list[tuple[_Waiter, Decision | BaseException]]) -> None:
        for done, outcome in outcomes:
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)
        for event in self.listeners:
            event.set()

    def _commit_pending(self) -> list[tuple[_Waiter, Decision | BaseException]]:
        """The waiting requests' writes, in one transaction (the caller holds the writers'
        turn); what each request's waiter gets.

        A request whose writes fail (an exception) fails alone: the transaction, which keeps
        its writes in memory until it ends, forgets them all, and the batch is applied again
        without that request. (Cheaper than a savepoint per request, on the path every
        request takes, for a failure that is all but unheard of.)"""
        pending, self._pending = self._pending, []
        storage: Any = self.storage  # a group_commit storage: SqliteStorage
        failed: dict[int, BaseException] = {}
        as_decided = [(d.code, d.reason, d.decided_by, d.messages) for d, *_ in pending]
        try:
            with storage.transaction(writer_held=True) as tx:
                while True:
                    outcomes: list[tuple[_Waiter, Decision | BaseException]] = []
                    index = 0
                    try:
                        for index, (
                            decision,
                            redecide,
                            basis,
                            scope_from_account,
                            entry,
                            encoded,
                            done,
                        ) in enumerate(pending):
                            if index in failed:
                                outcomes.append((done, failed[index]))
                                continue
                            user_id = decision.user_id
                            if (
                                redecide is not None
                                and user_id is not None
                                and not tx.holds(basis, user_id, decision.decided_by == "credit")
                            ):
                                current = tx.current(user_id)
                                decision, encoded = redecide(current), None
                                if scope_from_account and current is not None:
                                    entry.scope = current.scope
                                    for message in decision.messages:
                                        message.scope = current.scope
                            _apply(tx, decision, entry, entry.endpoint, entry.http_status, encoded)
                            outcomes.append((done, decision))
                        break
                    except Exception as exc:  # that request only: the others, again
                        failed[index] = exc
                        tx.discard()
                        for (d, *_), fields in zip(pending, as_decided, strict=True):
                            d.code, d.reason, d.decided_by, d.messages = fields
        except Exception as exc:  # the transaction itself failed: none of them is stored
            outcomes = [(done, exc) for *_, done in pending]
        return outcomes

    def reset(self, scope: str | None = None) -> None:
        """Back to the configured start state: accounts, rules (from files), seed; with a
        scope, only that scope's messages, journal and rules."""
        self.storage.reset(scope)
        self.rules.reset(scope)
        if scope is None:
            self.random = random.Random(self.seed)

    def close(self) -> None:
        self._stop_waiting()
        self.storage.close()
