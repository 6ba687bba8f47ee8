"""The emulator's backend: one per app, holding the state, the rules, the clock and the seeded
random, and answering every gateway request.

The endpoints only read and write HTTP: :meth:`Backend.answer` takes what they read
(:class:`Incoming`) and returns the committed decision (:class:`Answer`): the fault rules
first (a delay, or a final action the endpoint carries out), else the gateway's decision
(:func:`~ismart_sms_kit.mock_server.gateway.decide.decide`, reading state, changing nothing),
then the commit (:func:`~ismart_sms_kit.mock_server.gateway.commit.apply` in one storage
transaction, or a group of them: :mod:`ismart_sms_kit.mock_server.group_commit`).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from types import EllipsisType

from ismart_sms_kit.mock_server.config import Config, ConfigError, warnings
from ismart_sms_kit.mock_server.gateway.commit import apply
from ismart_sms_kit.mock_server.gateway.decide import decide
from ismart_sms_kit.mock_server.gateway.decision import (
    Decision,
    GatewayCall,
    GatewayOptions,
    internal_failure,
)
from ismart_sms_kit.mock_server.gateway.delivery import NAME as REPORT_ENDPOINT
from ismart_sms_kit.mock_server.gateway.delivery import report
from ismart_sms_kit.mock_server.group_commit import GroupCommit, Listeners, Redecide
from ismart_sms_kit.mock_server.incoming import Answer, Incoming, fault_status, ruled
from ismart_sms_kit.mock_server.params import Params
from ismart_sms_kit.mock_server.rules.actions import Action
from ismart_sms_kit.mock_server.rules.matchers import RuleContext
from ismart_sms_kit.mock_server.rules.reload import RulesWatcher
from ismart_sms_kit.mock_server.rules.ruleset import NO_OUTCOME, Outcome, RuleSet
from ismart_sms_kit.mock_server.state.accounts import Account
from ismart_sms_kit.mock_server.state.base import Basis, Storage
from ismart_sms_kit.mock_server.state.memory import MemoryStorage
from ismart_sms_kit.mock_server.state.model import EntryLimits, JournalEntry, mask_params

Clock = Callable[[], datetime]
log = logging.getLogger("mock_server")


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
        self.configured_accounts = frozenset(a.user_id for a in config.accounts)
        """The user ids of the configuration's accounts (a reset restores them; accounts
        created at run time are removed by it)."""
        self.warnings = warnings(config)
        """What the configuration must be warned about (``/_mock/api/health``, start-up)."""
        self.rules = RuleSet(zip(config.rules, config.rule_sources, strict=True))
        self.watcher = RulesWatcher(self.rules, config.rule_files)
        self.storage: Storage = storage if storage is not None else open_storage(config)
        self.entry_limits = EntryLimits(
            params=config.setting("journal_max_params"),
            value_chars=config.setting("journal_max_value_chars"),
            entry_chars=config.setting("journal_max_entry_chars"),
        )
        self.waiting = Listeners()
        """Event streams and long-polls, woken when something is stored in their scope."""
        self.listeners: set[asyncio.Event] = self.waiting.all
        """Those woken when something is stored in any scope."""
        committer = self.storage.group_committer()
        self.group = GroupCommit(committer, self.waiting) if committer is not None else None
        """Commits the gateway's requests in groups (SQLite), or None: one by one."""

    def account(self, user_id: str) -> tuple[Account | None, Basis | None]:
        """The account a gateway request is decided on, and the basis its commit checks
        (``GroupCommit.commit``): with SQLite, the account as this process last saw it; else
        the account as it is (no basis: nothing to check)."""
        if self.group is not None:
            return self.group.storage.recent_account(user_id)
        return self.storage.account(user_id), None

    def decide(
        self, call: GatewayCall, *, account: Account | EllipsisType | None = ...
    ) -> Decision:
        return decide(call, self.storage, self.options, account=account)

    def listen(self, event: asyncio.Event, scope: str | None) -> None:
        """Set ``event`` when something is stored in ``scope`` (None: in any scope)."""
        self.waiting.add(event, scope)

    def unlisten(self, event: asyncio.Event, scope: str | None) -> None:
        self.waiting.discard(event, scope)

    def _commit(self, decision: Decision, entry: JournalEntry) -> None:
        with self.storage.transaction() as tx:
            apply(tx, decision, entry)
        self.waiting.wake((entry.scope,))

    def client_gone(self, endpoint: str) -> None:
        """A client went away before its request was whole: not an answer, so not journaled
        (a flood of them would push real entries out); counted
        (``ismart_client_disconnects_total``) and logged at debug level."""
        log.debug("client gone before its request to %s was whole", endpoint)
        try:
            with self.storage.transaction() as tx:
                tx.count(("disconnects", endpoint))
        except Exception as exc:  # e.g. the state file is unwritable: the count is lost
            log.warning("could not count a disconnect on %s: %s", endpoint, exc)

    async def answer(self, call: Incoming) -> Answer:
        """Rules first, else decide, then commit; never raises (a failure answers 11)."""
        name, params, scope = call.endpoint.name, call.params, call.scope
        action: Action | None = None
        http_status = 200
        redecide: Redecide | None = None
        basis: Basis | None = None
        scope_from_account = False
        try:
            if call.refused is not None:
                decision = call.refused
            else:
                user_id = params.get("UserId")
                account, basis = self.account(user_id) if user_id else (None, None)
                # The rules below see the account's scope as this process last saw it. It may
                # be older only when another worker changed it, and then it does not matter
                # to them: with more than one worker every rule comes from a file, and file
                # rules apply in every scope. The commit puts the request's journal entry and
                # messages in the account's scope as it is then.
                scope_from_account = not scope
                scope = scope or (account.scope if account is not None else "")
                now = self.clock()
                outcome = NO_OUTCOME
                if self.rules:
                    ctx = RuleContext(
                        params,
                        method=call.method,
                        endpoint=name,
                        client_ip=call.client_ip,
                        now=now,
                        gateway_tz=self.options.gateway_tz,
                        scope=scope,
                        interface=call.endpoint.interface,
                    )
                    outcome = self.rules.evaluate(ctx, self.random)
                    if outcome.delay_ms:
                        await asyncio.sleep(outcome.delay_ms / 1000)
                        now = self.clock()
                if outcome.action is not None and outcome.rule is not None:
                    action = outcome.action
                    decision = ruled(action, outcome.rule)
                    decision.rules_fired = outcome.fired
                    http_status = fault_status(action)
                else:
                    gateway_call = GatewayCall(
                        endpoint=call.endpoint,
                        method="GET" if call.method == "HEAD" else call.method,
                        client_ip=call.client_ip,
                        params=params,
                        now=now,
                        scope=scope,
                        delivery=outcome.delivery,
                    )
                    # the account as read above, unless a delay rule made it old
                    known = ... if outcome.delay_ms else account
                    if outcome.delay_ms:
                        basis = None  # decided again in its commit
                    note = call.note
                    decision = self._decide_after(gateway_call, outcome, known, note=note)
                    if self.group is not None:
                        redecide = functools.partial(
                            self._decide_after, gateway_call, outcome, note=note
                        )
        except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
            decision = internal_failure(name, exc)
            redecide, action, http_status = None, None, 200
        if action is None and call.status is not None:
            http_status = call.status(decision.code)
        journal = call.journal if call.journal is not None else params
        try:
            entry = self._entry(
                decision, call.method, name, call.client_ip, journal, http_status, scope
            )
            if self.group is not None:  # SQLite: the requests of a write turn commit together
                committed = await self.group.commit(
                    decision,
                    entry,
                    redecide=redecide,
                    basis=basis,
                    scope_from_account=scope_from_account,
                )
            else:  # one await less on the hot path
                committed = decision
                self._commit(decision, entry)
        except Exception as exc:  # e.g. the state file is unwritable: still never a 500
            return Answer(internal_failure(name, exc))
        return Answer(committed, action)

    def _decide_after(
        self,
        call: GatewayCall,
        outcome: Outcome,
        account: Account | EllipsisType | None = ...,
        *,
        note: str = "",
    ) -> Decision:
        """The gateway's decision on ``call`` after the rules' ``outcome``; 11 on a failure.
        ``account``: the request's account as just read (by default it is read again);
        ``note``: how the endpoint read the request, for the reason."""
        try:
            decision = self.decide(call, account=account)
            if note:
                decision.reason += f" ({note})"
            if outcome.delayed_by:
                fired = ", ".join(outcome.delayed_by)
                decision.reason += (
                    f" (delayed by rule {fired}, {outcome.delay_ms} ms)"
                    if outcome.delay_ms
                    else f" (rule {fired} fired)"
                )
            decision.rules_fired = outcome.fired
            return decision
        except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
            return internal_failure(call.endpoint.name, exc)

    def report(
        self,
        params: Params,
        *,
        client_ip: str,
        method: str,
        scope: str,
        refused: Decision | None = None,
    ) -> str:
        """The delivery-report endpoint's answer (records, or a code), committed to the
        journal. ``refused``: the endpoint's decision when it could not read the request."""
        if refused is not None:
            decision, body = refused, str(refused.code)
        else:
            try:
                decision, body = report(
                    self.storage,
                    self.options,
                    self.delivery_delay,
                    self.clock(),
                    params,
                    client_ip,
                    method,
                )
            except Exception as exc:
                decision = internal_failure(REPORT_ENDPOINT, exc)
                body = str(decision.code)
        try:
            user_id = params.get("UserId")
            if not scope and user_id:  # as for a send: the account's scope, if it has one
                account = self.storage.account(user_id)
                scope = account.scope if account is not None else ""
            self.commit(
                decision,
                method=method,
                endpoint=REPORT_ENDPOINT,
                client_ip=client_ip,
                params=params.items(),
                scope=scope,
            )
        except Exception as exc:
            body = str(internal_failure(REPORT_ENDPOINT, exc).code)
        if decision.code is not None and str(decision.code) != body:
            body = str(decision.code)  # the commit turned a 3 into a 12
        return body

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
        """The journal entry of a request (its parameters masked and within the journal's
        limits), before its commit."""
        kept, cut = mask_params(params, self.entry_limits)
        return JournalEntry(
            id=0,
            time=self.clock(),
            method=method,
            endpoint=endpoint,
            client_ip=client_ip,
            params=kept,
            code=decision.code,
            reason=decision.reason,
            decided_by=decision.decided_by,
            http_status=http_status,
            user_id=decision.user_id,
            scope=scope,
            params_cut=cut,
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
        self._commit(decision, entry)
        return entry

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
