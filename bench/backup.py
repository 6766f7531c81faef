"""Benchmark of the database backups (issue 18) on a lab HIS database of 2 GB or more.

    .venv/bin/python bench/backup.py [--runs 3] [--size-gb 2.0] [--out var/bench/backup.json]

A fleet of its own (his-db-1 primary, his-db-2 hot standby, backup-1 off-site host with
its removable drive). The HIS database on the primary is grown to ``--size-gb`` with
server-side SQL (patients, encounters, charges, their primary keys and indexes), vacuumed
and frozen (no autovacuum during the measurements); the standby is built
(``db_standby_build``) and ``backup_run -e date=2027-03-10`` sets up pgBackRest (WAL
archiving, the daily full backup to repo1 from the standby, the off-site copy on
backup-1 with its snapshot of every HIS table). A writer then commits a row every 5 ms
on the primary for the rest of the run. ``--runs`` times, each pair's sides alternating
in order (A then B, then B then A):

1. full backup throughput: hisops' daily backup command as ``backup_run`` runs it
   (``pgbackrest --config=/etc/pgbackrest/hisops-daily.conf --repo=1 --type=full backup``
   on the standby: zstd, ``process-max=2``, ``start-fast``) beside plain ``pg_basebackup
   -Fp -X stream -c fast`` from the same standby to the same disk; the bytes are the
   cluster's size (pgBackRest's own ``database.size``);
2. restore drill end to end (``playbooks/backup_drill.yml -e force=true``: restore of the
   newest off-site copy onto a scratch instance on backup-1, start, ``pg_amcheck
   --heapallindexed``, row counts and checksums of every HIS table, removal; Ansible
   included) beside the bare restore of a plain ``pg_basebackup`` copy on backup-1
   (``cp -a`` of the copy, then ``pg_ctl start -w`` to the point it accepts connections);
3. the daily backup's load on the primary: the primary's CPU-s (its cgroup's
   ``cpu.stat``) during ``backup_run`` of a day with only the daily backup due (11th,
   12th, ... : incremental, from the standby) beside the same length of time with no
   backup (the writer runs in both); the primary's CPU-s during each full backup of (1)
   beside a quiet window of its length too.

Machine load (load average and the share of all cores busy) is recorded at every step.
Medians and ratios are printed as Markdown and written as JSON. Runs as root; the hosts'
disks (several GB) are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB1, DB2, BACKUP = "his-db-1", "his-db-2", "backup-1"
DAILY = "/etc/pgbackrest/hisops-daily.conf"
BB_LOCAL = "/var/lib/pgbackrest/bench-basebackup"  # on the standby, beside repo1
BB_OFFSITE = "/srv/backup/bench-basebackup"  # on backup-1, beside repo2
BARE = "/srv/backup/bench-bare"
BARE_PORT = 5498
FROM_PRIMARY = "from the primary"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each pair")
    parser.add_argument("--size-gb", type=float, default=2.0, help="HIS database size (GB)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "backup.json")
    parser.add_argument("--keep", action="store_true", help="keep the fleet's disks")
    parser.add_argument(
        "--parts", default="full,restore,daily",
        help="which parts to run, comma-separated: full, restore, daily",
    )  # fmt: skip
    parser.add_argument(
        "--compress", action="append", default=[], metavar="TYPE[:LEVEL]",
        help="also measure hisops' full backup with this pgBackRest compress-type (and "
        "level) in the full part, e.g. lz4 or zst:1 (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--from-primary", action="store_true",
        help="also measure the same full backup taken from the primary (pgBackRest "
        "--no-backup-standby: the primary reads and compresses), for the primary's CPU-s",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be 1 to 20")
    if not 0.01 <= args.size_gb <= 20:
        parser.error("--size-gb must be 0.01 to 20")
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(args.parts) - {"full", "restore", "daily"})
    if unknown or not args.parts:
        parser.error(f"--parts: unknown part(s) {unknown}; choose from full, restore, daily")
    for variant in args.compress:
        kind, _, level = variant.partition(":")
        if kind not in ("zst", "lz4", "gz", "bz2", "none") or (level and not level.isdigit()):
            parser.error(
                f"--compress {variant!r}: TYPE is zst, lz4, gz, bz2 or none; LEVEL a number"
            )
    return args


# -- the machine and the primary's CPU ----------------------------------------------------
def _cpu_busy() -> tuple[int, int]:
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


class Meter:
    """Wall time, the primary's CPU-s (its cgroup) and the machine's load over one step."""

    def __init__(self, cgroup: Path):
        self.stat = cgroup / "cpu.stat"

    def _usage(self) -> float:
        for line in self.stat.read_text().splitlines():
            if line.startswith("usage_usec "):
                return int(line.split()[1]) / 1e6
        return float("nan")

    def measure(self, step: Callable[[], Any]) -> dict[str, Any]:
        busy0, total0 = _cpu_busy()
        cpu0, start = self._usage(), time.monotonic()
        value = step()
        took = time.monotonic() - start
        busy1, total1 = _cpu_busy()
        return {
            "s": round(took, 2),
            "primary_cpu_s": round(self._usage() - cpu0, 2),
            "machine_busy_pct": round(100.0 * (busy1 - busy0) / max(1, total1 - total0), 1),
            "load1": round(os.getloadavg()[0], 2),
            "value": value,
        }


class Writer:
    """Commits a row every 5 ms on the primary (the HIS's steady writes)."""

    def __init__(self, conninfo: str):
        import psycopg

        self.psycopg, self.conninfo = psycopg, conninfo
        self.count, self.errors = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Writer:
        with self.psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_writer (n bigserial PRIMARY KEY, "
                         "at timestamptz DEFAULT now())")  # fmt: skip
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
                    conn = self.psycopg.connect(self.conninfo, autocommit=True)
                conn.execute("INSERT INTO bench_writer DEFAULT VALUES")
                self.count += 1
                time.sleep(0.005)
            except self.psycopg.Error:
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.1)
        if conn is not None:
            conn.close()


