"""The contract kit as a pytest plugin: options, the plan, the target, markers, the summary.

``pytest --pyargs ismart_sms_kit.contract_tests`` starts an emulator on a free loopback port
and runs the whole suite against it; ``--ismart-url`` (or ``ISMART_URL``) points it at another
target (see docs/contract-kit.md).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ismart_sms_kit.contract_tests import missing_extra

try:
    from hypothesis import settings as hypothesis_settings
except ModuleNotFoundError as exc:  # run without the [contract] extra: say how to add it
    raise missing_extra(exc) from exc

from ismart_sms_kit.contract_tests import profiles, strategies
from ismart_sms_kit.contract_tests.accounts import DEMO_ACCOUNTS, demo_credentials, live_account
from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.interfaces import title
from ismart_sms_kit.contract_tests.oracle import FORM, MASK, AccountFacts, Oracle
from ismart_sms_kit.contract_tests.replay import score
from ismart_sms_kit.contract_tests.run import RUN, KitRun
from ismart_sms_kit.contract_tests.safety import DeliveryBudget, Guard, LockoutConsent
from ismart_sms_kit.contract_tests.settings import KitSettings, add_options
from ismart_sms_kit.contract_tests.target import (
    SCOPE_HEADER,
    SEND_PATH,
    Admin,
    Capabilities,
    Target,
    base_url_of,
    verify_emulator,
)
from ismart_sms_kit.contract_tests.transport import (
    Recorder,
    Sender,
    public_url,
    read_recording,
)

MARKERS = (
    "needs_admin: needs the emulator's admin API (skipped against an external target)",
    "needs_demo_accounts: needs the documented demo accounts (skipped against an external target)",
    "delivers: sends requests that a gateway could deliver (fault-free ones, or probes whose "
    "only fault is a rule a gateway could read otherwise): an external target only with "
    "--ismart-allow-delivery, to the test number, within --ismart-max-sends",
    "sends(n): how many requests a test that is not a Hypothesis test sends (its weight in "
    "the request plan; default 2)",
    "interfaces(*names): the interfaces a test with an ``interface`` argument applies to "
    "(default: every one the run judges, --ismart-interface)",
    "emulator_deviation(reason): a known disagreement of the emulator with the contract; "
    "a strict xfail against an emulator, a normal test elsewhere",
)
REPLAY_MODULE = "test_replay.py"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    kit = KitSettings.from_config(config)
    profile = config.getoption("--hypothesis-profile", None)
    if not profile:
        profile = profiles.LIVE if kit.external else profiles.CI
        hypothesis_settings.load_profile(profile)
    if kit.url is not None and kit.emulator:
        why = verify_emulator(base_url_of(kit.url), kit.timeout)
        if why is not None:
            raise pytest.UsageError(
                f"--ismart-emulator: {public_url(kit.url)} is not an ismart-mock emulator, so "
                f"the kit will not lift its live safeguards there ({why}); drop "
                "--ismart-emulator to run live-safe"
            )
    strategies.use_unassigned_numbers(kit.external)
    run = KitRun(kit, profile)
    if not kit.external:
        run.scope = "contract-kit-" + secrets.token_hex(4)
    if kit.replay:
        try:
            run.replay_meta, run.replay_exchanges = read_recording(kit.replay)
        except (OSError, ValueError) as exc:
            raise pytest.UsageError(f"--ismart-replay: {exc}") from None
    config.stash[RUN] = run


def plan(run: KitRun) -> list[str]:
    """What the run will do, printed before anything is sent."""
    kit = run.settings
    if kit.url is None:
        target = "an emulator the kit starts on a free loopback port (full capabilities)"
    elif kit.emulator:
        target = (
            f"{public_url(kit.url)} (an emulator, --ismart-emulator, checked at "
            "/_mock/api/health: full capabilities)"
        )
    else:
        target = f"{public_url(kit.url)} (EXTERNAL, live-safe: every request carries a fault)"
    lines = [f"ismart contract kit: target {target}"]
    if kit.credentials is not None:
        lines.append(
            f"  account: {kit.credentials.user_id} (password masked), header "
            f"{kit.credentials.header!r}; wrong passwords only with made-up user ids"
            + (" and the spare account below" if kit.lockout_user else "")
        )
    cap = "no cap" if kit.max_requests is None else f"at most {kit.max_requests} requests"
    pace = "unpaced" if not kit.rate else f"at most {kit.rate:g} request(s)/s"
    lines.append(f"  request budget: {cap}, {pace}")
    if kit.max_requests is not None:
        lines.append(
            "  request plan: the tests share the cap; each may use up to twice its fair share "
            "of what is left, and a run the cap cuts short exits with status 1"
        )
    if run.scope is not None:
        lines.append(
            f"  emulator scope: {run.scope} ({SCOPE_HEADER}; only this scope is reset, and "
            "the accounts the kit changes are put back)"
        )
    if kit.external:
        lines.append(
            "  live sentinel: a made-up header (19) with numbers no subscriber holds "
            "(96800...), else an empty message, MobileNo=1 or a made-up user id"
        )
    if kit.external:
        if kit.allow_delivery:
            lines.append(
                f"  delivery: ALLOWED to {kit.test_number}, at most {kit.max_sends} send(s)"
            )
        else:
            lines.append("  delivery: none (no --ismart-allow-delivery): nothing is delivered")
        if kit.lockout_user:
            lines.append(
                f"  lockout: ALLOWED for the spare account {kit.lockout_user}, at most "
                f"{kit.max_wrong_passwords} wrong password(s) (only the vendor unlocks it)"
            )
        else:
            lines.append("  lockout: none (no --ismart-allow-lockout): no account is locked")
    lines.append(f"  hypothesis profile: {run.profile}; validation order: {','.join(kit.order)}")
    lines.append(
        "  interfaces: " + ", ".join(title(i) for i in kit.interfaces) + " (--ismart-interface)"
    )
    if kit.external and run.profile != profiles.LIVE:
        lines.append(f"  note: profile {run.profile!r} on an external target; the cap still holds")
    if kit.record:
        lines.append(f"  recording every exchange to {kit.record} (passwords masked)")
    if kit.replay:
        lines.append(f"  replaying {len(run.replay_exchanges)} exchange(s) from {kit.replay}")
    return lines


def pytest_report_header(config: pytest.Config) -> list[str]:
    return plan(config.stash[RUN])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``adjacent_steps``: every pair of neighbours in the validation order the run assumes."""
    if "interface" in metafunc.fixturenames:
        chosen = metafunc.config.stash[RUN].settings.interfaces
        marker = metafunc.definition.get_closest_marker("interfaces")
        names = [i for i in chosen if marker is None or i in marker.args]
        if names:
            metafunc.parametrize("interface", names, ids=names)
        else:
            why = f"not an interface this run judges ({', '.join(chosen)})"
            skip = pytest.mark.skip(reason=why)
            metafunc.parametrize("interface", [pytest.param("-", marks=skip)], ids=["none"])
    if "adjacent_steps" in metafunc.fixturenames:
        order = metafunc.config.stash[RUN].settings.order
        pairs = list(itertools.pairwise(order))
        metafunc.parametrize("adjacent_steps", pairs, ids=[f"{a}>{b}" for a, b in pairs])


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if collection_path.name == REPLAY_MODULE and not config.stash[RUN].settings.replay:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash[RUN]
    kit = run.settings
    here = Path(__file__).parent
    if kit.replay:
        keep = [i for i in items if i.path.name == REPLAY_MODULE and i.path.parent == here]
        dropped = [i for i in items if i not in keep and here in i.path.parents]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in dropped]
        return
    if FORM not in kit.interfaces:  # the tests without an interface argument are the form's
        off = [
            i
            for i in items
            if here in i.path.parents and "interface" not in getattr(i, "fixturenames", ())
        ]
        if off:
            config.hook.pytest_deselected(items=off)
            items[:] = [i for i in items if i not in off]
    for item in items:
        if here not in item.path.parents:
            continue
        if kit.external:
            for name in ("needs_admin", "needs_demo_accounts"):
                if item.get_closest_marker(name):
                    item.add_marker(pytest.mark.skip(reason=f"{name}: not on an external target"))
        deviation = item.get_closest_marker("emulator_deviation")
        if deviation is not None and not kit.external:
            reason = deviation.args[0] if deviation.args else "known emulator deviation"
            item.add_marker(pytest.mark.xfail(reason=f"emulator deviation: {reason}", strict=True))
    run.planned = {
        i.nodeid: planned_weight(i)
        for i in items
        if here in i.path.parents and not i.get_closest_marker("skip")
    }


