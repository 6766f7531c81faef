"""Run the collection's playbooks against a test lab, the way an operator does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ansible_forkserver

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stats: dict[str, dict[str, int]]
    workdir: Path

    def changed_hosts(self) -> set[str]:
        return {h for h, s in self.stats.items() if s.get("changed", 0)}

    def failed_hosts(self) -> set[str]:
        return {h for h, s in self.stats.items() if s.get("failures", 0) or s.get("unreachable", 0)}

    def changed_by(self, task: str) -> set[str]:
        """Hosts on which a task whose name contains ``task`` reported a change (run record)."""
        files = sorted((self.workdir / "records").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
        events = [json.loads(line) for line in files[-1].read_text().splitlines()]
        return {
            e["host"]
            for e in events
            if e.get("event") == "task" and task in e.get("task", "") and e.get("changed")
        }

    def messages(self, task: str) -> dict[str, str]:
        """Per host, the message of the task whose name contains ``task`` (run record)."""
        files = sorted((self.workdir / "records").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
        events = [json.loads(line) for line in files[-1].read_text().splitlines()]
        return {
            e["host"]: e.get("message", "")
            for e in events
            if e.get("event") == "task" and task in e.get("task", "")
        }

    def report(self, name: str) -> Any:
        return json.loads((self.workdir / "reports" / name).read_text())


def run_playbook(
    playbook: str | Path,
    inventory: Path,
    workdir: Path,
    extravars: dict[str, Any] | None = None,
    check: bool = False,
    diff: bool = False,
    limit: str | None = None,
) -> PlaybookRun:
    """ansible-playbook with the stats printed as JSON (the stock json callback's stats)."""
    path = Path(playbook)
    if not path.is_absolute():
        path = REPO_ROOT / "playbooks" / f"{playbook}.yml"
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        HISOPS_INTENDED_DIR=str(workdir / "intended"),
        HISOPS_REPORT_DIR=str(workdir / "reports"),
        HISOPS_BACKUP_DIR=str(workdir / "backups"),
        HISOPS_RUN_RECORD_DIR=str(workdir / "records"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_CALLBACKS_ENABLED="hisops.emergency.run_record",
        ANSIBLE_SHOW_CUSTOM_STATS="false",
    )
    env.setdefault("HISOPS_ISOLATION_DIR", str(workdir / "isolations"))
    env.setdefault("HISOPS_STATE_DIR", str(workdir / "state"))
    # Lab hosts answer on loopback: a connection not made in 8 s is a host the test cut off
    # (nftables drops its packets), and ansible.cfg's 20 s is pure waiting there (every
    # unreachable-host test waited it out once per run and host). 8 s leaves a loaded
    # machine's sshd ample time for its banner and the become marker.
    env.setdefault("ANSIBLE_TIMEOUT", "8")
    cmd = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(path)]
    if extravars:
        cmd += ["-e", json.dumps(extravars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if limit:
        cmd += ["--limit", limit]
    forked = ansible_forkserver.run(cmd, env, timeout=600)
    if forked is None:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, check=False, timeout=600
        )
        forked = proc.returncode, proc.stdout + proc.stderr
    rc, output = forked
    return PlaybookRun(rc, output, _stats(workdir / "records"), workdir)


def _stats(records: Path) -> dict[str, dict[str, int]]:
    """The closing statistics of the newest run record (written by our callback)."""
    files = sorted(records.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    if not files:
        return {}
    for line in reversed(files[-1].read_text().splitlines()):
        event = json.loads(line)
        if event.get("event") == "playbook_end":
            return event["stats"]
    return {}
