"""The state of one kit run (:class:`KitRun`) and the key it is kept under in pytest's stash
(:data:`RUN`).

Not in ``conftest.py``: pytest imports a conftest under the name its path gives it
(``contract_tests.conftest`` from a checkout, ``ismart_sms_kit.contract_tests.conftest`` from
``--pyargs``), so a key defined there would exist twice when a test module imports it by the
other name, and any selection of kit files would fail at collection with a ``KeyError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ismart_sms_kit.contract_tests.contract import Contract
from ismart_sms_kit.contract_tests.replay import ReplayResult
from ismart_sms_kit.contract_tests.settings import KitSettings


@dataclass
class KitRun:
    settings: KitSettings
    profile: str
    contract: Contract | None = None
    emulator: Any = None
    replay_meta: dict[str, Any] = field(default_factory=dict)
    replay_exchanges: list[dict[str, Any]] = field(default_factory=list)
    replay_results: list[ReplayResult] = field(default_factory=list)
    scope: str | None = None
    """The emulator scope the run works in (``X-Mock-Scope``); None on an external target."""
    planned: dict[str, int] = field(default_factory=dict)
    """The kit's tests that may send, in run order, with their weight (examples): they share
    the request cap."""

    @property
    def secrets(self) -> tuple[str, ...]:
        """What no output of the run may show: the password of the user's own account."""
        creds = self.settings.credentials
        return (creds.password,) if creds is not None and len(creds.password) >= 4 else ()


RUN = pytest.StashKey[KitRun]()
