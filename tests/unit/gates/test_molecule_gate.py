"""The molecule gate's verdict (scripts/gates/molecule.sh), on scenarios of its own.

CI shows the tail of a run's output. A failed scenario's reason must be there (its failing
task and error lines, not only its name), and, as the pytest gate does, a scenario that
fails once and passes when run again alone does not fail the gate but is printed as FLAKY
with its first failure; one that fails again fails the gate.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
GATE = REPO / "scripts" / "gates" / "molecule.sh"

MOLECULE_YML = """\
---
driver:
  name: default
  options:
    managed: false
platforms:
  - name: instance
provisioner:
  name: ansible
  playbooks:
    converge: converge.yml
scenario:
  name: {name}
  test_sequence: [converge]
"""

# fails while the marker file is absent, and makes it: the first run fails, a second passes
CONVERGE = """\
---
- name: Converge
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Stand where the last run left off
      ansible.builtin.stat:
        path: "{marker}"
      register: seen
    - name: Leave a mark for the next run
      ansible.builtin.file:
        path: "{marker}"
        state: touch
      when: {mark}
    - name: Refuse the first time
      ansible.builtin.fail:
        msg: "refused: the {name} marker was absent"
      when: not seen.stat.exists
"""


def _scenario(root: Path, name: str, marker: Path, mark: bool) -> None:
    folder = root / "molecule" / name
    folder.mkdir(parents=True)
    (folder / "molecule.yml").write_text(MOLECULE_YML.format(name=name))
    (folder / "converge.yml").write_text(
        CONVERGE.format(marker=marker, mark="true" if mark else "false", name=name)
    )


def _gate(tmp_path: Path, scenarios: dict[str, bool], **env_extra: str) -> tuple[int, str]:
    """The gate on scenarios of its own (name -> whether a first run leaves the marker
    that lets a second pass); its exit code and output."""
    root = tmp_path / "project"
    (root / "molecule").mkdir(parents=True)
    (root / ".config" / "molecule").mkdir(parents=True)
    (root / ".config" / "molecule" / "config.yml").write_text("---\nprerun: false\n")
    for name, mark in scenarios.items():
        _scenario(root, name, tmp_path / f"{name}.mark", mark=mark)
    env = dict(os.environ, HISOPS_ROOT=str(root), HISOPS_MOLECULE_SNAPSHOTS="0", HOME=str(tmp_path))
    env.pop("HISOPS_MOLECULE_RERUN", None)
    env.update(env_extra)
    run = subprocess.run(
        ["bash", str(GATE), *scenarios],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return run.returncode, run.stdout + run.stderr


def test_a_flaky_scenario_is_named_with_its_reason_and_a_failing_one_fails_the_gate(
    tmp_path: Path,
) -> None:
    rc, out = _gate(tmp_path, {"always": False, "once": True})
    assert rc == 1, out
    lines = out.splitlines()
    # the scenario that failed twice fails the gate, its reason repeated where CI's tail shows it
    assert "molecule scenarios failed: always" in lines, out
    assert any(
        line.startswith("-- molecule failure in always: ")
        and "refused: the always marker was absent" in line
        for line in lines
    ), out
    # the one that passed alone is FLAKY, its first failure's reason beside the word
    assert any(line.startswith("FLAKY molecule scenario once ") for line in lines), out
    assert any(
        line.startswith("FLAKY   -- molecule failure in once: ")
        and "refused: the once marker was absent" in line
        for line in lines
    ), out
    assert not any(line.startswith("FLAKY molecule scenario always") for line in lines), out


def test_no_second_run_when_told_so(tmp_path: Path) -> None:
    rc, out = _gate(tmp_path, {"once": True}, HISOPS_MOLECULE_RERUN="0")
    assert rc == 1, out
    assert "FLAKY" not in out, out
    assert "molecule scenarios failed: once" in out, out
