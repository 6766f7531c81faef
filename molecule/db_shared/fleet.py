"""Boot or stop the small host fleet of the db_* and backup_* molecule scenarios.

    python fleet.py up STATE_DIR OCTET [--backup] [--snapshots DIR --stage built]
    python fleet.py save STATE_DIR --snapshots DIR --stage built
    python fleet.py down STATE_DIR

up: his-db-1, his-db-2 and app-1 (db_proxies) on 127.OCTET.x.y; --backup: backup-1 (its
drive plugged in) instead of app-1. The inventory is written to STATE_DIR/inventory.yml.

Snapshots (the molecule gate's lanes, scripts/gates/molecule.sh, give --snapshots a
directory of the whole gate run): the first scenario of a lane builds the pair and
`save`s it (hisops.lab.hosts.snapshot: every host shut down cleanly, its disk copied,
booted again; the scenario's controller state and reports with them); `up` with --stage
boots the lane's snapshot of that stage of the same hosts when there is one, instead of
fresh hosts, and writes STATE_DIR/<stage>-from-snapshot (prepare then skips what the
snapshot holds). Without --snapshots: fresh hosts, as always.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from hisops.lab.hosts import HostFleet, HostLabError, HostSpec, snapshot


def specs(octet: int, backup: bool) -> list[HostSpec]:
    base = f"127.{octet}"
    third = (
        HostSpec("backup-1", "backup_target", f"{base}.0.21", "servers")
        if backup
        else HostSpec("app-1", "workstation", f"{base}.10.1", "outpatient registration",
                      groups=("db_proxies",))
    )  # fmt: skip
    return [
        HostSpec("his-db-1", "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec("his-db-2", "db_server", f"{base}.0.12", "servers"),
        third,
    ]


def controller_dirs() -> dict[str, Path]:
    """The controller's files of the scenario (molecule.yml's env): what the build left in
    them is saved and restored with the hosts, so a converge finds what it would after a build
    (run records stay: they are each run's own)."""
    dirs = {"state": "HISOPS_STATE_DIR", "reports": "HISOPS_REPORT_DIR"}
    return {name: Path(os.environ[var]) for name, var in dirs.items() if os.environ.get(var)}


def boot_snapshot(saved: Path, state: Path) -> HostFleet | None:
    """The fleet booted from the snapshot ``saved`` with the controller's files; None (and
    nothing left running) when it did not come up as saved: then fresh hosts are built."""
    if state.exists():  # an earlier run's hosts (stopped) and disks
        HostFleet(state).down()
        shutil.rmtree(state)
    for name, path in controller_dirs().items():
        shutil.rmtree(path, ignore_errors=True)
        if (saved / name).is_dir():
            shutil.copytree(saved / name, path, symlinks=True)
    try:
        return snapshot.restore(saved / "fleet", state)
    except HostLabError as exc:
        print(f"the lane's snapshot {saved} did not boot ({exc}): fresh hosts", file=sys.stderr)
        if state.exists():
            HostFleet(state).down()
            shutil.rmtree(state)
        for path in controller_dirs().values():
            shutil.rmtree(path, ignore_errors=True)
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "save", "down"))
    parser.add_argument("state", type=Path)
    parser.add_argument("octet", type=int, nargs="?")
    parser.add_argument("--backup", action="store_true")
    parser.add_argument("--snapshots", type=Path, help="the gate run's snapshot directory")
    parser.add_argument("--stage", default="", help="the snapshot's stage (built)")
    args = parser.parse_args()
    state = args.state
    if args.action == "down":
        if (state / "fleet").exists():
            HostFleet(state / "fleet").down()
        return 0
    if args.action == "save":
        fleet = HostFleet(state / "fleet")
        saved = args.snapshots / snapshot.key(fleet.specs.values(), args.stage)
        for name, path in controller_dirs().items():  # first: the fleet's copy marks it whole
            shutil.rmtree(saved / name, ignore_errors=True)
            if path.is_dir():
                shutil.copytree(path, saved / name, symlinks=True)
        snapshot.save(fleet, saved / "fleet")
        fleet.write_inventory(state / "inventory.yml")
        return 0
    if args.octet is None:
        parser.error("up needs the OCTET of the hosts' addresses")
    hosts = specs(args.octet, args.backup)
    marker = state / f"{args.stage}-from-snapshot"
    marker.unlink(missing_ok=True)
    saved = args.snapshots / snapshot.key(hosts, args.stage) if args.snapshots else None
    fleet = None
    if saved is not None and args.stage and (saved / "fleet").is_dir():
        fleet = boot_snapshot(saved, state / "fleet")
        if fleet is not None:
            marker.write_text(f"{saved}\n", encoding="utf-8")
    if fleet is None:
        fleet = HostFleet(state / "fleet", hosts)
        fleet.up(fresh=True, his_patients=50)
        if args.backup:
            fleet.plug_drive("backup-1")
    fleet.write_inventory(state / "inventory.yml")
    print(state / "inventory.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
