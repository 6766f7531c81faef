"""Network tie and fault injection on real hosts: each fault is observable for real."""

from __future__ import annotations

import socket
import subprocess
import time

import psycopg
import pytest
from host_helpers import ssh

from hisops.lab.hosts import HostFleet, HostLabError, HostSpecError

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


def test_slow_stretches_every_exchange_of_that_host_only(fleet: HostFleet) -> None:
    normal = ssh_seconds(fleet, "pha-1")
    fleet.fault("pha-1", "slow", rate_kbit=32)
    try:
        slow = ssh_seconds(fleet, "pha-1")
        other = ssh_seconds(fleet, "opd-1")
    finally:
        fleet.clear_fault("pha-1", "slow")
    # Ordering, not absolute timings: the machine may be loaded.
    assert slow > normal + 1.0, (normal, slow)
    assert other < slow / 2, (other, slow)
    assert ssh_seconds(fleet, "pha-1") < slow / 2
    assert "htb" not in subprocess.run(["tc", "qdisc", "show", "dev", "lo"], capture_output=True,
                                       text=True, check=True).stdout  # fmt: skip


def test_disk_full_on_a_path(fleet: HostFleet) -> None:
    fleet.run("bk-1", ["sh", "-c", "echo old > /srv/backup/old.dump"])
    fleet.fault("bk-1", "disk_full", path="/srv/backup")
    try:
        out = ssh(
            fleet, "bk-1", "cat /srv/backup/old.dump; head -c 65536 /dev/zero > /srv/backup/new"
        )
        assert out.stdout.strip() == "old", "existing files stay readable"
        assert "No space left on device" in out.stderr
        other = ssh(fleet, "bk-1", "head -c 65536 /dev/zero > /var/tmp/x && echo ok")
        assert other.stdout.strip() == "ok", "only that path is full"
        with pytest.raises(HostLabError, match="already has a disk_full"):
            fleet.fault("bk-1", "disk_full", path="/srv/backup")
    finally:
        fleet.clear_fault("bk-1", "disk_full")
    out = ssh(
        fleet, "bk-1", "head -c 65536 /dev/zero > /srv/backup/new && cat /srv/backup/old.dump"
    )
    assert out.stdout.strip() == "old"


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
    with pytest.raises(HostLabError, match="no lab host named 'nope'"):
        fleet.fault("nope", "slow")
