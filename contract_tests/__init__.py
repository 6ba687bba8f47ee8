"""The contract kit (docs/contract-kit.md): ``pytest --pyargs ismart_sms_kit.contract_tests``.

Its tests need the ``contract`` extra (Hypothesis); a run without it says which command adds it
instead of a bare ``No module named 'hypothesis'``.
"""

from __future__ import annotations

EXTRA = "pip install 'ismart-sms-kit[contract]'"


def missing_extra(exc: ModuleNotFoundError) -> ModuleNotFoundError:
    """The error a kit run without the ``contract`` extra raises: what is missing, and the
    command that installs it."""
    return ModuleNotFoundError(
        f"the contract kit needs the [contract] extra, which is not installed ({exc}): {EXTRA}",
        name=exc.name,
    )
