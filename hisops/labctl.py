"""What the drill and the molecule scenarios need from the lab: up if not up, and down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


class LabUnavailable(RuntimeError):
    """The lab could not be started (another lab holds its addresses, a bad topology, ...);
    the message says why, in the words of ``hisops lab up``."""


def _hisops(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hisops.cli", *args],
        check=check,
        text=True,
        capture_output=True,
        env=dict(os.environ),
    )


def lab_inventory() -> Path | None:
    """The inventory of the running lab, or None when the lab is down."""
    proc = _hisops("lab", "status", "--json", check=False)
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    inventory = data.get("inventory") if isinstance(data, dict) else None
    return Path(inventory) if inventory else None


def ensure_lab(topology: str | None = None) -> tuple[Path, bool]:
    """Boot the lab unless it is up; returns (inventory, started_here)."""
    existing = lab_inventory()
    if existing is not None:
        return existing, False
    args = ["lab", "up"]
    if topology:
        args += ["--topology", topology]
    proc = _hisops(*args, check=False)
    if proc.returncode != 0:
        reason = (proc.stderr.strip() or proc.stdout.strip()).removeprefix("hisops lab: ")
        raise LabUnavailable(f"the lab did not start: {reason.removeprefix('error: ')}")
    inventory = lab_inventory()
    if inventory is None:
        raise LabUnavailable(f"hisops lab up printed no inventory:\n{proc.stdout}")
    return inventory, True


def stop_lab() -> None:
    _hisops("lab", "down", check=False)
