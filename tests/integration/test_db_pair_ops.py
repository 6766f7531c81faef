"""Issue 7: an operator's day on a built PostgreSQL hot-standby pair on real lab hosts:
refusals, switchover, failover, rejoin, the pair's lock.

One small host fleet for the module (db_pair_lab.py), the standby built by its fixture
(his-db-1 primary, his-db-2 its async standby, timeline 1); the tests run in file order
and each starts from the state the previous one left (switchover -> failover -> rejoin).
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

from .db_pair_lab import DB1, DB2, Pair, Writer, boot, missing, report, server_of
from .playbooks import PlaybookRun, run_playbook

pytestmark = [pytest.mark.lab]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with boot(tmp_path_factory, build=True) as built:
        yield built


# ------------------------------------------------------------------------------ refusals
def test_bad_inputs_are_refused_without_change(pair: Pair) -> None:
    unknown = pair.play("db_switchover", target="his-db-9")
    assert unknown.rc != 0 and "his-db-9" in unknown.stdout
    wrong = pair.play("db_standby_build", hisops_db_replication_password="not-the-password")
    assert wrong.rc != 0 and "wrong credentials" in wrong.stdout
    for node in (DB1, DB2):  # refused before anything was written
        pgpass = pair.fleet.path(node, "/var/lib/postgresql/.pgpass").read_text()
        assert "not-the-password" not in pgpass
    # the standby lagging beyond the limit: replay paused while the primary writes
    with pair.superuser(DB2) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            with pair.superuser(DB1) as primary:
                primary.execute(
                    "CREATE TABLE lag_filler AS SELECT g, repeat('x', 500) AS pad "
                    "FROM generate_series(1, 20000) g"
                )
            time.sleep(1.5)
            lagging = pair.play("db_switchover", db_switchover_max_lag_bytes=1024 * 1024)
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    assert lagging.rc != 0 and "more than the limit" in lagging.stdout, lagging.stdout[-2000:]
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
    with pair.superuser(DB1) as conn:  # the password was not changed by the wrong one
        assert conn.execute("SELECT count(*) FROM pg_stat_replication").fetchone()[0] == 1


def test_switchover_in_check_mode_changes_nothing(pair: Pair) -> None:
    run = pair.play("db_switchover", check=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")


# ------------------------------------------------------------------------------ switchover
def test_switchover_loses_no_acknowledged_commit(pair: Pair) -> None:
    assert pair.play("db_pgbouncer").rc == 0
    assert server_of(pair.bouncer()) == (pair.address(DB1), False)
    with Writer(pair.multi_host()) as writer:
        writer.wait_for(50)
        run = pair.play("db_switchover")
        writer.wait_for(50)
    assert run.rc == 0, run.stdout[-3000:]
    assert (pair.role(DB1), pair.role(DB2)) == ("standby", "primary")
    assert len(writer.acked) > 100
    assert missing(pair, DB2, writer.acked, writer.table) == []
    # clients were not reconfigured: both ways in reach the new primary and can write
    assert server_of(pair.multi_host()) == (pair.address(DB2), False)
    assert server_of(pair.bouncer()) == (pair.address(DB2), False)
    again = pair.play("db_switchover", target=DB2)
    assert again.rc == 0 and again.changed_by("stop writes") == set(), again.stdout[-2000:]
    # the switchover was a hold of the deliberate state while it ran, closed at its end
    switchovers = [
        h for h in StateStore(str(pair.workdir / "state")).history() if h.kind == "switchover"
    ]
    assert switchovers and {h.state for h in switchovers} == {"closed"}
    assert set(switchovers[0].endpoints[0].values()) <= {DB1, DB2}


def test_two_switchovers_at_once_one_acts_the_other_is_refused_naming_the_holder(
    pair: Pair,
) -> None:
    runs: dict[str, PlaybookRun] = {}
    threads = [
        threading.Thread(
            target=lambda t=t: runs.__setitem__(
                t,
                run_playbook(
                    "db_switchover",
                    pair.inventory,
                    pair.workdir.parent / f"so-{t}",
                    extravars={"target": DB1},
                ),
            )
        )
        for t in ("a", "b")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.rc == 0 for r in runs.values()) == [False, True], [
        r.stdout[-1500:] for r in runs.values()
    ]
    refused = next(r for r in runs.values() if r.rc != 0)
    assert "the pair is locked by a switchover of" in refused.stdout, refused.stdout[-2000:]
    assert " pid " in refused.stdout and " since " in refused.stdout, refused.stdout[-2000:]
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
    assert pair.play("db_status").rc == 0 and report(pair)["switchover"]["go"]
    for node in (DB1, DB2):  # released by the one that acted, never taken by the other
        assert not pair.fleet.path(node, "/var/lib/postgresql/hisops-failover.lock").exists()
    back = pair.play("db_switchover", target=DB2)  # the day goes on as before
    assert back.rc == 0, back.stdout[-3000:]
    assert (pair.role(DB1), pair.role(DB2)) == ("standby", "primary")


# ------------------------------------------------------------------------------ failover
def diverge_then_crash(pair: Pair, primary: str, standby: str) -> None:
    """Writes the standby never receives, then kill -9 of the primary's PostgreSQL."""
    with pair.superuser(standby) as conn:
        conn.execute("ALTER SYSTEM SET primary_conninfo = ''")
        conn.execute("SELECT pg_reload_conf()")
    with pair.superuser(primary) as conn:
        deadline = time.monotonic() + 30
        while conn.execute("SELECT count(*) FROM pg_stat_replication").fetchone()[0]:
            assert time.monotonic() < deadline, "the standby did not disconnect"
            time.sleep(0.1)
        conn.execute("CREATE TABLE diverged AS SELECT generate_series(1, 1000) AS g")
    pair.fleet.fault(primary, "crash")
    with pair.superuser(standby) as conn:
        conn.execute("ALTER SYSTEM RESET primary_conninfo")
        conn.execute("SELECT pg_reload_conf()")


