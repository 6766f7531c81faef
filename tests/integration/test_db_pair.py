"""Issue 7: the PostgreSQL hot-standby pair on real lab hosts (real replication, real sshd):
its build, its replication modes, a standby that crashed or cannot follow.

One small host fleet for the module (db_pair_lab.py); the tests run in file order and each
starts from the state the previous one left (check mode -> build -> sync mode -> a damaged
standby), as an operator's day would. The operations on a built pair (switchover,
failover, rejoin) are test_db_pair_ops.py, on a fleet of their own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import psycopg
import pytest

from .db_pair_lab import DB1, DB2, Pair, Writer, boot, report

pytestmark = [pytest.mark.lab]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with boot(tmp_path_factory) as built:
        yield built


# ------------------------------------------------------------------------------ build
def test_build_in_check_mode_changes_nothing(pair: Pair) -> None:
    run = pair.play("db_standby_build", check=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert pair.role(DB2) == "primary"  # still its own separate database
    assert not pair.fleet.path(DB2, "/etc/postgresql/15/main/conf.d/hisops-ha.conf").exists()
    with pair.superuser(DB1) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_roles WHERE rolname = 'hisops_replicator'"
            ).fetchone()[0]
            == 0
        )


def test_build_streams_to_a_hot_standby_and_is_idempotent(pair: Pair) -> None:
    run = pair.play("db_standby_build")
    assert run.rc == 0, run.stdout[-3000:]
    assert pair.role(DB1) == "primary" and pair.role(DB2) == "standby"
    with pair.superuser(DB1) as conn:
        rows = conn.execute("SELECT application_name, state FROM pg_stat_replication").fetchall()
        assert rows == [(DB2, "streaming")]
        assert conn.execute("SHOW wal_log_hints").fetchone()[0] == "on"
        slots = conn.execute("SELECT slot_name, active FROM pg_replication_slots").fetchall()
        assert slots == [("hisops_his_db_2", True)]
    with psycopg.connect(pair.fleet.conninfo(DB2), autocommit=True) as conn:  # hot standby
        assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 50
    conf = pair.fleet.path(DB2, "/etc/postgresql/15/main/conf.d/hisops-ha.conf").read_text()
    assert pair.creds["replication"]["password"] not in conf  # the password is in .pgpass only
    again = pair.play("db_standby_build")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-3000:]


def test_status_reports_roles_lag_slots_and_go_no_go(pair: Pair) -> None:
    run = pair.play("db_status")
    assert run.rc == 0, run.stdout[-3000:]
    verdict = report(pair)
    assert verdict["primary"] == DB1 and verdict["standbys"] == [DB2]
    assert verdict["lag"][DB2]["bytes"] == 0 and verdict["lag"][DB2]["seconds"] is not None
    assert verdict["switchover"]["go"] and verdict["switchover"]["summary"].startswith("GO")
    assert not verdict["failover"]["go"]
    assert "running as primary" in verdict["failover"]["summary"]
    nodes = {n["name"]: n for n in verdict["nodes"]}
    assert nodes[DB1]["timeline"] == nodes[DB2]["timeline"] == 1
    assert nodes[DB1]["slots"][0]["active"]


# ------------------------------------------------------------------------------ sync mode (issue 14)
def sync_state(pair: Pair, primary: str, standby: str, timeout: float = 30) -> str | None:
    """The standby's sync_state on the primary once it streams (None: it does not)."""
    deadline = time.monotonic() + timeout
    with pair.superuser(primary) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT sync_state FROM pg_stat_replication WHERE "
                "application_name = %s AND state = 'streaming'",
                (standby,),
            ).fetchone()
            if row:
                return row[0]
            time.sleep(0.2)
    return None


