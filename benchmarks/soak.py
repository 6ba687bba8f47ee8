"""``make bench-soak``: does memory stay flat? 1,000,000 sample requests against one worker with
the default caps (``message_cap`` and ``journal_cap`` 10,000), RSS sampled about every 100,000
requests. Not in CI; bounded in time (``--max-seconds``); it prints, it never fails on a figure.

Load: Debian's wrk, one thread, 64 keep-alive connections, in chunks sized to ~100,000
requests; server pinned to CPU 0 and wrk to CPU 1 on a machine with two cores or more.

    python -m benchmarks.soak [--requests 1000000] [--out benchmarks/results/soak.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.harness import (
    BENCH_DIR,
    bench_config,
    counted_ones,
    cpu_model,
    emulator,
    publish,
    run_wrk,
    wrk_path,
)

TARGET_GROWTH_MB = 20.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000, help="requests between samples")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop by then anyway")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "soak.md")
    args = parser.parse_args(argv)
    wrk_path()
    pinned = (os.cpu_count() or 1) >= 2
    server_cpus, wrk_cpus = ("0", "1") if pinned else (None, None)
    rows: list[tuple[int, float, float, int]] = []
    with tempfile.TemporaryDirectory(prefix="ismart-soak-") as tmp:
        server = emulator("soak", "--config", str(bench_config(Path(tmp))), cpus=server_cpus)
        server.start()
        try:
            start_rss = server.rss_kib() / 1024
            print(f"soak: RSS after start-up {start_rss:.1f} MiB", flush=True)
            began = time.monotonic()
            done = ok = bad = 0
            chunk_s = 10.0
            while done < args.requests and time.monotonic() - began < args.max_seconds:
                run = run_wrk(server, chunk_s, connections=args.connections, cpus=wrk_cpus)
                done += run.requests
                ok += run.ok
                bad += run.bad + run.socket_errors
                rss = server.rss_kib() / 1024
                rows.append((done, rss, run.rps, run.bad + run.socket_errors))
                print(
                    f"  {done:>9,} requests  RSS {rss:6.1f} MiB (+{rss - start_rss:5.1f})  "
                    f"{run.rps:7.0f} req/s  p99 {run.p99_ms:.2f} ms  not 1: "
                    f"{run.bad + run.socket_errors}",
                    flush=True,
                )
                remaining = args.requests - done
                chunk_s = max(1.0, min(60.0, min(args.every, remaining) / max(run.rps, 1.0)))
            elapsed = time.monotonic() - began
            counted = counted_ones(server)
        finally:
            server.stop()
    end_rss = rows[-1][1] if rows else start_rss
    first_rss = rows[0][1] if rows else start_rss
    growth = end_rss - start_rss
    lines = [
        "# make bench-soak",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"machine: {os.cpu_count()} cores, {cpu_model()}",
        "- one worker, memory state, default caps (message_cap, journal_cap 10,000); "
        f"wrk 1 thread, {args.connections} connections"
        + ("; server on CPU 0, wrk on CPU 1" if pinned else ""),
        f"- {done:,} requests in {elapsed:.0f} s; answers: {ok:,} `1`, {bad} other; "
        f"the emulator counted {counted:,} answered 1 (start-up probe included)",
        "",
        "| requests | RSS MiB | growth since start-up MiB | req/s of the chunk | not 1 |",
        "|---:|---:|---:|---:|---:|",
        f"| 0 (started) | {start_rss:.1f} | 0.0 | | |",
    ]
    lines += [
        f"| {n:,} | {rss:.1f} | {rss - start_rss:+.1f} | {rps:,.0f} | {b} |"
        for n, rss, rps, b in rows
    ]
    met = growth * 1.048576 < TARGET_GROWTH_MB and done >= args.requests
    lines += [
        "",
        f"RSS growth over the run: {growth:+.1f} MiB ({growth * 1.048576:+.1f} MB) from start-up, "
        f"{end_rss - first_rss:+.1f} MiB after the first sample (the caps fill during the first "
        f"10,000 requests). Target < {TARGET_GROWTH_MB:g} MB: "
        + ("met" if met else "**NOT met**")
        + ("" if done >= args.requests else f" (stopped at {done:,} requests by --max-seconds)"),
    ]
    text = "\n".join(lines) + "\n"
    publish(text, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