# -- growing the HIS database ---------------------------------------------------------------
CHUNK = 100_000  # patients a transaction (and 3 encounters each, 3 charges each of those)
GROW_SQL = """
INSERT INTO patients
SELECT p, 'B' || lpad(p::text, 10, '0'), 'Patient ' || p, CASE WHEN p %% 2 = 0 THEN 'F' ELSE 'M' END,
       date '1940-01-01' + (p * 7919 %% 30000)::int, '138' || lpad((p * 104729 %% 100000000)::text, 8, '0'),
       timestamptz '2026-01-01 08:00+00' + (p %% 100000) * interval '5 minutes'
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) p;
INSERT INTO encounters
SELECT e, e / 3, (ARRAY['outpatient', 'inpatient', 'emergency'])[1 + e %% 3],
       (ARRAY['internal medicine', 'cardiology', 'emergency'])[1 + e %% 3], 'Dr. ' || (e %% 997),
       timestamptz '2026-01-01 08:00+00' + (e %% 500000) * interval '1 minute',
       timestamptz '2026-01-01 10:00+00' + (e %% 500000) * interval '1 minute'
FROM generate_series(%(lo)s::bigint * 3, %(hi)s::bigint * 3 + 2) e;
INSERT INTO charges
SELECT c, c / 3, i.code, i.descr, 1 + c %% 4, i.price, (1 + c %% 4) * i.price,
       timestamptz '2026-01-01 09:00+00' + (c %% 500000) * interval '1 minute', c %% 5 <> 0
FROM generate_series(%(lo)s::bigint * 9, %(hi)s::bigint * 9 + 8) c
JOIN (VALUES (0, 'REG001', 'registration fee', 10.00), (1, 'CON002', 'specialist consultation', 50.00),
             (2, 'LAB010', 'complete blood count', 25.00), (3, 'RAD101', 'chest X-ray', 120.00),
             (4, 'PHA300', 'amoxicillin 500 mg', 1.20), (5, 'BED400', 'general ward bed-day', 60.00))
     AS i (k, code, descr, price) ON i.k = c %% 6;
"""


