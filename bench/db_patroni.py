"""Benchmark of the database pair (issue 7): Patroni + etcd switchover, for comparison.

    .venv/bin/pip install -e '.[patroni]'
    flock /tmp/hisops-bench.lock .venv/bin/python bench/db_patroni.py [--runs 10] \
        [--out var/bench/db_patroni.json]

The same two lab DB hosts as ``bench/db_failover.py`` (a fleet of its own, PostgreSQL 15,
the pair built by ``playbooks/db_standby_build.yml``), the same ``Writer`` (numbered rows
committed through the libpq multi-host string ``target_session_attrs=read-write``, every
acknowledged commit logged with its time), the same figure: the longest gap between two
consecutive acknowledged commits during the switch, the switch done by Patroni
(``patronictl switchover --force``, alternating direction) instead of
``playbooks/db_switchover.yml``.

``--standby-loss`` (issue 16) measures instead the writer's stall when the SYNCHRONOUS
standby dies, on the same two servers: first hisops (the pair built in sync mode by
``db_standby_build``, its ``hisops-sync-degrade`` service dropping the primary to async
after ``--degrade-after`` seconds: one series per value given), then Patroni in
non-strict synchronous mode (``synchronous_mode: true``, ``synchronous_mode_strict:
false``, loop_wait 10). A run: the writer commits through the multi-host string, the
standby is killed (``kill -9`` of its postmaster, the lab's ``crash`` fault; under
Patroni its Patroni first, so nothing restarts it: the standby host is gone), the stall
is the longest gap between two acknowledged commits from the kill on; then the standby
is started again and the bench waits (untimed) until it is the synchronous standby once
more. JSON in ``var/bench/db_standby_loss.json``.

Set-up (not timed): etcd (Debian ``etcd-server``, installed with apt-get when missing, its
boot links disabled so lab hosts never start it) on the controller's loopback at a free
port with its own data dir; PostgreSQL stopped cleanly on both hosts and its boot start
disabled (the lab's service management out of the way); Patroni (PyPI, the ``patroni``
extra of this project's venv, run inside each host by the system ``python3 -S`` with the
venv's site-packages: the venv's own interpreter lives under ``/root``, private on a
host) adopts the existing data directories (``data_dir /var/lib/postgresql/15/main``,
``config_dir /etc/postgresql/15/main``, no re-initialisation): his-db-1 first, which
becomes the leader, then his-db-2, which streams from it. Patroni's defaults otherwise
(ttl 30, loop_wait 10, retry_timeout 10). Between runs the bench waits until the old
leader streams from the new one (not timed). Every acknowledged commit is looked up on
the new primary. Runs as root; etcd, Patroni and the fleet are stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from db_failover import DB1, DB2, Writer, playbook, summary  # noqa: E402

from hisops.lab.hosts import HostFleet, HostSpec  # noqa: E402

SCOPE = "hisops-bench"
SITE = (
    ROOT
    / ".venv"
    / "lib"
    / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    / ("site-packages")
)
PATRONI = ["/usr/bin/python3", "-S", "-m", "patroni"]
PATRONICTL = [str(ROOT / ".venv" / "bin" / "patronictl")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_etcd() -> str:
    """etcd from Debian's etcd-server, installed when missing (bench only: not bootstrap's)."""
    if not shutil.which("etcd"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "etcd-server"],
            check=True,
            env=env,
            capture_output=True,
        )
    if Path("/etc/init.d/etcd").exists():  # lab hosts run /etc/rc2.d/S*: never start etcd
        subprocess.run(["update-rc.d", "etcd", "disable"], check=False, capture_output=True)
    out = subprocess.run(["etcd", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[2]


def start_etcd(state: Path) -> tuple[subprocess.Popen, str]:
    client, peer = free_port(), free_port()
    url, purl = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
    log = (state / "etcd.log").open("w")
    proc = subprocess.Popen(
        [
            "etcd",
            "--name",
            "bench",
            "--data-dir",
            str(state / "etcd"),
            "--listen-client-urls",
            url,
            "--advertise-client-urls",
            url,
            "--listen-peer-urls",
            purl,
            "--initial-advertise-peer-urls",
            purl,
            "--initial-cluster",
            f"bench={purl}",
            "--initial-cluster-state",
            "new",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as r:
                if json.load(r).get("health") == "true":
                    return proc, f"127.0.0.1:{client}"
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"etcd did not start: {(state / 'etcd.log').read_text()[-1500:]}")
        time.sleep(0.2)


def patroni_config(name: str, address: str, etcd: str, creds: dict, sync: bool = False) -> str:
    dcs: dict = {"postgresql": {"use_pg_rewind": True}}
    if sync:  # non-strict: Patroni drops to async when no sync standby is left
        dcs.update(synchronous_mode=True, synchronous_mode_strict=False)
    conf = {
        "scope": SCOPE,
        "name": name,
        "log": {"dir": "/var/lib/postgresql/patroni-log", "level": "INFO"},
        "restapi": {"listen": f"{address}:8008", "connect_address": f"{address}:8008"},
        "etcd3": {"hosts": etcd},
        "bootstrap": {"dcs": dcs},
        "postgresql": {
            "listen": f"{address}:5432",
            "connect_address": f"{address}:5432",
            "data_dir": "/var/lib/postgresql/15/main",
            "bin_dir": "/usr/lib/postgresql/15/bin",
            "config_dir": "/etc/postgresql/15/main",
            "pgpass": "/var/lib/postgresql/.pgpass-patroni",
            "authentication": {
                "superuser": {"username": "postgres", "password": creds["postgres"]["password"]},
                "replication": {
                    "username": creds["replication"]["user"],
                    "password": creds["replication"]["password"],
                },
                "rewind": {"username": "postgres", "password": creds["postgres"]["password"]},
            },
        },
    }
    return json.dumps(conf, indent=2)  # JSON is YAML


def cluster(address: str) -> dict:
    with urllib.request.urlopen(f"http://{address}:8008/cluster", timeout=2) as r:
        return json.load(r)


def wait_healthy(fleet: HostFleet, leader: str, timeout: float = 180) -> None:
    """Both members up: ``leader`` the leader, the other streaming from it."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            last = cluster(fleet.specs[leader].address)
            roles = {m["name"]: (m["role"], m["state"]) for m in last["members"]}
            other = DB2 if leader == DB1 else DB1
            if roles.get(leader) == ("leader", "running") and roles.get(other, ("", ""))[1] == (
                "streaming"
            ):
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Patroni cluster not healthy with {leader} leading: {last}")


