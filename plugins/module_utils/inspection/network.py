# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network area of the daily inspection (plan P4.3): every switch answers, is the model and
firmware the inventory records, matches its intended configuration (drift the hospital made
on purpose - an open isolation, a vendor window - is listed as expected, with its id), has
a recent backup and a ready spare, and no interface went down since the last inspection.

``read_switch`` is the one live read per switch (one session: facts, running configuration);
everything else is pure and works on what it returned, so it is unit-tested on captures.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Iterable, Mapping, Optional

from ..files import write_atomic
from ..netdev import facts
from ..netdev.session import DeviceParams, DeviceSession
from ..netops.spare import backup_age_hours, differences, physical_ports, readiness_of
from .findings import Finding

AREA = "network"
UP_WORDS = ("up", "connected", "connect")


def read_switch(
    params: DeviceParams,
    intended: Optional[str],
    features: Optional[list[str]] = None,
    with_ports: bool = False,
    sources: Any = None,
) -> dict[str, Any]:
    """One session: model, firmware, interfaces, the running configuration's digest and,
    with ``intended``, the compliance report (read-only: only show commands are sent);
    ``with_ports`` (a spare): its physical ports, for the spare readiness' interface map.
    Compliance is netplan's deliberate check: the lines an open isolation, fence or vendor
    window (``sources``, a ``compliance_deliberate.Sources``) changed are expected."""
    from ..netplan import compliance_deliberate
    from ..netplan.compliance import numbered_running

    with DeviceSession(params) as session:
        found = facts.gather(session)
        running = session.running_config()
        numbered = numbered_running(session, running) if intended is not None else running
        platform = session.platform.name
    result: dict[str, Any] = {
        "model": found.get("model", ""),
        "firmware": found.get("firmware", ""),
        "serial": found.get("serial", ""),
        "interfaces": {i["name"]: str(i.get("status", "")) for i in found["interfaces"]},
        "config_sha256": hashlib.sha256(running.encode()).hexdigest(),
    }
    if intended is not None:
        records, notes = (
            sources.for_device(params.name, platform) if sources is not None else ([], [])
        )
        result["compliance"] = compliance_deliberate.check(
            params.name, numbered, intended, platform, records, features, notes
        ).to_dict()
    if with_ports:
        result["ports"] = physical_ports(running, platform)
    return result


def same_release(text: str) -> str:
    """A release as words without leading zeros in its numbers: ``17.09.04a`` (the
    inventory, as Cisco lists it) and ``17.9.4a`` (ntc-templates' reading) are one."""
    return re.sub(r"(?:(?<=\.)|(?<!\w))0+(?=\d)", "", str(text or ""))


def is_up(status: str) -> bool:
    """``up``, ``connected`` (IOS), ``UP``: up; ``down``, ``*down``, ``notconnect``,
    ``disabled``, ``ADM``: not."""
    return str(status).strip().lower() in UP_WORDS


