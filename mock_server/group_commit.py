"""Group commit: the gateway's requests that arrive while a write turn is awaited share one
storage transaction (for a :class:`~ismart_sms_kit.mock_server.state.base.GroupCommitStorage`,
i.e. SQLite). :class:`GroupCommit` is all of it; the backend hands it each request's decision.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ismart_sms_kit.mock_server.gateway.commit import apply
from ismart_sms_kit.mock_server.gateway.decision import Decision
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Basis, Encoded, GroupCommitStorage
from ismart_sms_kit.mock_server.state.model import JournalEntry

RETRY_S = 0.005
"""A worker waiting for the write turn tries again after this long, doorbell or not."""

Redecide = Callable[[Account | None], Decision]
"""Decide a request again on its account as the transaction has it (None: no such account)."""
_Waiter = asyncio.Future[Decision]


@dataclass(slots=True)
class Pending:
    """One request waiting for the next group commit."""

    decision: Decision
    redecide: Redecide | None
    basis: Basis | None
    scope_from_account: bool
    entry: JournalEntry
    encoded: Encoded | None
    done: _Waiter


class Listeners:
    """The events to set when something is stored: those of every scope (``all``: an unscoped
    event stream or long-poll) and those of one scope only, so that an idle stream of one
    scope is not woken by another's traffic."""

    def __init__(self) -> None:
        self.all: set[asyncio.Event] = set()
        self.scoped: dict[str, set[asyncio.Event]] = {}

    def add(self, event: asyncio.Event, scope: str | None) -> None:
        if scope is None:
            self.all.add(event)
        else:
            self.scoped.setdefault(scope, set()).add(event)

    def discard(self, event: asyncio.Event, scope: str | None) -> None:
        if scope is None:
            self.all.discard(event)
            return
        events = self.scoped.get(scope)
        if events is not None:
            events.discard(event)
            if not events:
                del self.scoped[scope]

    def wake(self, scopes: Iterable[str]) -> None:
        """Something was stored in ``scopes``."""
        for event in self.all:
            event.set()
        if self.scoped:
            for scope in set(scopes):
                for event in self.scoped.get(scope, ()):
                    event.set()


