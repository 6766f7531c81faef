"""The run record inside an AWX job (issue 21), through ansible-runner for real.

AWX runs a job as ansible-runner does on a remote execution node: ``transmit`` packs the
job (project, extra variables, env), ``worker`` runs it (in the EE, on the execution node)
and streams the events and the artifact directory back, ``process`` unpacks them on the
controller. The same three stages run here in one process each, with the extra variables
AWX sets (awx_user_name, awx_job_id, ...): the run record must name the AWX user as the
operator and the incident, and arrive on the controller side among the job's artifacts.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import ansible_runner

REPO_ROOT = Path(__file__).resolve().parents[3]

PLAYBOOK = """\
- name: A job
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say who
      ansible.builtin.debug:
        msg: "hello"
"""

AWX_EXTRA_VARS = {
    # the variables AWX adds to every job's extra variables (awx/main/models/jobs.py)
    "awx_job_id": 4711,
    "awx_job_template_name": "hisops isolate",
    "awx_user_name": "dr.wang",
    "tower_user_name": "dr.wang",
    "awx_user_email": "wang@example.invalid",
    # a survey answer: the incident the job is run for
    "incident": "INC-20261206-001",
}


def _env() -> dict[str, str]:
    return {
        "ANSIBLE_CALLBACKS_ENABLED": "hisops.emergency.run_record",
        "ANSIBLE_COLLECTIONS_PATH": str(REPO_ROOT / "collections"),
        "PYTHONWARNINGS": "ignore:DSA is deprecated",
    }


def test_awx_job_run_record_reaches_the_controller_with_the_artifacts(tmp_path, monkeypatch):
    for name in ("HISOPS_RUN_RECORD_DIR", "HISOPS_OPERATOR", "HISOPS_RUN_ID", "HISOPS_INCIDENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ANSIBLE_CONFIG", raising=False)
    project = tmp_path / "transmit" / "project"
    project.mkdir(parents=True)
    (project / "job.yml").write_text(PLAYBOOK)

    packed_path, streamed_path = tmp_path / "job.stream", tmp_path / "results.stream"
    with open(packed_path, "wb") as packed:
        ansible_runner.run(
            streamer="transmit",
            _output=packed,
            private_data_dir=str(tmp_path / "transmit"),
            playbook="job.yml",
            extravars=AWX_EXTRA_VARS,
            envvars=_env(),
            ident="4711",
            quiet=True,
        )
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    with open(packed_path, "rb") as packed, open(streamed_path, "wb") as streamed:
        ansible_runner.run(
            streamer="worker", _input=packed, _output=streamed, private_data_dir=str(worker_dir)
        )
    controller_dir = tmp_path / "controller"
    controller_dir.mkdir()
    with open(streamed_path, "rb") as streamed:
        processed = ansible_runner.run(
            streamer="process",
            _input=streamed,
            private_data_dir=str(controller_dir),
            ident="4711",
            quiet=True,
        )
    assert processed.status == "successful", processed.stdout.read()

    # the worker wrote it into the EE's artifact directory; process unpacked it here
    assert list((worker_dir / "artifacts" / "4711").glob("*.jsonl"))
    artifacts = controller_dir / "artifacts" / "4711"
    records = sorted(artifacts.glob("*-job-awx-job-4711.jsonl"))
    assert records, sorted(os.listdir(artifacts))
    lines = [json.loads(line) for line in records[0].read_text().splitlines()]
    assert {line["operator"] for line in lines} == {"dr.wang"}
    assert {line["run_id"] for line in lines} == {"awx-job-4711"}
    start = lines[0]
    assert start["event"] == "playbook_start"
    assert start["incident"] == "INC-20261206-001"
    assert start["awx_job"]["awx_job_template_name"] == "hisops isolate"
    assert lines[-1]["event"] == "playbook_end" and lines[-1]["failed"] is False
    assert any(line.get("task") == "Say who" for line in lines)


def test_explicit_operator_and_record_dir_win_and_the_artifacts_keep_a_copy(tmp_path, monkeypatch):
    """The hisops store mounted into the EE (HISOPS_RUN_RECORD_DIR: where the incident tick
    finds runs) gets the record; the AWX job's artifacts a copy. A run that is no AWX job
    (hisops run: its artifact directory is beside the records) writes one record only."""
    for name in ("HISOPS_RUN_ID", "HISOPS_INCIDENT", "ANSIBLE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "job.yml").write_text(PLAYBOOK)
    records = tmp_path / "records"
    env = _env() | {"HISOPS_OPERATOR": "nurse.li", "HISOPS_RUN_RECORD_DIR": str(records)}
    run = ansible_runner.run(
        private_data_dir=str(tmp_path),
        playbook="job.yml",
        extravars=AWX_EXTRA_VARS,
        envvars=env,
        ident="awx",
        quiet=True,
    )
    assert run.status == "successful"
    [record] = records.glob("*.jsonl")
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert {line["operator"] for line in lines} == {"nurse.li"}
    [copy] = (tmp_path / "artifacts" / "awx").glob("*.jsonl")
    assert copy.read_text() == record.read_text()

    plain = tmp_path / "plain"
    shutil.copytree(tmp_path / "project", plain / "project")
    run = ansible_runner.run(
        private_data_dir=str(plain),
        playbook="job.yml",
        extravars={"incident": "INC-1"},
        envvars=env,
        ident="plain",
        quiet=True,
    )
    assert run.status == "successful"
    assert not list((plain / "artifacts" / "plain").glob("*.jsonl"))
    assert len(list(records.glob("*.jsonl"))) == 2


def test_operator_of_a_scheduled_job_is_its_schedule() -> None:
    from ansible_collections.hisops.emergency.plugins.callback.run_record import awx_operator

    assert awx_operator({"awx_job_id": 7, "awx_schedule_name": "hisops backup"}) == (
        "schedule:hisops backup"
    )
    workflow = {"awx_job_id": 8, "awx_parent_job_schedule_name": "hisops compliance"}
    assert awx_operator(workflow) == "schedule:hisops compliance"
    assert awx_operator({"tower_user_name": "dr.wang", "awx_schedule_name": "x"}) == "dr.wang"
    assert awx_operator({"incident": "INC-1"}) is None
