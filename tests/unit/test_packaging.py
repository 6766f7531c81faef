"""Installing hisops prints no build-backend warnings (issue 15, item 11).

setuptools warned three times per install that ``project.license`` as a table is
deprecated; the license is an SPDX expression now. The wheel is built here from a copy of
what the package is made of, with the virtualenv's setuptools (no build isolation: no
network), and its whole output is checked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_license_is_an_spdx_expression() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "GPL-3.0-or-later"


def test_building_the_package_prints_no_warning(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / "hisops", source / "hisops", ignore=shutil.ignore_patterns("__pycache__")
    )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert list((tmp_path / "dist").glob("hisops-*.whl")), output
    lines = [line for line in output.splitlines() if not line.startswith("WARNING: Location")]
    assert not [line for line in lines if "warning" in line.lower()], output
    assert "deprecated" not in output.lower(), output
