"""``make release``: build the sdist and the wheel of the commit checked out, check them, and
print the tag to push.

The build runs in a ``git -c core.symlinks=false clone`` of HEAD (what a user's
``pip install git+...`` builds; uncommitted changes are left out, and said so). Checked:

* the metadata of both (``twine check`` too when twine is installed): name, this version,
  Requires-Python, the licence, the README as a Markdown description, the ``contract`` extra;
* the wheel's contents: every file of the folders pyproject.toml maps into the package that
  belongs in it (modules, the inbox's static files, the ready scenarios), ``py.typed``, the
  entry points, and nothing of the repository's own tests or benchmarks;
* the sdist: everything the wheel is built from, and no ``tests/``;
* CHANGELOG.md names this version (a release should carry its date there; said if not), and
  the install lines of the README, docs/install.md and docs/ci/ pin it.

The version has one place, ``src/ismart_sms_kit/__init__.py``; the tag is ``v`` and it.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ismart_sms_kit"
NAME = "ismart-sms-kit"
# Files of the mapped folders that belong in the wheel (pyproject.toml's package-data, and code).
IN_WHEEL = ("*.py", "py.typed", "*/inbox/static/*", "rules/*.yaml", "accounts/*.yaml")
ENTRY_POINTS = (
    "ismart-mock = ismart_sms_kit.mock_server.cli:main",
    "ismart-sms = ismart_sms_kit.client.cli:main",
    "ismart_mock = ismart_sms_kit.pytest_plugin",
)


def git(*args: str | Path, cwd: Path = ROOT, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["git", *map(str, args)], cwd=cwd, input=stdin, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(map(str, args))}: {result.stderr.strip()}")
    return result.stdout


def version(root: Path = ROOT) -> str:
    """``__version__`` as src/ismart_sms_kit/__init__.py sets it (the one place)."""
    text = (root / "src" / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    if found is None:
        raise SystemExit("src/ismart_sms_kit/__init__.py sets no __version__")
    return found.group(1)


def package_dir(root: Path = ROOT) -> dict[str, str]:
    """pyproject.toml's ``[tool.setuptools.package-dir]``: each package and its folder (read
    as the plain table it is: tomllib is 3.11+, setuptools has no type stubs)."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-dir]\n", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r'^"([\w.]+)" = "([\w/.-]+)"$', section, re.M))


def clone(destination: Path, *, with_changes: bool = False, root: Path = ROOT) -> Path:
    """``git -c core.symlinks=false clone`` of ``root`` at HEAD into ``destination``; with
    ``with_changes``, the working tree's uncommitted changes to tracked files applied."""
    git("-c", "core.symlinks=false", "clone", "--quiet", "--no-checkout", root, destination)
    head = git("rev-parse", "HEAD", cwd=root).strip()
    git("-c", "core.symlinks=false", "checkout", "--quiet", head, cwd=destination)
    if with_changes:
        diff = git("diff", "HEAD", "--binary", cwd=root)
        if diff:
            git("apply", "--whitespace=nowarn", cwd=destination, stdin=diff)
    return destination