def start_patroni(fleet: HostFleet, name: str) -> None:
    fleet.run(
        name,
        [
            "/bin/sh",
            "-c",
            "mkdir -p /var/lib/postgresql/patroni-log && "
            "chown postgres: /var/lib/postgresql/patroni-log && "
            f"setsid runuser -u postgres -- env PYTHONPATH={SITE} {' '.join(PATRONI)} "
            "/etc/patroni.yml > /var/lib/postgresql/patroni-log/stdout 2>&1 "
            "< /dev/null &",
        ],
        label="starting patroni",
    )


def sync_state(fleet: HostFleet, primary: str, standby: str) -> str | None:
    try:
        with psycopg.connect(fleet.conninfo(primary, user="postgres"), autocommit=True) as conn:
            row = conn.execute(
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = %s "
                "AND state = 'streaming'",
                (standby,),
            ).fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def wait_sync(fleet: HostFleet, primary: str, standby: str, timeout: float = 120) -> float:
    start = time.monotonic()
    while sync_state(fleet, primary, standby) != "sync":
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{standby} is not the sync standby of {primary} again")
        time.sleep(0.2)
    return time.monotonic() - start


PHASE = random.Random(16)  # the kill's moment in Patroni's 10 s loop: spread, repeatable


def standby_stall(conninfo: str, kill, spread: float = 0.0) -> float:
    """The writer's longest gap between two acknowledged commits from ``kill()`` on,
    ``kill()`` coming a random 0 to ``spread`` seconds after the writer has settled (the
    pair was just made sync again: without it, every kill would fall at the same moment
    of Patroni's loop)."""
    writer = Writer(conninfo).start()
    try:
        writer.settle()
        time.sleep(PHASE.uniform(0, spread))
        start = time.monotonic()
        kill()
        writer.settle(count=100, timeout=120)
    finally:
        writer.stop()
    return writer.gap_after(start)


