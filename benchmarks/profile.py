"""``make profile``: where one worker's CPU goes under ``make bench``'s load, C included.

Starts the emulator (or ``--baseline``) as ``make bench`` does (one worker, memory state, pinned
to CPU 0), loads it with wrk on CPU 1 (the sample request, 64 connections), and records it
with py-spy, a sampling profiler that sees time spent in C (``--native``: uvloop, httptools,
``dict`` and ``str`` methods, the socket write) as well as in Python. Writes a speedscope
profile (open it at https://www.speedscope.app) and prints the functions with the most
samples, by self time and by total time.

    python -m benchmarks.profile [--seconds 15] [--rate 200] [--out benchmarks/results/profile]

py-spy must be installed (``pip install py-spy``) and allowed to read the server's memory: as
root, or with ``kernel.yama.ptrace_scope`` at 0 (py-spy starts the server itself, so a
ptrace_scope of 1 is enough). Loopback only, bounded in time; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.harness import BENCH_DIR, Server, baseline, bench_config, emulator, run_wrk


def _py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        sys.exit("benchmarks.profile: py-spy not found (pip install py-spy)")
    return found


def top_functions(profile: Path, limit: int) -> str:
    """The functions with the most samples in a speedscope profile (every thread's)."""
    data = json.loads(profile.read_text(encoding="utf-8"))
    names = [f"{f['name']} ({Path(f.get('file') or '?').name})" for f in data["shared"]["frames"]]
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0.0
    count = 0
    for thread in data["profiles"]:
        for stack, weight in zip(thread["samples"], thread["weights"], strict=True):
            if not stack:
                continue
            samples += weight
            count += 1
            own[names[stack[-1]]] += weight
            for name in {names[i] for i in stack}:
                total[name] += weight
    if not samples:
        return "no samples (is py-spy allowed to read the server's memory?)\n"
    out = [f"{count} samples", "", "self time:"]
    out += [f"  {100 * n / samples:5.1f}%  {name}" for name, n in own.most_common(limit)]
    out += ["", "total time (the function and what it calls):"]
    out += [f"  {100 * n / samples:5.1f}%  {name}" for name, n in total.most_common(limit)]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to record")
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--baseline", action="store_true", help="profile the baseline app")
    parser.add_argument("--no-native", action="store_true", help="Python frames only")
    parser.add_argument("--top", type=int, default=25, help="functions to print")
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH_DIR / "results" / "profile",
        help="the profile's path, without its suffix (.speedscope.json)",
    )
    args = parser.parse_args(argv)
    py_spy = _py_spy()
    pinned = (os.cpu_count() or 1) >= 2
    server_cpus, wrk_cpus = ("0", "1") if pinned else (None, None)
    out = args.out.with_name(args.out.name + ".speedscope.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ismart-profile-") as tmp:
        config = bench_config(Path(tmp))
        server: Server = (
            baseline(cpus=server_cpus)
            if args.baseline
            else emulator("emulator", "--config", str(config), cpus=server_cpus)
        )
        server.start()
        try:
            run_wrk(server, 2, cpus=wrk_cpus)  # warm-up
            assert server.proc is not None
            native = [] if args.no_native else ["--native"]
            common = [py_spy, "record", "--pid", str(server.proc.pid), "--rate", str(args.rate)]
            common += ["--duration", str(max(1, round(args.seconds))), *native]
            recorder = subprocess.Popen([*common, "--format", "speedscope", "-o", str(out)])
            time.sleep(0.5)  # py-spy attached
            run = run_wrk(server, args.seconds + 1, cpus=wrk_cpus)
            recorder.wait(timeout=args.seconds + 60)
            print(
                f"{server.name}: {run.rps:,.0f} req/s under the profiler, "
                f"{run.server_cpu_us_per_request:.0f} µs of server CPU per request"
            )
            print(top_functions(out, args.top) if out.exists() else "no profile written")
        finally:
            server.stop()
    print(f"profile written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