def interfaces_gone_down(
    before: Mapping[str, str], now: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """Interfaces up at the last inspection and not up now: ``(name, was, is)``. An
    interface the switch no longer lists counts as gone down (``absent``)."""
    return [
        (name, was, now.get(name, "absent"))
        for name, was in sorted(before.items())
        if is_up(was) and not is_up(now.get(name, "absent"))
    ]


def load_previous(path: str) -> dict[str, dict[str, str]]:
    """The interface states the last inspection kept (``{}`` on the first run)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return {str(k): dict(v) for k, v in (data.get("switches") or {}).items()}


def save_states(path: str, states: Mapping[str, Mapping[str, str]], when: str) -> None:
    """Kept for the next run, written atomically. A switch not read keeps its last states
    (the caller merges them), so one silent day does not hide what went down."""
    os.makedirs(os.path.dirname(path) or ".", mode=0o750, exist_ok=True)
    write_atomic(path, json.dumps({"saved": when, "switches": states}, indent=1, sort_keys=True))


def _drift_lines(report: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    return {
        name: {"missing": list(f.get("missing") or []), "extra": list(f.get("extra") or [])}
        for name, f in (report.get("features") or {}).items()
        if not f.get("compliant", True)
    }


def compliance_findings(name: str, report: Optional[Mapping[str, Any]]) -> list[Finding]:
    """Compliant: ok. Lines an open isolation, fence or vendor window changed on purpose
    (the report's ``expected``, netplan.compliance_deliberate): ok, one finding per record
    naming its kind and id, never remediation. Unexplained drift: a warning."""
    if report is None:
        return []
    result = []
    for entry in report.get("expected") or []:
        lines = list(entry.get("lines") or [])
        result.append(
            Finding(
                AREA,
                "compliance_expected",
                "ok",
                name,
                f"{name}: {len(lines)} line(s) differ on purpose ({entry['kind']} {entry['id']})",
                params={
                    "lines": lines[:20],
                    "kind": entry["kind"],
                    "id": entry["id"],
                    "count": len(lines),
                },
                expected={"kind": str(entry["kind"]), "id": str(entry["id"])},
            )
        )
    drift = _drift_lines(report)
    if not drift:
        result.append(
            Finding(AREA, "compliance", "ok", name, f"{name} matches its intended configuration")
        )
        return result
    lines = [
        f"{sign} {line}"
        for f in drift.values()
        for sign, side in (("-", "missing"), ("+", "extra"))
        for line in f[side]
    ]
    features = sorted(drift)
    result.append(
        Finding(
            AREA,
            "compliance_drift",
            "warning",
            name,
            f"{name} drifted from its intended configuration ({', '.join(features)}): "
            f"{len(lines)} unexplained line(s)",
            params={
                "features": features,
                "lines": lines[:20],
                "notes": list(report.get("notes") or []),
            },
            suggested_class=2,
            action=f"hisops run switch_compliance -l {name}",
            value=float(len(lines)),
        )
    )
    return result


def switch_findings(
    name: str,
    role: str,
    recorded: Mapping[str, str],
    result: Mapping[str, Any],
    backup_age: Optional[float],
    max_backup_hours: float,
    previous: Optional[Mapping[str, str]],
) -> list[Finding]:
    """All network findings of one switch from its read (``result``: ``read_switch``'s
    dict, or ``{"failed": True, "msg": ...}`` when it did not answer)."""
    out: list[Finding] = []
    if result.get("failed"):
        out.append(
            Finding(
                AREA,
                "switch_reachable",
                "warning" if role == "spare" else "critical",
                name,
                f"{name} does not answer: {result.get('msg', '')}",
                params={"error": str(result.get("msg", ""))},
                suggested_class=1 if role == "core" else (3 if role == "spare" else 2),
                action=f"hisops lab status  # or check {name}'s power, uplink and console",
            )
        )
    else:
        out.append(Finding(AREA, "switch_reachable", "ok", name, f"{name} answers"))
        live = {"model": result.get("model", ""), "firmware": result.get("firmware", "")}
        wanted = {k: recorded.get(k, "") for k in ("model", "firmware") if recorded.get(k)}
        bad = {
            line.split(":", 1)[0]
            for line in differences(
                {k: same_release(v) for k, v in {**live, **wanted}.items()},
                {k: same_release(v) for k, v in live.items()},
            )
        }
        diff = [
            f"{key}: {wanted[key]} recorded, {live[key] or '?'} on the switch"
            for key in wanted
            if key in bad
        ]
        if diff:
            out.append(
                Finding(
                    AREA,
                    "model_firmware",
                    "warning",
                    name,
                    f"{name} is not as recorded: "
                    + "; ".join(d.replace("on the spare", "on the switch") for d in diff),
                    params={
                        "recorded": wanted,
                        "found": live,
                        "differs": [key for key in wanted if key in bad],
                    },
                    suggested_class=3,
                )
            )
        else:
            out.append(
                Finding(
                    AREA,
                    "model_firmware",
                    "ok",
                    name,
                    f"{name}: {live['model']} {live['firmware']}".strip(),
                    params={"found": live},
                )
            )
        out.extend(compliance_findings(name, result.get("compliance")))
        if previous:
            gone = interfaces_gone_down(previous, result.get("interfaces") or {})
            for interface, was, now in gone:
                out.append(
                    Finding(
                        AREA,
                        "interface_down",
                        "warning",
                        f"{name}:{interface}",
                        f"{name} {interface} went down since the last inspection ({was} -> {now})",
                        params={"switch": name, "interface": interface, "was": was, "now": now},
                        suggested_class=3 if role == "access" else 2,
                    )
                )
    if backup_age is None:
        out.append(
            Finding(
                AREA,
                "backup_age",
                "warning",
                name,
                f"{name} has no backup in the store",
                suggested_class=3,
                action=f"hisops run switch_backup -l {name}",
            )
        )
    else:
        late = backup_age > max_backup_hours
        out.append(
            Finding(
                AREA,
                "backup_age",
                "warning" if late else "ok",
                name,
                f"{name}: backup {backup_age:.1f} h old"
                + (f" (more than {max_backup_hours:g} h)" if late else ""),
                params={"hours": round(backup_age, 2), "max_hours": max_backup_hours},
                suggested_class=3 if late else None,
                action=f"hisops run switch_backup -l {name}" if late else "",
                value=round(backup_age, 2),
                unit="hours",
            )
        )
    return out


def no_intended_finding(name: str, intended_dir: str) -> Finding:
    """A switch that answered and has no intended configuration to compare with."""
    return Finding(
        AREA, "compliance", "unknown", name,
        f"{name}: no intended configuration under {intended_dir} to compare with",
        params={"intended_dir": intended_dir},
    )  # fmt: skip


def spare_findings(readiness: Mapping[str, Any]) -> list[Finding]:
    """``netops.spare.readiness``' result as findings: a production switch without a ready
    spare (or with a stale backup) is a warning; one line per production switch."""
    out = []
    for name, entry in sorted((readiness.get("devices") or {}).items()):
        if entry.get("ready"):
            out.append(
                Finding(
                    AREA, "spare_ready", "ok", name, f"{name}: spare {entry.get('spare')} ready",
                    params={"spare": entry.get("spare", "")},
                )
            )  # fmt: skip
            continue
        problem = entry.get("spare_problem") or entry.get("interface_map_problem") or ""
        if not problem and entry.get("spare"):
            problem = "its backup is missing or too old for a swap"
        out.append(
            Finding(
                AREA,
                "spare_ready",
                "warning",
                name,
                f"{name}: no spare ready: {problem}",
                params={"spare": entry.get("spare", ""), "problem": problem},
                suggested_class=2,
            )
        )
    return out


def backup_ages(backup_dir: str, names: Iterable[str]) -> dict[str, Optional[float]]:
    return {name: backup_age_hours(backup_dir, name) for name in names}


def inspect(
    switches: Mapping[str, Any],
    recorded: Mapping[str, Mapping[str, str]],
    intended_dir: str,
    features: Optional[list[str]],
    backup_dir: str,
    max_backup_hours: float,
    state_path: str,
    sources: Any,
    workers: int,
    now: str,
) -> dict[str, Any]:
    """The whole network area over ``switches`` (name -> ``netops.network.Switch``): one
    read per switch, ``workers`` at a time, then spare readiness (``netops.spare``)."""
    from ..netdev.fan_out import FleetDevice, run_per_device

    def intended_of(name: str) -> Optional[str]:
        if not intended_dir or switches[name].role == "spare":
            return None
        path = os.path.join(intended_dir, name, "intended.cfg")
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            return None

    devices = [
        FleetDevice(
            name, switch.params, {"intended": intended_of(name), "spare": switch.role == "spare"}
        )
        for name, switch in switches.items()
    ]
    results = run_per_device(
        devices,
        lambda d: read_switch(d.params, d.extra["intended"], features, d.extra["spare"], sources),
        workers,
    )
    previous = load_previous(state_path)
    ages = backup_ages(backup_dir, switches)
    findings: list[Finding] = []
    for name, switch in sorted(switches.items()):
        result = results[name]
        if not result.get("failed") and result.get("compliance") is None and switch.role != "spare":
            findings.append(no_intended_finding(name, intended_dir))
        findings.extend(
            switch_findings(
                name,
                switch.role,
                recorded.get(name, {}),
                result,
                ages[name],
                max_backup_hours,
                previous.get(name),
            )
        )
    production = {n: s for n, s in switches.items() if s.role != "spare"}
    if production and any(s.role == "spare" for s in switches.values()):
        live = {
            name: {"read": False, "error": str(result.get("msg", ""))}
            if result.get("failed")
            else {
                "read": True,
                **{k: result[k] for k in ("model", "firmware", "ports") if k in result},
            }
            for name, result in results.items()
        }
        facts_of = {n: dict(v) for n, v in recorded.items()}
        spare = readiness_of(dict(switches), facts_of, live, backup_dir, max_backup_hours)
        findings.extend(spare_findings(spare))
    states = dict(previous)
    for name, result in results.items():
        if not result.get("failed"):
            states[name] = dict(result.get("interfaces") or {})
    if state_path:
        save_states(state_path, states, now)
    return {
        "findings": [f.to_dict() for f in findings],
        "checked": len(switches),
        "config_sha256": {
            n: r.get("config_sha256", "") for n, r in results.items() if not r.get("failed")
        },
    }