def grow(conninfo: str, size_gb: float) -> dict[str, Any]:
    """The HIS tables grown (with their indexes) until the database is ``size_gb``."""
    import psycopg

    started, chunks = time.monotonic(), 0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        size = conn.execute("SELECT pg_database_size('his')").fetchone()[0]
        lo = 10_000_000
        while size < size_gb * 1e9:
            with conn.transaction():
                for statement in filter(str.strip, GROW_SQL.split(";")):
                    conn.execute(statement, {"lo": lo, "hi": lo + CHUNK - 1})
            lo, chunks = lo + CHUNK, chunks + 1
            size = conn.execute("SELECT pg_database_size('his')").fetchone()[0]
            print(f"grow: {size / 1e9:.2f} GB after {chunks} chunks", flush=True)
        # vacuumed and frozen now: no autovacuum pass over 2 GB during the measurements
        conn.execute("VACUUM (FREEZE, ANALYZE) patients, encounters, charges")
        conn.execute("CHECKPOINT")
        rows = conn.execute(
            "SELECT (SELECT count(*) FROM patients), (SELECT count(*) FROM encounters), "
            "(SELECT count(*) FROM charges), pg_database_size('his'), "
            "(SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')"
        ).fetchone()
    return {"patients": rows[0], "encounters": rows[1], "charges": rows[2],
            "database_bytes": rows[3], "indexes": rows[4], "chunks": chunks,
            "s": round(time.monotonic() - started, 1)}  # fmt: skip


# -- the lab ---------------------------------------------------------------------------------
class Lab:
    def __init__(self, fleet: Any, inventory: Path, work: Path):
        self.fleet, self.inventory, self.work = fleet, inventory, work

    def sh(self, host: str, script: str, timeout: float = 3600) -> str:
        return self.fleet.run(host, ["/bin/sh", "-c", script], timeout=timeout).stdout

    def pg(self, host: str, script: str, timeout: float = 3600) -> str:
        return self.fleet.run(host, ["runuser", "-u", "postgres", "--", "/bin/sh", "-c", script],
                              timeout=timeout).stdout  # fmt: skip

    def playbook(self, name: str, **extravars: Any) -> str:
        env = dict(
            os.environ,
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            HISOPS_REPORT_DIR=str(self.work / "reports"),
            HISOPS_STATE_DIR=str(self.work / "state"),
            HISOPS_RUN_RECORD_DIR=str(self.work / "records"),
            ANSIBLE_TIMEOUT="20",
        )
        argv = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(self.inventory),
                str(ROOT / "playbooks" / f"{name}.yml")]  # fmt: skip
        if extravars:
            argv += ["-e", json.dumps(extravars)]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False,
                              timeout=5400)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{done.stdout[-4000:]}{done.stderr[-1000:]}")
        return done.stdout

    def report(self, name: str) -> dict[str, Any]:
        return json.loads((self.work / "reports" / f"{name}.json").read_text())


def pgbackrest_full(lab: Lab, compress: str = "", standby: bool = True) -> dict[str, Any]:
    kind, _, level = compress.partition(":")
    extra = (f"--compress-type={kind} " if kind else "") + (
        f"--compress-level={level} " if level else ""
    )
    if not standby:  # every file read (and compressed) by pgBackRest on the primary
        extra += "--no-backup-standby "
    lab.pg(DB2, f"pgbackrest --config={DAILY} --stanza=his --repo=1 {extra}--type=full backup")
    info = json.loads(lab.pg(DB2, f"pgbackrest --config={DAILY} --stanza=his --repo=1 "
                                  "--output=json info"))[0]  # fmt: skip
    newest = info["backup"][-1]
    return {"label": newest["label"], "database_bytes": newest["info"]["size"],
            "repo_bytes": newest["info"]["repository"]["delta"]}  # fmt: skip


