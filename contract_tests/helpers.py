"""What several contract test modules do the same way.

* :func:`stored_agree`: on a target with an admin API, what the emulator stored for the
  request just sent, held to the contract with :func:`~.contract.agree` (which says what was
  sent and why); on any other target there is nothing to look at, and nothing is asserted.
* :func:`stored_one_per_number`: one message stored per number sent, duplicates included.
* :func:`registered_header`: a header registered for the main account for one example, and an
  oracle that knows it; the emulator is reset afterwards, whatever happened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ismart_sms_kit.contract_tests.contract import Contract, agree
from ismart_sms_kit.contract_tests.oracle import Oracle
from ismart_sms_kit.contract_tests.target import Admin
from ismart_sms_kit.contract_tests.transport import Exchange

StoredMessage = dict[str, Any]
"""One message as the admin API shows it (``GET /_mock/api/messages``)."""


def stored_agree(
    contract: Contract,
    exchange: Exchange,
    read: str | Callable[[StoredMessage], Any],
    want: Sequence[Any] | Counter[Any],
    *,
    what: str,
    says: str,
) -> None:
    """The messages stored for the request of ``exchange`` (the last one sent), each read by
    ``read`` (a field's name, or a function of the message), must be ``want``: a list, oldest
    first, or a :class:`~collections.Counter` (the same values, in any order)."""
    stored = contract.stored()
    if stored is None:
        return
    reader = (lambda m: m[read]) if isinstance(read, str) else read
    got = [reader(m) for m in stored]
    agree(
        Counter(got) if isinstance(want, Counter) else got,
        want if isinstance(want, Counter) else list(want),
        what=what,
        says=says,
        sent=exchange.request,
    )


def stored_one_per_number(
    contract: Contract, exchange: Exchange, numbers: Sequence[str], *, says: str
) -> None:
    """One message stored per number of ``numbers`` (duplicates included), in any order."""
    stored_agree(
        contract, exchange, "to", Counter(numbers), what="messages stored, by number", says=says
    )


@contextmanager
def registered_header(contract: Contract, admin: Admin, header: str) -> Iterator[Oracle]:
    """``header`` as the main account's only header on the emulator, and the oracle that knows
    it, for the ``with`` block; the emulator reset afterwards (accounts restored)."""
    user = contract.target.credentials.user_id
    try:
        admin.patch_account(user, headers=[header])
        yield contract.oracle.with_account(contract.oracle.accounts[user].with_headers(header))
    finally:
        admin.reset()
