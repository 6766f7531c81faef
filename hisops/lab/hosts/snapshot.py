"""A fleet's snapshot: its hosts' disks and the lab's files for them, taken with every host
shut down cleanly, and a fleet booted from it in another state dir.

    snapshot.save(fleet, dest)            # shut down, copy the state dir to dest, boot again
    fleet = snapshot.restore(src, state)  # copy src to state (empty), boot, wait until ready

What is copied is the whole state dir as the hosts left it (``disk.img`` and the removable
drive's image, sparse; ``fs/base`` with the host keys; the controller's key, the
``known_hosts`` and the credentials): a fleet booted from it is the same hosts at the same
addresses, with the same keys and passwords, as after a reboot of the original. Only the
hosts' console logs stay behind. The state dir is named in nothing on the disks (the init
learns it from ``host.env``, rewritten at every ``up``), so the copy may live anywhere.

The shutdown is the hosts' own (``/etc/rc6.d/K*``, as :meth:`HostFleet.reboot`): PostgreSQL
stops with a checkpoint, so the copy needs no crash recovery. What ran before the shutdown
is waited for again after each boot (``readiness``): every DB host's PostgreSQL accepting
connections in the same role, a primary with as many streaming standbys as before, a
standby streaming, and the collection's sync-degrade service writing its record again
where it did. Used by the molecule gate (``molecule/db_shared/fleet.py``): the first
scenario of a lane builds the pair and saves it, the next ones boot it.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hisops.lab.hosts import initscript
from hisops.lab.hosts.errors import HostLabError
from hisops.lab.hosts.lifecycle import HostFleet
from hisops.lab.hosts.probes import wait_for
from hisops.lab.hosts.spec import HostSpec

MANIFEST = "snapshot.json"
READY_TIMEOUT = 120.0
# The sync-degrade service's record (plugins/module_utils/pgha/degrade.py: record_path):
# rewritten at least every 5 s while the service runs.
DEGRADE_RECORDS = "/var/lib/postgresql/hisops-sync-degrade-*.json"

_STATE_SQL = """SELECT pg_is_in_recovery(),
       (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'),
       coalesce((SELECT status FROM pg_stat_wal_receiver), '')"""


def key(specs: Iterable[HostSpec], stage: str) -> str:
    """A snapshot's name: the stage and the hosts it holds (names, kinds, addresses, ...)."""
    text = json.dumps([s.to_dict() for s in specs], sort_keys=True)
    return f"{stage}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"


def readiness(fleet: HostFleet) -> dict[str, dict[str, Any]]:
    """What runs on each DB host now: PostgreSQL's role and replication, the degrade record."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in fleet.specs.items():
        if spec.kind != "db_server":
            continue
        row = _pg_state(fleet, name)
        out[name] = {
            "postgresql": row is not None,
            "in_recovery": row[0] if row else None,
            "streaming_standbys": row[1] if row else None,
            "receiver": row[2] if row else None,
            "degrade_records": sorted(p.name for p in _degrade_records(fleet, name)),
        }
    return out


def save(fleet: HostFleet, dest: Path, shutdown_timeout: float = 60.0) -> dict[str, Any]:
    """Shut every host down cleanly, copy the fleet's state dir to ``dest``, boot again.

    ``dest`` is replaced whole (written beside it, then renamed). Returns the manifest.
    """
    ready = readiness(fleet)
    names = [n for n in fleet.specs if fleet.is_on(n)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        list(
            pool.map(
                lambda n: fleet.run(
                    n,
                    ["/bin/sh", "-c", initscript.SHUTDOWN_SCRIPT],
                    timeout=shutdown_timeout,
                    check=False,
                    label="shutting the host down",
                ),
                names,
            )
        )
    fleet.down()  # every disk unmounted and its loop device gone: the images are whole
    dest = Path(dest)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    _copy(fleet.state_dir, tmp)
    manifest = {"hosts": sorted(fleet.specs), "was_on": names, "ready": ready}
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    _boot(fleet, ready)
    return manifest


def restore(src: Path, state_dir: Path) -> HostFleet:
    """A fleet booted from the snapshot ``src`` in ``state_dir`` (which must not exist yet)."""
    src, state_dir = Path(src), Path(state_dir)
    manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    if state_dir.exists() and any(state_dir.iterdir()):
        raise HostLabError(f"{state_dir} is not empty: a snapshot is restored into a new state dir")
    state_dir.parent.mkdir(parents=True, exist_ok=True)
    if state_dir.exists():
        state_dir.rmdir()
    _copy(src, state_dir)
    (state_dir / MANIFEST).unlink()
    fleet = HostFleet(state_dir)
    _boot(fleet, manifest["ready"])
    return fleet


def _copy(src: Path, dest: Path) -> None:
    """The state dir as it is (sparse images stay sparse), without the console logs."""
    subprocess.run(["cp", "-a", "--sparse=always", str(src), str(dest)], check=True)
    for log in dest.glob("hosts/*/console.log"):
        log.unlink()


def _boot(fleet: HostFleet, ready: dict[str, dict[str, Any]]) -> None:
    """Boot the disks as they are and wait until each DB host is as ``ready`` says."""
    booted = time.time()
    fleet.up(provision=False)
    for name, want in ready.items():
        if not want["postgresql"]:
            continue
        wait_for(
            functools.partial(_ready, fleet, name, want, booted),
            READY_TIMEOUT,
            f"{name}'s PostgreSQL and its replication as before the snapshot "
            f"(role {'standby' if want['in_recovery'] else 'primary'}, "
            f"{want['streaming_standbys']} streaming standby(s), receiver "
            f"{want['receiver'] or 'none'}, degrade records {want['degrade_records']})",
            interval=0.1,
        )


def _ready(fleet: HostFleet, name: str, want: dict[str, Any], booted: float) -> bool:
    row = _pg_state(fleet, name)
    if row is None or list(row) != [
        want["in_recovery"],
        want["streaming_standbys"],
        want["receiver"],
    ]:
        return False
    fresh = set()
    for record in _degrade_records(fleet, name):
        try:
            if record.stat().st_mtime >= booted:
                fresh.add(record.name)
        except FileNotFoundError:  # replaced this instant: seen at the next look
            pass
    return set(want["degrade_records"]) <= fresh


def _pg_state(fleet: HostFleet, name: str) -> tuple[bool, int, str] | None:
    """PostgreSQL's role and replication on the host (over TCP, as the lab's superuser)."""
    import psycopg

    try:
        with psycopg.connect(fleet.conninfo(name, user="postgres"), autocommit=True) as conn:
            row = conn.execute(_STATE_SQL).fetchone()
    except psycopg.Error:
        return None
    return (bool(row[0]), int(row[1]), str(row[2])) if row else None


def _degrade_records(fleet: HostFleet, name: str) -> list[Path]:
    directory = fleet.path(name, str(Path(DEGRADE_RECORDS).parent))
    return list(directory.glob(Path(DEGRADE_RECORDS).name))
