"""The emulator's backend: one per app, holding the state, the rules, the clock and the seeded
random, and answering every gateway request.

The endpoints only read and write HTTP: :meth:`Backend.answer` takes what they read (a
:class:`~ismart_sms_kit.mock_server.gateway.request.SendRequest`) and returns the committed
decision (:class:`Answer`): the fault rules
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

from ismart_sms_kit.mock_server.config import Config, ConfigError, warnings
from ismart_sms_kit.mock_server.gateway.commit import apply
from ismart_sms_kit.mock_server.gateway.decide import decide
from ismart_sms_kit.mock_server.gateway.decision import (
    Decision,
    Gateway,
    GatewayOptions,
    internal_failure,
)
from ismart_sms_kit.mock_server.gateway.delivery import NAME as REPORT_ENDPOINT
from ismart_sms_kit.mock_server.gateway.delivery import report
from ismart_sms_kit.mock_server.gateway.request import SendRequest
from ismart_sms_kit.mock_server.group_commit import GroupCommit, Listeners, Redecide
from ismart_sms_kit.mock_server.incoming import Answer, fault_status, ruled
from ismart_sms_kit.mock_server.params import Params
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
        return tuple(ipaddress.ip_network(n, strict=False) for n in config.settings.oman_networks)
    except ValueError as exc:
        raise ConfigError(f"settings.oman_networks: {exc}") from None


def gateway_options(config: Config) -> GatewayOptions:
    """The settings the gateway's decision reads, resolved once."""
    return GatewayOptions(
        gateway_tz=timezone(timedelta(minutes=config.settings.utc_offset_minutes)),
        magic_numbers=config.settings.magic_numbers,
        magic_prefix=config.settings.magic_prefix,
        oman_networks=_networks(config),
    )


