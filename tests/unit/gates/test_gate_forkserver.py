"""The gates' ansible-playbook (scripts/gates/ansible-bin) forked from a gate's server.

ansible-lint's syntax checks and molecule's steps run ansible-playbook about 250 times per
gate; with HISOPS_GATE_FORKSERVER each run forks from a server that imported ansible once
for its environment and directory. A run through the server must be the same run: its
output on the caller's own stdout/stderr, its exit code, its working directory's
ansible.cfg; and the servers must end with the gate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BIN = REPO / "scripts" / "gates" / "ansible-bin"

PLAYBOOK = """\
- name: Probe
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say where and what
      ansible.builtin.debug:
        msg: "probe {{ word }} {{ lookup('ansible.builtin.config', 'DEFAULT_FORKS') }}"
    - name: Fail when asked
      ansible.builtin.fail:
        msg: "asked to fail"
      when: word == "fail"
"""


def _servers(folder: Path) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-f", f"ansible_forkserver.py {folder}/"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [int(pid) for pid in out.stdout.split()]


def _play(cwd: Path, word: str, gate: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("HISOPS_GATE_FORKSERVER", None)
    if gate is not None:
        env["HISOPS_GATE_FORKSERVER"] = str(gate)
    return subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", "probe.yml", "-e", f"word={word}"],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


@pytest.fixture
def sites(tmp_path: Path) -> tuple[Path, Path]:
    """Two directories with the same playbook and an ansible.cfg of their own (forks 7 / 9)."""
    pair = []
    for name, forks in (("one", 7), ("two", 9)):
        site = tmp_path / name
        site.mkdir()
        (site / "probe.yml").write_text(PLAYBOOK)
        (site / "ansible.cfg").write_text(f"[defaults]\nforks = {forks}\n")
        pair.append(site)
    return pair[0], pair[1]


def test_a_run_through_the_gate_server_is_the_same_run(
    tmp_path: Path, sites: tuple[Path, Path]
) -> None:
    one, two = sites
    gate = tmp_path / "gate"
    gate.mkdir()
    try:
        plain_ok, plain_fail = _play(one, "hello", None), _play(one, "fail", None)
        forked_ok, forked_fail = _play(one, "hello", gate), _play(one, "fail", gate)
        assert (plain_ok.returncode, forked_ok.returncode) == (0, 0), forked_ok.stderr
        assert "probe hello 7" in forked_ok.stdout
        assert forked_ok.stdout == plain_ok.stdout
        assert plain_fail.returncode == forked_fail.returncode == 2
        assert "asked to fail" in forked_fail.stdout
        # one server served both runs; another directory (another ansible.cfg) its own
        assert len(list(gate.glob("*.sock"))) == 1
        other = _play(two, "hello", gate)
        assert other.returncode == 0 and "probe hello 9" in other.stdout, other.stdout
        assert len(list(gate.glob("*.sock"))) == 2
        assert len(_servers(gate)) == 2
    finally:
        shutil.rmtree(gate)
    deadline = time.monotonic() + 20
    while _servers(gate) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _servers(gate) == [], "the gate's servers outlived its directory"


def test_without_a_gate_directory_the_wrapper_runs_ansible_itself(
    tmp_path: Path, sites: tuple[Path, Path]
) -> None:
    one, _ = sites
    missing = tmp_path / "no-such-gate"
    done = _play(one, "hello", missing)
    assert done.returncode == 0 and "probe hello 7" in done.stdout, done.stderr
    assert not missing.exists() and _servers(missing) == []
