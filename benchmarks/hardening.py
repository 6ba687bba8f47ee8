"""Issue 19's figures, measured by hand (not a test, never in CI): loopback only, bounded.

    python -m benchmarks.hardening flood       # RSS after 64 KiB empty-parameter requests
    python -m benchmarks.hardening halfclose   # answers to half-closed clients, SQLite, 2 workers
    python -m benchmarks.hardening streams     # gateway p50 beside 200 idle scoped streams
    python -m benchmarks.hardening slow        # how long a slow connection stays open

Each starts its own ``ismart-mock`` on a free port and prints what it measured, with the load
average before and after.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import requests

from ismart_sms_kit.protocol.spec import SEND_PATH
from tests.conftest import SAMPLE
from tests.processes import MockProcess, running


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post(path: str, body: bytes, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def read_answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return body


def flood(requests_count: int, threads: int) -> None:
    pieces: list[str] = []
    while sum(map(len, pieces)) + len(pieces) < 65_536 - 16:
        pieces.append(f"{len(pieces)}=")
    body = "&".join(pieces).encode()
    print(f"flood: {requests_count} requests of {len(body)} bytes, {len(pieces)} empty parameters")
    with running() as mock:
        print(f"  RSS at start: {rss_mib(mock.proc.pid):.0f} MiB")
        raw = post(SEND_PATH, body)
        left = [requests_count]
        lock = threading.Lock()

        def client() -> None:
            with socket.create_connection(("127.0.0.1", mock.port), timeout=30) as sock:
                while True:
                    with lock:
                        if left[0] <= 0:
                            return
                        left[0] -= 1
                        if left[0] % 1000 == 0:
                            done = requests_count - left[0]
                            rss = rss_mib(mock.proc.pid)
                            print(f"  {done} sent, RSS {rss:.0f} MiB", flush=True)
                    sock.sendall(raw)
                    assert read_answer(sock) == b"15"

        started = time.monotonic()
        workers = [threading.Thread(target=client) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        took = time.monotonic() - started
        health = requests.get(mock.url + "/_mock/api/health", timeout=30).json()
        print(f"  {requests_count} requests in {took:.0f} s; journal {health['requests']} entries")
        print(f"  RSS after the flood: {rss_mib(mock.proc.pid):.0f} MiB")
        page = requests.get(mock.url + "/_mock/api/requests?limit=10000", timeout=120)
        print(f"  GET /_mock/api/requests?limit=10000: {len(page.content) / 2**20:.1f} MiB")
        print(f"  one entry's params_cut: {page.json()[0]['params_cut']}")


def half_closed(port: int, body: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(post(SEND_PATH, body, "Connection: close\r\n"))
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def halfclose(clients: int, workers: int) -> None:
    body = urlencode(SAMPLE).encode()
    with tempfile.TemporaryDirectory() as tmp:
        state = f"sqlite:{Path(tmp) / 'state.sqlite'}"
        with running("--state", state, "--workers", str(workers)) as mock:
            answers: list[bytes] = []
            lock = threading.Lock()

            def client() -> None:
                answer = half_closed(mock.port, body)
                with lock:
                    answers.append(answer)

            threads = [threading.Thread(target=client) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stored = requests.get(mock.url + "/_mock/api/health", timeout=30).json()["messages"]
            output = mock.stop()
    answered = sum(1 for a in answers if a.startswith(b"HTTP/1.1 200") and a.endswith(b"\r\n1"))
    errors = output.count("RuntimeError") + output.count("Traceback")
    print(
        f"half-close, SQLite, {workers} workers: {answered}/{clients} answered 1, "
        f"{stored} messages stored, {errors} errors logged"
    )


def probe_p50(mock: MockProcess, count: int) -> float:
    times = []
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            assert session.post(mock.send_url, data=SAMPLE, timeout=30).text == "1"
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def streams(count: int, messages: int, state: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "c.yaml"
        config.write_text(f"settings: {{message_cap: {messages + 5000}}}\n", encoding="utf-8")
        args = ["--config", str(config)]
        if state == "sqlite":
            args += ["--state", f"sqlite:{Path(tmp) / 'state.sqlite'}"]
        with running(*args) as mock:
            numbers = ",".join(f"968991{i:05d}" for i in range(50))
            with requests.Session() as session:
                for _ in range(messages // 50):
                    data = {**SAMPLE, "MobileNo": numbers}
                    assert session.post(mock.send_url, data=data, timeout=30).text == "1"
            alone = probe_p50(mock, 300)
            socks = []
            for i in range(count):
                sock = socket.create_connection(("127.0.0.1", mock.port), timeout=30)
                path = f"/_mock/api/events?scope=idle{i}"
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
                socks.append(sock)
            for sock in socks:
                head = b""
                while b"event: health" not in head:
                    head += sock.recv(4096)
            time.sleep(1)
            beside = probe_p50(mock, 300)
            for sock in socks:
                sock.close()
    print(
        f"gateway p50, {state}, {messages} messages stored: {alone:.2f} ms alone, "
        f"{beside:.2f} ms beside {count} idle scoped event streams"
    )


def slow(sent: bytes) -> None:
    with (
        running() as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=60) as sock,
    ):
        started = time.monotonic()
        sock.sendall(sent)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        took = time.monotonic() - started
    print(f"slow connection ({sent[:30]!r}...): closed after {took:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hardening")
    parser.add_argument("what", choices=["flood", "halfclose", "streams", "slow"])
    parser.add_argument("--requests", type=int, default=10_500)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--messages", type=int, default=12_000)
    parser.add_argument("--state", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.what == "flood":
        flood(args.requests, args.threads)
    elif args.what == "halfclose":
        halfclose(args.clients, args.workers)
    elif args.what == "streams":
        streams(args.streams, args.messages, args.state)
    else:
        slow(f"POST {SEND_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le".encode())
        slow(b"")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
