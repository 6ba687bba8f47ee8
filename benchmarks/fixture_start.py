"""What the ``ismart_mock`` fixture's first use costs a test session: ``python -m
benchmarks.fixture_start [--trials N]``.

Each trial is a fresh Python process (nothing imported yet, as in a host project's pytest run)
that measures two steps with ``time.perf_counter``: importing
:mod:`ismart_sms_kit.mock_fixture` (the emulator, Starlette, uvicorn, the client's
``MockAdmin``: what the plugin loads when a test first asks for the fixture), then
``running_mock`` until the emulator answers a first admin request. Prints each trial and the
medians; docs/admin-api.md ("The pytest fixture") quotes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

TRIAL = """
import json, time
t0 = time.perf_counter()
from ismart_sms_kit.mock_fixture import running_mock
from ismart_sms_kit.mock_server.config import Config
t1 = time.perf_counter()
with running_mock(Config(seed=0)) as mock:
    assert mock.rules() == []  # an answer over HTTP
    t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "start_s": t2 - t1}))
"""


def trial() -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", TRIAL], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fixture_start")
    parser.add_argument("--trials", type=int, default=7)
    args = parser.parse_args(argv)
    trials = []
    for i in range(args.trials):
        result = trial()
        trials.append(result)
        print(
            f"trial {i + 1}: import {result['import_s'] * 1000:.0f} ms, "
            f"start to the first answer {result['start_s'] * 1000:.0f} ms",
            flush=True,
        )
    imports = statistics.median(t["import_s"] for t in trials) * 1000
    starts = statistics.median(t["start_s"] for t in trials) * 1000
    print(
        f"median of {args.trials}: import {imports:.0f} ms + start {starts:.0f} ms "
        f"= {imports + starts:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
