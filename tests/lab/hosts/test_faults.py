"""Network tie and fault injection on real hosts: each fault is observable for real."""

from __future__ import annotations

import socket
import subprocess
import time

import psycopg
import pytest
from host_helpers import ssh

from hisops.lab.hosts import HostFleet, HostLabError, HostSpecError
from hisops.lab.hosts.postgres import PG_DATA

pytestmark = pytest.mark.lab


def tcp_answers(address: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def test_unreachable_cuts_ssh_and_postgresql_and_restore_brings_them_back(
    fleet: HostFleet,
) -> None:
    db = fleet.specs["db-a"].address
    fleet.set_reachable("db-a", False)
    try:
        assert ssh(fleet, "db-a", "true", timeout=1).returncode == 255
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(
                fleet.conninfo("db-a").replace("connect_timeout=5", "connect_timeout=1")
            )
        # from the other hosts too, and the cut host cannot reach out either
        probe = f"timeout 2 bash -c 'echo > /dev/tcp/{db}/5432' && echo open || echo closed"
        assert fleet.run("pha-1", ["sh", "-c", probe]).stdout.strip() == "closed"
        ws = fleet.specs["opd-1"].address
        out = fleet.run("db-a", ["sh", "-c", probe.replace(f"{db}/5432", f"{ws}/22")])
        assert out.stdout.strip() == "closed"
        assert tcp_answers(fleet.specs["db-b"].address, 5432), "the other DB host is untouched"
        assert [r["reachable"] for r in fleet.status() if r["name"] == "db-a"] == [False]
    finally:
        fleet.set_reachable("db-a", True)
    assert ssh(fleet, "db-a", "hostname").stdout.strip() == "db-a"
    with psycopg.connect(fleet.conninfo("db-a")) as conn:
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (300,)


def test_ssh_only_access_lets_its_sshd_answer_and_nothing_else(fleet: HostFleet) -> None:
    db, other = fleet.specs["db-a"].address, fleet.specs["db-b"].address
    with pytest.raises(HostSpecError, match="access of db-a must be one of open, ssh, cut"):
        fleet.set_access("db-a", "half-open")
    assert fleet.access("db-a") == "open" and fleet.net.access() == {}
    fleet.set_access("db-a", "ssh")
    try:
        # the controller's SSH works: a command runs on the host
        assert ssh(fleet, "db-a", "hostname").stdout.strip() == "db-a"
        assert not tcp_answers(db, 5432), "PostgreSQL is behind the filter"
        # a dropped SYN on loopback: 1 s is ample (an open port answers in milliseconds)
        probe = "timeout 1 bash -c 'echo > /dev/tcp/{}' && echo open || echo closed"
        assert fleet.run("pha-1", ["sh", "-c", probe.format(f"{db}/5432")]).stdout.strip() == (
            "closed"
        )
        # the host's own connections (e.g. a replication connection) do not get out,
        # not even to another host's port 22; opened from an SSH session on the host
        for target in (f"{other}/5432", f"{fleet.specs['opd-1'].address}/22"):
            out = ssh(fleet, "db-a", probe.format(target), timeout=5).stdout.strip()
            assert out == "closed", target
        assert tcp_answers(other, 5432), "the other DB host is untouched"
        row = next(r for r in fleet.status() if r["name"] == "db-a")
        assert (row["access"], row["reachable"], row["ssh"]) == ("ssh", False, True)
        assert HostFleet(fleet.state_dir).access("db-a") == "ssh", "persisted"
        assert fleet.net.access() == {db: "ssh"}
        fleet.set_access("db-a", "cut")
        assert ssh(fleet, "db-a", "true", timeout=1).returncode == 255
        assert fleet.net.access() == {db: "cut"}
        fleet.set_access("db-a", "ssh")
        assert ssh(fleet, "db-a", "true").returncode == 0
    finally:
        fleet.set_access("db-a", "open")
    assert fleet.net.access() == {}
    with psycopg.connect(fleet.conninfo("db-a")) as conn:
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (300,)


def ssh_seconds(fleet: HostFleet, name: str) -> float:
    started = time.monotonic()
    assert ssh(fleet, name, "true", timeout=30).returncode == 0
    return time.monotonic() - started


def fastest_ssh_seconds(fleet: HostFleet, name: str, tries: int = 3) -> float:
    """The quickest of a few exchanges: a loaded machine stretches single ones at random
    (the suite itself keeps both cores busy), a shaped link stretches every one."""
    return min(ssh_seconds(fleet, name) for _ in range(tries))


def test_slow_stretches_every_exchange_of_that_host_only(fleet: HostFleet) -> None:
    normal = fastest_ssh_seconds(fleet, "pha-1")
    fleet.fault("pha-1", "slow", rate_kbit=32)
    try:
        slow = ssh_seconds(fleet, "pha-1")
        other = fastest_ssh_seconds(fleet, "opd-1")
    finally:
        fleet.clear_fault("pha-1", "slow")
    # Ordering, not absolute timings: the machine may be loaded.
    assert slow > normal + 1.0, (normal, slow)
    assert other < slow / 2, (other, slow)
    assert fastest_ssh_seconds(fleet, "pha-1") < slow / 2
    assert "htb" not in subprocess.run(["tc", "qdisc", "show", "dev", "lo"], capture_output=True,
                                       text=True, check=True).stdout  # fmt: skip


def bytes_free(fleet: HostFleet, name: str, path: str) -> int:
    out = fleet.run(name, ["df", "--output=avail", "-B1", path]).stdout.split()
    return int(out[-1])


def test_disk_full_fills_the_hosts_own_disk_keeps_its_files_and_fails_new_writes(
    fleet: HostFleet,
) -> None:
    """Issue 16: the fault once mounted a tmpfs seeded with the path's content over the
    path, so what was written during it vanished with the clear. Now the backup target's
    own disk is filled: files written before stay, writes needing space fail with ENOSPC
    everywhere on that disk (not in /tmp, its own tmpfs, nor on other hosts), it stays
    full across a power cycle, and the clear - even while the host is off - only frees
    the space."""
    fleet.run("bk-1", ["sh", "-c", "echo old > /srv/backup/old.dump; echo conf > /etc/bk.conf"])
    record = fleet.fault("bk-1", "disk_full", path="/srv/backup")
    try:
        assert record["path"] == "/srv/backup" and record["left_bytes"] == 0
        assert record["disk_bytes"] > 4 << 30, "the backup target's disk (8 GiB, sparse)"
        assert bytes_free(fleet, "bk-1", "/srv/backup") == 0
        # nothing is mounted over the path: the host still sees its own disk there
        fstype = fleet.run("bk-1", ["findmnt", "-n", "-o", "FSTYPE", "-T", "/srv/backup"])
        assert fstype.stdout.strip() == "ext4"
        out = ssh(
            fleet, "bk-1", "cat /srv/backup/old.dump; head -c 65536 /dev/zero > /srv/backup/new"
        )
        assert out.stdout.strip() == "old", "existing files stay readable"
        assert "No space left on device" in out.stderr
        for path in ("/etc/new.conf", "/var/tmp/x", "/root/x"):  # one disk, as on a server
            out = ssh(fleet, "bk-1", f"head -c 65536 /dev/zero > {path}")
            assert "No space left on device" in out.stderr, path
        out = ssh(fleet, "bk-1", "head -c 65536 /dev/zero > /tmp/x && echo ok; rm -f /tmp/x")
        assert out.stdout.strip() == "ok", "/tmp is a tmpfs of its own"
        out = ssh(fleet, "pha-1", "head -c 65536 /dev/zero > /opt/his-client/x && echo ok")
        assert out.stdout.strip() == "ok", "another host's disk is its own"
        with pytest.raises(HostLabError, match="already has a disk_full"):
            fleet.fault("bk-1", "disk_full", path="/srv/backup")
        fleet.power_off("bk-1")
        fleet.power_on("bk-1")
        # (the boot itself may free a block or two: a log rewritten)
        assert bytes_free(fleet, "bk-1", "/srv/backup") < 65536, "a full disk stays full"
        row = next(r for r in fleet.status() if r["name"] == "bk-1")
        assert row["faults"]["disk_full"]["path"] == "/srv/backup", "recorded across it"
        fleet.power_off("bk-1")
    finally:
        fleet.clear_fault("bk-1", "disk_full")  # off: the filler goes at the next boot
        fleet.power_on("bk-1")
    assert bytes_free(fleet, "bk-1", "/srv/backup") > 4 << 30
    out = ssh(
        fleet,
        "bk-1",
        "head -c 65536 /dev/zero > /srv/backup/new && cat /srv/backup/old.dump /etc/bk.conf"
        " && rm /srv/backup/new /srv/backup/old.dump /etc/bk.conf /var/tmp/x /root/x",
    )
    assert out.stdout.split() == ["old", "conf"], out.stderr
    fleet.run("pha-1", ["rm", "/opt/his-client/x"])


def test_disk_full_under_postgresql_fails_its_writes_and_keeps_its_data(
    fleet: HostFleet,
) -> None:
    """A DB server's disk full under PostgreSQL's data directory: a write that needs new
    space fails with PostgreSQL's own "could not extend file" (SQLSTATE 53100), the rows
    written before stay, the server keeps running; after the clear it writes again."""
    conninfo = fleet.conninfo("db-b", user="postgres")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS disk_probe")
        conn.execute("CREATE TABLE disk_probe (id int, note text)")
        conn.execute("INSERT INTO disk_probe SELECT g, 'before' FROM generate_series(1, 1000) g")
        conn.execute("CHECKPOINT")
    before = fleet.run("db-b", ["ls", PG_DATA]).stdout.split()
    # a few MB of new rows (the series itself stays within work_mem: no temporary file)
    many = "INSERT INTO disk_probe SELECT g, repeat('x', 500) FROM generate_series(1, 5000) g"
    fleet.fault("db-b", "disk_full", path=PG_DATA)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.DiskFull, match="No space left on device"):
                conn.execute(many)
            assert conn.execute("SELECT count(*) FROM disk_probe").fetchone() == (1000,)
        as_postgres = ["runuser", "-u", "postgres", "--", "sh", "-c"]
        out = fleet.run(
            "db-b", [*as_postgres, f"head -c 65536 /dev/zero > {PG_DATA}/probe"], check=False
        )
        assert out.returncode != 0 and "No space left on device" in out.stderr
        fleet.run("db-b", ["rm", f"{PG_DATA}/probe"])  # made (an inode), never written
        assert fleet.pg_running("db-b")
    finally:
        fleet.clear_fault("db-b", "disk_full")
    assert fleet.run("db-b", ["ls", PG_DATA]).stdout.split() == before
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(many)
        assert conn.execute("SELECT count(*) FROM disk_probe").fetchone() == (6000,)
        conn.execute("DROP TABLE disk_probe")


