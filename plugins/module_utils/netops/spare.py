# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spare readiness (plan P4.1): every production switch has a spare of the same model and
firmware, and a backup young enough to be put on it.

Model and firmware are read from the devices themselves (ntc-templates facts); a switch
that does not answer is judged on its inventory facts and reported as unread.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..netdev import facts
from ..netdev.session import DeviceSession
from .errors import InputError, NetdevError
from .network import Switch


def _facts(switch: Switch) -> dict[str, Any]:
    try:
        with DeviceSession(switch.params) as session:
            found = facts.gather(session)
        return {"model": found.get("model", ""), "firmware": found.get("firmware", ""), "read": True}
    except NetdevError as exc:
        return {"read": False, "error": str(exc)}


def backup_age_hours(directory: str, device: str, now: float | None = None) -> float | None:
    """Hours since the device's backup last changed in the store (git history, else mtime)."""
    path = os.path.join(directory, f"{device}.cfg")
    if not os.path.exists(path):
        return None
    now = time.time() if now is None else now
    stamp = None
    if os.path.isdir(os.path.join(directory, ".git")):
        out = subprocess.run(["git", "-C", directory, "log", "-1", "--format=%ct", "--", f"{device}.cfg"],
                             capture_output=True, text=True, check=False).stdout.strip()
        stamp = float(out) if out.isdigit() else None
    if stamp is None:
        stamp = os.path.getmtime(path)
    return round(max(0.0, now - stamp) / 3600, 2)


def differences(production: dict[str, Any], spare: dict[str, Any]) -> list[str]:
    return [f"{key}: {production.get(key) or '?'} here, {spare.get(key) or '?'} on the spare"
            for key in ("model", "firmware") if production.get(key) != spare.get(key)]


def readiness(
    switches: dict[str, Switch],
    inventory_facts: dict[str, dict[str, Any]],
    backup_dir: str,
    max_age_hours: float,
    workers: int = 8,
) -> dict[str, Any]:
    if max_age_hours <= 0:
        raise InputError(f"max_age_hours: {max_age_hours} must be more than 0")
    if not switches:
        raise InputError("hosts: no switches given")
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(switches)))) as pool:
        live = dict(zip(switches, pool.map(_facts, switches.values()), strict=True))
    known: dict[str, dict[str, Any]] = {}
    for name in switches:
        entry = dict(inventory_facts.get(name, {}))
        if live[name].get("read"):
            entry.update(model=live[name]["model"], firmware=live[name]["firmware"])
        entry["read"] = bool(live[name].get("read"))
        known[name] = entry
    spares = [n for n, s in switches.items() if s.role == "spare"]
    devices: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name, switch in sorted(switches.items()):
        if switch.role == "spare":
            continue
        entry: dict[str, Any] = {"model": known[name].get("model", ""), "firmware": known[name].get("firmware", ""),
                                 "read": known[name]["read"]}
        candidates = [(s, differences(known[name], known[s])) for s in spares if known[s]["read"]]
        match = next((s for s, diff in candidates if not diff), "")
        entry["spare"] = match
        if not match:
            near = [f"{s}: {'; '.join(diff)}" for s, diff in candidates
                    if known[s].get("model") == known[name].get("model")]
            entry["spare_problem"] = ("no spare of the same model and firmware" +
                                      (f" ({'; '.join(near)})" if near else ""))
            missing.append(f"{name}: {entry['spare_problem']}")
        age = backup_age_hours(backup_dir, name)
        entry["backup_age_hours"] = age
        if age is None:
            missing.append(f"{name}: no backup in {backup_dir}")
        elif age > max_age_hours:
            missing.append(f"{name}: backup {age} h old (more than {max_age_hours} h)")
        entry["ready"] = bool(match) and age is not None and age <= max_age_hours
        devices[name] = entry
    unread = sorted(n for n in spares if not known[n]["read"])
    for name in unread:
        missing.append(f"{name} (spare): does not answer: {live[name].get('error', '')}")
    return {"ready": not missing, "devices": devices, "missing": missing,
            "spares": {n: {k: known[n].get(k) for k in ("model", "firmware", "read")} for n in spares}}
