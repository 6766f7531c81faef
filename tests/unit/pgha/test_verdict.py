"""Go/no-go logic of the database pair (pure: node states in, decisions out)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import NodeState
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    assess,
    describe,
    failover_gap,
    node_state_from_result,
)

SYSID = "7300000000000000001"


def primary(name="db1", lag_bytes=0, state="streaming", tli=2, peer="db2"):
    replicas = (
        []
        if state is None
        else [
            {
                "name": peer,
                "state": state,
                "sync_state": "async",
                "lag_bytes": lag_bytes,
                "lag_s": 0.1,
                "sent_lsn": "0/5000000",
                "replay_lsn": "0/5000000",
            }
        ]
    )
    return NodeState(
        name=name,
        role="primary",
        timeline=tli,
        lsn="0/5000000",
        replicas=replicas,
        system_identifier=SYSID,
    )


def standby(name="db2", tli=2, receiver="streaming", receive="0/5000000"):
    return NodeState(
        name=name,
        role="standby",
        timeline=tli,
        receive_lsn=receive,
        replay_lsn=receive,
        lsn=receive,
        receiver_status=receiver,
        upstream="10.0.0.1",
        replay_age_s=0.0,
        system_identifier=SYSID,
    )


def test_healthy_pair_is_go_for_switchover_and_no_go_for_failover():
    v = assess([primary(), standby()])
    assert v.primary == "db1" and v.standbys == ["db2"] and v.candidate == "db2"
    assert v.switchover.go and v.switchover.summary.startswith("GO for switchover")
    assert not v.failover.go
    assert "use a switchover" in v.failover.summary
    assert v.lag["db2"] == {"bytes": 0, "seconds": 0.1, "human": "0 bytes"}


def test_standby_lagging_beyond_the_limit_is_no_go():
    v = assess([primary(lag_bytes=64 * 1024 * 1024), standby()], max_lag_bytes=16 * 1024 * 1024)
    assert not v.switchover.go
    assert "lags 64.0 MB behind db1, more than the limit of 16.0 MB" in v.switchover.summary


def test_both_claiming_primary_is_split_brain_and_refused():
    other = primary(name="db2", peer="db1")
    v = assess([primary(), other])
    assert not v.switchover.go and not v.failover.go
    assert "both db1 and db2 claim to be primary (split brain)" in v.switchover.summary
    assert "split brain" in v.failover.summary


def test_two_separate_databases_are_not_called_split_brain():
    other = primary(name="db2", peer="db1")
    other.system_identifier = "999"
    v = assess([primary(), other])
    assert "two separate databases, not a pair" in v.switchover.summary


def test_standby_not_streaming_or_on_another_timeline_is_no_go():
    v = assess([primary(state=None), standby(receiver=None, tli=1)])
    assert not v.switchover.go
    assert "db2 is not streaming from db1" in v.switchover.reasons
    assert "db2 is on timeline 1, db1 on 2" in v.switchover.reasons


def test_crashed_primary_means_unknown_gap_and_accept_data_loss():
    crashed = NodeState(
        name="db1", role="stopped", cluster_state="in production", checkpoint_lsn="0/4000000"
    )
    v = assess([crashed, standby(receiver=None)])
    assert v.failover.go and v.gap_bytes is None and v.needs_accept_data_loss
    assert "UNKNOWN" in v.failover.summary
    assert not v.switchover.go


def test_unreachable_primary_means_unknown_gap():
    v = assess([NodeState(name="db1", role="unreachable", error="timeout"), standby()])
    assert v.failover.go and v.gap_bytes is None
    assert "db1 is unreachable (timeout)" in v.switchover.reasons


@pytest.mark.parametrize(("receive", "gap"), [("0/4000100", 0), ("0/3FFFF00", 0x100)])
def test_clean_shutdown_gives_an_exact_gap(receive, gap):
    stopped = NodeState(
        name="db1", role="stopped", cluster_state="shut down", checkpoint_lsn="0/4000000"
    )
    assert failover_gap(stopped, standby(receive=receive)) == gap
    v = assess([stopped, standby(receive=receive)])
    assert v.needs_accept_data_loss == (gap != 0)


def test_failover_to_a_primary_is_refused():
    v = assess([primary(), standby()], candidate="db1")
    assert not v.failover.go and "db1 is not a standby (it is primary)" in v.failover.summary


@pytest.mark.parametrize(
    ("states", "kwargs", "field"),
    [
        ([NodeState(name="db1")], {}, "states"),
        ([NodeState(name="db1"), NodeState(name="db1")], {}, "states"),
        ([NodeState(name="db1"), NodeState(name="db2", role="leader")], {}, "states[db2].role"),
        ([NodeState(name="db1"), NodeState(name="db2")], {"candidate": "db9"}, "candidate"),
        ([NodeState(name="db1"), NodeState(name="db2")], {"max_lag_bytes": -1}, "max_lag_bytes"),
    ],
)
def test_bad_input_names_the_field(states, kwargs, field):
    with pytest.raises(InputError) as err:
        assess(states, **kwargs)
    assert err.value.field == field


def test_describe_reads_like_a_status_board():
    lines = describe(assess([primary(), standby()]).as_dict())
    assert lines[0].startswith("db1: primary, timeline 2")
    assert "db2 streaming (async)" in lines[0]
    assert lines[1].startswith("db2: standby, timeline 2, streaming from 10.0.0.1, 0 bytes behind")
    assert lines[2].startswith("GO for switchover") and lines[3].startswith("NO-GO for failover")


def test_a_configuration_the_server_refused_is_on_the_status_board():
    """Issue 14: a refused synchronous_standby_names left the primary async silently."""
    bad = primary()
    bad.config_errors = [
        "/etc/postgresql/15/main/conf.d/hisops-ha.conf:19: setting could not "
        "be applied (synchronous_standby_names)"
    ]
    lines = describe(assess([bad, standby()]).as_dict())
    assert (
        "CONFIGURATION REFUSED by the server: /etc/postgresql/15/main/conf.d/"
        "hisops-ha.conf:19" in lines[0]
    )
    assert "REFUSED" not in describe(assess([primary(), standby()]).as_dict())[0]


def test_an_unreachable_task_result_becomes_an_unreachable_node():
    state = node_state_from_result({"item": "db1", "unreachable": True, "msg": "ssh timeout"})
    assert state == {"name": "db1", "role": "unreachable", "error": "ssh timeout"}
    assert (
        node_state_from_result({"state": {"name": "db2", "role": "standby"}})["role"] == "standby"
    )


# -- the db_ha_verdict module writes the status report (db_status's one step for it) -------
def run_verdict_module(tmp_path, report, check_mode=False):
    """The module as Ansible runs it: its file, its arguments in a JSON file."""
    module = Path(__file__).resolve().parents[3] / "plugins" / "modules" / "db_ha_verdict.py"
    args = tmp_path / "args.json"
    args.write_text(
        json.dumps(
            {
                "ANSIBLE_MODULE_ARGS": {
                    "states": [primary().as_dict(), standby().as_dict()],
                    "report": str(report),
                    "_ansible_check_mode": check_mode,
                }
            }
        )
    )
    collections = Path(__file__).resolve().parents[3] / "collections"
    done = subprocess.run(
        [sys.executable, str(module), str(args)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(collections), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    return json.loads(done.stdout)


def test_the_verdict_is_written_as_the_status_report_but_not_in_check_mode(tmp_path):
    report = tmp_path / "reports" / "db_status.json"
    previewed = run_verdict_module(tmp_path, report, check_mode=True)
    assert not previewed.get("failed") and "report" not in previewed
    assert not report.exists() and not report.parent.exists()

    done = run_verdict_module(tmp_path, report)
    assert not done.get("failed") and not done["changed"] and done["report"] == str(report)
    text = report.read_text()
    assert json.loads(text) == done["verdict"] and done["verdict"]["primary"] == "db1"
    assert text.startswith('{\n    "') and text.endswith("}\n")  # as to_nice_json wrote it
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o750


def test_a_report_that_cannot_be_written_fails_naming_it(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the directory should be")
    done = run_verdict_module(tmp_path, blocker / "db_status.json")
    assert done["failed"] and done["msg"].startswith(f"report: cannot write {blocker}/")