def basebackup_local(lab: Lab) -> dict[str, Any]:
    lab.pg(DB2, f"rm -rf {BB_LOCAL} && pg_basebackup -h /var/run/postgresql -D {BB_LOCAL} "
                "-Fp -X stream -c fast")  # fmt: skip
    size = int(lab.sh(DB2, f"du -sb {BB_LOCAL} | cut -f1"))
    lab.sh(DB2, f"rm -rf {BB_LOCAL}")
    return {"copy_bytes": size}


def bare_restore(lab: Lab) -> dict[str, Any]:
    """The pg_basebackup copy restored (cp -a) and started to accepting connections."""
    started = time.monotonic()
    # a Debian cluster's configuration lives in /etc: the copy gets a minimal one, as the
    # drill's scratch instance does
    lab.sh(BACKUP, f"rm -rf {BARE} && cp -a {BB_OFFSITE} {BARE}")
    lab.pg(BACKUP, f"cd {BARE} && "
                   "rm -f postgresql.auto.conf standby.signal recovery.signal && "
                   "echo 'local all all peer' > pg_hba.conf && : > pg_ident.conf && "
                   f"printf \"port = {BARE_PORT}\\nlisten_addresses = ''\\n"
                   "unix_socket_directories = '/tmp'\\n\" > postgresql.conf")  # fmt: skip
    copied = time.monotonic() - started
    lab.pg(BACKUP, f"/usr/lib/postgresql/15/bin/pg_ctl -D {BARE} -w -t 600 -l {BARE}/log start")
    ready = time.monotonic() - started
    count = lab.pg(
        BACKUP, f"psql -XAt -h /tmp -p {BARE_PORT} -d his -c 'SELECT count(*) FROM patients'"
    )
    lab.pg(BACKUP, f"/usr/lib/postgresql/15/bin/pg_ctl -D {BARE} -m fast -w stop")
    lab.sh(BACKUP, f"rm -rf {BARE} {BARE}.log")
    return {"copy_s": round(copied, 2), "start_s": round(ready - copied, 2),
            "patients": int(count.strip())}  # fmt: skip


def drill(lab: Lab) -> dict[str, Any]:
    lab.playbook("backup_drill", date="2027-03-11", force=True)
    record = lab.report("backup_drill")
    if not record["passed"]:
        raise RuntimeError(f"the drill failed: {record['summary']}")
    return {"timings": record["timings"], "rto_s": record["rto_s"], "label": record["label"],
            "checks": [c["name"] for c in record["checks"]]}  # fmt: skip