def test_failover_refuses_unknown_gap_and_missing_fence(pair: Pair) -> None:
    diverge_then_crash(pair, DB2, DB1)
    no_accept = pair.play("db_failover")
    assert no_accept.rc != 0 and "unknown" in no_accept.stdout
    no_fence = pair.play(
        "db_failover", fence=["site_command"], fence_command=["false"], accept_data_loss=True
    )
    assert no_fence.rc != 0 and "not proven fenced" in no_fence.stdout, no_fence.stdout[-2000:]
    assert pair.role(DB1) == "standby"
    # check mode: says what it would fence and promote, touches nothing, leaves no lock
    check = pair.play("db_failover", check=True, accept_data_loss=True)
    assert check.rc == 0 and f"would fence {DB2}" in check.stdout, check.stdout[-2000:]
    assert pair.role(DB1) == "standby"
    assert not pair.fleet.path(DB1, "/var/lib/postgresql/hisops-failover.lock").exists()
    assert (
        pair.fleet.path(DB2, "/etc/postgresql/15/main/start.conf")
        .read_text()
        .strip()
        .endswith("auto")
    )


def test_two_failovers_at_once_one_is_refused(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    # two engineers, two work directories, one controller: one deliberate state
    monkeypatch.setenv("HISOPS_STATE_DIR", str(pair.workdir / "state"))
    runs: list[PlaybookRun] = []
    workdirs = [pair.workdir.parent / "fo-a", pair.workdir.parent / "fo-b"]
    threads = [
        threading.Thread(
            target=lambda w=w: runs.append(
                run_playbook("db_failover", pair.inventory, w, extravars={"accept_data_loss": True})
            )
        )
        for w in workdirs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.rc == 0 for r in runs) == [False, True], [r.stdout[-1500:] for r in runs]
    refused = next(r for r in runs if r.rc != 0)
    assert (
        "the pair is locked by a failover of" in refused.stdout
        or "no standby to promote" in refused.stdout
    ), refused.stdout[-2000:]
    assert pair.role(DB1) == "primary"
    with pair.superuser(DB1) as conn:  # what was never received is lost, as accepted
        assert conn.execute("SELECT to_regclass('diverged')").fetchone()[0] is None
    assert server_of(pair.multi_host()) == (pair.address(DB1), False)
    assert server_of(pair.bouncer()) == (pair.address(DB1), False)


def test_old_primary_cannot_accept_writes_even_after_a_reboot(pair: Pair) -> None:
    pair.fleet.reboot(DB2)
    assert pair.role(DB2) == "down"  # disabled: it does not start at boot
    # started by hand anyway: standby.signal makes it come up read-only
    started = pair.fleet.run(DB2, ["systemctl", "start", "postgresql@15-main"], check=False)
    assert started.returncode == 0, started.stderr
    assert pair.role(DB2) == "standby"
    with (
        psycopg.connect(pair.fleet.conninfo(DB2), autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("INSERT INTO hisops_probe VALUES (now())")


# ------------------------------------------------------------------------------ rejoin
def test_rejoin_brings_the_old_primary_back_streaming_on_the_new_timeline(pair: Pair) -> None:
    state = StateStore(str(pair.workdir / "state"))
    fence = state.get(f"fence-{DB2}")  # the failover's fence is deliberate state until the rejoin
    assert fence is not None and fence.state == "open" and fence.details["new_primary"] == DB1
    assert "ssh" in fence.details["methods"]
    check = pair.play("db_rejoin", check=True)
    assert check.rc == 0, check.stdout[-3000:]
    assert state.get(f"fence-{DB2}").state == "open"  # check mode closed nothing
    run = pair.play("db_rejoin")
    assert run.rc == 0, run.stdout[-3000:]
    assert state.get(f"fence-{DB2}").state == "closed"
    # pg_rewind is the path; when it fails the role clones instead (issue 7 item 5). It has
    # been seen to fail here once ("could not find previous WAL record" at the divergence
    # point, the crashed primary's WAL ending there): the fallback is then what is tested.
    assert "by rewind" in run.stdout or "by clone (pg_rewind failed)" in run.stdout, run.stdout[
        -2000:
    ]
    with pair.superuser(DB2) as conn:  # its diverged writes were rewound away
        assert conn.execute("SELECT to_regclass('diverged')").fetchone()[0] is None
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
    assert pair.play("db_status").rc == 0
    verdict = report(pair)
    nodes = {n["name"]: n for n in verdict["nodes"]}
    assert nodes[DB2]["receiver_status"] == "streaming"
    # timeline 1, then 2 (switchover), 3 and 4 (two switchovers at once, and back), 5 (failover)
    assert nodes[DB2]["timeline"] == nodes[DB1]["timeline"] == 5
    assert verdict["switchover"]["go"]
    # the node's own settings survived the rewind (primary_conninfo names its peer)
    conf = pair.fleet.path(DB2, "/etc/postgresql/15/main/conf.d/hisops-ha.conf").read_text()
    assert f"application_name={DB2}" in conf
    again = pair.play("db_rejoin")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-2000:]


def test_a_lock_left_by_a_dead_run_is_broken_one_of_another_controller_refuses(pair: Pair) -> None:
    """The pair's lock of a run of this controller whose process ended (killed, say) is
    stale: a rejoin breaks it and goes on. One of another controller is not judged: the
    rejoin is refused naming it, in check mode too."""
    lock = pair.fleet.path(DB1, "/var/lib/postgresql/hisops-failover.lock")
    ended = subprocess.Popen(["true"])
    ended.wait()
    lock.write_text(
        json.dumps(
            {
                "owner": f"alice@{socket.gethostname()} pid {ended.pid} x",
                "operation": "switchover",
                "since": time.time() - 60,
            }
        )
    )
    run = pair.play("db_rejoin")
    assert run.rc == 0, run.stdout[-2000:]
    assert not lock.exists()
    lock.write_text(
        json.dumps(
            {"owner": "bob@ctl-2 pid 4242 x", "operation": "switchover", "since": time.time() - 60}
        )
    )
    try:
        for check in (True, False):
            refused = pair.play("db_rejoin", check=check)
            assert refused.rc != 0, refused.stdout[-2000:]
            assert "the pair is locked by a switchover of bob@ctl-2, pid 4242" in refused.stdout
            assert lock.exists()
    finally:
        lock.unlink()


# ------------------------------------------------------------------------------ the campaign, short
def test_a_short_campaign_on_this_pair_keeps_every_invariant(pair: Pair) -> None:
    """Issue 16: two cycles of the database pair campaign (reliability/db_pair.py, the same
    code) on this file's pair as the previous test left it (his-db-1 primary, his-db-2
    streaming, async): a switchover to his-db-2, then a crash of its PostgreSQL, failover
    back to his-db-1 and rejoin - the writer and the split-brain detector running, the
    invariants checked after every step. The full run: docs/reliability/db_pair.md."""
    import sys
    from pathlib import Path

    from . import db_pair_lab

    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    from reliability import db_pair

    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
    plan = [("switchover", "async"), ("crash_failover", "async")]
    figures = db_pair.campaign(pair, db_pair_lab, seed=16, cycles=2, cycle_plan=plan)
    extra = figures.extra
    print({k: v for k, v in extra.items() if k != "cycle_plan"})
    assert figures.steps == 2 and figures.checks == 3
    assert [e["action"] for e in figures.log] == ["switchover", "crash_failover"]
    assert extra["split_brain_observations"] == 0 and extra["detector_rounds"] > 100
    assert extra["lost_commits_acknowledged_while_sync"] == 0
    assert extra["switchovers"] == 1 and extra["failovers"] == {"sync": 0, "async": 1}
    # one timeline more for the switchover, one more for the failover
    assert [e["timeline"] for e in figures.log][1] == figures.log[0]["timeline"] + 1
    assert extra["timeline_reached"] == figures.log[1]["timeline"]
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
