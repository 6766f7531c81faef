"""Benchmark of the database pair (issue 7): client-side write outage of a switch.

    .venv/bin/python bench/db_failover.py [--runs 10] [--out var/bench/db_failover.json]

On a fleet of its own (two lab DB hosts, PostgreSQL 15, real streaming replication),
with a writer committing numbered rows through the libpq multi-host string
(``target_session_attrs=read-write``) the whole time:

1. switchover (``playbooks/db_switchover.yml``, alternating direction), ``--runs`` times:
   the outage is the gap between the last commit acknowledged before the switch and the
   first one after it (the longest gap between consecutive acknowledged commits during
   the run); also the module's own "writes stopped" figure and the playbook's wall time;
2. failover, ``--runs`` times: ``kill -9`` of the primary's postmaster, then
   ``playbooks/db_failover.yml -e accept_data_loss=true`` started at once; the figure is
   from the command to the first write accepted, and the same minus Ansible's own
   start-up: ``db_failover.yml`` with the failover replaced by a no-op (same play, same
   inventory, the imported PgBouncer play parsed but given no host), from the command to the moment its
   first task runs (median of 5, measured first); also the failover task's own time and
   the controller CPU (user+sys of the ansible-playbook process tree) of both; then
   ``playbooks/db_rejoin.yml`` restores the pair (not timed).

Every acknowledged commit of a switchover run is checked on the new primary (0 lost).
Medians, p90 and max are printed as Markdown and written as JSON. Runs as root.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hisops.lab.hosts import HostFleet, HostSpec  # noqa: E402

DB1, DB2 = "his-db-1", "his-db-2"
STARTUP_PLAYBOOK = """\
- name: Ansible start-up (db_failover.yml with the failover replaced by a no-op)
  hosts: "{{ db_group | default('db_servers') }}"
  gather_facts: false
  tasks:
    - name: No-op
      ansible.builtin.debug:
        msg: "first task at {{ now().timestamp() }}"
      run_once: true

- name: Repoint the PgBouncer endpoint at the new primary
  ansible.builtin.import_playbook: {root}/playbooks/db_pgbouncer.yml
