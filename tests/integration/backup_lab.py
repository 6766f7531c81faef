"""The backup lab of issue 18: the DB pair (his-db-1 primary, his-db-2 hot standby, built
with db_standby_build) and the off-site backup host backup-1 with its removable drive,
on a 127.N block of its own; and what the backup tests read on the hosts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet, HostLabError, HostSpec

from .playbooks import PlaybookRun, run_playbook

DB1, DB2, BACKUP = "his-db-1", "his-db-2", "backup-1"


@dataclass
class BackupLab:
    fleet: HostFleet
    inventory: Path
    workdir: Path

    def backup_run(self, date: str, check: bool = False, **extravars) -> PlaybookRun:
        return run_playbook(
            "backup_run", self.inventory, self.workdir, extravars={"date": date, **extravars},
            check=check,
        )  # fmt: skip

    def report(self) -> dict:
        return json.loads((self.workdir / "reports" / "backup_run.json").read_text())

    def events(self) -> list[tuple[str, str, str, str]]:
        """The history: (target, occasion, day, status), in order."""
        path = self.workdir / "state" / "state.db"
        if not path.exists():
            return []
        with sqlite3.connect(path) as conn:
            try:
                rows = conn.execute(
                    "SELECT target, occasion, on_date, status FROM backup_events "
                    "ORDER BY on_date, target"
                ).fetchall()
            except sqlite3.OperationalError:  # no table: nothing recorded yet
                return []
        return [tuple(r) for r in rows]

    def sh(self, host: str, script: str) -> str:
        return self.fleet.run(host, ["/bin/sh", "-c", script]).stdout

    def repo_info(self, host: str, repo: int, config: str = "", path: str = "") -> dict:
        argv = ["runuser", "-u", "postgres", "--", "pgbackrest", "--stanza=his", f"--repo={repo}"]
        if config:
            argv.append(f"--config={config}")
        if path:
            argv.append(f"--repo{repo}-path={path}")
        done = self.fleet.run(host, [*argv, "--output=json", "info"])
        return json.loads(done.stdout)[0]

    def labels(self, host: str, repo: int, config: str = "", path: str = "") -> list[str]:
        return [b["label"] for b in self.repo_info(host, repo, config, path).get("backup", [])]


@contextmanager
def boot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackupLab]:
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp("backup")
    octet = free_octet(100, 200)
    base = f"127.{octet}"
    fleet = HostFleet(state / "fleet", [
        HostSpec(DB1, "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec(DB2, "db_server", f"{base}.0.12", "servers"),
        HostSpec(BACKUP, "backup_target", f"{base}.0.21", "servers"),
    ])  # fmt: skip
    try:
        fleet.up(his_patients=50)
        lab = BackupLab(fleet, fleet.write_inventory(), state / "work")
        built = run_playbook("db_standby_build", lab.inventory, lab.workdir)
        assert built.rc == 0, built.stdout[-3000:]
        fleet.plug_drive(BACKUP)
        yield lab
    finally:
        fleet.down()
        release_octet(octet)