def med(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def alternate(
    runs: int, first: Callable[[], dict], second: Callable[[], dict]
) -> tuple[list, list]:
    """Each side ``runs`` times, alternating which goes first."""
    a, b = [], []
    for i in range(runs):
        if i % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
        print(f"  {i + 1}: {a[-1]['s']} s / {b[-1]['s']} s", flush=True)
    return a, b


def run(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests" / "lab"))
    from lab_helpers import free_octet, release_octet

    from hisops.lab.hosts import HostFleet, HostSpec

    state = Path(tempfile.mkdtemp(prefix="hisops-bench-backup-"))
    octet = free_octet(100, 200)
    base = f"127.{octet}"
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
        HostSpec(BACKUP, "backup_target", f"{base}.0.21", "servers"),
    ])  # fmt: skip
    result: dict[str, Any] = {
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "runs": args.runs,
    }
    try:
        fleet.up(his_patients=50)
        fleet.plug_drive(BACKUP)
        lab = Lab(fleet, fleet.write_inventory(), state / "work")
        meter = Meter(fleet.cgroup(DB1))
        result["database"] = grow(fleet.conninfo(DB1, user="postgres", dbname="his"), args.size_gb)
        print(f"database: {result['database']}", flush=True)
        t0 = time.monotonic()
        lab.playbook("db_standby_build")
        result["standby_build_s"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        lab.playbook("backup_run", date="2027-03-10")
        result["first_backup_run_s"] = round(time.monotonic() - t0, 1)
        print(f"first backup_run (setup, full + off-site copy + snapshot): "
              f"{result['first_backup_run_s']} s", flush=True)  # fmt: skip
        # the plain pg_basebackup copy the bare restore starts from, beside repo2
        # the lab's superuser password for pg_basebackup from backup-1 (a .pgpass, not argv)
        secret = fleet.credentials()["postgres"]["password"]
        fleet.run(BACKUP, ["/bin/sh", "-c", "umask 077 && cat > /var/lib/postgresql/.pgpass && "
                           "chown postgres: /var/lib/postgresql/.pgpass"],
                  input=f"*:*:*:postgres:{secret}\n")  # fmt: skip
        lab.sh(
            BACKUP,
            f"rm -rf {BB_OFFSITE} && install -d -o postgres -g postgres -m 0700 {BB_OFFSITE}",
        )
        lab.pg(BACKUP, f"pg_basebackup -h {fleet.specs[DB2].address} "
                       f"-U postgres -D {BB_OFFSITE} -Fp -X stream -c fast")  # fmt: skip
        writer = Writer(fleet.conninfo(DB1)).start()
        try:
            full_a, full_b, quiet_full, drills, bares, daily, quiet = [], [], [], [], [], [], []
            variants: dict[str, list] = {v: [] for v in args.compress}
            if args.from_primary:
                variants[FROM_PRIMARY] = []
            if "full" in args.parts:
                print("full backup: pgBackRest (hisops) / pg_basebackup / variants", flush=True)
                sides = [
                    (full_a, lambda: pgbackrest_full(lab)),
                    (full_b, lambda: basebackup_local(lab)),
                ]
                sides += [(variants[v], lambda v=v: pgbackrest_full(lab, v)) for v in args.compress]
                if args.from_primary:
                    sides.append((variants[FROM_PRIMARY],
                                  lambda: pgbackrest_full(lab, standby=False)))  # fmt: skip
                for i in range(args.runs):
                    for into, step in sides[i % len(sides) :] + sides[: i % len(sides)]:
                        into.append(meter.measure(step))
                    print(
                        f"  {i + 1}: " + " / ".join(f"{into[-1]['s']} s" for into, _ in sides),
                        flush=True,
                    )
                quiet_full = [meter.measure(lambda s=r["s"]: time.sleep(s)) for r in full_a]
            if "restore" in args.parts:
                print("restore: drill end to end / bare restore + start", flush=True)
                drills, bares = alternate(args.runs, lambda: meter.measure(lambda: drill(lab)),
                                          lambda: meter.measure(lambda: bare_restore(lab)))  # fmt: skip
            if "daily" in args.parts:
                print("daily backup_run / no backup (primary CPU-s)", flush=True)
                days = iter(f"2027-03-{11 + i:02d}" for i in range(args.runs))
                for i in range(args.runs):

                    def step() -> dict[str, Any]:
                        return meter.measure(lambda: lab.playbook("backup_run", date=next(days)))

                    if i % 2 == 0:
                        daily.append(step())
                        quiet.append(meter.measure(lambda s=daily[-1]["s"]: time.sleep(s)))
                    else:
                        quiet.append(meter.measure(lambda s=daily[-1]["s"]: time.sleep(s)))
                        daily.append(step())
                    print(f"  {i + 1}: daily {daily[-1]['s']} s primary {daily[-1]['primary_cpu_s']} "
                          f"CPU-s / quiet {quiet[-1]['primary_cpu_s']} CPU-s", flush=True)  # fmt: skip
        finally:
            writer.stop()
        if full_a:
            size = full_a[0]["value"]["database_bytes"]
            base_mbps = med([size / r["s"] / 1e6 for r in full_b])
            result["full_backup"] = {
                "database_bytes": size,
                "pgbackrest": full_a, "pg_basebackup": full_b, "quiet": quiet_full,
                "pgbackrest_MBps": med([size / r["s"] / 1e6 for r in full_a]),
                "pg_basebackup_MBps": base_mbps,
                "variants": {v: {"runs": rs, "MBps": med([size / r["s"] / 1e6 for r in rs]),
                                 "ratio": round(med([size / r["s"] / 1e6 for r in rs]) / base_mbps, 2),
                                 "primary_cpu_s": med([r["primary_cpu_s"] for r in rs])}
                             for v, rs in variants.items()},
                "full_cpu_s": med([r["primary_cpu_s"] for r in full_a]),
                "full_quiet_cpu_s": med([r["primary_cpu_s"] for r in quiet_full]),
            }  # fmt: skip
            fb = result["full_backup"]
            fb["ratio"] = round(fb["pgbackrest_MBps"] / fb["pg_basebackup_MBps"], 2)
        if drills:
            result["restore"] = {
                "drill": drills, "bare": bares,
                "drill_s": med([r["s"] for r in drills]), "bare_s": med([r["s"] for r in bares]),
                "rto_s": med([r["value"]["rto_s"] for r in drills]),
            }  # fmt: skip
            result["restore"]["ratio"] = round(
                result["restore"]["drill_s"] / result["restore"]["bare_s"], 2
            )
        if daily:
            result["primary_load"] = {
                "daily": daily, "quiet": quiet,
                "daily_cpu_s": med([r["primary_cpu_s"] for r in daily]),
                "quiet_cpu_s": med([r["primary_cpu_s"] for r in quiet]),
                "writer_commits": writer.count, "writer_errors": writer.errors,
            }  # fmt: skip
        result["load_after"] = os.getloadavg()
    finally:
        if args.keep:
            print(f"kept: {state}")
        else:
            fleet.down()
            shutil.rmtree(state, ignore_errors=True)
        release_octet(octet)
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = ["| figure | hisops | plain | ratio |", "|---|---|---|---|"]
    fb, rs, pl = result.get("full_backup"), result.get("restore"), result.get("primary_load")
    if fb:
        lines.append(f"| full backup MB/s (median of {result['runs']}) | {fb['pgbackrest_MBps']} | "
                     f"{fb['pg_basebackup_MBps']} | {fb['ratio']}x |")  # fmt: skip
        lines += [f"| full backup MB/s, {v if v == FROM_PRIMARY else '--compress ' + v} | {d['MBps']} | "
                  f"{fb['pg_basebackup_MBps']} | {d['ratio']}x |" for v, d in fb["variants"].items()]  # fmt: skip
        lines += [f"| primary CPU-s: full backup {v} / no backup | {d['primary_cpu_s']} | "
                  f"{fb['full_quiet_cpu_s']} | |" for v, d in fb["variants"].items()]  # fmt: skip
        lines.append(f"| primary CPU-s: full backup from the standby / no backup | {fb['full_cpu_s']} | "
                     f"{fb['full_quiet_cpu_s']} | |")  # fmt: skip
    if rs:
        lines.append(f"| restore: drill end to end / bare restore + start, s | {rs['drill_s']} | "
                     f"{rs['bare_s']} | {rs['ratio']}x |")  # fmt: skip
    if pl:
        lines.append(f"| primary CPU-s: daily backup_run / no backup | {pl['daily_cpu_s']} | "
                     f"{pl['quiet_cpu_s']} | |")  # fmt: skip
    lines.append(f"\nload {result['load_before']} before, {result.get('load_after')} after")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
