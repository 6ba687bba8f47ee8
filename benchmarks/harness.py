"""What ``make bench`` and ``make bench-soak`` share: real server processes on free loopback
ports, wrk runs, and readings from ``/proc`` (RSS, CPU time of a process tree, the machine's
busy time, so that a run can say how much CPU others used while it ran).

Linux only (``/proc``, ``taskset``); loopback only; every run is bounded in time.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ismart_sms_kit.mock_server.server import free_port

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
POST_LUA = BENCH_DIR / "post.lua"
SEND_PATH = "/iBulkSMS/HttpWS/SMSDynamicRefIntlAPI.aspx"
SAMPLE_BODY = (
    b"UserId=ismartsms&Password=ismartsms&MobileNo=96899123456&Message=TestMessage"
    b"&PushDateTime=03%2F04%2F2018+07%3A30%3A00&Lang=0&Header=AnyHeader&referenceIds=101"
)
"""The vendor's sample request (``post.lua`` sends the same bytes)."""
SAMPLE_REQUEST = (
    b"POST " + SEND_PATH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: "
    + str(len(SAMPLE_BODY)).encode()
    + b"\r\nConnection: close\r\n\r\n"
    + SAMPLE_BODY
)
BENCH_CONFIG = """\
# make bench: the sample account with credit that a long run cannot spend, so every answer is 1
accounts:
  - {user_id: ismartsms, password: ismartsms, company: Infocomm Demo, headers: [AnyHeader],
     credit: 1000000000000}
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The servers' environment: Python may cache the bytecode it compiles, as a ``pip install``
leaves it compiled, so that start-up is measured as users start (with the variable set, every
start compiles every module again: a quarter of a second on a slow machine)."""
UVICORN_FLAGS = [
    "--loop",
    "uvloop",
    "--http",
    "httptools",
    "--no-access-log",
    "--no-proxy-headers",
]
"""The baseline's uvicorn settings; ``ismart-mock`` sets the same by itself (uvloop, its
httptools protocol, no access log, no proxy headers), and both get ``--log-level warning``."""


def publish(text: str, out: Path) -> None:
    """Print a report and write it to ``out`` (the committed results file)."""
    print()
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("benchmarks: wrk not found (make bench installs it: apt-get install wrk)")
    return path


def bench_config(directory: Path) -> Path:
    path = directory / "bench.yaml"
    path.write_text(BENCH_CONFIG, encoding="utf-8")
    return path


