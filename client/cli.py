"""``ismart-sms``: send, check and measure SMS from the command line.

    export ISMART_USER_ID=... ISMART_PASSWORD=... ISMART_HEADER=AnyHeader
    export ISMART_URL=http://127.0.0.1:8080          # the emulator; unset: the live gateway
    ismart-sms send 96899123456,96891234567 "Hello"
    echo "Hello" | ismart-sms send "+968 9912 3456"
    ismart-sms check 96899123456 "Hello"               # the checks alone, nothing is sent
    printf %s "Hello" | ismart-sms segments --porcelain   # GSM7 1 5

The password is read from the environment only (a command line is visible to every user of the
machine). Exit status: 0 pushed (code 1) or checks passed; 1 the gateway (or the client's
checks) answered another code; 2 usage or configuration error; 3 no return code (HTTP error,
unreadable answer, or no connection: nothing was sent); 4 no answer after the request was sent
(a timeout or a dropped connection): it may have been delivered, do not resend blindly.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final, TextIO

from ismart_sms_kit import __version__
from ismart_sms_kit.client.http import DEFAULT_TIMEOUT, IsmartClient
from ismart_sms_kit.client.numbers import check_country_code
from ismart_sms_kit.client.prepare import GATEWAY_TIMEZONE, CheckResult, check
from ismart_sms_kit.client.results import Outcome, SendResult
from ismart_sms_kit.client.retry import HTTP_5XX, RetryPolicy
from ismart_sms_kit.protocol.segments import Segments, count
from ismart_sms_kit.protocol.spec import LIVE_BASE_URL, ReturnCode

PROG: Final = "ismart-sms"
EXIT_OK: Final = 0
EXIT_REFUSED: Final = 1
EXIT_USAGE: Final = 2
EXIT_NO_CODE: Final = 3
EXIT_UNKNOWN: Final = 4

ENV_USER_ID: Final = "ISMART_USER_ID"
ENV_PASSWORD: Final = "ISMART_PASSWORD"
ENV_HEADER: Final = "ISMART_HEADER"
ENV_URL: Final = "ISMART_URL"

_GATEWAY_FORMAT: Final = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\Z")
_ISO_SHAPE: Final = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}){0,2}(\.\d+)?)?")


class UsageError(Exception):
    """A mistake on the command line or in the environment (exit status 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send SMS through the iSmart gateway (Infocomm, Oman) or its emulator.",
        epilog=(
            f"Credentials come from {ENV_USER_ID} and {ENV_PASSWORD}; {ENV_HEADER} and "
            f"{ENV_URL} give the defaults of --header and --url. Exit status: 0 pushed or "
            "checks passed, 1 another return code, 2 usage error, 3 no return code "
            "(nothing was sent, or the gateway failed), 4 no answer after sending (it may "
            "have been delivered). A refused connection is reported at once, not retried."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def request_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("numbers", help="comma-separated numbers (+968..., 00968..., 968...)")
        sub.add_argument(
            "message", nargs="?", default="-", help="the text; '-' or absent: standard input"
        )
        sub.add_argument("--header", default=os.environ.get(ENV_HEADER), help="sender header")
        sub.add_argument("--lang", type=int, help="0 English, 64 Arabic (default: from the text)")
        sub.add_argument(
            "--at",
            metavar="DATETIME",
            help="schedule: ISO 8601 (2026-01-31T09:30, with an offset or on the gateway's "
            "clock) or the gateway's MM/DD/YYYY HH:mm:ss",
        )
        sub.add_argument(
            "--ref", metavar="IDS", help="comma-separated reference ids, one per number"
        )
        sub.add_argument("--flash", choices=("Y", "N"), help="FLashSMS (the older endpoint)")
        sub.add_argument(
            "--default-country", metavar="CODE", help="put in front of local numbers, e.g. 968"
        )
        sub.add_argument(
            "--timezone", default=GATEWAY_TIMEZONE, help="the gateway's clock (Asia/Muscat)"
        )
        sub.add_argument("--json", action="store_true", help="print the result as JSON")

    send = commands.add_parser("send", help="send a message", description="Send a message.")
    request_options(send)
    send.add_argument(
        "--url",
        default=os.environ.get(ENV_URL) or LIVE_BASE_URL,
        help="base URL or full .aspx URL of the gateway (default: $ISMART_URL, else the live one)",
    )
    send.add_argument(
        "--cacert",
        metavar="FILE",
        help="trust the gateway's certificate signed by this CA file, e.g. the emulator's "
        "ismart-mock-tls/ca.pem under --tls (default: the system's, or $REQUESTS_CA_BUNDLE)",
    )
    send.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="seconds to wait, per attempt, for the connection and for the answer (default: "
        f"{DEFAULT_TIMEOUT[0]:g} s to connect, {DEFAULT_TIMEOUT[1]:g} s for the answer)",
    )
    send.add_argument(
        "--retry-5xx", action="store_true", help="also retry HTTP 500/502/503/504 (may send twice)"
    )
    send.add_argument("--no-retry", action="store_true", help="no retries at all")

    check_cmd = commands.add_parser(
        "check",
        help="run the client's checks alone",
        description="Run the client's checks (the gateway's request rules); nothing is sent.",
    )
    request_options(check_cmd)

    segments = commands.add_parser(
        "segments",
        help="count the parts and units of a message",
        description="Count the SMS parts a message costs (GSM 03.38 / UCS-2).",
    )
    segments.add_argument("message", nargs="?", default="-", help="the text; '-' or absent: stdin")
    segments.add_argument("--lang", type=int, help="64 forces UCS-2")
    segments.add_argument(
        "--porcelain", action="store_true", help="print '<GSM7|UCS2> <parts> <units>' for scripts"
    )
    return parser


def _read_message(value: str, stdin: TextIO) -> str:
    """The message from the argument, or from standard input for '-' (one trailing newline,
    as ``echo`` adds, is dropped)."""
    if value != "-":
        return value
    raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
    try:
        text: str = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"standard input is not UTF-8 text: {exc}") from None
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _push_at(value: str | None) -> datetime | str | None:
    if value is None or _GATEWAY_FORMAT.match(value):
        return value
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        if _ISO_SHAPE.match(value):  # the right shape, but no such day or time
            raise UsageError(f"--at {value!r} is not a real date and time ({exc})") from None
        raise UsageError(
            f"--at {value!r} is neither ISO 8601 (2026-01-31T09:30) nor MM/DD/YYYY HH:mm:ss"
        ) from None