def test_crash_kills_the_postmaster(fleet: HostFleet) -> None:
    assert fleet.pg_running("db-b")
    result = fleet.fault("db-b", "crash", service="postgresql")
    assert result["crashed"] == "postgresql"
    assert not fleet.pg_running("db-b")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(fleet.conninfo("db-b", user="postgres"))
    fleet.run("db-b", ["service", "postgresql", "start"])
    with psycopg.connect(fleet.conninfo("db-b", user="postgres")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(HostLabError, match="nothing to crash"):
        fleet.fault("opd-1", "crash", service="postgresql")


def test_clock_skew_seen_by_new_sessions(fleet: HostFleet) -> None:
    fleet.fault("opd-1", "clock_skew", seconds=7200)
    try:
        skewed = float(ssh(fleet, "opd-1", "date +%s").stdout)
        normal = float(ssh(fleet, "opd-2", "date +%s").stdout)
    finally:
        fleet.clear_fault("opd-1", "clock_skew")
    assert 7100 < skewed - normal < 7300
    assert abs(float(ssh(fleet, "opd-1", "date +%s").stdout) - time.time()) < 60


def test_bad_fault_requests_are_refused(fleet: HostFleet) -> None:
    with pytest.raises(HostSpecError, match="unknown fault"):
        fleet.fault("opd-1", "meteor")
    with pytest.raises(HostSpecError, match="absolute"):
        fleet.fault("opd-1", "disk_full", path="relative/dir")
    with pytest.raises(HostSpecError, match="/tmp is not on the host's disk but on hisops-tmp"):
        fleet.fault("opd-1", "disk_full", path="/tmp")
    with pytest.raises(HostSpecError, match="free_bytes must be 0 or more"):
        fleet.fault("opd-1", "disk_full", free_bytes=-1)
    assert "disk_full" not in fleet.faults.get("opd-1", {})
    with pytest.raises(HostLabError, match="no lab host named 'nope'"):
        fleet.fault("nope", "slow")
