"""The packages of the build: found in the folders pyproject.toml's package-dir maps.

pyproject.toml says everything else. This script only lists the packages, every folder with an
``__init__.py`` inside each mapped folder (a new subpackage needs no edit here), and stops a
build whose folders are missing or hold no package: an incomplete checkout (a sparse one, a
copy that left a folder out) would otherwise build a package without its modules, and that
would only show at its first use (docs/architecture.md, "Layout").
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.config.pyprojecttoml import load_file

ROOT = Path(__file__).resolve().parent
PACKAGE = "ismart_sms_kit"
# What each mapped folder must hold, beyond its __init__.py: the ready scenarios.
REQUIRED = {f"{PACKAGE}.scenarios": ("rules/*.yaml", "accounts/*.yaml")}


def packages(package_dir: dict[str, str]) -> list[str]:
    found = []
    problems = []
    for name, folder in package_dir.items():
        path = ROOT / folder
        if not (path / "__init__.py").is_file():
            problems.append(f"{folder}/__init__.py (package {name}) is missing")
            continue
        problems += [
            f"{folder}/{pattern} (package {name}) matches no file"
            for pattern in REQUIRED.get(name, ())
            if not any(path.glob(pattern))
        ]
        found.append(name)
        found += [f"{name}.{sub}" for sub in find_packages(str(path))]
    if problems:
        raise SystemExit(
            f"{PACKAGE}: this checkout is incomplete, the build would miss modules:\n  "
            + "\n  ".join(problems)
            + "\n(a full clone of the repository has them all)"
        )
    return sorted(found)


setup(packages=packages(load_file(ROOT / "pyproject.toml")["tool"]["setuptools"]["package-dir"]))
