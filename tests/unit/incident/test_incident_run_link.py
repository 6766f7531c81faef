"""``hisops run --incident ID``: refused before the run unless the incident is open; the run
record's steps land in the incident's timeline beside the people's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hisops import cli, runner
from hisops.incident import config, link, service
from hisops.incident.store import Store

PLAYBOOK = """
- name: Incident link
  hosts: localhost
  gather_facts: false
  tasks:
    - name: write the ward roster
      ansible.builtin.copy:
        content: "roster\\n"
        dest: "{{ target }}"
        mode: "0644"
    - name: only a read
      ansible.builtin.debug:
        msg: nothing changes
"""


def _ctx(tmp_path):
    return service.Context(Store(str(tmp_path / "inc")), config.load("/none"), "alice")


def test_a_run_for_an_unknown_or_closed_incident_is_refused_before_it_runs(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("HISOPS_INCIDENT_DIR", str(tmp_path / "inc"))
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(tmp_path / "records"))
    ctx = _ctx(tmp_path)
    number = service.open_incident(ctx, title="one PC", klass="3")
    service.resolve(ctx, number, self_test="ok", confirmed_by="user")
    service.close(ctx, number)
    for incident in ("42", str(number)):
        assert cli.main(["run", "network_check", "--incident", incident]) == 2
        assert "the playbook was not run" in capsys.readouterr().err
    assert not (tmp_path / "records").exists()


def test_a_run_made_for_an_open_incident_lands_in_its_timeline(tmp_path, monkeypatch):
    monkeypatch.setenv("HISOPS_INCIDENT_DIR", str(tmp_path / "inc"))
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(tmp_path / "records"))
    monkeypatch.setenv("HISOPS_OPERATOR", "bob")
    ctx = _ctx(tmp_path)
    number = service.open_incident(ctx, title="ward roster lost", klass="2")
    playbook = tmp_path / "link.yml"
    playbook.write_text(PLAYBOOK)
    monkeypatch.setenv("HISOPS_INCIDENT", str(number))
    result = runner.run_playbook(
        str(playbook), extravars={"target": str(tmp_path / "roster")}, quiet=True
    )
    assert result.ok
    entries = service.get(ctx, number)["entries"]
    run = [e for e in entries if e["kind"] == "run"]
    assert len(run) == 1 and run[0]["data"]["ident"] == result.ident
    assert run[0]["who"] == "bob"
    auto = [e["text"] for e in entries if e["kind"] == "automation"]
    assert auto == ["localhost: write the ward roster changed"]
    # a tick's scan finds the same record (it names the incident): not put there twice
    assert link.attach_pending(ctx, tmp_path / "records") == []
    assert len([e for e in service.get(ctx, number)["entries"] if e["kind"] == "run"]) == 1


def test_a_plain_ansible_playbook_run_with_hisops_incident_lands_at_the_next_tick(
    tmp_path, monkeypatch, capsys
):
    """Outside hisops run (ansible-playbook with HISOPS_INCIDENT set, as a runbook may say):
    the run record names the incident, and the clock tick puts the finished run in its
    timeline, once."""
    monkeypatch.setenv("HISOPS_INCIDENT_DIR", str(tmp_path / "inc"))
    monkeypatch.setenv("HISOPS_INCIDENT_CONFIG", str(tmp_path / "none.yml"))
    ctx = _ctx(tmp_path)
    number = service.open_incident(ctx, title="ward roster lost", klass="3")
    playbook = tmp_path / "link.yml"
    playbook.write_text(PLAYBOOK)
    records = tmp_path / "records"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(runner.REPO_ROOT / "ansible.cfg"),
        "HISOPS_RUN_RECORD_DIR": str(records),
        "HISOPS_INCIDENT": str(number),
        "HISOPS_OPERATOR": "carol",
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c",
         "local", str(playbook), "-e", f"target={tmp_path / 'roster'}",
         "-e", f"ansible_python_interpreter={sys.executable}"],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (record,) = records.glob("*.jsonl")
    assert json.loads(record.read_text().splitlines()[0])["incident"] == str(number)
    assert service.get(ctx, number)["entries"][-1]["kind"] != "run"  # not before a tick
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(records))
    for expected in (1, 0):  # the second tick finds it in the timeline already
        assert cli.main(["incident", "tick", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["runs_attached"] == expected
    entries = service.get(ctx, number)["entries"]
    runs = [e for e in entries if e["kind"] == "run"]
    assert len(runs) == 1 and runs[0]["who"] == "carol"
    assert [e["text"] for e in entries if e["kind"] == "automation"] == [
        "localhost: write the ward roster changed"
    ]