def build(source: Path, outdir: Path) -> tuple[Path, Path]:
    """``python -m build`` (the sdist, then the wheel from it) without an isolated environment:
    the dev extra's setuptools and build, so it works offline."""
    outdir.mkdir(parents=True, exist_ok=True)
    for old in [*outdir.glob(f"{PACKAGE}-*.tar.gz"), *outdir.glob(f"{PACKAGE}-*.whl")]:
        old.unlink()
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(outdir)]
    result = subprocess.run([*command, str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    (sdist,) = outdir.glob(f"{PACKAGE}-*.tar.gz")
    (wheel,) = outdir.glob(f"{PACKAGE}-*.whl")
    return sdist, wheel


def expected_wheel_files(root: Path = ROOT) -> set[str]:
    """What the wheel must hold of the repository: each tracked file of a mapped folder that
    belongs in a package, under its installed name."""
    expected = set()
    for package, folder in package_dir(root).items():
        installed = PurePosixPath(*package.split("."))
        for path in git("ls-files", folder, cwd=root).split():
            relative = PurePosixPath(path).relative_to(folder)
            if any(fnmatch.fnmatch(str(relative), pattern) for pattern in IN_WHEEL):
                expected.add(str(installed / relative))
    return expected


def check_metadata(text: str, release: str, where: str) -> list[str]:
    meta = HeaderParser().parsestr(text)
    wanted = {
        "Name": NAME,
        "Version": release,
        "License-Expression": "MIT",
        "Description-Content-Type": "text/markdown",
    }
    problems = [
        f"{where}: {key} is {meta.get(key)!r}, not {value!r}"
        for key, value in wanted.items()
        if meta.get(key) != value
    ]
    if not (meta.get("Requires-Python") or "").startswith(">="):
        problems.append(f"{where}: no Requires-Python")
    if "contract" not in (meta.get_all("Provides-Extra") or []):
        problems.append(f"{where}: no contract extra")
    if "# ismart-sms-kit" not in meta.get_payload():
        problems.append(f"{where}: the description is not the README")
    return problems


def check_wheel(wheel: Path, release: str, root: Path = ROOT) -> list[str]:
    info = f"{PACKAGE}-{release}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        if f"{info}/METADATA" not in names:
            return [f"{wheel.name}: no {info}/METADATA (another version?)"]
        problems = check_metadata(archive.read(f"{info}/METADATA").decode(), release, wheel.name)
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    missing = sorted(expected_wheel_files(root) - names)
    problems += [f"{wheel.name}: {name} is missing" for name in missing]
    for required in (f"{PACKAGE}/py.typed", f"{PACKAGE}/scenarios/rules/flaky.yaml"):
        if required not in names:
            problems.append(f"{wheel.name}: {required} is missing")
    problems += [
        f"{wheel.name}: entry point {line!r} is missing"
        for line in ENTRY_POINTS
        if line not in entry_points
    ]
    tops = {name.split("/")[0] for name in names}
    if tops != {PACKAGE, info}:
        problems.append(f"{wheel.name}: other top-level names {sorted(tops - {PACKAGE, info})}")
    foreign = [
        name
        for name in names
        if name.startswith((f"{PACKAGE}/tests/", f"{PACKAGE}/benchmarks/"))
        or "__pycache__" in name
        or name.endswith(".pyc")
    ]
    problems += [f"{wheel.name}: {name} does not belong in it" for name in sorted(foreign)]
    return problems


def check_sdist(sdist: Path, release: str, root: Path = ROOT) -> list[str]:
    top = f"{PACKAGE}-{release}"
    with tarfile.open(sdist) as archive:
        if f"{top}/PKG-INFO" not in archive.getnames():
            return [f"{sdist.name}: no {top}/PKG-INFO (another version?)"]
        names = {name.removeprefix(top + "/") for name in archive.getnames()}
        member = archive.extractfile(f"{top}/PKG-INFO")
        info = member.read().decode() if member is not None else ""
    problems = check_metadata(info, release, sdist.name)
    needed = {"pyproject.toml", "setup.py", "README.md", "LICENSE", "src/ismart_sms_kit/py.typed"}
    for folder in package_dir(root).values():
        needed |= {p for p in git("ls-files", folder, cwd=root).split() if p.endswith(".py")}
    problems += [f"{sdist.name}: {name} is missing" for name in sorted(needed - names)]
    problems += [
        f"{sdist.name}: {name} does not belong in it"
        for name in sorted(names)
        if name.startswith(("tests/", "benchmarks/")) or "__pycache__" in name
    ]
    return problems


def has_twine() -> bool:
    return importlib.util.find_spec("twine") is not None


def twine_check(*dists: Path) -> list[str]:
    """``twine check`` when twine is installed (it is not a dependency); else nothing."""
    if not has_twine():
        return []
    command = [sys.executable, "-m", "twine", "check", "--strict", *map(str, dists)]
    result = subprocess.run(command, capture_output=True, text=True)
    return [] if result.returncode == 0 else [f"twine check: {result.stdout}{result.stderr}"]


# Where the docs name a release to install: a git URL's tag, the index's pin, the image's tag.
VERSION_PATTERN = r"(\d+\.\d+\.\d+)"
PINNED = re.compile(
    rf"@v{VERSION_PATTERN}\b|ismart-sms-kit=={VERSION_PATTERN}|ismart-mock:{VERSION_PATTERN}"
)


def stale_pins(release: str, root: Path = ROOT) -> list[str]:
    """Install lines of the README, docs/install.md and the CI recipes that name another
    version than ``release`` (they are copied as they are: they must install this one)."""
    pages = [root / "README.md", root / "docs" / "install.md", *sorted(root.glob("docs/ci/*"))]
    problems = []
    for page in pages:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in PINNED.finditer(line):
                pinned = next(group for group in match.groups() if group)
                if pinned != release:
                    where = page.relative_to(root)
                    problems.append(f"{where}:{number}: {match.group(0)}, not {release}")
    return problems


def changelog_heading(release: str, root: Path = ROOT) -> str | None:
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    found = re.search(rf"^## \[{re.escape(release)}\] - (\S+)$", text, re.M)
    return found.group(1) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=ROOT / "dist", help="default dist/")
    args = parser.parse_args(argv)
    release = version()
    tag = f"v{release}"
    date = changelog_heading(release)
    if date is None:
        print(f"release: CHANGELOG.md has no section [{release}]: add it first", file=sys.stderr)
        return 1
    if git("status", "--porcelain", "--untracked-files=no").strip():
        print("release: the working tree has uncommitted changes: they are not in the build")
    with tempfile.TemporaryDirectory(prefix="ismart-release-") as folder:
        source = clone(Path(folder) / NAME)
        sdist, wheel = build(source, args.outdir)
    problems = check_wheel(wheel, release) + check_sdist(sdist, release) + stale_pins(release)
    problems += twine_check(sdist, wheel)
    for path in (sdist, wheel):
        print(f"release: built {path} ({path.stat().st_size // 1024} KiB)")
    if problems:
        print("release: the build is not fit to publish:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    checked = "checked (metadata, every module, the scenarios, py.typed, no tests"
    print(f"release: {checked}{'; twine check' if has_twine() else ''})")
    head = git("rev-parse", "--short", "HEAD").strip()
    existing = git("tag", "--list", tag).strip()
    if existing and git("rev-parse", "--short", f"{tag}^{{commit}}").strip() != head:
        print(f"release: WARNING: the tag {tag} exists and is not HEAD ({head})")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        print(f"release: CHANGELOG.md's [{release}] says {date!r}: give it today's date first")
    print(f"release: {NAME} {release} at {head}; the tag to push:")
    print(f'  git tag -a {tag} -m "{NAME} {release}" {head} && git push origin {tag}')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
