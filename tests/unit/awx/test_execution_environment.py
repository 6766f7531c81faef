"""The execution environment (issue 21): definition, build context, collection metadata.

No container engine here: ``ansible-builder create`` makes the build context (offline), the
collection is built with ``ansible-galaxy collection build`` and installed offline, and
``ansible-builder introspect`` (the very step the image build runs on the installed
collections) lists its requirements, compared with pyproject.toml's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest
import yaml
from ansible_builder._target_scripts.introspect import EXCLUDE_REQUIREMENTS
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
GALAXY = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
TARBALL = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
WHEEL = f"hisops-{PYPROJECT['project']['version']}-py3-none-any.whl"


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = os.environ | {"PYTHONWARNINGS": "ignore:DSA is deprecated"} | env
    done = subprocess.run(
        args, cwd=cwd, env=environ, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_requirements_txt_is_pyprojects_dependencies() -> None:
    assert _lines(REPO_ROOT / "requirements.txt") == PYPROJECT["project"]["dependencies"], (
        "requirements.txt must list pyproject.toml's [project] dependencies line for line"
    )


def test_ee_definition_pins_ansible_as_pyproject_and_installs_this_version() -> None:
    ee = yaml.safe_load((REPO_ROOT / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    deps = {Requirement(d).name: d for d in PYPROJECT["project"]["dependencies"]}
    assert ee["dependencies"]["ansible_core"]["package_pip"] == deps["ansible-core"]
    assert ee["dependencies"]["ansible_runner"]["package_pip"] == deps["ansible-runner"]
    [collection] = ee["dependencies"]["galaxy"]["collections"]
    assert collection == {"name": f"/build/collections/{TARBALL}", "type": "file"}
    assert ee["additional_build_files"] == [
        {"src": f"dist/{TARBALL}", "dest": "collections"},
        {"src": f"dist/{WHEEL}", "dest": "wheels"},
    ]
    assert f"/tmp/hisops-wheels/{WHEEL}" in ee["additional_build_steps"]["append_final"][1]
    meta = yaml.safe_load((REPO_ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection built as docs/awx.md builds it (into a temporary dist/)."""
    work = tmp_path_factory.mktemp("ee")
    _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path",
          str(work / "dist"), str(REPO_ROOT)], cwd=REPO_ROOT)  # fmt: skip
    return work


def test_the_built_collection_carries_its_ee_metadata(built: Path) -> None:
    with tarfile.open(built / "dist" / TARBALL) as archive:
        names = set(archive.getnames())
    assert {"meta/execution-environment.yml", "requirements.txt", "bindep.txt"} <= names
    # the AWX side and the EE definition stay out of the collection
    assert not {n for n in names if n.startswith(("awx/", "dist/"))}
    assert "execution-environment.yml" not in names


def test_ansible_builder_create_makes_the_build_context_offline(built: Path) -> None:
    (built / "execution-environment.yml").write_text(
        (REPO_ROOT / "execution-environment.yml").read_text()
    )
    # the toolkit's wheel is copied into the context as it is (tests/unit/test_packaging.py
    # builds the real one); a stand-in of that name is enough for create
    (built / "dist" / WHEEL).write_bytes(b"stand-in")
    context = built / "context"
    _run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml",
          "-c", str(context), "--output-filename", "Containerfile"], cwd=built)  # fmt: skip
    containerfile = (context / "Containerfile").read_text()
    assert (context / "_build" / "collections" / TARBALL).is_file()
    assert (context / "_build" / "wheels" / WHEEL).read_bytes() == b"stand-in"
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements == {"collections": [{"name": f"/build/collections/{TARBALL}",
                                             "type": "file"}]}  # fmt: skip
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    final = containerfile[containerfile.index("FROM base AS final") :]
    install = final.index(f"pip install --no-cache-dir --no-deps /tmp/hisops-wheels/{WHEEL}")
    assert install < final.index("USER 1000")


def test_introspect_of_the_installed_collection_lists_pyprojects_dependencies(
    built: Path,
) -> None:
    installed = built / "installed"
    _run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p",
          str(installed), str(built / "dist" / TARBALL)], cwd=built)  # fmt: skip
    done = _run([str(BIN / "ansible-builder"), "introspect", str(installed)], cwd=built)
    listed = yaml.safe_load(done.stdout)
    python = [line.split("  # from collection ")[0] for line in listed["python"]]
    expected = [
        d
        for d in PYPROJECT["project"]["dependencies"]
        if Requirement(d).name.lower() not in EXCLUDE_REQUIREMENTS
    ]
    assert python == expected
    # what ansible-builder leaves to the image itself
    left = {Requirement(d).name.lower() for d in PYPROJECT["project"]["dependencies"]}
    assert left - {Requirement(d).name.lower() for d in python} == {"ansible-core", "pyyaml"}
    system = [line.split("  # from collection ")[0] for line in listed["system"]]
    assert system == _lines(REPO_ROOT / "bindep.txt")
    assert all(line.endswith("# from collection hisops.emergency") for line in listed["python"])
