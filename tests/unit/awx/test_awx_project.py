"""The repository as an AWX project, by AWX's own rules (issue 21).

Playbook discovery: AWX lists as playbooks the .yml/.yaml files of the checkout, walked
without following links, outside roles/, tasks/, group_vars/, host_vars/ and dot folders,
that have a line matching ``valid_playbook_re`` (awx/main/utils/ansible.py skip_directory,
could_be_playbook; awx/main/models/projects.py Project.playbooks; AWX 24.6.1, commit
e21dd0a0933f). Those few lines are restated here, not imported (AWX is a Django service).

Collections: project sync runs ``ansible-galaxy collection install -r
collections/requirements.yml`` in the checkout with ANSIBLE_COLLECTIONS_PATHS pointed at
the job's requirements_collections (awx/playbooks/project_update.yml); a job runs with
ANSIBLE_COLLECTIONS_PATH = requirements_collections, then ansible.cfg's collections_path,
then the defaults (awx/main/tasks/jobs.py RunJob.build_env). Both run here for real.
"""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

# awx/main/utils/ansible.py (AWX 24.6.1)
VALID_PLAYBOOK_RE = re.compile(
    r"^\s*?-?\s*?(?:hosts|(ansible\.builtin\.)?include|(ansible\.builtin\.)?import_playbook):\s*?.*?$"
)


def skip_directory(relative_directory_path: str) -> bool:
    elements = relative_directory_path.split(os.sep)
    if "roles" in elements or "tasks" in elements:
        return True
    if any(element.startswith(".") for element in elements):
        return True
    return "group_vars" in elements or "host_vars" in elements


def could_be_playbook(project_path: str, dir_path: str, filename: str) -> str | None:
    if os.path.splitext(filename)[-1] not in [".yml", ".yaml"]:
        return None
    path = os.path.join(dir_path, filename)
    with open(path, encoding="utf-8", errors="ignore") as handle:
        for n, line in enumerate(handle):
            if VALID_PLAYBOOK_RE.match(line) or (n == 0 and line.startswith("$ANSIBLE_VAULT;")):
                return os.path.relpath(path, project_path)
    return None


def awx_playbooks(project_path: Path) -> list[str]:
    """Project.playbooks: os.walk without following links (AWX_SHOW_PLAYBOOK_LINKS False)."""
    found = []
    for dirpath, _dirnames, filenames in os.walk(str(project_path), followlinks=False):
        if skip_directory(dirpath):
            continue
        for filename in filenames:
            playbook = could_be_playbook(str(project_path), dirpath, filename)
            if playbook is not None:
                found.append(playbook)
    return sorted(found, key=str.lower)


def _tracked_tree(tmp_path: Path) -> Path:
    """The project as AWX checks it out: the committed files (git archive HEAD)."""
    checkout = tmp_path / "_8__hisops"
    checkout.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "HEAD"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(checkout)], input=archive.stdout, check=True)
    return checkout


def test_awx_discovers_every_playbook_and_nothing_from_the_collection(tmp_path: Path) -> None:
    checkout = _tracked_tree(tmp_path)
    found = awx_playbooks(checkout)
    committed = sorted(f"playbooks/{p.name}" for p in (checkout / "playbooks").glob("*.yml"))
    assert set(committed) <= set(found), set(committed) - set(found)
    assert "awx/configure.yml" in found
    # nothing from the collection's insides: no role, module, template, doc or the
    # collections/ link back to the repository
    top = {path.split("/", 1)[0] for path in found}
    assert top <= {"playbooks", "awx", "molecule", "tests", "inventories"}, top
    # AWX's rule takes any line "hosts:": a YAML inventory is listed too (docs/awx.md)
    assert {p for p in found if p.startswith("inventories/")} <= {
        str(p.relative_to(checkout)) for p in (checkout / "inventories").rglob("hosts.yml")
    }
    # a job template's playbook is one of playbooks/ (the rest is test material)
    assert all(not p.startswith("playbooks/") or p.count("/") == 1 for p in found)


def test_playbook_discovery_rule_is_awxs(tmp_path: Path) -> None:
    """The restated rule behaves as AWX's on what it decides on."""
    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("- hosts: all\n")
    (tmp_path / "vars.yml").write_text("hosts_file: /etc/hosts\nkey: value\n")
    (tmp_path / "play.yaml").write_text("---\n- name: P\n  hosts: all\n")
    (tmp_path / "chain.yml").write_text("- ansible.builtin.import_playbook: play.yaml\n")
    (tmp_path / "vaulted.yml").write_text("$ANSIBLE_VAULT;1.1;AES256\n3031\n")
    assert awx_playbooks(tmp_path) == ["chain.yml", "play.yaml", "vaulted.yml"]


def _awx_job_collections_path(project: Path, requirements: Path) -> str:
    """RunJob.build_env's ANSIBLE_COLLECTIONS_PATH for a project (read_ansible_config)."""
    parser = configparser.ConfigParser()
    parser.read([project / "ansible.cfg"])
    paths = ["~/.ansible/collections", "/usr/share/ansible/collections"]
    configured = parser["defaults"].get("collections_path")
    assert configured == "./collections"
    paths = [configured, *paths]
    return os.pathsep.join([str(requirements), *paths])


@pytest.mark.parametrize("variable", ["ANSIBLE_COLLECTIONS_PATHS", "ANSIBLE_COLLECTIONS_PATH"])
def test_project_sync_installs_the_collection_and_every_playbook_resolves(
    tmp_path: Path, variable: str
) -> None:
    """AWX 24.6.1 names ANSIBLE_COLLECTIONS_PATHS, which ansible-core 2.19 no longer reads
    (then ansible.cfg's ./collections, the checkout itself, already holds the collection:
    'Nothing to do'); with the singular name the collection is installed from the checkout.
    Either way every playbook of the checkout resolves hisops.emergency in a job (checked
    with the installed copy first on the path, as a job has it)."""
    checkout = REPO_ROOT
    stage = tmp_path / "stage"
    requirements = stage / "requirements_collections"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ANSIBLE_") and key != "HISOPS_ROOT"
    }
    env |= {"HOME": str(tmp_path / "home"), "PYTHONWARNINGS": "ignore:DSA is deprecated"}
    sync_env = env | {
        variable: str(requirements),
        "ANSIBLE_ROLES_PATH": str(stage / "requirements_roles"),
        "ANSIBLE_LOCAL_TEMP": str(stage / "tmp"),
    }
    done = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "-r",
         str(checkout / "collections" / "requirements.yml")],
        cwd=checkout, env=sync_env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    if variable == "ANSIBLE_COLLECTIONS_PATH":
        installed = requirements / "ansible_collections" / "hisops" / "emergency"
        assert (installed / "MANIFEST.json").is_file(), done.stdout
        assert (installed / "roles" / "isolate" / "meta" / "argument_specs.yml").is_file()
    else:
        # the checkout's own collection, through ansible.cfg (ansible-lint's gate
        # syntax-checks every playbook that way already)
        assert "Nothing to do" in done.stdout, done.stdout
        return
    job_env = env | {"ANSIBLE_COLLECTIONS_PATH": _awx_job_collections_path(checkout, requirements)}
    playbooks = sorted(str(p.relative_to(checkout)) for p in (checkout / "playbooks").glob("*.yml"))
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,", *playbooks],
        cwd=checkout, env=job_env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
