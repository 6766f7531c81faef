"""Issue 7: the PostgreSQL hot-standby pair on real lab hosts (real replication, real sshd).

One small host fleet for the module (two DB servers, one application server in
``db_proxies`` running the PgBouncer endpoint); the tests run in file order and each
starts from the state the previous one left (build -> switchover -> failover -> rejoin),
as an operator's day would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet, HostLabError, HostSpec

from .playbooks import PlaybookRun, run_playbook

pytestmark = [pytest.mark.lab]

DB1, DB2, APP = "his-db-1", "his-db-2", "app-1"


@dataclass
class Pair:
    fleet: HostFleet
    inventory: Path
    workdir: Path
    creds: dict

    def address(self, name: str) -> str:
        return self.fleet.specs[name].address

    def multi_host(self, user: str = "his_app") -> str:
        """The libpq multi-host string clients use: the writable node, whichever it is."""
        return (f"host={self.address(DB1)},{self.address(DB2)} port=5432,5432 dbname=his "
                f"user={user} password={self.creds[user]['password']} "
                "target_session_attrs=read-write connect_timeout=2")

    def bouncer(self) -> str:
        return (f"host={self.address(APP)} port=6432 dbname=his user=his_app "
                f"password={self.creds['his_app']['password']} connect_timeout=3")

    def superuser(self, name: str) -> psycopg.Connection:
        return psycopg.connect(self.fleet.conninfo(name, user="postgres"), autocommit=True)

    def role(self, name: str) -> str:
        try:
            with self.superuser(name) as conn:
                return "standby" if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] \
                    else "primary"
        except psycopg.OperationalError:
            return "down"

    def play(self, playbook: str, check: bool = False, **extravars) -> PlaybookRun:
        return run_playbook(playbook, self.inventory, self.workdir, extravars=extravars or None,
                            check=check)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp("dbpair")
    octet = free_octet(100, 200)
    base = f"127.{octet}"
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
        HostSpec(APP, "workstation", f"{base}.10.1", "outpatient registration",
                 groups=("db_proxies",)),
    ])  # fmt: skip
    try:
        fleet.up(his_patients=50)
        yield Pair(fleet, fleet.write_inventory(), state / "work", fleet.credentials())
    finally:
        fleet.down()
        release_octet(octet)


class Writer:
    """Commits numbered rows through a connection string, logging every acknowledged one."""

    def __init__(self, conninfo: str, table: str = "hisops_writer"):
        self.conninfo, self.table = conninfo, table
        self.acked: list[tuple[int, float]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (n bigint PRIMARY KEY, "
                         "at timestamptz DEFAULT now())")
            start = conn.execute(f"SELECT coalesce(max(n), 0) FROM {self.table}").fetchone()[0]
        self._next = start + 1
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.conninfo, autocommit=True)
                conn.execute(f"INSERT INTO {self.table} (n) VALUES (%s)", (self._next,))
                self.acked.append((self._next, time.monotonic()))
                self._next += 1
                time.sleep(0.005)
            except psycopg.Error as exc:
                self.errors.append(str(exc).strip()[:200])
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.02)
        if conn is not None:
            conn.close()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        target = len(self.acked) + count
        while len(self.acked) < target:
            assert time.monotonic() < deadline, f"writer stuck: {self.errors[-3:]}"
            time.sleep(0.05)

    def longest_gap(self) -> float:
        times = [t for _, t in self.acked]
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


def missing(pair: Pair, node: str, acked: list[tuple[int, float]], table: str) -> list[int]:
    with psycopg.connect(pair.fleet.conninfo(node), autocommit=True) as conn:
        present = {r[0] for r in conn.execute(f"SELECT n FROM {table}").fetchall()}
    return [n for n, _ in acked if n not in present]


def server_of(conninfo: str) -> tuple[str, bool]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        addr, recovery = conn.execute("SELECT host(inet_server_addr()), pg_is_in_recovery()"
                                      ).fetchone()
        conn.execute("CREATE TABLE IF NOT EXISTS hisops_probe (at timestamptz)")
        conn.execute("INSERT INTO hisops_probe VALUES (now())")
    return addr, recovery


def report(pair: Pair) -> dict:
    return json.loads((pair.workdir / "reports" / "db_status.json").read_text())


# ------------------------------------------------------------------------------ build
def test_build_in_check_mode_changes_nothing(pair: Pair) -> None:
    run = pair.play("db_standby_build", check=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert pair.role(DB2) == "primary"  # still its own separate database
    assert not pair.fleet.path(DB2, "/etc/postgresql/15/main/conf.d/hisops-ha.conf").exists()
    with pair.superuser(DB1) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'hisops_replicator'"
                            ).fetchone()[0] == 0


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
            row = conn.execute("SELECT sync_state FROM pg_stat_replication WHERE "
                               "application_name = %s AND state = 'streaming'", (standby,)
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
        assert conn.execute("SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL"
                            ).fetchone()[0] == 0
    assert sync_state(pair, DB1, DB2) == "sync"
    # the standby's own file carries the same kind of line: it must start again with it
    restarted = pair.fleet.run(DB2, ["systemctl", "restart", "postgresql@15-main"], check=False)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert pair.role(DB2) == "standby"
    assert sync_state(pair, DB1, DB2) == "sync"
    assert pair.play("db_status").rc == 0
    assert f"{DB2} streaming (sync)" in " | ".join(
        f"{r['name']} {r['state']} ({r['sync_state']})" for r in
        next(n for n in report(pair)["nodes"] if n["name"] == DB1)["replicas"])
    back = pair.play("db_standby_build")  # async again: a reload, no restart
    assert back.rc == 0, back.stdout[-3000:]
    assert sync_state(pair, DB1, DB2) == "async"


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
        assert "zz-hand-edit.conf:1: setting could not be applied" in run.stdout, \
            run.stdout[-3000:]
        assert 'syntax error at or near' in run.stdout, run.stdout[-3000:]
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
        conn.execute(f"CREATE TABLE {table} AS SELECT g, repeat('x', 200) AS pad "
                     f"FROM generate_series(1, {rows}) g")
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
    pair.fleet.run(DB2, ["/bin/sh", "-c", f"rm -f {data}/standby.signal && su postgres -c "
                         f"'/usr/lib/postgresql/15/bin/postgres --single -F -c config_file={conf} "
                         f"-D {data} template1 </dev/null' && su postgres -c 'touch "
                         f"{data}/standby.signal' && systemctl start postgresql@15-main"])
    assert pair.role(DB2) == "standby"


def test_a_standby_that_cannot_follow_is_cloned_again(pair: Pair) -> None:
    damage_standby(pair)
    refused = pair.play("db_standby_build")
    assert refused.rc != 0 and "does not follow" in refused.stdout \
        and "overwrite" in refused.stdout, refused.stdout[-3000:]
    run = pair.play("db_standby_build", db_standby_build_overwrite=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.changed_by("clone the standby") == {DB2}, run.stdout[-2000:]
    rows = write_mb(pair, DB1, "after_reclone", 1)
    assert_follows(pair, "after_reclone", rows)
    # the rejoin: restarted as a standby, it shows it cannot catch up, and is cloned
    damage_standby(pair)
    rejoin = pair.play("db_rejoin")
    assert rejoin.rc == 0, rejoin.stdout[-3000:]
    assert f"by clone ({DB2} did not catch up as a standby)" in rejoin.stdout, \
        rejoin.stdout[-2000:]
    rows = write_mb(pair, DB1, "after_rejoin_clone", 1)
    assert_follows(pair, "after_rejoin_clone", rows)


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
                primary.execute("CREATE TABLE lag_filler AS SELECT g, repeat('x', 500) AS pad "
                                "FROM generate_series(1, 20000) g")
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
    switchovers = [h for h in StateStore(str(pair.workdir / "state")).history() if h.kind == "switchover"]
    assert switchovers and {h.state for h in switchovers} == {"closed"}
    assert set(switchovers[0].endpoints[0].values()) <= {DB1, DB2}


def test_two_switchovers_at_once_one_acts_the_other_is_refused_naming_the_holder(
        pair: Pair) -> None:
    runs: dict[str, PlaybookRun] = {}
    threads = [threading.Thread(target=lambda t=t: runs.__setitem__(t, run_playbook(
        "db_switchover", pair.inventory, pair.workdir.parent / f"so-{t}",
        extravars={"target": DB1}))) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.rc == 0 for r in runs.values()) == [False, True], \
        [r.stdout[-1500:] for r in runs.values()]
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
    no_fence = pair.play("db_failover", fence=["site_command"], fence_command=["false"],
                         accept_data_loss=True)
    assert no_fence.rc != 0 and "not proven fenced" in no_fence.stdout, no_fence.stdout[-2000:]
    assert pair.role(DB1) == "standby"
    # check mode: says what it would fence and promote, touches nothing, leaves no lock
    check = pair.play("db_failover", check=True, accept_data_loss=True)
    assert check.rc == 0 and f"would fence {DB2}" in check.stdout, check.stdout[-2000:]
    assert pair.role(DB1) == "standby"
    assert not pair.fleet.path(DB1, "/var/lib/postgresql/hisops-failover.lock").exists()
    assert pair.fleet.path(DB2, "/etc/postgresql/15/main/start.conf").read_text().strip() \
        .endswith("auto")


def test_two_failovers_at_once_one_is_refused(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    # two engineers, two work directories, one controller: one deliberate state
    monkeypatch.setenv("HISOPS_STATE_DIR", str(pair.workdir / "state"))
    runs: list[PlaybookRun] = []
    workdirs = [pair.workdir.parent / "fo-a", pair.workdir.parent / "fo-b"]
    threads = [threading.Thread(target=lambda w=w: runs.append(run_playbook(
        "db_failover", pair.inventory, w, extravars={"accept_data_loss": True})))
        for w in workdirs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.rc == 0 for r in runs) == [False, True], [r.stdout[-1500:] for r in runs]
    refused = next(r for r in runs if r.rc != 0)
    assert "the pair is locked by a failover of" in refused.stdout \
        or "no standby to promote" in refused.stdout, refused.stdout[-2000:]
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
    with psycopg.connect(pair.fleet.conninfo(DB2), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
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
    assert "by rewind" in run.stdout or "by clone (pg_rewind failed)" in run.stdout, run.stdout[-2000:]
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


def test_a_lock_left_by_a_dead_run_is_broken_one_of_another_controller_refuses(
        pair: Pair) -> None:
    """The pair's lock of a run of this controller whose process ended (killed, say) is
    stale: a rejoin breaks it and goes on. One of another controller is not judged: the
    rejoin is refused naming it, in check mode too."""
    lock = pair.fleet.path(DB1, "/var/lib/postgresql/hisops-failover.lock")
    ended = subprocess.Popen(["true"])
    ended.wait()
    lock.write_text(json.dumps({"owner": f"alice@{socket.gethostname()} pid {ended.pid} x",
                                "operation": "switchover", "since": time.time() - 60}))
    run = pair.play("db_rejoin")
    assert run.rc == 0, run.stdout[-2000:]
    assert not lock.exists()
    lock.write_text(json.dumps({"owner": "bob@ctl-2 pid 4242 x", "operation": "switchover",
                                "since": time.time() - 60}))
    try:
        for check in (True, False):
            refused = pair.play("db_rejoin", check=check)
            assert refused.rc != 0, refused.stdout[-2000:]
            assert "the pair is locked by a switchover of bob@ctl-2, pid 4242" in refused.stdout
            assert lock.exists()
    finally:
        lock.unlink()