def open_storage(config: Config) -> Storage:
    """The storage ``config.state`` names: ``memory`` or ``sqlite:PATH``."""
    caps = {
        "message_cap": config.settings.message_cap,
        "journal_cap": config.settings.journal_cap,
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
        self.options = gateway_options(config)
        self.delivery_delay = timedelta(milliseconds=config.settings.delivery_delay_ms)
        self.configured_accounts = frozenset(a.user_id for a in config.accounts)
        """The user ids of the configuration's accounts (a reset restores them; accounts
        created at run time are removed by it)."""
        self.warnings = warnings(config)
        """What the configuration must be warned about (``/_mock/api/health``, start-up)."""
        self.rules = RuleSet(config.rules)
        self.watcher = RulesWatcher(self.rules, config.rule_files)
        self.storage: Storage = storage if storage is not None else open_storage(config)
        self.gateway = Gateway(self.storage, self.options)
        """What the validation steps decide with besides the request."""
        settings = config.settings
        self.entry_limits = EntryLimits(
            settings.journal_max_params,
            settings.journal_max_value_chars,
            settings.journal_max_entry_chars,
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

    def decide(self, request: SendRequest) -> Decision:
        """The gateway's decision on ``request`` (its account read), changing nothing."""
        return decide(request, self.gateway)

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

    async def answer(self, request: SendRequest) -> Answer:
        """Rules first, else decide, then commit; never raises (a failure answers 11)."""
        outcome: Outcome | None = None  # None: not the gateway's decision (refused, failed)
        basis: Basis | None = None
        try:
            if request.refused is not None:
                decision = request.refused
            else:
                basis = self._read_account(request)
                outcome = await self._rules(request) if self.rules else NO_OUTCOME
                if outcome.delay_ms:
                    basis = None  # read again after the delay: decided again in its commit
                decision = self._decide_after(request, outcome)
        except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
            decision, outcome = internal_failure(request.endpoint.name, exc), None
        try:  # the commit may turn a 3 into a 12, a 1 into a 4
            entry = self._journal_entry(request, decision, outcome)
            if self.group is None:  # memory: one await less on the hot path
                self._commit(decision, entry)
                committed = decision
            else:
                committed = await self._commit_grouped(request, decision, outcome, basis, entry)
        except Exception as exc:  # e.g. the state file is unwritable: still never a 500
            return Answer(internal_failure(request.endpoint.name, exc))
        return Answer(committed, outcome.action if outcome is not None else None)

    def _read_account(self, request: SendRequest) -> Basis | None:
        """The request's account (and the basis its commit checks); without ``X-Mock-Scope``
        the request is in the account's scope. The rules see that scope as this process
        last saw it: older only when another worker changed it, and then it does not matter
        to them (with more than one worker every rule comes from a file, and file rules
        apply in every scope); the commit puts the request in the account's scope as it is
        then."""
        user_id = request.user_id
        account, basis = self.account(user_id) if user_id else (None, None)
        request.account = account
        if request.scope_from_account and account is not None:
            request.scope = account.scope
        return basis

    async def _rules(self, request: SendRequest) -> Outcome:
        """The fault rules' outcome for ``request``: a delay is slept here (the request's
        time and account read again after it), a delivery state kept on the request."""
        context = RuleContext(
            request.params,
            method=request.method,
            endpoint=request.endpoint.name,
            client_ip=request.client_ip,
            now=request.now,
            gateway_tz=self.options.gateway_tz,
            scope=request.scope,
            interface=request.endpoint.interface,
        )
        outcome = self.rules.evaluate(context, self.random)
        if outcome.delay_ms:
            await asyncio.sleep(outcome.delay_ms / 1000)
            request.now = self.clock()
            user_id = request.user_id
            request.account = self.storage.account(user_id) if user_id else None
        request.delivery = outcome.delivery
        return outcome

    def _decide_after(self, request: SendRequest, outcome: Outcome) -> Decision:
        """The decision on ``request`` after the rules' ``outcome``: a final action's, else
        the gateway's, its reason saying how the endpoint read the request and which rules
        fired; 11 on a failure."""
        if outcome.action is not None and outcome.rule is not None:
            decision = ruled(outcome.action, outcome.rule)
            decision.rules_fired = outcome.fired
            return decision
        try:
            decision = decide(request, self.gateway)
        except Exception as exc:  # the gateway answers 11 for its own failures, never a 500
            return internal_failure(request.endpoint.name, exc)
        if request.note:
            decision.reason += f" ({request.note})"
        if outcome.delayed_by:
            fired = ", ".join(outcome.delayed_by)
            decision.reason += (
                f" (delayed by rule {fired}, {outcome.delay_ms} ms)"
                if outcome.delay_ms
                else f" (rule {fired} fired)"
            )
        decision.rules_fired = outcome.fired
        return decision

    def _redecide(
        self, request: SendRequest, outcome: Outcome, account: Account | None
    ) -> Decision:
        """Group commit: ``request`` decided again on its account as it is now."""
        request.reread(account)
        return self._decide_after(request, outcome)

    def _journal_entry(
        self, request: SendRequest, decision: Decision, outcome: Outcome | None
    ) -> JournalEntry:
        """The journal entry of ``decision`` on ``request``, with the HTTP status it is
        answered with (a fault rule's, else the endpoint's for its code)."""
        action = outcome.action if outcome is not None else None
        http_status = (
            fault_status(action) if action is not None else request.http_status(decision.code)
        )
        journal = request.journal if request.journal is not None else request.params
        return self._entry(decision, request, journal, http_status)

    async def _commit_grouped(
        self,
        request: SendRequest,
        decision: Decision,
        outcome: Outcome | None,
        basis: Basis | None,
        entry: JournalEntry,
    ) -> Decision:
        """SQLite: the requests of a write turn commit together; one whose account changed
        meanwhile is decided again (unless a rule or the endpoint decided it: ``outcome``
        None or final)."""
        redecide: Redecide | None = None
        if outcome is not None and outcome.action is None:
            redecide = functools.partial(self._redecide, request, outcome)
        assert self.group is not None
        return await self.group.commit(
            decision,
            entry,
            redecide=redecide,
            basis=basis,
            scope_from_account=request.scope_from_account,
        )

    def report(self, request: SendRequest) -> str:
        """The delivery-report endpoint's answer (records, or a code), committed to the
        journal."""
        decision, body = self._report_decision(request)
        try:
            http_status = request.http_status(decision.code)
            self._commit(decision, self._entry(decision, request, request.params, http_status))
        except Exception as exc:
            body = str(internal_failure(REPORT_ENDPOINT, exc).code)
        if decision.code is not None and str(decision.code) != body:
            body = str(decision.code)  # the commit turned a 3 into a 12
        return body

    def _report_decision(self, request: SendRequest) -> tuple[Decision, str]:
        """The delivery report's decision and body (its account read here, as for a send)."""
        if request.refused is not None:
            return request.refused, str(request.refused.code)
        try:
            user_id = request.user_id
            request.account = self.storage.account(user_id) if user_id else None
            if request.scope_from_account and request.account is not None:
                request.scope = request.account.scope
            return report(request, self.gateway, self.delivery_delay)
        except Exception as exc:
            decision = internal_failure(REPORT_ENDPOINT, exc)
            return decision, str(decision.code)

    def _entry(
        self,
        decision: Decision,
        request: SendRequest,
        params: Iterable[tuple[str, str]] | Params,
        http_status: int,
    ) -> JournalEntry:
        """The journal entry of a request (its parameters masked and within the journal's
        limits), before its commit."""
        kept, cut = mask_params(params, self.entry_limits)
        return JournalEntry(
            0,  # id
            request.now,  # time
            request.method,
            request.endpoint.name,
            request.client_ip,
            kept,
            decision.code,
            decision.reason,
            decision.decided_by,
            http_status,
            decision.user_id,
            [],  # messages
            request.scope,
            cut,  # params_cut
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