def planned_weight(item: pytest.Item) -> int:
    """How many cases a test runs, for the plan: a Hypothesis test's explicit examples and its
    profile's ``max_examples``; any other test, its ``sends(n)`` mark, else 2 (most send one or
    two requests)."""
    test = getattr(item, "obj", None)
    if getattr(test, "is_hypothesis_test", False):
        explicit = len(getattr(test, "hypothesis_explicit_examples", ()))
        current = hypothesis_settings.default
        return explicit + (current.max_examples if current is not None else 100)
    sends = item.get_closest_marker("sends")
    return int(sends.args[0]) if sends is not None and sends.args else 2


def build_target(run: KitRun) -> Target:
    kit = run.settings
    if kit.url is None:
        from ismart_sms_kit.contract_tests.harness import start_emulator

        run.emulator = start_emulator()
        url = run.emulator.url + SEND_PATH
        creds = demo_credentials()
        caps = Capabilities(admin=True, demo_accounts=True, live_safe=False)
        admin = Admin(run.emulator.url, scope=run.scope)
        return Target("started", url, creds, caps, DEMO_ACCOUNTS, admin)
    if kit.emulator:
        creds = kit.credentials or demo_credentials()
        accounts: tuple[AccountFacts, ...] = DEMO_ACCOUNTS
        if kit.credentials is not None:
            accounts = (*DEMO_ACCOUNTS, live_account(kit.credentials))
        caps = Capabilities(admin=True, demo_accounts=True, live_safe=False)
        target = Target("emulator", kit.url, creds, caps, accounts)
        target.admin = Admin(target.base_url, scope=run.scope)
        return target
    assert kit.credentials is not None
    caps = Capabilities(admin=False, demo_accounts=False, live_safe=True)
    return Target("external", kit.url, kit.credentials, caps, (live_account(kit.credentials),))


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config) -> Iterator[Contract]:
    """The run's contract: target, guarded sender, oracle."""
    run = pytestconfig.stash[RUN]
    kit = run.settings
    target = build_target(run)
    oracle = Oracle(target.accounts, kit.order)
    budget = DeliveryBudget(kit.allow_delivery, kit.test_number, kit.max_sends)
    lockout = LockoutConsent(kit.lockout_user, kit.max_wrong_passwords)
    guard = (
        Guard(target.credentials, oracle, budget, lockout)
        if target.capabilities.live_safe
        else None
    )
    recorder = None
    if kit.record:
        meta = {
            "target": public_url(target.send_url),
            "target_kind": target.kind,
            "user_id": target.credentials.user_id,
            "header": target.credentials.header,
            "order": list(kit.order),
            "profile": run.profile,
            "synthetic": False,
        }
        recorder = Recorder(kit.record, meta, secrets=[target.credentials.password])
    sender = Sender(
        target.send_url,
        guard=guard,
        max_requests=kit.max_requests,
        rate=kit.rate,
        recorder=recorder,
        timeout=kit.timeout,
        headers={SCOPE_HEADER: run.scope} if run.scope else None,
    )
    run.contract = Contract(target, sender, oracle, budget, lockout)
    if target.admin is not None:
        target.admin.snapshot_all()
        target.admin.reset()  # the run's scope only
    try:
        yield run.contract
    finally:
        sender.close()
        if target.admin is not None:
            target.admin.restore(everything=True)
            target.admin.reset()
            target.admin.close()
        if run.emulator is not None:
            run.emulator.stop()


