"""``ismart-mock``: run the emulator (``ismart-mock scenarios``: list the ready scenarios).
``python -m ismart_sms_kit.mock_server`` is the same command."""

from __future__ import annotations

import argparse
import contextlib
import gc
import ipaddress
import json
import logging
import logging.config
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from ismart_sms_kit import __version__, scenarios
from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.backend import Backend
from ismart_sms_kit.mock_server.config import (
    ENDPOINT_PATHS,
    ENDPOINT_SETTINGS,
    SECTIONS,
    SETTINGS,
    Config,
    ConfigError,
    apply_environment,
    load_file,
    load_rules_file,
)
from ismart_sms_kit.mock_server.logs import log_config
from ismart_sms_kit.mock_server.rules.values import RuleError
from ismart_sms_kit.mock_server.server import bind
from ismart_sms_kit.mock_server.state.base import StateFileError
from ismart_sms_kit.mock_server.transport import (
    WEBSOCKETS,
    compatibility_warning,
    http_protocol,
    multiprocess_api_problem,
    worker_listener,
    worker_slots,
)
from ismart_sms_kit.mock_server.transport.supervisor import SlotSupervisor
from ismart_sms_kit.protocol.spec import SEND_PATH

ENV_PREFIX = "ISMART_MOCK_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def build_parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(f"  {s.name} (default {s.default!r}): {s.help}" for s in SETTINGS)
    endpoint_help = "\n".join(
        f"  {s.name} (default {s.default!r}): {s.help}" for s in ENDPOINT_SETTINGS
    )
    parser = argparse.ArgumentParser(
        prog="ismart-mock",
        description="Emulator of the iSmart SMS bulk gateway (Infocomm, Oman).\n\n"
        "ismart-mock scenarios: list the ready scenarios, for --rules NAME and --config NAME.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Every option can also be set as an environment variable ISMART_MOCK_<OPTION>\n"
            "(ISMART_MOCK_PORT=9000); options on the command line win.\n\n"
            "Settings (in a --config file under 'settings:', or ISMART_MOCK_<NAME>):\n"
            + settings_help
            + "\n\nPer-endpoint settings (in a --config file only, under 'endpoints:' then "
            f"{', '.join(ENDPOINT_PATHS)}; the repository's docs/configuration.md gives "
            "each endpoint's defaults):\n" + endpoint_help
        ),
    )
    parser.add_argument("--version", action="version", version=f"ismart-mock {__version__}")
    parser.add_argument(
        "--host",
        default=_env("HOST", "127.0.0.1"),
        help="address to listen on (default 127.0.0.1; anything else is announced loudly)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(_env("PORT", "8080") or 8080),
        help="default 8080; 0: the system picks a free port (announced, and see --port-file)",
    )
    parser.add_argument(
        "--port-file",
        default=_env("PORT_FILE"),
        metavar="PATH",
        help="write the port listened on (a number and a newline) to PATH once it is bound, "
        "before the emulator answers; with --port 0, how a script learns which port it got",
    )
    parser.add_argument(
        "--config",
        default=_env("CONFIG"),
        metavar="FILE|NAME",
        help="YAML config: a file, or a ready one's name (ismart-mock scenarios lists them; "
        "the sections: " + ", ".join(sorted(SECTIONS)) + ")",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=None,  # then ISMART_MOCK_RULES (see rule_files): the command line wins
        metavar="FILE|NAME",
        help="YAML file of fault rules, or a ready scenario's name (--rules flaky; "
        "ismart-mock scenarios lists them); repeatable (ISMART_MOCK_RULES takes a "
        f"{os.pathsep!r}-separated list, used when no --rules is given)",
    )
    seed = _env("SEED")
    parser.add_argument(
        "--seed",
        type=int,
        default=int(seed) if seed else None,
        help="seed of the emulator's randomness (printed at start-up; random when not given)",
    )
    parser.add_argument(
        "--state",
        default=_env("STATE", "memory"),
        metavar="memory|sqlite:PATH",
        help="where messages, journal and account state live (default memory); sqlite:PATH "
        "survives restarts and is shared by --workers",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(_env("WORKERS", "1") or 1),
        metavar="N",
        help="worker processes (default 1); more than one needs --state sqlite:PATH",
    )
    parser.add_argument(
        "--admin-token",
        default=_env("ADMIN_TOKEN"),
        metavar="TOKEN",
        help="require this token for the admin API and the inbox (the gateway stays open)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        default=(_env("TLS", "") or "").lower() in ("1", "true", "yes"),
        help="serve HTTPS with a certificate from a throw-away local CA",
    )
    parser.add_argument(
        "--tls-dir",
        default=_env("TLS_DIR", "ismart-mock-tls"),
        metavar="DIR",
        help="where --tls writes ca.pem (trust it in the client) and the server certificate",
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
    parser.add_argument(
        "--proxy-headers",
        action="store_true",
        default=(_env("PROXY_HEADERS", "") or "").lower() in ("1", "true", "yes"),
        help="take the client address from X-Forwarded-For when a proxy on 127.0.0.1 sends "
        "it (off by default: the address is the TCP peer's, and uvicorn's middleware for "
        "this costs 5-8%% of the throughput)",
    )
    return parser


def rule_files(args: argparse.Namespace) -> list[str]:
    """``--rules`` files if any were given, else those of ``ISMART_MOCK_RULES``: like every
    option, the command line wins over the environment (it does not add to it)."""
    if args.rules is not None:
        return list(args.rules)
    rules_env = _env("RULES")
    return [path for path in rules_env.split(os.pathsep) if path] if rules_env else []


def scenario_file(kind: scenarios.Kind, value: str) -> str:
    """A ``--config``/``--rules`` value: a file (a path always wins), else the ready scenario it
    names (``--rules flaky``)."""
    found = scenarios.resolve(kind, value)
    if not Path(found).is_file():
        raise ConfigError(
            f"{value}: no such file, nor a ready scenario of that name "
            "(ismart-mock scenarios lists them)"
        )
    return found


def load_config(args: argparse.Namespace) -> Config:
    config = Config()
    if args.config:
        load_file(scenario_file("accounts", args.config), config)
    for path in rule_files(args):
        load_rules_file(scenario_file("rules", path), config)
    apply_environment(config)
    config.seed = args.seed
    config.state = args.state
    config.workers = args.workers
    if args.admin_token:
        config.settings.admin_token = args.admin_token
    return config


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


WORKER_ARGV = ENV_PREFIX + "WORKER_ARGV"
WORKER_APP = "ismart_sms_kit.mock_server.cli:worker_app"


def worker_app() -> Starlette:
    """The app of one ``--workers`` process, built from the parent's arguments."""
    args = build_parser().parse_args(json.loads(os.environ[WORKER_ARGV]))
    app = create_app(load_config(args))
    settle_garbage_collector()
    return app


def settle_garbage_collector() -> None:
    """Before serving: what start-up made is kept for good (``gc.freeze``: no collection looks
    at it again; not collected first, which would add a twentieth to start-up), and the
    youngest generation is collected every 20,000 new objects instead of 700. A request frees
    nearly all it makes by reference counting, while each collection of the older generations
    walks the journal and the message store (tens of thousands of objects): with the default
    thresholds that cost more CPU per request than any step."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def write_port_file(path: str, port: int) -> None:
    """``port`` and a newline into ``path``, all or nothing: written beside it under another
    name, then renamed, so whoever polls for the file never reads half a number."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_text(f"{port}\n", encoding="ascii")
    os.replace(partial, target)


def counted(n: int, noun: str) -> str:
    """``1 fault rule``, ``2 fault rules``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def logging_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration (passwords masked), its console format for every logger:
    the emulator's own messages read as uvicorn's do (``INFO:     ...``)."""
    config = log_config()
    config["root"] = {"handlers": ["default"], "level": level.upper()}
    return config


def _announce(
    args: argparse.Namespace,
    config: Config,
    backend: Backend,
    scheme: str,
    port: int | None = None,
) -> None:
    """What serves where, and the warnings; ``port``: the one bound (``--port`` may be 0)."""
    base = f"{scheme}://{args.host}:{args.port if port is None else port}"
    print(f"ismart-mock: gateway {base}{SEND_PATH}", flush=True)
    rest, soap = config.endpoints["PostSMS"], config.endpoints["IBulkSMS"]
    if rest.enabled or soap.enabled:
        print(
            "ismart-mock: "
            + "   ".join(
                [f"REST {base}{rest.path}"] * rest.enabled
                + [f"SOAP {base}{soap.path}?WSDL"] * soap.enabled
            ),
            flush=True,
        )
    print(f"ismart-mock: inbox   {base}/_mock/   admin API {base}/_mock/api/", flush=True)
    workers = f"; {args.workers} workers" if args.workers > 1 else ""
    print(
        f"ismart-mock: seed {backend.seed}; state {config.state}{workers}; "
        f"{counted(len(config.accounts), 'account')}; "
        f"{counted(len(backend.rules.all()), 'fault rule')}"
        + ("; admin token required" if config.settings.admin_token else ""),
        flush=True,
    )
    for warning in backend.warnings:
        bar = "!" * 78
        print(f"{bar}\nismart-mock: WARNING: {warning}\n{bar}", file=sys.stderr, flush=True)
    if not _is_loopback(args.host):
        print(
            f"ismart-mock: WARNING: listening on {args.host}, not loopback: anyone who can "
            "reach this address can use the emulator"
            + ("" if config.settings.admin_token else " and its admin API (see --admin-token)"),
            file=sys.stderr,
            flush=True,
        )


def server_options(args: argparse.Namespace) -> dict[str, Any]:
    """uvicorn's settings for the emulator's processes (the address and TLS apart)."""
    return dict(
        log_level=args.log_level,
        access_log=args.access_log,
        server_header=False,
        ws=WEBSOCKETS,
        proxy_headers=args.proxy_headers,
        http=http_protocol(),
        timeout_graceful_shutdown=2,
        log_config=logging_config(args.log_level),
    )


def main(argv: Sequence[str] | None = None) -> int:
    if list(argv if argv is not None else sys.argv[1:])[:1] == ["scenarios"]:
        print(scenarios.listing())
        return 0
    args = build_parser().parse_args(argv)
    if args.workers < 1:
        print("ismart-mock: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not args.state.startswith("sqlite:"):
        print(
            "ismart-mock: --workers above 1 needs shared state: add --state sqlite:PATH",
            file=sys.stderr,
        )
        return 2
    try:
        config = load_config(args)
        app = create_app(config)
    except (ConfigError, RuleError, StateFileError) as exc:
        print(f"ismart-mock: configuration error: {exc}", file=sys.stderr)
        return 2
    backend: Backend = app.state.backend
    logging.config.dictConfig(logging_config(args.log_level))
    ssl: dict[str, str] = {}
    if args.tls:
        from ismart_sms_kit.mock_server.tls import prepare

        files = prepare(args.tls_dir, args.host)
        ssl = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
        print(
            f"ismart-mock: TLS CA {files.ca.resolve()} (curl --cacert {files.ca}; "
            f"requests verify={str(files.ca)!r})",
            flush=True,
        )
    scheme = "https" if args.tls else "http"
    options: dict[str, Any] = dict(host=args.host, port=args.port, **server_options(args), **ssl)
    problem = multiprocess_api_problem(Multiprocess) if args.workers > 1 else None
    if problem is not None:  # uvicorn binds the port itself: only a port given is known
        if args.port_file and args.port == 0:
            print("ismart-mock: --port-file with --port 0 needs --workers 1 here", file=sys.stderr)
            return 2
        _announce(args, config, backend, scheme, args.port)
        if args.port_file:
            write_port_file(args.port_file, args.port)
        backend.close()
        os.environ[WORKER_ARGV] = json.dumps(_worker_argv(argv, backend))
        compatibility_warning(problem, "--workers uses uvicorn.run(workers=N) and its socket")
        uvicorn.run(WORKER_APP, factory=True, workers=args.workers, **options)
        return 0
    try:  # bound (and, with one worker, listening) before anything is announced
        if args.workers == 1:
            sock = bind(args.host, args.port)
        else:  # a listening socket of their own for each worker
            sock = worker_listener(args.host, args.port)
    except OSError as exc:
        logging.getLogger("uvicorn.error").error(exc)
        return STARTUP_FAILURE
    port = sock.getsockname()[1]
    _announce(args, config, backend, scheme, port)
    if args.port_file:
        write_port_file(args.port_file, port)
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)", scheme, args.host, port
    )
    if args.workers == 1:
        server = uvicorn.Server(uvicorn.Config(app, **options))
        settle_garbage_collector()
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run
            server.run(sockets=[sock])
        return 0 if server.started else STARTUP_FAILURE
    backend.close()  # each worker opens the state file itself
    os.environ[WORKER_ARGV] = json.dumps(_worker_argv(argv, backend))
    workers = uvicorn.Config(WORKER_APP, factory=True, workers=args.workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        SlotSupervisor(workers, sockets=worker_slots(sock, args.workers)).run()
    return 0


def _worker_argv(argv: Sequence[str] | None, backend: Backend) -> list[str]:
    """The workers' arguments: the parent's, with its seed (one seed for the whole server)."""
    return [*(argv if argv is not None else sys.argv[1:]), "--seed", str(backend.seed)]


if __name__ == "__main__":
    raise SystemExit(main())