def test_sync_mode_is_the_mode_in_force_on_the_real_pair(pair: Pair) -> None:
    run = pair.play("db_standby_build", db_standby_build_sync_mode="sync")
    assert run.rc == 0, run.stdout[-3000:]
    with pair.superuser(DB1) as conn:
        assert conn.execute("SHOW synchronous_standby_names").fetchone()[0] == f'"{DB2}"'
        assert (
            conn.execute(
                "SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
    assert sync_state(pair, DB1, DB2) == "sync"
    # the standby's own file carries the same kind of line: it must start again with it
    restarted = pair.fleet.run(DB2, ["systemctl", "restart", "postgresql@15-main"], check=False)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert pair.role(DB2) == "standby"
    assert sync_state(pair, DB1, DB2) == "sync"
    assert pair.play("db_status").rc == 0
    assert f"{DB2} streaming (sync)" in " | ".join(
        f"{r['name']} {r['state']} ({r['sync_state']})"
        for r in next(n for n in report(pair)["nodes"] if n["name"] == DB1)["replicas"]
    )
    # left in sync mode for the next test (the loss of the sync standby), which ends async


def degrade_record(pair: Pair, node: str) -> dict:
    path = pair.fleet.path(node, "/var/lib/postgresql/hisops-sync-degrade-15-main.json")
    return json.loads(path.read_text())


def test_a_lost_sync_standby_degrades_to_async_and_sync_returns_with_it(pair: Pair) -> None:
    """Issue 16: in sync mode a dead standby stalled every write until an operator rebuilt
    the pair as async. The sync-degrade service (default 5 s) releases them, db_status
    says DEGRADED, and the pair is synchronous again once the standby streams."""
    if sync_state(pair, DB1, DB2, timeout=1) != "sync":  # run alone: build it in sync mode
        run = pair.play("db_standby_build", db_standby_build_sync_mode="sync")
        assert run.rc == 0, run.stdout[-3000:]
        assert sync_state(pair, DB1, DB2) == "sync"
    assert degrade_record(pair, DB1)["state"] == "sync"
    # the service is supervised like a systemd unit (Restart=always): killed, it is back
    old_pid = degrade_record(pair, DB1)["pid"]
    pair.fleet.run(DB1, ["kill", "-9", str(old_pid)])
    deadline = time.monotonic() + 10
    while degrade_record(pair, DB1)["pid"] == old_pid:
        assert time.monotonic() < deadline, "the sync-degrade service did not come back"
        time.sleep(0.2)
    with Writer(pair.multi_host()) as writer:
        writer.wait_for(20)
        pair.fleet.fault(DB2, "crash")
        writer.wait_for(100, timeout=30)  # writes go on (they stalled for ever before)
        stall = writer.longest_gap()
    print(f"sync standby killed: longest writer stall {stall:.2f} s (degrade after 5 s)")
    assert 4.5 <= stall <= 5 + 1.5, stall  # the configured wait, not a second more
    record = degrade_record(pair, DB1)
    assert record["state"] == "degraded" and record["degrades"] >= 1, record
    status = pair.play("db_status")
    assert status.rc == 0 and "WARNING: DEGRADED: his-db-1 runs async" in status.stdout
    assert report(pair)["degraded"]["state"] == "degraded"
    started = pair.fleet.run(DB2, ["systemctl", "start", "postgresql@15-main"], check=False)
    assert started.returncode == 0, started.stdout + started.stderr
    deadline = time.monotonic() + 30
    while sync_state(pair, DB1, DB2) != "sync":
        assert time.monotonic() < deadline, "the pair did not return to sync"
        time.sleep(0.2)
    assert degrade_record(pair, DB1)["state"] == "sync"
    status = pair.play("db_status", db_status_require="switchover")
    assert status.rc == 0 and "DEGRADED" not in status.stdout, status.stdout[-3000:]
    assert not report(pair)["warnings"], report(pair)["warnings"]
    back = pair.play("db_standby_build")  # async again: a reload, no restart
    assert back.rc == 0, back.stdout[-3000:]
    assert sync_state(pair, DB1, DB2) == "async"
    assert degrade_record(pair, DB1)["state"] == "async"


def test_a_mode_the_server_refuses_fails_the_build_with_the_servers_error(pair: Pair) -> None:
    # a configuration file the server rejects (the line the collection used to render)
    broken = pair.fleet.path(DB1, "/etc/postgresql/15/main/conf.d/zz-hand-edit.conf")
    broken.write_text(f"synchronous_standby_names = '{DB2}'\n")
    try:
        with pair.superuser(DB1) as conn:
            conn.execute("SELECT pg_reload_conf()")
        run = pair.play("db_standby_build", db_standby_build_sync_mode="sync")
        assert run.rc != 0, run.stdout[-3000:]
        assert "sync mode asked for, not in force on his-db-1" in run.stdout, run.stdout[-3000:]
        # pg_file_settings names the file and line, the server's log says why
        assert "zz-hand-edit.conf:1: setting could not be applied" in run.stdout, run.stdout[-3000:]
        assert "syntax error at or near" in run.stdout, run.stdout[-3000:]
        status = pair.play("db_status")  # the daily check is not silent about it either
        assert "CONFIGURATION REFUSED by the server" in status.stdout, status.stdout[-3000:]
    finally:
        broken.unlink()
        with pair.superuser(DB1) as conn:
            conn.execute("SELECT pg_reload_conf()")
    back = pair.play("db_standby_build")
    assert back.rc == 0, back.stdout[-3000:]
    assert sync_state(pair, DB1, DB2) == "async"


# ------------------------------------------------------------------------------ a crashed standby (issue 14)
def write_mb(pair: Pair, node: str, table: str, mb: int) -> int:
    rows = mb * 4000  # about 250 bytes of WAL a row
    with pair.superuser(node) as conn:
        conn.execute(
            f"CREATE TABLE {table} AS SELECT g, repeat('x', 200) AS pad "
            f"FROM generate_series(1, {rows}) g"
        )
    return rows


def assert_follows(pair: Pair, table: str, rows: int) -> None:
    assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
    assert pair.play("db_status").rc == 0
    verdict = report(pair)
    nodes = {n["name"]: n for n in verdict["nodes"]}
    assert nodes[DB2]["receiver_status"] == "streaming"
    assert nodes[DB2]["timeline"] == nodes[DB1]["timeline"] == 1
    assert verdict["switchover"]["go"], verdict["switchover"]["summary"]
    deadline = time.monotonic() + 30  # async: replayed a moment after the commit
    with pair.superuser(DB2) as conn:
        while not conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]:
            assert time.monotonic() < deadline, f"{table} never reached {DB2}"
            time.sleep(0.1)
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows


def test_a_crashed_standby_restarts_as_a_standby_and_catches_up(pair: Pair) -> None:
    """Issue 14 bug 5: crash of the standby's PostgreSQL, writes on the primary, db_rejoin.
    It used to be rewound (pg_rewind's crash recovery ended its recovery as a primary on
    timeline 1) and could never follow again. 100 MB of writes show it (1.4 GB in the
    report)."""
    pair.fleet.fault(DB2, "crash")
    rows = write_mb(pair, DB1, "after_standby_crash", 100)
    run = pair.play("db_rejoin")
    assert run.rc == 0, run.stdout[-3000:]
    assert f"{DB2} rejoined {DB1} by restart as standby" in run.stdout, run.stdout[-2000:]
    assert_follows(pair, "after_standby_crash", rows)
    again = pair.play("db_rejoin")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-2000:]