def _refs(value: str | None) -> list[str] | None:
    return None if value is None else [r.strip() for r in value.split(",")]


def _required(value: str | None, what: str) -> str:
    if not value:
        raise UsageError(f"no {what}")
    return value


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _describe_check(checked: CheckResult, timezone: str) -> str:
    """One line; a push time says which clock it is on (the gateway reads it on its own)."""
    when = f", PushDateTime={checked.push_datetime} ({timezone})" if checked.push_datetime else ""
    return (
        f"{_n(len(checked.numbers), 'number')} in {_n(checked.requests, 'request')}, "
        f"{checked.encoding}, {_n(checked.parts, 'part')}, {_n(checked.units, 'unit')}, "
        f"Lang={checked.lang}{when}"
    )


def _failure_line(code: int | None, description: str, reason: str | None) -> str:
    head = f"{int(code)} {description}" if code is not None else description
    return f"{PROG}: {head}" + (f" ({reason})" if reason and reason != description else "")


def _run_send(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    user_id = os.environ.get(ENV_USER_ID)
    password = os.environ.get(ENV_PASSWORD)
    if not user_id or not password:
        raise UsageError(f"set {ENV_USER_ID} and {ENV_PASSWORD} (the password is never an option)")
    header = _required(args.header, f"header: give --header or set {ENV_HEADER}")
    message = _read_message(args.message, stdin)
    if args.no_retry:
        retry = RetryPolicy.never()
    else:  # a refused connection is an answer: nothing listens there, say so at once
        retry = RetryPolicy(statuses=HTTP_5XX if args.retry_5xx else frozenset(), refused=False)
    try:
        client = IsmartClient(
            user_id,
            password,
            header=header,
            base_url=args.url,
            timeout=args.timeout if args.timeout is not None else DEFAULT_TIMEOUT,
            retry=retry,
            default_country=args.default_country,
            timezone=args.timezone,
            verify=args.cacert,
        )
    except ValueError as exc:
        raise UsageError(str(exc).replace("verify: no CA file", "--cacert: no file")) from None
    with client:
        try:
            result = client.send(
                args.numbers,
                message,
                lang=args.lang,
                push_at=_push_at(args.at),
                reference_ids=_refs(args.ref),
                flash=None if args.flash is None else args.flash == "Y",
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=out)
    return _report_send(result, out, err, quiet=args.json)


def _report_send(result: SendResult, out: TextIO, err: TextIO, *, quiet: bool) -> int:
    if result.ok:
        if not quiet:
            print(
                f"{int(ReturnCode.PUSHED)} {result.description} "
                f"({_n(len(result.numbers), 'number')}, {result.encoding}, "
                f"{_n(result.parts, 'part')}, {_n(result.units, 'unit')})",
                file=out,
            )
        return EXIT_OK
    print(_failure_line(result.code, result.description, result.reason), file=err)
    if len(result.chunks) > 1:
        accepted = len(result.accepted_numbers)
        failed = next(i for i, c in enumerate(result.chunks, 1) if not c.ok)
        print(
            f"{PROG}: {accepted} of {_n(len(result.numbers), 'number')} accepted; request "
            f"{failed} of {len(result.chunks)} failed, the later ones were not sent",
            file=err,
        )
    if result.local:
        print(f"{PROG}: refused by the client's checks; nothing was sent", file=err)
    if result.outcome is Outcome.UNKNOWN:
        print(f"{PROG}: it may have been delivered: do not resend blindly", file=err)
        return EXIT_UNKNOWN
    return EXIT_REFUSED if result.code is not None else EXIT_NO_CODE


def _run_check(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    header = _required(args.header, f"header: give --header or set {ENV_HEADER}")
    message = _read_message(args.message, stdin)
    try:
        checked = check(
            args.numbers,
            message,
            header=header,
            lang=args.lang,
            push_at=_push_at(args.at),
            reference_ids=_refs(args.ref),
            flash=None if args.flash is None else args.flash == "Y",
            default_country=check_country_code(args.default_country),
            timezone=args.timezone,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(checked.to_dict(), indent=2), file=out)
    if checked.ok:
        if not args.json:
            print(f"ok: {_describe_check(checked, args.timezone)}", file=out)
        return EXIT_OK
    print(_failure_line(checked.code, checked.description, checked.reason), file=err)
    return EXIT_REFUSED


def _run_segments(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    message = _read_message(args.message, stdin)
    segments: Segments = count(message, args.lang)
    if args.porcelain:
        print(f"{segments.encoding} {segments.parts} {segments.units}", file=out)
    else:
        note = " (more than 5: the gateway answers 6)" if segments.too_long else ""
        print(
            f"{segments.encoding}: {_n(segments.parts, 'part')}{note}, "
            f"{_n(segments.units, 'unit')}, {_n(len(message), 'character')}",
            file=out,
        )
    return EXIT_OK


Command = Callable[[argparse.Namespace, TextIO, TextIO, TextIO], int]
_COMMANDS: Final[dict[str, Command]] = {
    "send": _run_send,
    "check": _run_check,
    "segments": _run_segments,
}


def main(argv: Sequence[str] | None = None) -> int:
    """The ``ismart-sms`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    out, err, stdin = sys.stdout, sys.stderr, sys.stdin
    try:
        status: int = _COMMANDS[args.command](args, out, err, stdin)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
