"""``ismart-mock``: run the emulator. ``python -m mock_server`` is the same command."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence

import uvicorn

from client.protocol import SEND_PATH
from mock_server.app import create_app
from mock_server.config import (
    SETTINGS,
    Config,
    ConfigError,
    apply_environment,
    load_file,
    load_rules_file,
)
from mock_server.rules import RuleError
from mock_server.transport import DroppableHttpToolsProtocol

ENV_PREFIX = "ISMART_MOCK_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def build_parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {s.name} (default {s.default!r}): {s.help}" for s in SETTINGS)
    parser = argparse.ArgumentParser(
        prog="ismart-mock",
        description="Emulator of the iSmart SMS bulk gateway (Infocomm, Oman).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Every option can also be set as an environment variable ISMART_MOCK_<OPTION>\n"
            "(ISMART_MOCK_PORT=9000); options on the command line win.\n\n"
            "Settings (in a --config file under 'settings:', or ISMART_MOCK_<NAME>):\n"
            + settings_help
        ),
    )
    parser.add_argument(
        "--host",
        default=_env("HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1; anything else is announced loudly)",
    )
    parser.add_argument(
        "--port", type=int, default=int(_env("PORT", "8080") or 8080), help="default 8080"
    )
    parser.add_argument(
        "--config", default=_env("CONFIG"), metavar="FILE", help="YAML config (see README)"
    )
    rules_env = _env("RULES")
    parser.add_argument(
        "--rules",
        action="append",
        default=rules_env.split(os.pathsep) if rules_env else [],
        metavar="FILE",
        help="YAML file of fault rules (repeatable; ISMART_MOCK_RULES takes a "
        f"{os.pathsep!r}-separated list)",
    )
    seed = _env("SEED")
    parser.add_argument(
        "--seed",
        type=int,
        default=int(seed) if seed else None,
        help="seed of the emulator's randomness (printed at start-up; random when not given)",
    )
    parser.add_argument(
        "--log-level",
        default=_env("LOG_LEVEL", "info"),
        choices=["critical", "error", "warning", "info", "debug"],
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        default=(_env("ACCESS_LOG", "") or "").lower() in ("1", "true", "yes"),
        help="log every request (off by default, for speed)",
    )
    return parser


def load_config(args: argparse.Namespace) -> Config:
    config = Config()
    if args.config:
        load_file(args.config, config)
    for path in args.rules:
        load_rules_file(path, config)
    apply_environment(config)
    config.seed = args.seed
    return config


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args)
        app = create_app(config)
    except (ConfigError, RuleError) as exc:
        print(f"ismart-mock: configuration error: {exc}", file=sys.stderr)
        return 2
    backend = app.state.backend
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    base = f"http://{args.host}:{args.port}"
    print(f"ismart-mock: gateway {base}{SEND_PATH}", flush=True)
    print(f"ismart-mock: inbox   {base}/_mock/   admin API {base}/_mock/api/", flush=True)
    print(
        f"ismart-mock: seed {backend.seed}; {len(config.accounts)} accounts; "
        f"{len(backend.rules.all())} fault rules",
        flush=True,
    )
    if not _is_loopback(args.host):
        print(
            f"ismart-mock: WARNING: listening on {args.host}, not loopback: anyone who can "
            "reach this address can use the emulator and its admin API",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        server_header=False,
        http=DroppableHttpToolsProtocol,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
