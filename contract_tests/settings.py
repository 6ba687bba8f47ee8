"""The kit's command-line options and environment, read and checked once per run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

import pytest

from ismart_sms_kit.contract_tests.accounts import Credentials, is_nonexistent_user_id
from ismart_sms_kit.contract_tests.oracle import (
    DEFAULT_ORDER,
    INTERFACES,
    check_interface,
    number_problem,
    parse_order,
)
from ismart_sms_kit.contract_tests.target import is_live_host, send_url_for

DEFAULT_LIVE_RATE: Final = 1.0
DEFAULT_LIVE_MAX_REQUESTS: Final = 300
DEFAULT_MAX_WRONG_PASSWORDS: Final = 10
"""How many wrong passwords the lockout test may send the account the user consents to lock
(``--ismart-allow-lockout``): the emulator locks at 5 by default; production's threshold is
not documented (field notes: "repeated probing with a wrong password locked the account")."""
ENV_URL: Final = "ISMART_URL"
ENV_USER: Final = "ISMART_USER_ID"
ENV_PASSWORD: Final = "ISMART_PASSWORD"
ENV_HEADER: Final = "ISMART_HEADER"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("ismart", "iSmart contract kit")
    group.addoption(
        "--ismart-url",
        default=None,
        metavar="URL",
        help=f"target gateway (base URL or full .aspx URL); default ${ENV_URL}, else an "
        "emulator started on a free loopback port. Credentials come from "
        f"${ENV_USER}, ${ENV_PASSWORD}, ${ENV_HEADER}.",
    )
    group.addoption(
        "--ismart-emulator",
        action="store_true",
        help="the --ismart-url target is an ismart-mock emulator: full capabilities "
        "(admin API, demo accounts, no live-safety)",
    )
    group.addoption(
        "--ismart-allow-delivery",
        action="store_true",
        help="allow fault-free sends to --ismart-test-number (live targets), within "
        "--ismart-max-sends",
    )
    group.addoption("--ismart-test-number", default=None, metavar="NUMBER")
    group.addoption("--ismart-max-sends", type=int, default=0, metavar="N")
    group.addoption(
        "--ismart-allow-lockout",
        default=None,
        metavar="USER_ID",
        help=f"consent to lock this spare account (external targets; not ${ENV_USER}): the "
        "lockout test sends it wrong passwords, each with MobileNo=1, until it answers 12, at "
        "most --ismart-max-wrong-passwords; on the live gateway only the vendor unlocks it",
    )
    group.addoption(
        "--ismart-max-wrong-passwords",
        type=int,
        default=DEFAULT_MAX_WRONG_PASSWORDS,
        metavar="N",
        help=f"at most N wrong passwords to the --ismart-allow-lockout account (default "
        f"{DEFAULT_MAX_WRONG_PASSWORDS})",
    )
    group.addoption(
        "--ismart-max-requests",
        type=int,
        default=None,
        metavar="N",
        help=f"hard cap on requests this run (default {DEFAULT_LIVE_MAX_REQUESTS} for an "
        "external target, none for an emulator)",
    )
    group.addoption(
        "--ismart-rate",
        type=float,
        default=None,
        metavar="PER_SECOND",
        help=f"at most this many requests per second (default {DEFAULT_LIVE_RATE:g} for an "
        "external target, unpaced for an emulator; 0 = unpaced)",
    )
    group.addoption(
        "--ismart-order",
        default=None,
        metavar="STEPS",
        help="the validation order the oracle assumes, comma-separated (default: "
        + ",".join(DEFAULT_ORDER)
        + ")",
    )
    group.addoption("--ismart-record", default=None, metavar="FILE", help="write every exchange")
    group.addoption(
        "--ismart-replay",
        default=None,
        metavar="FILE",
        help="replay a recording against the emulator and report every difference",
    )
    group.addoption("--ismart-timeout", type=float, default=30.0, metavar="SECONDS")
    group.addoption(
        "--ismart-interface",
        default=None,
        metavar="NAMES",
        help="the interfaces to judge, comma-separated: form (SMSDynamicRefIntlAPI.aspx), "
        "legacy (SMSDynamicAPI.aspx), rest, soap, or all (the default: every interface the "
        "target serves)",
    )


@dataclass(frozen=True)
class KitSettings:
    url: str | None
    emulator: bool
    credentials: Credentials | None
    allow_delivery: bool
    test_number: str | None
    max_sends: int
    max_requests: int | None
    rate: float
    order: tuple[str, ...]
    record: str | None
    replay: str | None
    timeout: float
    interfaces: tuple[str, ...] = INTERFACES
    """The interfaces the run judges (``--ismart-interface``)."""
    lockout_user: str | None = None
    """The spare account the user consents to lock (``--ismart-allow-lockout``)."""
    max_wrong_passwords: int = DEFAULT_MAX_WRONG_PASSWORDS

    @property
    def external(self) -> bool:
        """The target is not an emulator: live-safe."""
        return self.url is not None and not self.emulator

    @classmethod
    def from_config(cls, config: pytest.Config) -> KitSettings:
        opt = config.getoption
        url = opt("--ismart-url") or os.environ.get(ENV_URL) or None
        emulator = bool(opt("--ismart-emulator"))
        if emulator and url is None:
            raise pytest.UsageError("--ismart-emulator needs --ismart-url (or ISMART_URL)")
        if emulator and url is not None and is_live_host(url):
            raise pytest.UsageError(f"{url} is the live gateway, not an emulator")
        user = os.environ.get(ENV_USER)
        password = os.environ.get(ENV_PASSWORD)
        header = os.environ.get(ENV_HEADER)
        credentials = None
        if url is not None and (user or password or header):
            if not (user and password and header):
                raise pytest.UsageError(
                    f"set all of {ENV_USER}, {ENV_PASSWORD} and {ENV_HEADER} (or none of them "
                    "with --ismart-emulator, for the demo account)"
                )
            if is_nonexistent_user_id(user):
                raise pytest.UsageError(f"{ENV_USER} may not start with the kit's made-up prefix")
            credentials = Credentials(user, password, header)
        external = url is not None and not emulator
        if external and credentials is None:
            raise pytest.UsageError(
                f"an external target needs {ENV_USER}, {ENV_PASSWORD} and {ENV_HEADER} "
                "(or --ismart-emulator if the URL is an ismart-mock emulator)"
            )
        allow = bool(opt("--ismart-allow-delivery"))
        number = opt("--ismart-test-number")
        max_sends = int(opt("--ismart-max-sends") or 0)
        if allow:
            if not number or number_problem(number) is not None:
                raise pytest.UsageError(
                    "--ismart-allow-delivery needs --ismart-test-number with an 11-digit number"
                )
            if max_sends < 1:
                raise pytest.UsageError("--ismart-allow-delivery needs --ismart-max-sends >= 1")
        lockout_user, max_wrong = lockout_consent(config, credentials, external)
        max_requests = opt("--ismart-max-requests")
        if max_requests is None and external:
            max_requests = DEFAULT_LIVE_MAX_REQUESTS
        if max_requests is not None and max_requests < 0:
            raise pytest.UsageError("--ismart-max-requests must be >= 0")
        rate = opt("--ismart-rate")
        if rate is None:
            rate = DEFAULT_LIVE_RATE if external else 0.0
        if rate < 0:
            raise pytest.UsageError("--ismart-rate must be >= 0")
        order_text = opt("--ismart-order")
        try:
            order = parse_order(order_text) if order_text else DEFAULT_ORDER
        except ValueError as exc:
            raise pytest.UsageError(f"--ismart-order: {exc}") from None
        replay = opt("--ismart-replay")
        if replay is not None:
            if external:
                raise pytest.UsageError(
                    "--ismart-replay replays against an emulator: drop --ismart-url "
                    "(or add --ismart-emulator)"
                )
            if not os.path.isfile(replay):
                raise pytest.UsageError(f"--ismart-replay: no such file {replay}")
        try:
            interfaces = parse_interfaces(opt("--ismart-interface") or "all")
        except ValueError as exc:
            raise pytest.UsageError(f"--ismart-interface: {exc}") from None
        return cls(
            url=send_url_for(url) if url else None,
            emulator=emulator,
            credentials=credentials,
            allow_delivery=allow,
            test_number=number if allow else None,
            max_sends=max_sends if allow else 0,
            max_requests=max_requests,
            rate=float(rate),
            order=order,
            record=opt("--ismart-record"),
            replay=replay,
            timeout=float(opt("--ismart-timeout")),
            interfaces=interfaces,
            lockout_user=lockout_user,
            max_wrong_passwords=max_wrong,
        )


def lockout_consent(
    config: pytest.Config, credentials: Credentials | None, external: bool
) -> tuple[str | None, int]:
    """``--ismart-allow-lockout`` and ``--ismart-max-wrong-passwords``, checked: the spare
    account a live run may lock, and how many wrong passwords it may send it. On an emulator
    the lockout test uses the demo account ``lockme`` and puts it back, so the option is
    refused there rather than ignored."""
    user = config.getoption("--ismart-allow-lockout")
    max_wrong = int(config.getoption("--ismart-max-wrong-passwords"))
    if max_wrong < 2:
        raise pytest.UsageError(
            "--ismart-max-wrong-passwords must be >= 2 (one to lock the account, one to see "
            "that it stays locked)"
        )
    if user is None:
        return None, max_wrong
    if not external:
        raise pytest.UsageError(
            "--ismart-allow-lockout is for an external target; on an emulator the lockout "
            "test locks the demo account lockme and puts it back"
        )
    if not user.strip() or is_nonexistent_user_id(user):
        raise pytest.UsageError(
            "--ismart-allow-lockout needs a real spare account's user id (a made-up one has "
            "nothing to lock)"
        )
    if credentials is not None and user == credentials.user_id:
        raise pytest.UsageError(
            f"--ismart-allow-lockout must name a spare account, not {ENV_USER}: the rest of "
            "the run sends with that one"
        )
    return user, max_wrong


def parse_interfaces(text: str) -> tuple[str, ...]:
    """``form,rest`` or ``all``: the interfaces, in the kit's order."""
    names = {n.strip().lower() for n in text.split(",") if n.strip()}
    if "all" in names:
        return INTERFACES
    for name in names:
        check_interface(name)
    if not names:
        raise ValueError(f"name at least one of {', '.join(INTERFACES)} (or all)")
    return tuple(i for i in INTERFACES if i in names)