def hisops_standby_loss(
    fleet, inventory, work, conninfo, after: float, runs: int, spread: float
) -> dict:
    playbook(
        inventory,
        work,
        "db_standby_build",
        "-e",
        "db_standby_build_sync_mode=sync",
        "-e",
        f"db_standby_build_degrade_after={after}",
    )
    wait_sync(fleet, DB1, DB2)
    stalls, back = [], []
    for i in range(runs):
        stalls.append(standby_stall(conninfo, lambda: fleet.fault(DB2, "crash"), spread))
        fleet.run(DB2, ["systemctl", "start", "postgresql@15-main"], label="standby back")
        back.append(wait_sync(fleet, DB1, DB2))
        print(f"hisops (degrade after {after} s) run {i + 1}: stall {stalls[-1]:.3f} s", flush=True)
    record = json.loads(
        fleet.path(DB1, "/var/lib/postgresql/hisops-sync-degrade-15-main.json").read_text()
    )
    return {
        "degrade_after_s": after,
        "writer_stall_s": summary(stalls),
        "runs_s": [round(x, 3) for x in stalls],
        # from the return of `systemctl start` (which waits for the server to accept
        # connections; the standby may stream before that)
        "sync_again_after_start_s": summary(back),
        "degrades_recorded": record.get("degrades"),
    }


def patroni_pids(fleet: HostFleet, name: str) -> list[str]:
    done = fleet.run(name, ["pgrep", "-f", "-m patroni /etc/patroni.yml"], check=False)
    return done.stdout.split()


def standby_loss(args, fleet, inventory, work, conninfo, etcd_hosts, creds, result) -> None:
    result["hisops"] = [
        hisops_standby_loss(fleet, inventory, work, conninfo, after, args.runs, args.phase_spread)
        for after in args.degrade_after
    ]
    # Patroni on the same two servers: hisops' service and settings out of the way
    playbook(inventory, work, "db_standby_build")  # async: the service removes its override
    for name in (DB1, DB2):
        fleet.run(name, ["systemctl", "stop", "hisops-sync-degrade"], label="stopping it")
        fleet.run(name, ["systemctl", "disable", "hisops-sync-degrade"], label="disabling it")
        fleet.run(name, ["systemctl", "stop", "postgresql"], label="stopping postgresql")
        fleet.run(name, ["systemctl", "disable", "postgresql"], label="disabling it")
        conf = fleet.path(name, "/etc/patroni.yml")
        conf.write_text(
            patroni_config(name, fleet.specs[name].address, etcd_hosts, creds, sync=True)
        )
        os.chmod(conf, 0o600)
        shutil.chown(conf, "postgres", "postgres")
    start_patroni(fleet, DB1)
    wait_leader(fleet, DB1)
    start_patroni(fleet, DB2)
    wait_healthy(fleet, DB1)
    wait_sync(fleet, DB1, DB2)

    def kill_standby_host() -> None:
        for pid in patroni_pids(fleet, DB2):
            fleet.run(DB2, ["kill", "-9", pid], check=False)
        fleet.fault(DB2, "crash")

    stalls = []
    for i in range(args.runs):
        stalls.append(standby_stall(conninfo, kill_standby_host, args.phase_spread))
        print(f"patroni non-strict run {i + 1}: stall {stalls[-1]:.3f} s", flush=True)
        start_patroni(fleet, DB2)
        wait_healthy(fleet, DB1)
        wait_sync(fleet, DB1, DB2)
    result["patroni_non_strict"] = {
        "loop_wait_s": 10,
        "phase_spread_s": args.phase_spread,
        "writer_stall_s": summary(stalls),
        "runs_s": [round(x, 3) for x in stalls],
    }
    theirs = result["patroni_non_strict"]["writer_stall_s"]
    for series in result["hisops"]:
        ours = series["writer_stall_s"]
        series["ratio_over_patroni"] = {
            "median": round(ours["median"] / theirs["median"], 3),
            "worst": round(ours["max"] / theirs["max"], 3),
        }