# /proc readings ---------------------------------------------------------------------------------
def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's worker processes)."""
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``, not idle or iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# servers ----------------------------------------------------------------------------------------
def sample_answer(port: int, timeout: float = 2.0) -> bytes | None:
    """The body the server answers to the sample request (None if not 200 or unreachable)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(SAMPLE_REQUEST)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return None
    return body


@dataclass
class Server:
    name: str
    argv: list[str]
    cpus: str | None = None
    """``taskset -c`` list, or None: unpinned."""
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    startup_s: float = 0.0
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        """Spawn it and wait for the first ``1``; ``startup_s`` is spawn to that answer."""
        argv = [arg.replace("{port}", str(self.port)) for arg in self.argv]
        if self.cpus is not None:
            argv = ["taskset", "-c", self.cpus, *argv]
        fd, log = tempfile.mkstemp(prefix=f"bench-{self.name}-", suffix=".log")
        self.log = Path(log)
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdout=fd,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
            env=SERVER_ENV,
        )
        os.close(fd)
        deadline = started + timeout
        while True:
            body = sample_answer(self.port, timeout=1.0)
            if body == b"1":
                self.startup_s = time.perf_counter() - started
                return self
            if body is not None:
                self.stop()
                sys.exit(f"benchmarks: {self.name} answered {body!r} to the sample, not 1")
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                self.stop()
                sys.exit(f"benchmarks: {self.name} did not start:\n{self.log.read_text()}")
            time.sleep(0.002)

    @property
    def pids(self) -> list[int]:
        return process_tree(self.proc.pid) if self.proc is not None else []

    def rss_kib(self) -> int:
        """VmRSS of the process and its descendants (the workers), summed."""
        return sum(rss_kib(pid) for pid in self.pids)

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=5)
        if self.log is not None:
            self.log.unlink(missing_ok=True)


def emulator(name: str, *args: str, cpus: str | None = None) -> Server:
    argv = [
        sys.executable,
        "-m",
        "ismart_sms_kit.mock_server",
        "--port",
        "{port}",
        "--log-level",
        "warning",
    ]
    return Server(name, [*argv, *args], cpus=cpus)


def unshared_workers(name: str, directory: Path, *args: str) -> Server:
    """The control of ``--workers 2``: two workers, a state file each
    (``benchmarks/unshared_workers.py``)."""
    argv = [sys.executable, "-m", "benchmarks.unshared_workers", "--port", "{port}"]
    return Server(name, [*argv, "--dir", str(directory), "--", *args])


def baseline(name: str = "baseline", cpus: str | None = None) -> Server:
    argv = [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--host", "127.0.0.1"]
    return Server(name, [*argv, "--port", "{port}", *UVICORN_FLAGS, "--log-level", "warning"], cpus)


# wrk --------------------------------------------------------------------------------------------
@dataclass
class WrkRun:
    server: str
    seconds: float
    requests: int
    ok: int
    bad: int
    first_bad: str
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float
    wrk_cpu_s: float
    other_cpu_s: float
    """CPU seconds the rest of the machine used meanwhile (busy time less server and wrk)."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_us_per_request(self) -> float:
        return 1e6 * self.server_cpu_s / self.requests if self.requests else 0.0


def run_wrk(
    server: Server,
    seconds: float,
    *,
    connections: int = 64,
    threads: int = 1,
    cpus: str | None = None,
) -> WrkRun:
    """One wrk run of the sample POST against ``server``, ``seconds`` long."""
    argv = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(POST_LUA),
        server.url + SEND_PATH,
    ]
    if cpus is not None:
        argv = ["taskset", "-c", cpus, *argv]
    busy0, server0 = machine_busy_seconds(), server.cpu_seconds()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        server_cpu = server.cpu_seconds() - server0
        busy = machine_busy_seconds() - busy0
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode != 0 or "SUMMARY" not in text:
        sys.exit(f"benchmarks: wrk failed ({proc.returncode}):\n{text}")
    wrk_cpu = usage.ru_utime + usage.ru_stime

    def numbers(tag: str) -> dict[str, str]:
        line = next(x for x in text.splitlines() if x.startswith(tag + " "))
        return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))

    answers, latency, summary = numbers("ANSWERS"), numbers("LATENCY"), numbers("SUMMARY")
    errors = sum(int(v) for k, v in summary.items() if k.startswith("errors_"))
    return WrkRun(
        server=server.name,
        seconds=int(summary["duration_us"]) / 1e6,
        requests=int(summary["requests"]),
        ok=int(answers["ok"]),
        bad=int(answers["bad"]),
        first_bad=answers["first_bad"].strip('"'),
        socket_errors=errors,
        p50_ms=int(latency["p50_us"]) / 1000,
        p90_ms=int(latency["p90_us"]) / 1000,
        p99_ms=int(latency["p99_us"]) / 1000,
        max_ms=int(latency["max_us"]) / 1000,
        server_cpu_s=server_cpu,
        wrk_cpu_s=wrk_cpu,
        other_cpu_s=max(0.0, busy - server_cpu - wrk_cpu),
    )


def counted_ones(server: Server) -> int:
    """How many requests the emulator itself counted as answered 1 (``/_mock/api/metrics``)."""
    request = b"GET /_mock/api/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    text = data.decode("utf-8", "replace")
    total = 0
    for match in re.finditer(r"^ismart_requests_total\{([^}]*)\} (\S+)$", text, re.MULTILINE):
        if 'code="1"' in match.group(1) and 'http_status="200"' in match.group(1):
            total += int(float(match.group(2)))
    return total
