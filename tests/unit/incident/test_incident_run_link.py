"""``hisops run --incident ID``: refused before the run unless the incident is open; the run
record's steps land in the incident's timeline beside the people's."""

from __future__ import annotations

from hisops import cli, runner
from hisops.incident import config, service
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
