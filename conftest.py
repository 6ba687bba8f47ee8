"""Before any test imports the package: is the editable install's tree of links complete?

`make` installs the package in setuptools' strict editable mode (docs/architecture.md,
"Layout"): the venv sees a tree of links to the files of the mapped folders, made at install
time. A module added since then is not in it, and the first import of it would fail as if the
module did not exist. This says so, and how to mend it, before any test module is imported.
"""

from __future__ import annotations

from pathlib import Path

import ismart_sms_kit
from tools.release import package_dir

ROOT = Path(__file__).resolve().parent


def missing_links() -> list[str]:
    """The package's files (``*.py``) that the installed link tree lacks; none when the package
    is not installed as such a tree (an installed wheel, the folders on ``PYTHONPATH``)."""
    tree = Path(ismart_sms_kit.__file__).parent
    if ROOT / "build" not in tree.parents:
        return []
    missing = []
    for package, folder in package_dir(ROOT).items():
        installed = tree.joinpath(*package.split(".")[1:])
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT / folder)
            if "__pycache__" not in relative.parts and not (installed / relative).exists():
                missing.append(str(path.relative_to(ROOT)))
    return missing


_MISSING = missing_links()
if _MISSING:
    raise ImportError(
        f"the editable install predates {len(_MISSING)} file(s) of the package "
        f"({', '.join(_MISSING[:3])}{', ...' if len(_MISSING) > 3 else ''}): install it again "
        "with `make .venv/.installed` (or pip install -e . --config-settings "
        "editable_mode=strict)"
    )
