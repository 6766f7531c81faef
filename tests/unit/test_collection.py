"""The collection builds without lab/tests/bench and every module's docs render."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = sorted(
    p.stem for p in (REPO_ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"
)


def test_built_artifact_leaves_out_lab_tests_and_bench(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "build",
            "--output-path",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (artifact,) = tmp_path.glob("hisops-emergency-*.tar.gz")
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    tops = {name.split("/", 1)[0] for name in names}
    for excluded in (
        "hisops",
        "tests",
        "bench",
        "molecule",
        "collections",
        ".venv",
        "var",
        "scripts",
    ):
        assert excluded not in tops, f"{excluded}/ is in the built collection"
    assert "plugins/modules/switch_facts.py" in names
    assert "plugins/callback/run_record.py" in names
    assert "roles/network_check/tasks/main.yml" in names
    assert "MANIFEST.json" in names


@pytest.fixture(scope="module")
def rendered_docs() -> tuple[dict[str, str], str]:
    """Every module's ansible-doc text from one ansible-doc run (one start-up, not thirty)."""
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), *(f"hisops.emergency.{m}" for m in MODULES)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    text = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    sections: dict[str, str] = {}
    for chunk in re.split(r"^> MODULE ", text, flags=re.MULTILINE)[1:]:
        name = chunk.split(None, 1)[0]
        sections[name] = chunk
    return sections, proc.stderr


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders(module: str, rendered_docs: tuple[dict[str, str], str]) -> None:
    sections, stderr = rendered_docs
    fqcn = f"hisops.emergency.{module}"
    assert fqcn in sections, f"ansible-doc rendered no page for {fqcn}:\n{stderr}"
    assert "EXAMPLES:" in sections[fqcn] and "RETURN VALUES:" in sections[fqcn]


def test_callback_doc_renders() -> None:
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), "-t", "callback", "hisops.emergency.run_record"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "record_dir" in proc.stdout
