"""Helpers for the lab host tests (this directory is on sys.path under pytest)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from hisops.lab.hosts import HostFleet, HostLabError, HostSpec

ANSIBLE_PLAYBOOK = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "ansible-playbook"


def fleet_specs(octet: int) -> list[HostSpec]:
    base = f"127.{octet}"
    return [
        HostSpec("db-a", "db_server", f"{base}.0.11", "servers", his_data=True),
        HostSpec("db-b", "db_server", f"{base}.0.12", "servers"),
        HostSpec("opd-1", "workstation", f"{base}.10.1", "outpatient registration",
                 groups=("client_test",)),
        HostSpec("opd-2", "workstation", f"{base}.10.2", "outpatient registration"),
        HostSpec("pha-1", "workstation", f"{base}.30.1", "pharmacy"),
        HostSpec("bk-1", "backup_target", f"{base}.0.20", "servers"),
    ]  # fmt: skip


def prerequisites_missing() -> str:
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        return str(exc)
    return ""


def ssh(
    fleet: HostFleet, name: str, command: str, timeout: float = 3
) -> subprocess.CompletedProcess[str]:
    """A real ``ssh`` from the controller to the host (no connection sharing)."""
    return subprocess.run(
        ["ssh", "-i", str(fleet.ssh_key), "-o", f"UserKnownHostsFile={fleet.known_hosts}",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ControlMaster=no",
         "-o", f"ConnectTimeout={timeout:.0f}", f"root@{fleet.specs[name].address}", command],
        capture_output=True, text=True, timeout=timeout + 60, check=False,
    )  # fmt: skip


def run_playbook(fleet: HostFleet, tmp_path: Path, playbook: str, *extra: str) -> str:
    path = tmp_path / "playbook.yml"
    path.write_text(playbook)
    done = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(fleet.inventory_file), str(path), *extra],
        capture_output=True, text=True, timeout=300, check=False,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": "/root",
             "ANSIBLE_FORKS": "10", "ANSIBLE_NOCOLOR": "1", "LANG": "C.UTF-8",
             "ANSIBLE_SSH_PIPELINING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (waited {timeout:.0f} s)")
        time.sleep(0.05)
