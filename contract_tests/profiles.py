"""The Hypothesis profiles of the contract kit, registered in one place.

* ``ci``: the default against an emulator. Derandomized (a fixed seed, the same examples on
  every run), no example database, no deadline (a loaded CI machine is not a failure).
* ``thorough``: many more examples, still reproducible; for a release or a night run.
* ``live``: the default against an external target. A handful of examples per test, no
  shrinking (shrinking a failure would send many more requests), derandomized.

``pytest --hypothesis-profile NAME`` picks one explicitly.
"""

from __future__ import annotations

from typing import Final

from hypothesis import HealthCheck, Phase, settings

CI: Final = "ci"
THOROUGH: Final = "thorough"
LIVE: Final = "live"
PROFILES: Final = (CI, THOROUGH, LIVE)

_QUIET_CHECKS: Final = [HealthCheck.too_slow, HealthCheck.data_too_large]


def register() -> None:
    settings.register_profile(
        CI,
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=_QUIET_CHECKS,
    )
    settings.register_profile(
        THOROUGH,
        max_examples=500,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=_QUIET_CHECKS,
    )
    settings.register_profile(
        LIVE,
        max_examples=4,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=[*_QUIET_CHECKS, HealthCheck.filter_too_much],
    )


register()