class GroupCommit:
    """The requests of one process waiting for their write turn, and the turn's handling."""

    def __init__(self, storage: GroupCommitStorage, listeners: Listeners) -> None:
        self.storage = storage
        self.listeners = listeners
        """Woken when something is stored (shared with the backend)."""
        self._pending: list[Pending] = []
        self._doorbell: tuple[asyncio.AbstractEventLoop, int] | None = None
        """The doorbell this process listens to while it waits for the write turn."""
        self._retry: asyncio.TimerHandle | None = None
        """The next try for the turn in any case (``RETRY_S``)."""

    async def commit(
        self,
        decision: Decision,
        entry: JournalEntry,
        *,
        redecide: Redecide | None = None,
        basis: Basis | None = None,
        scope_from_account: bool = False,
    ) -> Decision:
        """Commit one gateway request with the others waiting; the decision, as committed.

        With a storage that writes to disk (``group_commit``: SQLite), the requests that get
        here while a turn is awaited share one storage transaction, applied in the order they
        came (one that fails fails alone, see :meth:`_commit_pending`), and each returns once
        that transaction is committed: an answer never leaves before its request is durable.
        One commit, one lock turn and one write of the hot pages (counters, the account, the
        newest rows) then serve many requests.

        Decisions are taken on the account as this process last saw it (``Backend.account``), so a
        request reads nothing from the file before its turn; in its turn, a decision whose
        ``basis`` no longer holds (another worker or an earlier request of the batch changed
        the account's revision or status, or its credit when the decision was about credit) is
        taken again (``redecide``) on the account as it is then, and, if the request's scope
        was its account's (``scope_from_account``: no ``X-Mock-Scope``), in the account's scope
        as it is then. So lockouts, patches (scopes too) and resets work exactly as for
        requests taken one by one. A 1 needs no such care for credit: the charge itself
        refuses an overdraft (a 1 becomes a 4, see ``gateway.commit``)."""
        loop = asyncio.get_running_loop()
        done: _Waiter = loop.create_future()
        if not self._pending:
            loop.call_soon(self._commit_when_free)
        encoded = self.storage.encode(entry, decision.messages)
        self._pending.append(
            Pending(decision, redecide, basis, scope_from_account, entry, encoded, done)
        )
        return await done

    def _commit_when_free(self) -> None:
        """Commit the waiting requests now if no other process is writing; else keep serving
        (the batch grows) and try again when the writer rings the state file's doorbell
        (``SqliteStorage.wake_fd``), or after ``RETRY_S`` in any case.

        Not blocking on the lock: a worker blocked in ``flock`` reads no new requests, and the
        kernel wakes it only when the scheduler gets to it, often after the other worker took
        the lock again (measured: 1.40x for two workers). Not in a thread either: it would
        hold the lock idle until it gets the GIL back from the busy event loop, up to 5 ms,
        while the other worker waits for it. Not polling: trying at every turn of the event
        loop burns the CPU the other worker and the clients need, and polling every
        millisecond (uvloop's timers have no finer grain) leaves the worker idle for most of
        it (1.47x)."""
        storage = self.storage
        loop = asyncio.get_running_loop()
        try:
            free = storage.try_writer()
        except Exception as exc:  # e.g. the state file closed at shut-down: none is stored
            self.stop_waiting()
            pending, self._pending = self._pending, []
            self._resolve([(p.done, exc) for p in pending])
            return
        if not free:  # no checkpoint meanwhile: never beside a writer (``sqlite_turn``)
            self._wait_for_turn(loop, storage.wake_fd)
            return
        self.stop_waiting()
        entries = [p.entry for p in self._pending]
        try:
            outcomes = self._commit_pending()
        finally:
            storage.release_writer()
        self._resolve(outcomes)
        self.listeners.wake(e.scope for e in entries)  # as committed (a scope may change)

    def _wait_for_turn(self, loop: asyncio.AbstractEventLoop, fd: int | None) -> None:
        if fd is not None and self._doorbell is None:
            loop.add_reader(fd, self._rung)
            self._doorbell = (loop, fd)
        if self._retry is None:
            self._retry = loop.call_later(RETRY_S, self._retry_now)

    def _rung(self) -> None:
        self.storage.drain_doorbell()
        self.stop_waiting()
        self._commit_when_free()

    def _retry_now(self) -> None:
        self._retry = None
        self._commit_when_free()

    def stop_waiting(self) -> None:
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

    def _commit_pending(self) -> list[tuple[_Waiter, Decision | BaseException]]:
        """The waiting requests' writes, in one transaction (the caller holds the writers'
        turn); what each request's waiter gets.

        A request whose writes fail (an exception) fails alone: the transaction, which keeps
        its writes in memory until it ends, forgets them all, and the batch is applied again
        without that request. (Cheaper than a savepoint per request, on the path every
        request takes, for a failure that is all but unheard of.)"""
        pending, self._pending = self._pending, []
        failed: dict[int, BaseException] = {}
        as_decided = [
            (p.decision.code, p.decision.reason, p.decision.decided_by, p.decision.messages)
            for p in pending
        ]
        try:
            with self.storage.group_transaction() as tx:
                while True:
                    outcomes: list[tuple[_Waiter, Decision | BaseException]] = []
                    index = 0
                    try:
                        for index, p in enumerate(pending):
                            if index in failed:
                                outcomes.append((p.done, failed[index]))
                                continue
                            decision, encoded, entry = p.decision, p.encoded, p.entry
                            user_id = decision.user_id
                            if (
                                p.redecide is not None
                                and user_id is not None
                                and not tx.holds(p.basis, user_id, decision.on_credit)
                            ):
                                current = tx.current(user_id)
                                decision, encoded = p.redecide(current), None
                                if p.scope_from_account and current is not None:
                                    entry.scope = current.scope
                                    for message in decision.messages:
                                        message.scope = current.scope
                            apply(tx, decision, entry, encoded)
                            outcomes.append((p.done, decision))
                        break
                    except Exception as exc:  # that request only: the others, again
                        failed[index] = exc
                        tx.discard()
                        for p, fields in zip(pending, as_decided, strict=True):
                            d = p.decision
                            d.code, d.reason, d.decided_by, d.messages = fields
        except Exception as exc:  # the transaction itself failed: none of them is stored
            outcomes = [(p.done, exc) for p in pending]
        return outcomes
