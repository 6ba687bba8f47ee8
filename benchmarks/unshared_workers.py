"""The control of ``make bench`` for ``--workers 2``: the same worker processes on one port
(``SO_REUSEPORT``, as ``--workers`` does), but each with a SQLite state file of its own, so
they share nothing and never wait for each other's write turn.

What it measures is how far two workers can get on this machine at all, with wrk on the same
cores; ``--workers 2`` with shared state is then read against it. Not a way to run the
emulator: the workers' messages, journals and credits are apart.

    python -m benchmarks.unshared_workers --port P --dir DIR [--workers 2] -- ISMART_MOCK_ARGS
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

import uvicorn

from ismart_sms_kit.mock_server.app import create_app
from ismart_sms_kit.mock_server.cli import build_parser, load_config, server_options
from ismart_sms_kit.mock_server.transport.workers import bound_socket


def serve_one(port: int, argv: Sequence[str]) -> None:
    """One worker: the emulator of ``argv`` on its own ``SO_REUSEPORT`` socket."""
    args = build_parser().parse_args(argv)
    app = create_app(load_config(args))
    sock = bound_socket(socket.AF_INET, "127.0.0.1", port, socket.socket)
    uvicorn.Server(uvicorn.Config(app, **server_options(args))).run(sockets=[sock])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unshared_workers")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True, help="where each worker's state file goes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("mock_args", nargs="*", help="ismart-mock's arguments (after --)")
    args = parser.parse_args(argv)
    if args.index is not None:
        state = f"sqlite:{args.dir}/worker-{args.index}.sqlite"
        serve_one(args.port, [*args.mock_args, "--state", state])
        return 0
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.unshared_workers",
                "--port",
                str(args.port),
                "--dir",
                args.dir,
                "--index",
                str(i),
                "--",
                *args.mock_args,
            ]
        )
        for i in range(args.workers)
    ]

    def stop(signum: int, frame: FrameType | None) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return max(child.wait() for child in children)


if __name__ == "__main__":
    raise SystemExit(main())