def wait_leader(fleet: HostFleet, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            members = cluster(fleet.specs[name].address)["members"]
            if any(
                m["name"] == name and m["role"] == "leader" and m["state"] == "running"
                for m in members
            ):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Patroni on {name} did not become leader")
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--standby-loss",
        action="store_true",
        help="writer stall when the sync standby dies: hisops' degrade, then Patroni non-strict",
    )
    parser.add_argument(
        "--degrade-after",
        type=float,
        nargs="+",
        default=[5.0],
        help="hisops series, one per db_standby_build_degrade_after value (seconds)",
    )
    parser.add_argument(
        "--phase-spread",
        type=float,
        default=10.0,
        help="kill the standby a random 0..N s after the writer settles (Patroni's loop_wait)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the state dir (etcd and Patroni logs) after a successful run",
    )
    args = parser.parse_args()
    if args.out is None:
        name = "db_standby_loss.json" if args.standby_loss else "db_patroni.json"
        args.out = ROOT / "var" / "bench" / name

    from patroni.version import __version__ as patroni_version  # noqa: PLC0415 (bench extra)

    etcd_version = ensure_etcd()
    state = Path(tempfile.mkdtemp(prefix="hisops-bench-patroni-"))
    base = f"127.{random.randrange(100, 200)}"
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
    ])  # fmt: skip
    result: dict = {
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "patroni": patroni_version,
        "etcd": etcd_version,
    }
    etcd, ok = None, False
    try:
        etcd, etcd_hosts = start_etcd(state)
        fleet.up(his_patients=50)
        inventory = fleet.write_inventory()
        work = state / "work"
        creds = fleet.credentials()
        conninfo = (
            f"host={fleet.specs[DB1].address},{fleet.specs[DB2].address} "
            f"port=5432,5432 dbname=his user=his_app "
            f"password={creds['his_app']['password']} "
            "target_session_attrs=read-write connect_timeout=2"
        )
        playbook(inventory, work, "db_standby_build")
        if args.standby_loss:
            standby_loss(args, fleet, inventory, work, conninfo, etcd_hosts, creds, result)
            result["load_after"] = os.getloadavg()
            ok = True
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=2) + "\n")
            print(json.dumps(result, indent=2))
            return 0

        # The lab's service management out of the way: clean stop, no start at boot.
        for name in (DB1, DB2):
            fleet.run(name, ["systemctl", "stop", "postgresql"], label="stopping postgresql")
            fleet.run(name, ["systemctl", "disable", "postgresql"], label="disabling it")
        for name in (DB1, DB2):
            conf = fleet.path(name, "/etc/patroni.yml")
            conf.write_text(patroni_config(name, fleet.specs[name].address, etcd_hosts, creds))
            os.chmod(conf, 0o600)
            shutil.chown(conf, "postgres", "postgres")
        start_patroni(fleet, DB1)
        deadline = time.monotonic() + 120
        while True:
            try:
                members = cluster(fleet.specs[DB1].address)["members"]
                if any(
                    m["name"] == DB1 and m["role"] == "leader" and m["state"] == "running"
                    for m in members
                ):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Patroni on his-db-1 did not become leader")
            time.sleep(0.5)
        start_patroni(fleet, DB2)
        wait_healthy(fleet, DB1)

        ctl = state / "patronictl.yml"
        ctl.write_text(json.dumps({"scope": SCOPE, "etcd3": {"hosts": etcd_hosts}}))
        outage, wall, lost, leader = [], [], 0, DB1
        for i in range(args.runs):
            target = DB2 if leader == DB1 else DB1
            writer = Writer(conninfo).start()
            writer.settle()
            start = time.monotonic()
            done = subprocess.run(
                [
                    *PATRONICTL,
                    "-c",
                    str(ctl),
                    "switchover",
                    SCOPE,
                    "--leader",
                    leader,
                    "--candidate",
                    target,
                    "--force",
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            took = time.monotonic() - start
            if done.returncode != 0 or "Successfully switched over" not in done.stdout:
                raise RuntimeError(f"patronictl switchover failed:\n{done.stdout}{done.stderr}")
            writer.settle()
            writer.stop()
            outage.append(writer.gap_after(start))
            wall.append(took)
            with psycopg.connect(fleet.conninfo(target), autocommit=True) as conn:
                present = {r[0] for r in conn.execute("SELECT n FROM bench_writer")}
            lost += sum(1 for n, _ in writer.acked if n not in present)
            print(
                f"patroni switchover {i + 1}: outage {outage[-1]:.3f} s, patronictl {took:.1f} s",
                flush=True,
            )
            leader = target
            wait_healthy(fleet, leader)
        result["switchover"] = {
            "client_outage_s": summary(outage),
            "patronictl_s": summary(wall),
            "acknowledged_lost": lost,
        }
        result["load_after"] = os.getloadavg()
        ok = True
        hisops = ROOT / "var" / "bench" / "db_failover.json"
        if hisops.exists():
            theirs = json.loads(hisops.read_text()).get("switchover")
            if theirs:
                ours = theirs["client_outage_s"]["median"]
                result["hisops_switchover_outage_median_s"] = ours
                result["ratio_hisops_over_patroni"] = round(
                    ours / result["switchover"]["client_outage_s"]["median"], 3
                )
    finally:
        try:
            fleet.down()  # kills every process of the hosts, Patroni and PostgreSQL included
        finally:
            if etcd is not None:
                etcd.terminate()
                try:
                    etcd.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    etcd.kill()
            if ok and not args.keep:
                shutil.rmtree(state, ignore_errors=True)
            else:  # the logs: etcd.log, hosts/*/fs/private/var/lib/postgresql/patroni-log
                print(f"kept {state} for the logs", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