@pytest.fixture(autouse=True)
def _within_the_request_plan(request: pytest.FixtureRequest) -> None:
    """Each test gets its share of what is left of the cap (the plan); once the cap is spent,
    the remaining tests stop before sending anything, and the run counts as cut short."""
    run = request.config.stash[RUN]
    nodeid = request.node.nodeid
    tests_left = len(run.planned)
    weight_left = sum(run.planned.values())
    weight = run.planned.pop(nodeid, 1)
    contract = run.contract
    if contract is None:
        return
    if contract.sender.remaining == 0:
        reason = f"the request cap of {contract.sender.max_requests} is reached"
        contract.cut_short.setdefault(nodeid, reason)
        pytest.skip(f"CUT SHORT: {reason}")
    contract.sender.begin_test(max(tests_left, 1), weight, weight_left)


@pytest.fixture(scope="session")
def emulator_admin(contract: Contract) -> Admin:
    """The emulator's admin API, for Hypothesis tests (which reset it themselves: a
    function-scoped fixture would not run between examples)."""
    if contract.target.admin is None:
        pytest.skip("needs the emulator's admin API")
    return contract.target.admin


@pytest.fixture
def admin(contract: Contract) -> Admin:
    """The emulator's admin API, the emulator reset to its start state (needs_admin tests)."""
    if contract.target.admin is None:
        pytest.skip("needs the emulator's admin API")
    contract.target.admin.reset()
    return contract.target.admin


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """The last line of defence for the password: whatever a failure shows (traceback with its
    arguments, assertion text, Hypothesis' falsifying example, captured output and logs), the
    report that reaches the terminal, ``--junitxml`` and every other plugin has it masked. The
    kit's own objects mask it already (``Params``, ``Request``, ``Credentials``)."""
    outcome = yield
    secrets = item.config.stash[RUN].secrets if RUN in item.config.stash else ()
    if not secrets:
        return
    report = outcome.get_result()
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        report.longrepr = (longrepr[0], longrepr[1], scrub(str(longrepr[2]), secrets))
    elif longrepr is not None:
        text = str(longrepr)
        if any(secret in text for secret in secrets):
            report.longrepr = scrub(text, secrets)
    report.sections = [(title, scrub(body, secrets)) for title, body in report.sections]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run the request cap cut short does not pass: exit status 1 (tests failed)."""
    run = session.config.stash.get(RUN, None)
    if run is None or run.contract is None or not run.contract.cut_short:
        return
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is None or run.contract is None:
        return
    contract = run.contract
    sender = contract.sender
    write = terminalreporter.write_line
    terminalreporter.write_sep("-", "ismart contract kit")
    cap = "" if sender.max_requests is None else f" of at most {sender.max_requests}"
    write(f"requests sent: {sender.sent}{cap} to {public_url(sender.url)}")
    if set(sender.by_interface) - {FORM}:
        write(
            "  by interface: "
            + ", ".join(f"{title(i)} {n}" for i, n in sorted(sender.by_interface.items()))
        )
    guard = sender.guard
    if guard is not None:
        write(f"live-safety guard: {guard.refused} request(s) refused (each one a test failure)")
        if contract.budget.allowed:
            write(f"deliveries: {contract.budget.used} of {contract.budget.max_sends}")
        lockout = contract.lockout
        if lockout.user_id is not None:
            seen = (
                f"it answered 12 from wrong password {lockout.locked_after} on: LOCKED, "
                "only the vendor unlocks it"
                if lockout.locked_after is not None
                else "it did not answer 12"
            )
            write(
                f"lockout: {lockout.used} of {lockout.max_wrong} wrong password(s) to "
                f"{lockout.user_id}; {seen}"
            )
    if sender.recorder is not None:
        write(f"recorded {sender.recorder.count} exchange(s) to {sender.recorder.path}")
    if contract.cut_short:
        terminalreporter.write_sep("!", "ismart contract kit: RUN CUT SHORT", red=True)
        write(
            f"the request cap ({sender.max_requests}) stopped {len(contract.cut_short)} test(s) "
            "before they finished: this run did not check everything, and exits with status 1 "
            "(raise --ismart-max-requests, or run fewer tests with -k)"
        )
        for nodeid, why in list(contract.cut_short.items())[:10]:
            write(f"  {nodeid}: {why}")
        if len(contract.cut_short) > 10:
            write(f"  ... and {len(contract.cut_short) - 10} more")
    known = {r.nodeid for r in terminalreporter.stats.get("xfailed", [])}
    if known:
        write(f"known emulator deviations (strict xfail): {len(known)} test(s)")
    mismatches = [m for m in contract.mismatches if m.test not in known]
    if mismatches:
        by_assumption: dict[str, set[str]] = {}
        for m in mismatches:
            for assumption in m.expected.assumptions or ("(the spec's tables)",):
                by_assumption.setdefault(assumption, set()).add(m.test)
        write("disagreements with the contract, by the assumption the expectation relied on:")
        for assumption, tests in sorted(by_assumption.items()):
            write(f"  {assumption}: {len(tests)} test(s): {', '.join(sorted(tests))}")
    if run.settings.replay:
        for result in run.replay_results:
            if not result.agree:
                write(f"  differs: {result.describe()}")
        write(score(run.replay_results))
