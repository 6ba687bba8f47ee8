"""Replay mode (``--ismart-replay FILE``): one test per recorded exchange; collected only then."""

from __future__ import annotations

from typing import Any

import pytest

from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.oracle import FORM
from ismart_sms_kit.contract_tests.replay import compare, replay_request
from ismart_sms_kit.contract_tests.run import RUN


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "recorded" in metafunc.fixturenames:
        exchanges = metafunc.config.stash[RUN].replay_exchanges
        if not exchanges:  # named beside other kit files, without --ismart-replay
            skip = pytest.mark.skip(reason="replay mode only (--ismart-replay FILE)")
            metafunc.parametrize("recorded", [pytest.param({}, marks=skip)], ids=["no-replay"])
            return
        ids = [f"{i:04d}-{e.get('case', '?')}" for i, e in enumerate(exchanges, 1)]
        metafunc.parametrize("recorded", exchanges, ids=ids)


def test_recorded_exchange(
    contract: Contract, recorded: dict[str, Any], pytestconfig: pytest.Config
) -> None:
    run = pytestconfig.stash[RUN]
    request = replay_request(recorded, run.replay_meta, contract.target.credentials)
    interface = recorded.get("interface", FORM)  # recordings before issue 30: the form's
    verdict = contract.oracle.on(interface).expect(request)
    exchange = contract.send_on(interface, request, verdict)
    result = compare(recorded, exchange, verdict)
    run.replay_results.append(result)
    if not result.agree:
        pytest.fail("the emulator differs from the recording: " + result.describe(), pytrace=False)