"""


class Writer:
    """Commits numbered rows, logging every acknowledged one with its time."""

    def __init__(self, conninfo: str):
        self.conninfo = conninfo
        self.acked: list[tuple[int, float]] = []
        self.server: list[str] = []  # which node acknowledged each commit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Writer:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_writer (n bigint PRIMARY KEY)")
            self._next = conn.execute(
                "SELECT coalesce(max(n), 0) + 1 FROM bench_writer"
            ).fetchone()[0]
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.conninfo, autocommit=True)
                    host = conn.info.host
                conn.execute("INSERT INTO bench_writer (n) VALUES (%s)", (self._next,))
                self.acked.append((self._next, time.monotonic()))
                self.server.append(host)
                self._next += 1
                time.sleep(0.002)
            except psycopg.Error:
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.005)
        if conn is not None:
            conn.close()

    def settle(self, count: int = 50, timeout: float = 60) -> None:
        target, deadline = len(self.acked) + count, time.monotonic() + timeout
        while len(self.acked) < target:
            if time.monotonic() > deadline:
                raise RuntimeError("the writer makes no progress")
            time.sleep(0.02)

    def gap_after(self, start: float) -> float:
        """Longest gap between consecutive acknowledged commits from ``start`` on."""
        times = [t for _, t in self.acked]
        before = [t for t in times if t <= start]
        after = [t for t in times if t > start]
        seq = before[-1:] + after
        return max((b - a for a, b in zip(seq, seq[1:], strict=False)), default=float("nan"))

    def first_after(self, start: float, host: str) -> float:
        """The first commit acknowledged by ``host`` after ``start``."""
        return next(
            t for (_, t), h in zip(self.acked, self.server, strict=True) if t > start and h == host
        )


CPU: list[float] = []  # controller CPU (user+sys) of each playbook run, in call order


def playbook(inventory: Path, work: Path, name: str, *extra: str) -> tuple[float, str]:
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        HISOPS_REPORT_DIR=str(work / "reports"),
        HISOPS_RUN_RECORD_DIR=str(work / "records"),
    )
    path = name if name.endswith(".yml") else str(ROOT / "playbooks" / f"{name}.yml")
    start, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), path, *extra],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    took = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stdout[-3000:]}{done.stderr[-1000:]}")
    return took, done.stdout


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "median": round(statistics.median(values), 3),
        "p90": round(ordered[max(0, int(len(ordered) * 0.9 + 0.5) - 1)], 3),
        "min": round(ordered[0], 3),
        "max": round(ordered[-1], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "db_failover.json")
    parser.add_argument(
        "--only",
        choices=["switchover", "failover"],
        help="run one part; the other part's figures in --out are kept",
    )
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="hisops-bench-db-"))
    base = f"127.{random.randrange(100, 200)}"
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
    ])  # fmt: skip
    previous = json.loads(args.out.read_text()) if args.only and args.out.exists() else {}
    result: dict = {
        **previous,
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
    }
    try:
        fleet.up(his_patients=50)
        inventory = fleet.write_inventory()
        work = state / "work"
        creds = fleet.credentials()["his_app"]["password"]
        conninfo = (
            f"host={fleet.specs[DB1].address},{fleet.specs[DB2].address} "
            f"port=5432,5432 dbname=his user=his_app password={creds} "
            "target_session_attrs=read-write connect_timeout=2"
        )
        playbook(inventory, work, "db_standby_build")

        # Ansible's own start-up: playbooks/db_failover.yml with its failover replaced by a
        # no-op (same play, same inventory, same imported PgBouncer play parsed), measured
        # the same way as the failover: from the command to the moment its first task runs.
        noop = state / "startup.yml"
        noop.write_text(STARTUP_PLAYBOOK.replace("{root}", str(ROOT)))
        startup, startup_cpu = [], []
        for _ in range(5):
            begun = time.time()
            _, out = playbook(inventory, work, str(noop), "-e", "proxy_group=no_such_group")
            startup.append(float(out.split("first task at ", 1)[1].split('"', 1)[0]) - begun)
            startup_cpu.append(CPU[-1])
        result["ansible_startup_s"] = summary(startup)
        result["ansible_startup_cpu_s"] = summary(startup_cpu)

        outage, stopped, wall, lost = [], [], [], 0
        for i in range(0 if args.only == "failover" else args.runs):
            target = DB2 if i % 2 == 0 else DB1
            writer = Writer(conninfo).start()
            writer.settle()
            start = time.monotonic()
            took, out = playbook(inventory, work, "db_switchover", "-e", f"target={target}")
            writer.settle()
            writer.stop()
            outage.append(writer.gap_after(start))
            wall.append(took)
            marker = "writes stopped for "
            if marker in out:
                stopped.append(float(out.split(marker, 1)[1].split(" ", 1)[0]))
            with psycopg.connect(fleet.conninfo(target), autocommit=True) as conn:
                present = {r[0] for r in conn.execute("SELECT n FROM bench_writer")}
            lost += sum(1 for n, _ in writer.acked if n not in present)
            print(
                f"switchover {i + 1}: outage {outage[-1]:.3f} s, playbook {took:.1f} s", flush=True
            )
        if args.only != "failover":
            result["switchover"] = {
                "client_outage_s": summary(outage),
                "writes_stopped_s": summary(stopped) if stopped else None,
                "playbook_s": summary(wall),
                "acknowledged_lost": lost,
            }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")  # partial: switchover done

        to_write, beyond, fo_wall, promote, task, fo_cpu = [], [], [], [], [], []
        base_startup = statistics.median(startup)
        for i in range(0 if args.only == "switchover" else args.runs):
            writer = Writer(conninfo).start()
            writer.settle()
            primary = next(n for n in (DB1, DB2) if _is_primary(fleet, n))
            fleet.fault(primary, "crash")
            start = time.monotonic()
            took, out = playbook(inventory, work, "db_failover", "-e", "accept_data_loss=true")
            fo_cpu.append(CPU[-1])
            if "(promotion " in out:
                promote.append(float(out.split("(promotion ", 1)[1].split(" ", 1)[0]))
            if "failover task " in out:
                task.append(float(out.split("failover task ", 1)[1].split(" ", 1)[0]))
            writer.settle(20)
            writer.stop()
            survivor = DB1 if primary == DB2 else DB2
            first = writer.first_after(start, fleet.specs[survivor].address) - start
            to_write.append(first)
            beyond.append(first - base_startup)
            fo_wall.append(took)
            print(f"failover {i + 1}: first write {first:.2f} s after the command", flush=True)
            playbook(inventory, work, "db_rejoin")
        if args.only != "switchover":
            result["failover"] = {
                "command_to_first_write_s": summary(to_write),
                "beyond_ansible_startup_s": summary(beyond),
                "playbook_s": summary(fo_wall),
                "promotion_s": summary(promote) if promote else None,
                "failover_task_s": summary(task) if task else None,
                "playbook_controller_cpu_s": summary(fo_cpu),
            }
        result["load_after"] = os.getloadavg()
    finally:
        fleet.down()
        shutil.rmtree(state, ignore_errors=True)  # the hosts' disks: about 0.5 GB a run
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


def _is_primary(fleet: HostFleet, name: str) -> bool:
    try:
        with psycopg.connect(fleet.conninfo(name, user="postgres"), autocommit=True) as conn:
            return not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(main())
