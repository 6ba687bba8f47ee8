"""Python opcodes the emulator runs per send request: a cost figure that other load does not move.

``make bench`` measures requests per second, which the other tenants of a shared machine move
by up to a fifth from one run to the next. This counts instead, with ``sys.settrace``, every
Python bytecode instruction that the server's thread runs for the vendor's sample request
(the one ``make bench`` sends) over its whole path: uvicorn's httptools protocol and the
emulator's (transport, endpoint, backend, decision, commit, journal). It sends ``--requests``
keep-alive requests one after another from this process to a ``ServerThread`` on loopback and
prints the count per request and the functions that run the most. Work done in C (the
kernel, httptools, uvloop, ``dict`` and ``str`` methods) is not counted, so it is a proxy:
compare two trees with it, then confirm with ``make bench``::

    python -m benchmarks.opcodes --requests 200 --top 5
    git worktree add /tmp/before 6ebe2aa && python -m benchmarks.opcodes --tree /tmp/before

``--tree``: another checkout of this project (an older commit's ``git worktree``), in any of
its layouts (docs/architecture.md, "Layout"; before 0.2, a top-level ``mock_server``). Each count
runs in a fresh interpreter. The counts of one tree vary by a few tenths of a percent (the
server's periodic timers), not with load.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from tools.release import package_dir

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 300


class _MappedTree(importlib.abc.MetaPathFinder):
    """Imports the packages of a checkout laid out with pyproject.toml's ``package-dir`` (the
    folders mapped into ``ismart_sms_kit``) from that checkout, as an editable install would."""

    def __init__(self, tree: Path) -> None:
        self.folders = {name: tree / folder for name, folder in package_dir(tree).items()}

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        folder = self.folders.get(fullname)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(
            fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )


def _emulator(tree: Path) -> tuple[Any, Any, Any]:
    """(create_app, load_file, ServerThread) of the checkout at ``tree``, in any of its
    layouts: the folders mapped by package-dir (src/ismart_sms_kit/, 0.2 on), a folder
    ismart_sms_kit/ of symlinks to them (0.2 before), a top-level mock_server (0.1)."""
    if (tree / "src" / "ismart_sms_kit").is_dir():
        sys.meta_path.insert(0, _MappedTree(tree))
        package = "ismart_sms_kit.mock_server"
    else:
        sys.path.insert(0, str(tree))
        symlinked = (tree / "ismart_sms_kit").is_dir()
        package = "ismart_sms_kit.mock_server" if symlinked else "mock_server"
    app, config, server = (
        importlib.import_module(f"{package}.{name}") for name in ("app", "config", "server")
    )
    return app.create_app, config.load_file, server.ServerThread


def count(tree: Path, requests: int) -> dict[str, Any]:
    """Opcodes per request and per function, counted in this interpreter (run it fresh)."""
    create_app, load_file, server_thread = _emulator(tree)
    # after: the harness imports the package, which must be this tree's
    from benchmarks.harness import BENCH_CONFIG, SAMPLE_BODY, SEND_PATH

    request = (  # harness.SAMPLE_REQUEST, kept alive: one connection for all of them
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
        % (SEND_PATH.encode(), len(SAMPLE_BODY), SAMPLE_BODY)
    )

    counts: collections.Counter[str] = collections.Counter()
    counting = threading.Event()

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if not counting.is_set():
            return None
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts["/".join(Path(code.co_filename).parts[-2:]) + ":" + code.co_name] += 1
        return tracer

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.yaml"
        config.write_text(BENCH_CONFIG, encoding="utf-8")
        threading.settrace(tracer)  # the server's thread, started below, is traced
        server = server_thread(create_app(load_file(config))).start()
        threading.settrace(None)
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:

                def send_one() -> None:
                    sock.sendall(request)
                    answer = b""
                    while not answer.endswith(b"\r\n\r\n1"):
                        chunk = sock.recv(4096)
                        if not chunk or len(answer) > 4096:
                            raise RuntimeError(f"not the answer 1: {answer[-200:]!r}")
                        answer += chunk

                for _ in range(WARM_UP):
                    send_one()
                counting.set()
                for _ in range(requests):
                    send_one()
                counting.clear()
        finally:
            server.stop()
    return {
        "per_request": sum(counts.values()) / requests,
        "functions": {name: n / requests for name, n in counts.most_common()},
    }


def _count_in_child(tree: Path, requests: int) -> dict[str, Any]:
    code = (
        "import json, sys; from pathlib import Path; from benchmarks.opcodes import count; "
        f"print(json.dumps(count(Path({str(tree)!r}), {requests})))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"counting in {tree} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests counted")
    parser.add_argument("--tree", type=Path, default=ROOT, help="a checkout (default: this)")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    args = parser.parse_args(argv)
    result = _count_in_child(args.tree.resolve(), args.requests)
    print(f"{args.tree}: {result['per_request']:.0f} Python opcodes per request")
    for name, n in list(result["functions"].items())[: args.top]:
        print(f"  {n:8.1f}  {name}")


if __name__ == "__main__":
    main()
