"""The run_record callback: every playbook run leaves an ordered, secret-free record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hisops import runner

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "Pharmacy-Vault-7731"

PLAYBOOK = f"""
- name: Record drill
  hosts: localhost
  gather_facts: false
  tasks:
    - name: say hello
      ansible.builtin.debug:
        msg: hello ward 3
    - name: handle a secret
      ansible.builtin.command: echo {SECRET}
      no_log: true
      changed_when: true
    - name: write a file
      ansible.builtin.copy:
        content: "shift roster v2\\n"
        dest: "{{{{ target }}}}"
        mode: "0644"
    - name: a failure that is tolerated
      ansible.builtin.command: /bin/false
      ignore_errors: true
      changed_when: false
    - name: a secret-named variable in a message
      ansible.builtin.debug:
        var: db_password
      vars:
        db_password: {SECRET}
"""


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """One recorded run read by every test below (each test only reads it)."""
    tmp_path = tmp_path_factory.mktemp("record")
    playbook = tmp_path / "record_drill.yml"
    playbook.write_text(PLAYBOOK)
    records = tmp_path / "records"
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        HISOPS_RUN_RECORD_DIR=str(records),
        HISOPS_OPERATOR="duty-engineer-li",
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            "-e",
            f"target={tmp_path / 'roster.txt'}",
            "--diff",
            str(playbook),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = list(records.glob("*-record_drill-*.jsonl"))
    assert len(files) == 1, files
    text = files[0].read_text()
    assert SECRET not in text
    return [json.loads(line) for line in text.splitlines()]


def test_record_has_every_step_in_order(recorded_run: list[dict]) -> None:
    events = [r["event"] for r in recorded_run]
    assert events[0] == "playbook_start"
    assert events[1] == "play_start"
    assert events[-1] == "playbook_end"
    tasks = [r["task"] for r in recorded_run if r["event"] == "task"]
    assert tasks == [
        "say hello",
        "handle a secret",
        "write a file",
        "a failure that is tolerated",
        "a secret-named variable in a message",
    ]
    stamps = [r["ts"] for r in recorded_run]
    assert stamps == sorted(stamps)
    assert len({r["run_id"] for r in recorded_run}) == 1


def test_record_says_who_what_where(recorded_run: list[dict]) -> None:
    hello = next(r for r in recorded_run if r.get("task") == "say hello")
    assert hello["operator"] == "duty-engineer-li"
    assert hello["playbook"] == "record_drill.yml"
    assert hello["play"] == "Record drill"
    assert hello["host"] == "localhost"
    assert hello["module"] == "ansible.builtin.debug"
    assert hello["message"] == "hello ward 3"
    assert hello["ts"].endswith("+00:00")


def test_record_keeps_diff_and_failures(recorded_run: list[dict]) -> None:
    copy = next(r for r in recorded_run if r.get("task") == "write a file")
    assert copy["changed"] is True
    assert copy["diff"][0]["after"] == "shift roster v2\n"
    tolerated = next(r for r in recorded_run if r.get("task") == "a failure that is tolerated")
    assert tolerated["failed"] is True and tolerated["ignore_errors"] is True
    end = recorded_run[-1]
    assert end["stats"]["localhost"]["ignored"] == 1
    assert end["failed"] is False


def test_no_log_task_leaves_no_output(recorded_run: list[dict]) -> None:
    secret = next(r for r in recorded_run if r.get("task") == "handle a secret")
    assert secret["no_log"] is True
    assert "diff" not in secret
    assert SECRET not in json.dumps(secret)
    masked = next(
        r for r in recorded_run if r.get("task") == "a secret-named variable in a message"
    )
    assert SECRET not in json.dumps(masked)


def test_mask_secrets_masks_nested_keys() -> None:
    sys.path.insert(0, str(REPO_ROOT / "collections"))
    from ansible_collections.hisops.emergency.plugins.callback.run_record import mask_secrets

    data = {"a": [{"Password": "x1"}, {"enable_secret": "x2"}], "ok": "v", "api_key": "x3"}
    masked = mask_secrets(data)
    assert masked == {
        "a": [{"Password": "********"}, {"enable_secret": "********"}],
        "ok": "v",
        "api_key": "********",
    }


def test_hisops_run_leaves_record_beside_runner_artifacts(tmp_path: Path, monkeypatch) -> None:
    playbook = tmp_path / "tiny.yml"
    playbook.write_text(
        "- name: Tiny\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: ping\n      ansible.builtin.ping:\n"
    )
    inventory = tmp_path / "inv.ini"
    inventory.write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
    )
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(tmp_path / "records"))
    monkeypatch.setenv("HISOPS_OPERATOR", "night-shift")
    result = runner.run_playbook(str(playbook), inventory=inventory, quiet=True)
    assert result.ok, result
    assert result.record is not None and result.record.parent == tmp_path / "records"
    assert result.artifacts.parent == result.record.parent
    assert (result.artifacts / "status").read_text() == "successful"
    assert (result.artifacts / "job_events").is_dir()
    lines = runner.read_record(result.record)
    assert lines[0]["run_id"] == result.ident
    assert {line["operator"] for line in lines} == {"night-shift"}
    assert result.stats["localhost"]["ok"] == 1
