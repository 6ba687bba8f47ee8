"""container/image-test.sh (``make image-test``) cleans up after itself, with names of its own.

Run with a stand-in ``podman`` (and ``debootstrap``, ``chroot``, ``runc``) that records its
arguments and fails the image build: the script must stop and remove the container, the volume
and the image of this run, and the base image only when this run built it. The real run
(minutes, root) is ``make image-test``; this is its clean-up path, in a second."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parent.parent
STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1 $2" in
  "image exists") exit {base_exists} ;;
  "build "*) echo "the build failed (a stand-in)" >&2; exit 1 ;;
esac
exit 0
"""


def run_script(tmp_path: Path, base_exists: bool) -> tuple[int, str, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("podman", "debootstrap", "chroot", "runc"):
        stub = bin_dir / tool
        stub.write_text(STUB.format(log=log, base_exists=0 if base_exists else 1))
        stub.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PORT", "IMAGE", "KEEP_BASE")},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PODMAN": "podman",
        "BASE": "localhost/base-under-test:1",
    }
    result = subprocess.run(
        ["sh", "container/image-test.sh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr, log.read_text().splitlines()


@pytest.mark.parametrize("base_exists", [True, False])
def test_a_failed_build_removes_what_this_run_made(tmp_path: Path, base_exists: bool) -> None:
    code, out, calls = run_script(tmp_path, base_exists)
    assert code != 0 and "the build failed (a stand-in)" in out, out
    (build,) = [c for c in calls if c.startswith("podman build")]
    image = re.search(r"-t (localhost/ismart-sms-kit:image-test-[\w-]+)", build)
    assert image is not None, build
    run_id = image.group(1).rsplit("image-test-", 1)[1]
    assert f"podman rm -f -t 2 ismart-sms-kit-image-test-{run_id}" in calls
    assert f"podman volume rm -f ismart-sms-kit-image-test-{run_id}" in calls
    assert f"podman rmi -f {image.group(1)}" in calls
    removed_base = "podman rmi -f localhost/base-under-test:1" in calls
    assert removed_base is not base_exists, "the base image goes only when this run built it"


def test_two_runs_have_names_of_their_own(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    names = []
    for folder in ("a", "b"):
        _, _, calls = run_script(tmp_path / folder, base_exists=True)
        (build,) = [c for c in calls if c.startswith("podman build")]
        names.append(re.findall(r"-t (\S+)", build)[0])
    assert names[0] != names[1]
