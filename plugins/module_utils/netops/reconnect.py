# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Undo an isolation exactly: the recorded inverse, then proof that each device's
configuration equals the one recorded before the isolation, line for line.

Reconnecting needs a clean-up confirmation (who cleaned, the scan result; plan P5.6),
recorded with the isolation. A device whose configuration changed since the isolation is
not touched unless ``force``: the recorded inverse was made for the recorded state.
"""

from __future__ import annotations

import difflib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..netdev.backup import mask_secrets
from ..netdev.push import _strip_comments
from ..netdev.session import DeviceSession
from . import transactions
from .errors import InputError, NetdevError, TransactionError
from .network import Switch


def _diff(recorded: str, current: str, label: str) -> list[str]:
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            recorded.splitlines(), current.splitlines(), f"{label} (recorded)", f"{label} (now)", n=0,
            lineterm="",
        )
    ]


def _cleanup(record: dict[str, Any], cleanup_by: str, cleanup_scan: str) -> dict[str, Any]:
    if record.get("cleanup"):
        return record["cleanup"]
    if not (cleanup_by or "").strip() or not (cleanup_scan or "").strip():
        missing = [n for n, v in (("cleanup_by", cleanup_by), ("cleanup_scan", cleanup_scan)) if not (v or "").strip()]
        raise TransactionError(
            f"{', '.join(missing)}: reconnecting {record['id']} needs a recorded clean-up "
            "confirmation: who cleaned it (cleanup_by) and the scan result (cleanup_scan)",
            hint="nothing was changed",
        )
    return {"by": cleanup_by.strip(), "scan_result": cleanup_scan.strip(), "at": transactions.utc_now()}


def _read(switch: Switch) -> str:
    with DeviceSession(switch.params) as session:
        return _strip_comments(session.running_config())


def _changes(diff: list[str]) -> list[str]:
    return sorted(line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))


def _undo(switch: Switch, inverse: list[str], before: str, save: bool, drift: list[str]) -> dict[str, Any]:
    """Apply the inverse; the device must then equal ``before`` (with ``drift``, a forced
    reconnect: equal to ``before`` except for exactly the changes made since the isolation)."""
    with DeviceSession(switch.params) as session:
        if inverse:
            session.config_set(inverse)
        now = mask_secrets(_strip_comments(session.running_config()))
        equal = now == before if not drift else _changes(_diff(before, now, switch.name)) == _changes(drift)
        if equal and save:
            session.save()
    return {"commands": inverse, "verified": equal, "diff": [] if equal else _diff(before, now, switch.name)}


def reconnect(
    store: transactions.Store,
    isolation_id: str,
    switches: dict[str, Switch],
    operator: str,
    cleanup_by: str = "",
    cleanup_scan: str = "",
    force: bool = False,
    check_mode: bool = False,
    workers: int = 8,
    stage: str = "all",
    fence_proof: str = "",
) -> dict[str, Any]:
    """``stage="port"`` (a quarantined isolation only): bring the port up behind its SSH-only
    filter, nothing else; ``stage="all"``: the whole inverse. An isolation that fences a
    database server (``fence_of``) is reconnected whole only after its port came up behind
    the filter and ``fence_proof`` says how the server was then fenced from the inside
    (db_rejoin does both), or with ``force``."""
    if stage not in ("all", "port"):
        raise InputError(f"stage: {stage!r} is not one of all, port")
    record = store.load(isolation_id)
    result: dict[str, Any] = {"changed": False, "isolation_id": record["id"], "commands": {}, "verified": {}}
    if record.get("state") == "closed":
        result["message"] = f"already reconnected by {record.get('closed_by')} at {record.get('closed_at')}"
        return result
    quarantine = record.get("quarantine") or {}
    if stage == "port":
        if not quarantine:
            raise InputError(f"stage: {record['id']} has no quarantine filter (isolate with "
                             "quarantine_ssh_to); reconnect it whole (stage: all)", hint="nothing was changed")
        cleanup = _cleanup(record, cleanup_by, cleanup_scan)
        return _port_up(store, record, switches, operator, cleanup, force, check_mode, result)
    fenced = record.get("fence_of")
    if fenced and not force and not (quarantine.get("port_up_at") and fence_proof.strip()):
        raise TransactionError(
            f"isolation_id: {record['id']} fences the old database primary {fenced}: reconnected "
            "whole, a server that may still run a writable primary would be back on the network "
            "(split brain)",
            hint=f"nothing was changed; reconnect it with playbooks/db_rejoin.yml (its port comes "
            f"up behind an SSH-only filter, PostgreSQL on {fenced} is stopped and fenced over SSH, "
            "then the rest is undone), or with force=true once PostgreSQL on "
            f"{fenced} is known to be stopped",
        )
    cleanup = _cleanup(record, cleanup_by, cleanup_scan)
    missing = sorted(set(record["devices"]) - set(switches))
    if missing:
        raise InputError(f"switches: {', '.join(missing)} (changed by {record['id']}) not in the inventory")
    devices = record["devices"]
    later = {
        r["id"]: set(r.get("devices", {})) & set(devices) for r in store.open_records()
        if r["id"] != record["id"] and set(r.get("devices", {})) & set(devices)
        and r.get("opened_ns", 0) > record.get("opened_ns", 0)
    }
    if later and not force:
        shared = sorted(set().union(*later.values()))
        raise TransactionError(
            f"isolation_id: {', '.join(sorted(later))}, opened later, also changed "
            f"{', '.join(shared)}: reconnect those first",
            hint="nothing was changed; isolations of one device are undone last in, first out, so "
            "that each device returns exactly to the configuration recorded before it",
        )
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(devices)))) as pool:
        current = dict(zip(devices, pool.map(lambda n: mask_secrets(_read(switches[n])), devices), strict=True))
    drift = {n: _diff(devices[n]["after"], current[n], n) for n in devices if current[n] != devices[n]["after"]}
    if drift and not force:
        shown = "; ".join(f"{n}: {' | '.join(d[2:8])}" for n, d in drift.items())
        raise TransactionError(
            f"isolation_id: {record['id']}: the configuration changed since the isolation on {shown}",
            hint="nothing was changed; the recorded inverse was made for the recorded state: "
            "check the change, then reconnect with force=true",
        )
    result["commands"] = {n: d["inverse"] for n, d in devices.items()}
    result["changed"] = True
    result["cleanup"] = cleanup
    if check_mode:
        result["message"] = "check mode: nothing sent"
        return result
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(devices)))) as pool:
        futures = {
            n: pool.submit(_undo, switches[n], d["inverse"], d["before"], bool(d.get("saved")),
                           drift.get(n, []))
            for n, d in devices.items()
        }
        outcome, errors = {}, []
        for name, future in futures.items():
            try:
                outcome[name] = future.result()
            except NetdevError as exc:
                errors.append(str(exc))
    result["verified"] = {n: o["verified"] for n, o in outcome.items()}
    record["cleanup"] = cleanup
    record.setdefault("reconnects", []).append({"by": operator, "at": transactions.utc_now(), "devices": outcome,
                                                "forced": bool(drift)})
    if errors or not all(result["verified"].values()):
        store.save(record)
        shown = "; ".join(errors + [f"{n}: {' | '.join(o['diff'][2:8])}" for n, o in outcome.items()
                                    if not o["verified"]])
        raise NetdevError(f"reconnect {record['id']} did not restore every device: {shown}",
                          hint="the isolation stays open; read the devices and reconnect again")
    record.update(state="closed", closed_by=operator, closed_at=transactions.utc_now())
    if fence_proof.strip():
        record["fence_proof"] = fence_proof.strip()
    store.save(record)
    result["message"] = f"reconnected; every device equals its recorded configuration ({record['id']} closed)"
    return result


def _without_shutdown(config: str, interface: str) -> str:
    """``config`` with the port's ``shutdown`` line removed: what bringing it up changes."""
    out, inside = [], False
    for line in config.split("\n"):
        if not line.startswith((" ", "\t")):
            inside = line.strip() == f"interface {interface}"
        elif inside and line.strip() == "shutdown":
            continue
        out.append(line)
    return "\n".join(out)


