"""The PostgreSQL hot-standby pair of the DB pair tests (issue 7): one small host fleet
per test file (two DB servers, one application server in ``db_proxies`` running the
PgBouncer endpoint), and what the tests read and write through it.

test_db_pair.py builds the pair and damages its standby; test_db_pair_ops.py starts from a
built pair and goes through an operator's day (switchover -> failover -> rejoin). Each is
one file, so one pytest-xdist worker, with a fleet of its own: the two run side by side.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet, HostLabError, HostSpec

from .playbooks import PlaybookRun, run_playbook

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
        return (
            f"host={self.address(DB1)},{self.address(DB2)} port=5432,5432 dbname=his "
            f"user={user} password={self.creds[user]['password']} "
            "target_session_attrs=read-write connect_timeout=2"
        )

    def bouncer(self) -> str:
        return (
            f"host={self.address(APP)} port=6432 dbname=his user=his_app "
            f"password={self.creds['his_app']['password']} connect_timeout=3"
        )

    def superuser(self, name: str) -> psycopg.Connection:
        return psycopg.connect(self.fleet.conninfo(name, user="postgres"), autocommit=True)

    def role(self, name: str) -> str:
        try:
            with self.superuser(name) as conn:
                return (
                    "standby"
                    if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
                    else "primary"
                )
        except psycopg.OperationalError:
            return "down"

    def play(self, playbook: str, check: bool = False, **extravars) -> PlaybookRun:
        return run_playbook(
            playbook, self.inventory, self.workdir, extravars=extravars or None, check=check
        )


@contextmanager
def boot(tmp_path_factory: pytest.TempPathFactory, build: bool = False) -> Iterator[Pair]:
    """The module's fleet on a 127.N block of its own (so the two DB pair files run side by
    side, one per pytest-xdist worker); ``build``: the hot standby built (his-db-1 primary,
    his-db-2 its async standby), where the operations file starts."""
    with pair_fleet(tmp_path_factory, "dbpair") as fleet:
        work = fleet.state_dir.parent / "work"
        pair = Pair(fleet, fleet.write_inventory(), work, fleet.credentials())
        if build:
            built = pair.play("db_standby_build")
            assert built.rc == 0, built.stdout[-3000:]
            assert (pair.role(DB1), pair.role(DB2)) == ("primary", "standby")
        yield pair


@contextmanager
def pair_fleet(
    tmp_path_factory: pytest.TempPathFactory, name: str, backup_host: bool = False
) -> Iterator[HostFleet]:
    """The two database servers and a third host (the PgBouncer host app-1, or the backup
    host backup-1) booted on a 127.N block of the module's own; stopped afterwards."""
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp(name)
    octet = free_octet(100, 200)
    base = f"127.{octet}"
    third = (
        HostSpec("backup-1", "backup_target", f"{base}.0.21", "servers")
        if backup_host
        else HostSpec(APP, "workstation", f"{base}.10.1", "outpatient registration",
                      groups=("db_proxies",))
    )  # fmt: skip
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
        third,
    ])  # fmt: skip
    try:
        fleet.up(his_patients=50)
        yield fleet
    finally:
        fleet.down()
        release_octet(octet)


class Writer:
    """Commits numbered rows through a connection string, logging every acknowledged one.

    ``interval`` between commits, ``retry_after`` between a failed attempt and the next
    connection. Measured on a built pair (20 s each, load 15): at 5 ms 635-1150 commits
    cost 1.2-1.9 CPU-s above the idle pair, at 20 ms 429-554 commits 0.9-1.3 CPU-s (a
    commit's own round trip and WAL flush, 15-30 ms on a loaded machine, set the pace more
    than the pause); reconnecting every 20 ms while no node was writable cost 4 CPU-s (173
    attempts, each a libpq multi-host connection with SCRAM authentication on two servers).
    Every acknowledged commit is still checked; a gap is measured to within a commit's
    latency plus 20 ms (the sync-degrade wait, 5 s, to within 1.5 s), an outage to within
    0.2 s."""

    interval = 0.02
    retry_after = 0.2

    def __init__(self, conninfo: str, table: str = "hisops_writer", interval: float | None = None):
        self.conninfo, self.table = conninfo, table
        if interval is not None:
            self.interval = interval
        self.acked: list[tuple[int, float]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Writer:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (n bigint PRIMARY KEY, "
                "at timestamptz DEFAULT now())"
            )
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
                # A number committed whose acknowledgement was lost (the connection cut after
                # the commit, a sync commit cancelled on the old primary and replicated
                # anyway) is skipped, not retried for ever on its duplicate key.
                row = conn.execute(
                    f"INSERT INTO {self.table} (n) VALUES (%s) ON CONFLICT DO NOTHING RETURNING n",
                    (self._next,),
                ).fetchone()
                if row is not None:
                    self.acked.append((self._next, time.monotonic()))
                else:
                    self.errors.append(f"{self._next} committed unacknowledged")
                self._next += 1
                time.sleep(self.interval)
            except psycopg.Error as exc:
                self.errors.append(str(exc).strip()[:200])
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(self.retry_after)
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
        addr, recovery = conn.execute(
            "SELECT host(inet_server_addr()), pg_is_in_recovery()"
        ).fetchone()
        conn.execute("CREATE TABLE IF NOT EXISTS hisops_probe (at timestamptz)")
        conn.execute("INSERT INTO hisops_probe VALUES (now())")
    return addr, recovery


def report(pair: Pair) -> dict:
    return json.loads((pair.workdir / "reports" / "db_status.json").read_text())
