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

from hisops.lab.hosts import HostFleet

from .db_pair_lab import pair_fleet
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

    def backup_drill(self, check: bool = False, **extravars) -> PlaybookRun:
        return run_playbook("backup_drill", self.inventory, self.workdir, extravars=extravars,
                            check=check)  # fmt: skip

    def play_status(self, check: bool = False, **extravars) -> PlaybookRun:
        return run_playbook("db_status", self.inventory, self.workdir, extravars=extravars,
                            check=check)  # fmt: skip

    def status_report(self) -> dict:
        return json.loads((self.workdir / "reports" / "db_status_backup.json").read_text())

    def drill_record(self) -> dict:
        return json.loads((self.workdir / "reports" / "backup_drill.json").read_text())

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
    with pair_fleet(tmp_path_factory, "backup", backup_host=True) as fleet:
        lab = BackupLab(fleet, fleet.write_inventory(), fleet.state_dir.parent / "work")
        built = run_playbook("db_standby_build", lab.inventory, lab.workdir)
        assert built.rc == 0, built.stdout[-3000:]
        fleet.plug_drive(BACKUP)
        yield lab