def _port_up(store: transactions.Store, record: dict[str, Any], switches: dict[str, Switch], operator: str,
             cleanup: dict[str, Any], force: bool, check_mode: bool, result: dict[str, Any]) -> dict[str, Any]:
    """Bring a quarantined port up, filter kept; the device must then equal its recorded
    configuration after the isolation, but for that port's ``shutdown``."""
    quarantine = record["quarantine"]
    name, port = quarantine["switch"], quarantine["port"]
    if quarantine.get("port_up_at"):
        result["message"] = (f"{name}:{port} is already up behind the quarantine filter "
                             f"(since {quarantine['port_up_at']})")
        return result
    if name not in switches:
        raise InputError(f"switches: {name} (changed by {record['id']}) not in the inventory")
    device = record["devices"][name]
    current = mask_secrets(_read(switches[name]))
    if current != device["after"] and not force:
        shown = " | ".join(_diff(device["after"], current, name)[2:8])
        raise TransactionError(
            f"isolation_id: {record['id']}: the configuration changed since the isolation on {name}: {shown}",
            hint="nothing was changed; check the change, then reconnect with force=true")
    result.update(changed=True, commands={name: quarantine["port_up"]}, cleanup=cleanup)
    if check_mode:
        result["message"] = "check mode: nothing sent"
        return result
    expected = _without_shutdown(device["after"], port)
    with DeviceSession(switches[name].params) as session:
        session.config_set(quarantine["port_up"])
        now = mask_secrets(_strip_comments(session.running_config()))
        ok = now == expected if current == device["after"] else True
        if ok and device.get("saved"):
            session.save()
    result["verified"] = {name: ok}
    if not ok:
        raise NetdevError(f"{name}: after bringing {port} up the configuration is not the expected one: "
                          f"{' | '.join(_diff(expected, now, name)[2:8])}",
                          hint="the isolation stays open; read the device")
    record["cleanup"] = cleanup
    device["after_isolation"] = device.get("after_isolation", device["after"])
    device["after"] = now
    quarantine.update(port_up_at=transactions.utc_now(), port_up_by=operator)
    store.save(record)
    result["message"] = (f"{name}:{port} is up behind the quarantine filter: only SSH to "
                         f"{quarantine['ssh_to']} passes ({record['id']} stays open)")
    return result


def find_open(store: transactions.Store, kind: str, key: str, ip: str = "", mac: str = "") -> str:
    """The id of the open isolation of a target (``segment:10``, a host's IP or MAC, a port)."""
    for record in store.open_records():
        where = record.get("located") or {}
        if record.get("key") == key or (
            kind == "host" and record.get("kind") == "host"
            and ((ip and where.get("ip") == ip) or (mac and where.get("mac") == mac))
        ):
            return record["id"]
    raise TransactionError(
        f"{kind}: no open isolation of {key.split(':', 1)[1]}",
        hint="list the open isolations with playbooks/isolation_status.yml",
    )


def status(
    store: transactions.Store, include_closed: bool = False, devices: list[str] | None = None
) -> list[dict[str, Any]]:
    """The isolations (open ones unless ``include_closed``), or those that changed ``devices``."""
    records = store.records() if include_closed else store.open_records()
    found = [transactions.summary(r) for r in records]
    if devices is not None:
        wanted = set(devices)
        found = [s for s in found if wanted.intersection(s["devices"])]
    return found
