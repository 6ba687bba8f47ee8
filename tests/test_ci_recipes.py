"""The CI recipes of docs/ci/ (docs/install.md, "In CI") name this version and build what they
run. tests/test_install.py runs the plain ones' commands as written; the service ones build a
container image (docker), which is read here, not run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import ismart_sms_kit
from tools import release

CI = Path(__file__).resolve().parent.parent / "docs" / "ci"
VERSION = ismart_sms_kit.__version__
TAG = f"v{VERSION}"


def recipe(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((CI / name).read_text(encoding="utf-8"))
    return document


def test_the_github_service_recipe_builds_the_tagged_image_it_runs() -> None:
    jobs = recipe("github-actions-service.yml")["jobs"]
    build = jobs["ismart-image"]
    checkout = build["steps"][0]
    assert checkout["with"] == {
        "repository": "your-org/ismart-sms-kit",
        "ref": TAG,
        "path": "ismart-sms-kit",
    }
    (step,) = [s for s in build["steps"] if "run" in s]
    image = step["env"]["IMAGE"]
    assert image == f"ghcr.io/${{{{ github.repository_owner }}}}/ismart-mock:{VERSION}"
    assert 'docker build -t "$IMAGE" -f ismart-sms-kit/Containerfile ismart-sms-kit' in step["run"]
    assert 'docker push "$IMAGE"' in step["run"]
    assert build["permissions"]["packages"] == "write"
    test = jobs["test"]
    assert test["needs"] == "ismart-image"
    service = test["services"]["ismart"]
    assert service["image"] == image
    interval = re.search(r"--health-interval (\d+)s", service["options"])
    assert interval is not None and int(interval.group(1)) <= 1, "steps start within a second"


def test_the_gitlab_service_recipe_builds_the_tagged_image_it_runs() -> None:
    document = recipe("gitlab-ci-service.yml")
    assert document["stages"] == ["build", "test"]
    build = document["ismart-image"]
    assert build["variables"] == {
        "ISMART_REPO": "https://github.com/your-org/ismart-sms-kit.git",
        "ISMART_REF": TAG,
    }
    image = f"$CI_REGISTRY_IMAGE/ismart-mock:{VERSION}"
    script = "\n".join(build["script"])
    assert f'docker build -t "{image}" -f Containerfile "$ISMART_REPO#$ISMART_REF"' in script
    assert f'docker push "{image}"' in script
    test = document["test"]
    assert test["stage"] == "test"
    assert test["services"] == [{"name": image, "alias": "ismart"}]


@pytest.mark.parametrize(
    "name", ["github-actions-plain.yml", "gitlab-ci-plain.yml", "gitlab-ci-service.yml"]
)
def test_every_wait_loop_is_quiet(name: str) -> None:
    """A loop that polls before the emulator is up prints nothing for each refused try
    (``curl -sf -o /dev/null``; ``-S`` would print ``curl: (7) ...`` every 0.2 s). GitHub's
    service recipe has none: GitHub waits for the service's health check."""
    loops = [
        line for line in (CI / name).read_text(encoding="utf-8").splitlines() if "for i in" in line
    ]
    assert loops, "each recipe waits for the health answer"
    for line in loops:
        assert "curl -sf -o /dev/null " in line and "-fsS" not in line, line


def test_every_install_line_pins_this_version_and_make_release_says_which_does_not() -> None:
    assert release.stale_pins(VERSION) == []
    stale = release.stale_pins("9.9.9")
    assert any(s.startswith("docs/ci/gitlab-ci-plain.yml:") for s in stale), stale
    assert any(s.startswith("README.md:") and f"@v{VERSION}" in s for s in stale), stale
    assert any(f"ismart-mock:{VERSION}" in s for s in stale), stale