def damage_standby(pair: Pair) -> None:
    """What the old rejoin did to a crashed standby: crash recovery outside standby mode (a
    single-user server, as pg_rewind runs it) ends recovery with a checkpoint of its own on
    the primary's timeline; started as a standby again, it can never follow."""
    pair.fleet.fault(DB2, "crash")
    write_mb(pair, DB1, f"damage_{time.monotonic_ns()}", 8)
    data, conf = "/var/lib/postgresql/15/main", "/etc/postgresql/15/main/postgresql.conf"
    pair.fleet.run(
        DB2,
        [
            "/bin/sh",
            "-c",
            f"rm -f {data}/standby.signal && su postgres -c "
            f"'/usr/lib/postgresql/15/bin/postgres --single -F -c config_file={conf} "
            f"-D {data} template1 </dev/null' && su postgres -c 'touch "
            f"{data}/standby.signal' && systemctl start postgresql@15-main",
        ],
    )
    assert pair.role(DB2) == "standby"


def test_a_standby_that_cannot_follow_is_cloned_again(pair: Pair) -> None:
    damage_standby(pair)
    refused = pair.play("db_standby_build")
    assert (
        refused.rc != 0 and "does not follow" in refused.stdout and "overwrite" in refused.stdout
    ), refused.stdout[-3000:]
    run = pair.play("db_standby_build", db_standby_build_overwrite=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.changed_by("clone the standby") == {DB2}, run.stdout[-2000:]
    rows = write_mb(pair, DB1, "after_reclone", 1)
    assert_follows(pair, "after_reclone", rows)
    # the rejoin: restarted as a standby, it shows it cannot catch up, and is cloned
    damage_standby(pair)
    rejoin = pair.play("db_rejoin")
    assert rejoin.rc == 0, rejoin.stdout[-3000:]
    assert f"by clone ({DB2} did not catch up as a standby)" in rejoin.stdout, rejoin.stdout[-2000:]
    rows = write_mb(pair, DB1, "after_rejoin_clone", 1)
    assert_follows(pair, "after_rejoin_clone", rows)


# ------------------------------------------------------------------------------ WAL held by a dead standby (issue 16)
def retained_wal_mb(pair: Pair, node: str) -> float:
    """The WAL pg_wal keeps behind the segment being written (recycled segments, renamed
    ahead for reuse, are not retained WAL: max_wal_size bounds them)."""
    with pair.superuser(node) as conn:
        return conn.execute(
            "SELECT coalesce(sum(size), 0) / 1048576.0 FROM pg_ls_waldir() "
            "WHERE name ~ '^[0-9A-F]{24}$' AND name < pg_walfile_name(pg_current_wal_lsn())"
        ).fetchone()[0]


def write_segments(pair: Pair, node: str, count: int) -> None:
    """``count`` WAL segments (16 MB each) written on ``node``: a row, then a switch."""
    with pair.superuser(node) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS wal_filler (at timestamptz)")
        for _ in range(count):
            conn.execute("INSERT INTO wal_filler VALUES (now())")
            conn.execute("SELECT pg_switch_wal()")
        conn.execute("CHECKPOINT")  # where PostgreSQL removes WAL (and enforces the bound)


def test_a_dead_standbys_slot_is_bounded_warned_about_and_the_standby_recloned(pair: Pair) -> None:
    """Issue 16: with the standby crashed, its slot kept every WAL segment on the primary
    (1 GB written left 1.6 GB in pg_wal, growing until the disk was full). Now: db_status
    shows what the slot holds and warns at half the bound; past the bound the slot is lost,
    pg_wal stops growing, and db_status says the standby must be cloned (db_rejoin)."""
    bound_mb = 96
    run = pair.play(
        "db_standby_build",
        db_standby_build_max_slot_wal_keep_size=f"{bound_mb}MB",
        db_standby_build_wal_keep_size="16MB",
    )
    assert run.rc == 0, run.stdout[-3000:]
    pair.fleet.fault(DB2, "crash")
    write_segments(pair, DB1, 4)  # about 64 MB: two thirds of the bound
    status = pair.play("db_status")
    assert status.rc == 0, status.stdout[-3000:]
    slot = next(n for n in report(pair)["nodes"] if n["name"] == DB1)["slots"][0]
    assert slot["wal_status"] in ("reserved", "extended") and slot["retained_bytes"] > 48 << 20
    assert f"holding {slot['retained_bytes'] >> 20}." in status.stdout  # shown in MB
    assert "WARNING: slot hisops_his_db_2 on his-db-1 holds" in status.stdout, status.stdout[-3000:]
    assert f"bring {DB2} back (db_rejoin)" in status.stdout
    peak = 0.0
    for _ in range(8):  # 128 MB more: without a bound pg_wal would keep all 192 MB
        write_segments(pair, DB1, 1)
        peak = max(peak, retained_wal_mb(pair, DB1))
    print(f"WAL bound {bound_mb} MB: at most {peak:.0f} MB retained, 192 MB written")
    assert peak <= bound_mb + 32, f"pg_wal retained {peak:.0f} MB"  # + segment rounding
    status = pair.play("db_status")
    slot = next(n for n in report(pair)["nodes"] if n["name"] == DB1)["slots"][0]
    assert slot["wal_status"] in ("lost", "unreserved"), slot
    assert "must be cloned again" in status.stdout or "cloned again" in status.stdout
    t0 = time.monotonic()
    rejoin = pair.play("db_rejoin")
    assert rejoin.rc == 0, rejoin.stdout[-3000:]
    assert "by clone" in rejoin.stdout, rejoin.stdout[-2000:]
    print(f"rejoin {time.monotonic() - t0:.1f} s:", [ln for ln in rejoin.stdout.splitlines()
          if "did not catch up" in ln or "rejoined" in ln][:3])  # fmt: skip
    rows = write_mb(pair, DB1, "after_lost_slot", 1)
    assert_follows(pair, "after_lost_slot", rows)
    assert not report(pair)["warnings"], report(pair)["warnings"]
