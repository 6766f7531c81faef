# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Spare readiness (plan P4.1): every production switch has a spare of the same model and
firmware, and a backup young enough to be put on it.

Model and firmware are read from the devices themselves (ntc-templates facts); a switch
that does not answer is judged on its inventory facts and reported as unread.

The swap (plan P4.1) keeps the hospital's deliberate state: it holds the locks of the failed
unit and of the spare from the read of the spare to the record, carries every open isolation
of the failed unit onto the spare (or refuses, naming them), and is itself a hold of kind
``spare_swap`` (the spare runs as the failed unit) until an operator closes it when the
failed unit is back in service.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import os
import re
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..netdev import facts, hostkeys
from ..netdev.backup import MASK, mask_secrets
from ..netdev.push import PushRequest, SafePush
from ..netdev.safety import SafetyNet
from ..netdev.session import DeviceSession
from ..netdev.text import strip_comments
from ..netplan import compliance
from ..state.locks import switch as switch_lock
from ..state.store import Hold, StateStore
from . import transactions
from .errors import InputError, NetdevError, Refused, TransactionError
from .names import interface_sections
from .network import Switch


def _facts(switch: Switch, with_config: bool = False) -> dict[str, Any]:
    """Model and firmware (ntc-templates facts); with ``with_config`` also the running
    configuration and its physical ports (full names, for the interface map)."""
    try:
        with DeviceSession(switch.params) as session:
            found = facts.gather(session)
            config = session.running_config() if with_config else ""
    except NetdevError as exc:
        return {"read": False, "error": str(exc)}
    result = {"model": found.get("model", ""), "firmware": found.get("firmware", ""), "read": True}
    if with_config:
        result.update(config=config, ports=physical_ports(config, switch.params.platform))
    return result


def backup_age_hours(directory: str, device: str, now: float | None = None) -> float | None:
    """Hours since the device's backup last changed in the store (git history, else mtime)."""
    path = os.path.join(directory, f"{device}.cfg")
    if not os.path.exists(path):
        return None
    now = time.time() if now is None else now
    stamp = None
    if os.path.isdir(os.path.join(directory, ".git")):
        out = subprocess.run(
            ["git", "-C", directory, "log", "-1", "--format=%ct", "--", f"{device}.cfg"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        stamp = float(out) if out.isdigit() else None
    if stamp is None:
        stamp = os.path.getmtime(path)
    return max(0.0, now - stamp) / 3600


def _rounded(age: float | None) -> float | None:
    return None if age is None else round(age, 4)


def _same(key: str, one: str, other: str) -> bool:
    """Models compare exactly; firmware strings as their words (``S5735 V200R022C00SPC500``
    from the device and ``V200R022C00SPC500`` from the inventory are the same release)."""
    if key != "firmware":
        return one == other
    words = [set(re.findall(r"[\w.]+", text or "")) for text in (one, other)]
    return bool(words[0] and words[1]) and (words[0] <= words[1] or words[1] <= words[0])


def differences(production: dict[str, Any], spare: dict[str, Any]) -> list[str]:
    return [
        f"{key}: {production.get(key) or '?'} here, {spare.get(key) or '?'} on the spare"
        for key in ("model", "firmware")
        if not _same(key, production.get(key, ""), spare.get(key, ""))
    ]


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
        live = dict(
            zip(
                switches,
                pool.map(lambda s: _facts(s, s.role == "spare"), switches.values()),
                strict=True,
            )
        )
    return readiness_of(switches, inventory_facts, live, backup_dir, max_age_hours)


def readiness_of(
    switches: dict[str, Switch],
    inventory_facts: dict[str, dict[str, Any]],
    live: dict[str, dict[str, Any]],
    backup_dir: str,
    max_age_hours: float,
) -> dict[str, Any]:
    """``readiness`` on facts already read (``live``: per switch ``read``, ``model``,
    ``firmware``, ``error`` when not read; a spare's also ``ports``): the daily inspection
    reads each switch once for all its checks."""
    known: dict[str, dict[str, Any]] = {}
    for name in switches:
        entry: dict[str, Any] = dict(inventory_facts.get(name, {}))
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
        entry = {
            "model": known[name].get("model", ""),
            "firmware": known[name].get("firmware", ""),
            "read": known[name]["read"],
        }
        candidates = [(s, differences(known[name], known[s])) for s in spares if known[s]["read"]]
        match = next((s for s, diff in candidates if not diff), "")
        entry["spare"] = match
        if not match:
            near = [
                f"{s}: {'; '.join(diff)}"
                for s, diff in candidates
                if known[s].get("model") == known[name].get("model")
            ]
            entry["spare_problem"] = "no spare of the same model and firmware" + (
                f" ({'; '.join(near)})" if near else ""
            )
            missing.append(f"{name}: {entry['spare_problem']}")
        age = backup_age_hours(backup_dir, name)
        entry["backup_age_hours"] = _rounded(age)
        if age is None:
            missing.append(f"{name}: no backup in {backup_dir}")
        elif age > max_age_hours:
            missing.append(f"{name}: backup {age:.4g} h old (more than {max_age_hours} h)")
        mapped = True
        if match and age is not None:
            try:
                entry["interface_map"] = port_map(
                    switch, _read(backup_dir, name), match, live[match]["ports"]
                )
            except InputError as exc:
                entry["interface_map_problem"] = str(exc)
                missing.append(f"{name}: {exc}")
                mapped = False
        entry["ready"] = bool(match) and age is not None and age <= max_age_hours and mapped
        devices[name] = entry
    unread = sorted(n for n in spares if not known[n]["read"])
    for name in unread:
        missing.append(f"{name} (spare): does not answer: {live[name].get('error', '')}")
    return {
        "ready": not missing,
        "devices": devices,
        "missing": missing,
        "spares": {n: {k: known[n].get(k) for k in ("model", "firmware", "read")} for n in spares},
    }


# -- interface mapping -------------------------------------------------------------------

# Physical port types (the word before the number): any "...Ethernet" or "...GE"/"GigE";
# not VLAN interfaces, trunks/aggregates, NULL, loopbacks or management Ethernet (MEth).
# Some platforms print a blank between the type and the number (RGOS: GigabitEthernet 0/1).
_PORT = re.compile(r"^([A-Za-z0-9-]*?(?:ethernet|ge|gige)) ?(\d+(?:/\d+)*)$", re.I)


def physical_ports(config: str, platform: str) -> list[str]:
    """The physical ports a configuration names (``interface X`` sections): full names, as
    the configuration needs them; a ``display interface brief`` table abbreviates them."""
    return [name for name in interface_sections(config, platform) if _PORT.match(name)]


def _kind(port: str) -> tuple[str, int, tuple[int, ...]]:
    """(type, depth of the numbering, numbers): ports map within one (type, depth)."""
    match = _PORT.match(port)
    if not match:  # not a physical port (an explicit entry may name any interface)
        return port, 0, ()
    numbers = tuple(int(n) for n in match.group(2).split("/"))
    return match.group(1), len(numbers), numbers


def map_interfaces(
    failed: str,
    failed_ports: list[str],
    spare: str,
    spare_ports: list[str],
    explicit: dict[str, str] | None = None,
) -> dict[str, str]:
    """The spare's name for each of the failed unit's ports, where the numbering differs.

    Ports the spare has under the same name keep it. Otherwise ports map by type and
    position: the failed unit's n-th port of a type (GigabitEthernet0/0/n, in number order)
    becomes the spare's n-th port of that type (GigabitEthernet1/0/n on a stack member 1,
    GigabitEthernet2/0/n on a member 2). That needs the same number of ports of the type on
    both; when it is not so, the swap is refused with each type's counts. ``explicit``
    entries (the operator's interface_map) win over the worked-out ones and must name
    ports the spare has."""
    explicit = dict(explicit or {})
    on_spare = set(spare_ports)
    bad = sorted(f"{new} (for {old})" for old, new in explicit.items() if new not in on_spare)
    if bad:
        raise InputError(
            f"interface_map: {spare} has no port {', '.join(bad)}",
            hint=f"nothing was changed; {spare}'s ports: {_summary(spare_ports)}",
        )
    if all(port in on_spare or port in explicit for port in failed_ports):
        mapping = dict(explicit)
    else:
        groups: dict[tuple[str, int], tuple[list[str], list[str]]] = {}
        for side, ports in ((0, failed_ports), (1, spare_ports)):
            for port in sorted(ports, key=lambda p: _kind(p)[2]):
                kind, depth = _kind(port)[:2]
                groups.setdefault((kind.lower(), depth), ([], []))[side].append(port)
        mapping = {}
        uneven = []
        for theirs, ours in groups.values():
            needed = [p for p in theirs if p not in on_spare and p not in explicit]
            if not needed:
                continue
            if len(theirs) != len(ours):
                kind = _kind(theirs[0])[0]
                uneven.append(
                    f"{kind}: {len(theirs)} on {failed}, {len(ours)} on {spare}"
                    f" (for {_summary(needed)})"
                )
                continue
            mapping.update((old, new) for old, new in zip(theirs, ours, strict=True) if old != new)
        if uneven:
            raise Refused(
                f"interface_map: {failed}'s ports cannot be mapped to {spare} by type "
                f"and position: {'; '.join(uneven)}",
                hint="nothing was changed; give interface_map for these ports",
            )
        mapping.update(explicit)
    targets = list(mapping.values())
    twice = sorted({new for new in targets if targets.count(new) > 1})
    if twice:
        raise InputError(
            f"interface_map: two ports of {failed} map to {', '.join(twice)} on {spare}",
            hint="nothing was changed",
        )
    return {
        old: new for old, new in sorted(mapping.items(), key=lambda kv: _kind(kv[0])) if old != new
    }


def _summary(ports: list[str], most: int = 6) -> str:
    shown = ", ".join(ports[:most])
    return (
        shown + (f" and {len(ports) - most} more" if len(ports) > most else "") if ports else "none"
    )


# -- the swap -----------------------------------------------------------------------------


def port_map(
    failed: Switch,
    backup: str,
    spare: str,
    spare_ports: list[str],
    explicit: dict[str, str] | None = None,
) -> dict[str, str]:
    """The interface map for putting ``failed``'s backup on ``spare`` (see map_interfaces)."""
    return map_interfaces(
        failed.name, physical_ports(backup, failed.params.platform), spare, spare_ports, explicit
    )


def _read(backup_dir: str, device: str) -> str:
    with open(os.path.join(backup_dir, f"{device}.cfg"), encoding="utf-8") as handle:
        return handle.read()


def render_for_spare(
    backup: str,
    failed: str,
    spare: str,
    keep_identity: bool = True,
    spare_mgmt_ip: str = "",
    failed_mgmt_ip: str = "",
    interface_map: dict[str, str] | None = None,
) -> str:
    """The failed unit's backup as the spare's intended configuration.

    Lines with masked secrets are left out (a backup never holds them; the spare keeps its
    own accounts). With ``keep_identity`` the spare takes the failed unit's hostname and
    management address; else it keeps its own. ``interface_map`` renames interfaces
    whose numbering differs on the spare."""
    out = []
    renames = dict(interface_map or {})
    # One pass over each line: a map that shifts ports (1 -> 2, 2 -> 3) must not chain.
    alternatives = "|".join(re.escape(old) for old in sorted(renames, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/.-])({alternatives})(?![\w/.-])") if renames else None
    for line in backup.replace("\r", "").split("\n"):
        if MASK in line:
            continue
        if not keep_identity:
            if re.match(r"^\s*(sysname|hostname) ", line):
                line = re.sub(rf"\b{re.escape(failed)}\b", spare, line)
            if failed_mgmt_ip and spare_mgmt_ip:
                line = re.sub(
                    rf"\bip address {re.escape(failed_mgmt_ip)}\b",
                    f"ip address {spare_mgmt_ip}",
                    line,
                )
        if pattern:
            line = pattern.sub(lambda found: renames[found.group(1)], line)
        out.append(line)
    return "\n".join(out)


CARRY_CHOICES = ("carry", "refuse")


def swap(
    failed: Switch,
    spare: Switch,
    inventory_facts: dict[str, dict[str, Any]],
    backup_dir: str,
    store_dir: str,
    operator: str,
    keep_identity: bool = True,
    interface_map: dict[str, str] | None = None,
    check_mode: bool = False,
    host_vars_dir: str = "",
    isolation_dir: str = "",
    state_dir: str = "",
    open_isolations: str = "carry",
    lock_wait: float = 300.0,
) -> dict[str, Any]:
    """Readiness, render, safe push, compliance, save, carry the open isolations, record;
    under the locks of both switches (a check-mode preview only reads: no lock)."""
    if failed.name == spare.name:
        raise InputError(f"spare: {spare.name} cannot replace itself")
    if spare.role != "spare":
        raise InputError(f"spare: {spare.name} is not a spare (role {spare.role or 'unset'})")
    if failed.role == "spare":
        raise InputError(f"failed: {failed.name} is a spare, not a production switch")
    if open_isolations not in CARRY_CHOICES:
        raise InputError(
            f"open_isolations: {open_isolations!r} is not one of {', '.join(CARRY_CHOICES)}"
        )
    state = StateStore(state_dir) if state_dir else None
    isolations = transactions.Store(isolation_dir, state_dir) if isolation_dir else None
    if state is None or check_mode:
        held: Any = contextlib.nullcontext([])
    else:
        held = state.locks.hold(
            [switch_lock(failed.name), switch_lock(spare.name)],
            f"spare_swap {failed.name} -> {spare.name}",
            operator,
            wait_s=lock_wait,
        )
    with held as waits:
        outcome = _swap(
            failed,
            spare,
            inventory_facts,
            backup_dir,
            store_dir,
            operator,
            keep_identity,
            interface_map,
            check_mode,
            host_vars_dir,
            isolations,
            state,
            open_isolations,
        )
    if waits:
        outcome["waits"] = list(waits)
        outcome.setdefault("warnings", []).extend(waits)
    return outcome


def open_isolations_of(
    device: str, isolations: transactions.Store | None, state: StateStore | None
) -> list[dict[str, Any]]:
    """The open isolations that changed ``device``, oldest first (records, with their
    configurations). An isolation the state store knows but whose record cannot be read
    (another isolation store) refuses the swap: it could be neither carried nor kept."""
    records = [
        r
        for r in (isolations.open_records() if isolations else [])
        if device in r.get("devices", {})
    ]
    known = {r["id"] for r in records}
    unread = [
        h
        for h in (state.active("isolation", devices=[device]) if state else [])
        if h.id not in known
    ]
    if unread:
        raise Refused(
            f"open_isolations: {', '.join(h.describe() for h in unread)} changed {device}, but "
            f"{'no isolation store was given' if isolations is None else 'its record is not in ' + isolations.directory}",
            hint="nothing was changed; give the isolation store the isolate role writes "
            "(isolation_store, $HISOPS_ISOLATION_DIR): the swap carries an isolation onto the spare "
            "from its record",
        )
    return sorted(records, key=lambda r: (r.get("opened_ns", 0), r["id"]))


def _renamer(renames: dict[str, str]):
    alternatives = "|".join(re.escape(old) for old in sorted(renames, key=len, reverse=True))
    if not renames:
        return lambda line: line
    pattern = re.compile(rf"(?<![\w/.-])({alternatives})(?![\w/.-])")
    return lambda line: pattern.sub(lambda found: renames[found.group(1)], line)


def carried_commands(
    record: dict[str, Any], device: str, interface_map: dict[str, str]
) -> tuple[list[str], list[str]]:
    """An isolation's commands and inverse on ``device``, with the spare's interface names."""
    rename = _renamer(interface_map)
    entry = record["devices"][device]
    return [rename(c) for c in entry.get("commands", [])], [
        rename(c) for c in entry.get("inverse", [])
    ]


def _swap(
    failed: Switch,
    spare: Switch,
    inventory_facts: dict[str, dict[str, Any]],
    backup_dir: str,
    store_dir: str,
    operator: str,
    keep_identity: bool,
    interface_map: dict[str, str] | None,
    check_mode: bool,
    host_vars_dir: str,
    isolations: transactions.Store | None,
    state: StateStore | None,
    open_isolations: str,
) -> dict[str, Any]:
    path = os.path.join(backup_dir, f"{failed.name}.cfg")
    try:
        with open(path, encoding="utf-8") as handle:
            backup = handle.read()
    except FileNotFoundError:
        raise InputError(
            f"failed: no backup of {failed.name} in {backup_dir}",
            hint="nothing was changed; switch_backup writes the backups",
        ) from None
    kept = open_isolations_of(failed.name, isolations, state)
    if kept and open_isolations == "refuse":
        raise Refused(
            f"open_isolations: {', '.join(_named(r) for r in kept)} changed {failed.name}; the spare, "
            f"from {failed.name}'s backup, would not carry them",
            hint="nothing was changed; reconnect them first, or swap with open_isolations: carry "
            "(each is applied to the spare and its record follows the spare)",
        )
    spare = _where_it_answers(spare, store_dir, failed.name)
    spare_facts = _facts(spare, with_config=True)
    if not spare_facts.get("read"):
        raise InputError(
            f"spare: {spare.name} does not answer: {spare_facts.get('error', '')}",
            hint="nothing was changed",
        )
    wanted = inventory_facts.get(failed.name, {})
    diff = differences(wanted, spare_facts)
    if diff:
        raise Refused(
            f"spare: {spare.name} does not match {failed.name}: {'; '.join(diff)}",
            hint="nothing was changed; use a spare of the same model and firmware",
        )
    if failed.params.platform != spare.params.platform:
        raise Refused(
            f"spare: {spare.name} is {spare.params.platform}, {failed.name} is {failed.params.platform}",
            hint="nothing was changed",
        )
    interface_map = port_map(failed, backup, spare.name, spare_facts["ports"], interface_map)
    carried = [r for r in kept if r["devices"][failed.name].get("carried_to") == spare.name]
    if carried:  # a second run: the spare carries the backup and the isolations already
        return _swapped_again(
            failed,
            spare,
            carried,
            kept,
            spare_facts["config"],
            path,
            backup_dir,
            interface_map,
            spare_facts,
            store_dir,
        )
    intended = render_for_spare(
        backup,
        failed.name,
        spare.name,
        keep_identity,
        _host(spare.mgmt_ip),
        _host(failed.mgmt_ip),
        interface_map,
    )
    # The hostname goes last and on its own: it changes the prompt the session waits for.
    name_lines = [line for line in intended.split("\n") if re.match(r"^(sysname|hostname) ", line)]
    own = re.findall(r"^(?:sysname|hostname) .*$", spare_facts["config"], re.M)
    # So does the management address: the session to the spare's own address dies when it
    # changes, and the spare answers on the failed unit's address from then on.
    address = (
        _address_change(intended, spare_facts["config"], _host(failed.mgmt_ip))
        if keep_identity
        else None
    )
    taken = address and _answers(failed.params.host, int(failed.params.port))
    if address and taken and not check_mode:
        raise Refused(
            f"failed: {failed.name} still answers at {failed.params.host}: {spare.name} would take "
            f"its management address ({address[1].strip()}) while it is in use",
            hint=f"nothing was changed; power {failed.name} off or unplug it first, or swap with "
            "keep_identity: false (the spare keeps its own name and address)",
        )
    lines: list[str] = []
    section = ""
    for line in intended.split("\n"):
        if not line.startswith((" ", "\t")):
            section = line
        if address and section == address[0] and line == address[1]:
            lines.append(address[2])  # the spare's own address until the end
            continue
        lines.extend(own[:1] if line in name_lines else [line])
    body = "\n".join(lines)
    request = PushRequest(intended=body, replace=True, save="when_changed", check_mode=check_mode)
    push = SafePush(lambda: DeviceSession(spare.params), request)
    result = push.run()
    renamed = False
    if name_lines and not check_mode:
        renamed = _rename(spare, name_lines[0])
    answering = spare.params
    moved = False
    host_key = _host_key_step(spare, failed, check_mode) if address else None
    if address and not check_mode:
        answering, moved = _take_address(spare, failed, address, request.safety_net_minutes)
    outcome: dict[str, Any] = {
        "changed": result.changed or renamed or moved,
        "commands": result.commands,
        "failed_unit": failed.name,
        "spare": spare.name,
        "model": spare_facts.get("model"),
        "firmware": spare_facts.get("firmware"),
        "backup": path,
        "backup_age_hours": _rounded(backup_age_hours(backup_dir, failed.name)),
        "safety_net": result.safety_net,
        "compliant": None,
        "record": "",
        "renamed": renamed if not check_mode else False,
        "interface_map": interface_map,
        "isolations": [_carry_plan(r, failed.name, interface_map) for r in kept],
    }
    if name_lines and check_mode:
        outcome["commands"] = outcome["commands"] + name_lines
    if address and check_mode:
        outcome["commands"] = outcome["commands"] + [address[0], address[1]]
    if address:
        outcome["address"] = {
            "from": _host(spare.mgmt_ip) or spare.params.host,
            "to": _host(failed.mgmt_ip),
            "answers_on": answering.host,
        }
    if host_key:
        outcome["host_key"] = host_key
        outcome["changed"] = outcome["changed"] or host_key["changed"]
    warnings = []
    if taken:  # check mode: the preview says what the real run would refuse
        warnings.append(
            f"{failed.name} still answers at {failed.params.host}: the swap "
            "is refused until it is powered off or unplugged"
        )
    if kept:
        warnings.append(
            f"{len(kept)} open isolation(s) of {failed.name} "
            f"{'would be' if check_mode else 'were'} carried onto {spare.name}: "
            + "; ".join(
                f"{_named(r)} ({', '.join(c for c in p['commands'] if c.strip())})"
                for r, p in zip(kept, outcome["isolations"], strict=True)
            )
        )
    if warnings:
        outcome["warnings"] = warnings
    if check_mode:
        if kept:
            outcome["commands"] = outcome["commands"] + [
                c for p in outcome["isolations"] for c in p["commands"]
            ]
        return outcome
    report = compliance.check_device(answering, intended)
    outcome["compliant"] = report.compliant
    if not outcome["compliant"]:
        raise NetdevError(
            f"{spare.name}: not compliant with the backup of {failed.name} after the push",
            hint="read the device; nothing was recorded",
        )
    for record in kept:
        _carry(record, failed.name, spare.name, answering, interface_map, operator, isolations)
    if kept:
        outcome["changed"] = True
    record = {
        "failed": failed.name,
        "spare": spare.name,
        "at": transactions.utc_now(),
        "by": operator,
        "backup": path,
        "keep_identity": keep_identity,
        "interface_map": interface_map or {},
        "address": {"ansible_host": answering.host, "ansible_port": int(answering.port)},
        "isolations": [r["id"] for r in kept],
    }
    if host_key:
        record["host_key"] = host_key
    os.makedirs(store_dir, exist_ok=True)
    with open(os.path.join(store_dir, f"{failed.name}.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
    outcome["record"] = os.path.join(store_dir, f"{failed.name}.json")
    if host_vars_dir:
        outcome["host_vars"] = write_host_vars(host_vars_dir, failed.name, spare, answering)
    if state is not None:
        outcome["hold"] = state.put(hold_of_swap(record, outcome["record"])).id
    return outcome


def hold_of_swap(record: dict[str, Any], path: str) -> Hold:
    """A swap as the other workflows see it: the spare runs as the failed unit. It stays open
    until an operator closes it (StateStore.close) when the failed unit is back in service;
    the same swap run again replaces it (one hold per failed unit)."""
    return Hold(
        id=f"swap-{record['failed']}",
        kind="spare_swap",
        key=f"spare:{record['failed']}",
        summary=f"{record['spare']} runs as {record['failed']} (from the backup {record['backup']})",
        devices=sorted({record["failed"], record["spare"]}),
        details={
            "failed": record["failed"],
            "spare": record["spare"],
            "record": path,
            "address": record.get("address", {}),
            "isolations": record.get("isolations", []),
        },
        opened_by=record["by"],
        opened_at=record["at"],
    )


def _named(record: dict[str, Any]) -> str:
    return f"{record['id']} ({record.get('kind', '')} {record.get('target', '')})"


def _carry_plan(
    record: dict[str, Any], device: str, interface_map: dict[str, str]
) -> dict[str, Any]:
    commands, inverse = carried_commands(record, device, interface_map)
    return {
        "id": record["id"],
        "kind": record.get("kind"),
        "target": record.get("target"),
        "commands": commands,
        "inverse": inverse,
    }


def _changed_lines(before: str, after: str) -> list[str]:
    return sorted(
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def _carry(
    record: dict[str, Any],
    failed: str,
    spare: str,
    answering: Any,
    interface_map: dict[str, str],
    operator: str,
    isolations: transactions.Store | None,
) -> None:
    """Apply an open isolation of the failed unit to the spare, read from the spare what it
    changed, and move the record's entry for the failed unit onto the spare: its before,
    after, commands and inverse then describe the spare, so that a reconnect of the
    isolation undoes it there and proves it line for line.

    When the spare already carries it (a backup taken after the isolation), the inverse is
    applied and the isolation again, to read the configuration the reconnect will return to."""
    if isolations is None:
        raise TransactionError("isolation_store: required to carry an isolation")
    entry = record["devices"][failed]
    commands, inverse = carried_commands(record, failed, interface_map)
    rename = _renamer(interface_map)
    with DeviceSession(answering) as session:
        current = strip_comments(session.running_config())
        session.config_set(commands)
        after = strip_comments(session.running_config())
        before = current
        if after == current:
            session.config_set(inverse)
            before = strip_comments(session.running_config())
            session.config_set(commands)
            after = strip_comments(session.running_config())
        expected = sorted(rename(line) for line in _changed_lines(entry["before"], entry["after"]))
        found = _changed_lines(mask_secrets(before), mask_secrets(after))
        if before == after or found != expected:
            raise NetdevError(
                f"{spare}: isolation {record['id']} does not change the spare as it changed {failed}: "
                f"{' | '.join(found[:6]) or 'no change'} (on {failed}: {' | '.join(expected[:6])})",
                hint=f"the spare carries {failed}'s backup; its isolation record still describes "
                f"{failed}: read the spare and isolate again",
            )
        if entry.get("saved"):
            session.save()
    replaced = {k: entry.get(k) for k in ("before", "after", "commands", "inverse")}
    entry.update(
        commands=commands,
        inverse=inverse,
        before=mask_secrets(before),
        after=mask_secrets(after),
        carried_to=spare,
        carried_at=transactions.utc_now(),
        carried_by=operator,
    )
    if entry.get("inherited_commands"):  # an address block handed over by another isolation
        entry["inherited_commands"] = [rename(c) for c in entry["inherited_commands"]]
    entry.setdefault("replaced", []).append(dict(replaced, device=failed))
    located = record.get("located") or {}
    if located.get("switch") == failed and located.get("port") in interface_map:
        located["port"] = interface_map[located["port"]]
    quarantine = record.get("quarantine") or {}
    if quarantine.get("switch") == failed:
        quarantine["port"] = interface_map.get(
            quarantine.get("port", ""), quarantine.get("port", "")
        )
        quarantine["port_up"] = [rename(c) for c in quarantine.get("port_up", [])]
    record.setdefault("swaps", []).append(
        {"failed": failed, "spare": spare, "at": entry["carried_at"], "by": operator}
    )
    isolations.save(record)


def _swapped_again(
    failed: Switch,
    spare: Switch,
    carried: list[dict[str, Any]],
    kept: list[dict[str, Any]],
    config: str,
    path: str,
    backup_dir: str,
    interface_map: dict[str, str],
    spare_facts: dict[str, Any],
    store_dir: str,
) -> dict[str, Any]:
    """The swap run again after it carried isolations onto the spare: the spare must still be
    what the last carried isolation recorded (a push of the backup would undo them)."""
    last = carried[-1]["devices"][failed.name]["after"]
    names = ", ".join(_named(r) for r in carried)
    if len(carried) != len(kept):
        late = ", ".join(_named(r) for r in kept if r not in carried)
        raise Refused(
            f"open_isolations: {late} opened on {failed.name} after the swap carried {names}: "
            "the spare already runs as it",
            hint="nothing was changed",
        )
    if mask_secrets(strip_comments(config)) != last:
        raise Refused(
            f"open_isolations: {spare.name} carries {names} and changed since: pushing "
            f"{failed.name}'s backup again would undo the isolation(s)",
            hint="nothing was changed; reconnect them first (the reconnect proves the spare back on "
            "its recorded configuration), then swap again",
        )
    return {
        "changed": False,
        "commands": [],
        "failed_unit": failed.name,
        "spare": spare.name,
        "model": spare_facts.get("model"),
        "firmware": spare_facts.get("firmware"),
        "backup": path,
        "backup_age_hours": _rounded(backup_age_hours(backup_dir, failed.name)),
        "safety_net": "",
        "compliant": True,
        "record": os.path.join(store_dir, f"{failed.name}.json"),
        "renamed": False,
        "interface_map": interface_map,
        "isolations": [_carry_plan(r, failed.name, {}) for r in carried],
        "message": f"{spare.name} already runs as {failed.name} and carries {names}",
    }


def write_host_vars(directory: str, failed: str, spare: Switch, answering: Any = None) -> str:
    """Later runs address the spare in the failed unit's place (host_vars beside the inventory):
    at the address it answered on after the swap (the failed unit's, when it took it)."""
    params = answering or spare.params
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{failed}.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            f"---\n# Written by hisops spare_swap at {transactions.utc_now()}: {failed} failed and\n"
            f"# {spare.name} runs in its place; delete this file when {failed} is back.\n"
            f"ansible_host: {params.host}\nansible_port: {int(params.port)}\n"
            f"hisops_swapped_to: {spare.name}\n"
        )
    return path


def _address_change(
    intended: str, spare_config: str, failed_ip: str
) -> tuple[str, str, str] | None:
    """(interface, the failed unit's ``ip address`` line, the spare's own line there), when the
    swap moves the spare onto the failed unit's management address; else None."""
    if not failed_ip:
        return None
    section = ""
    for line in intended.split("\n"):
        if not line.startswith((" ", "\t")):
            section = line
        elif section.startswith("interface ") and re.match(
            rf"^\s*ip address {re.escape(failed_ip)}\b", line
        ):
            mine = _section_lines(spare_config, section)
            current = next((c for c in mine if re.match(r"^\s*ip address \S+", c)), None)
            if current is None or current.strip() == line.strip():
                return None
            return section, line, current
    return None


def _host_key_step(spare: Switch, failed: Switch, check_mode: bool) -> dict[str, Any]:
    """The failed unit's recorded host key replaced with the spare's, before the spare takes
    its address: from then on the spare answers there with its own key, and every session
    (this swap's next one included) checks it against the file. The spare's key is the one
    recorded for the spare's own address, which the swap's sessions to it have just checked.
    Returns the step for the record (fingerprints before and after)."""
    known_hosts = failed.params.known_hosts_file()
    mine = hostkeys.KnownHosts.load(spare.params.known_hosts_file())
    keys = mine.keys_of(spare.params.host, spare.params.port)
    if not keys:
        raise NetdevError(
            f"{spare.name}: no host key recorded for {spare.params.host}",
            hint="nothing more was changed; enrol the spare (playbooks/hostkeys_enrol.yml)",
        )
    step = hostkeys.adopt(
        known_hosts,
        failed.name,
        failed.params.host,
        int(failed.params.port),
        keys[0],
        check_mode=check_mode,
    )
    step["spare"] = spare.name
    return step


def _where_it_answers(spare: Switch, store_dir: str, failed: str) -> Switch:
    """The spare at the address a recorded swap left it on (the failed unit's), when it no
    longer answers at its own: a second run of the same swap finds it there."""
    try:
        with open(os.path.join(store_dir, f"{failed}.json"), encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return spare
    address = record.get("address") or {}
    if (
        record.get("spare") != spare.name
        or not address.get("ansible_host")
        or _answers(spare.params.host, int(spare.params.port))
    ):
        return spare
    params = dataclasses.replace(
        spare.params,
        host=str(address["ansible_host"]),
        port=int(address.get("ansible_port", spare.params.port)),
    )
    return dataclasses.replace(spare, params=params)


def _answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether something accepts a TCP connection at ``host:port`` (the failed unit's SSH)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _section_lines(config: str, header: str) -> list[str]:
    out: list[str] = []
    inside = False
    for line in config.replace("\r", "").split("\n"):
        if not line.startswith((" ", "\t")):
            inside = line.strip() == header
        elif inside:
            out.append(line)
    return out


def _take_address(
    spare: Switch, failed: Switch, change: tuple[str, str, str], net_minutes: int
) -> tuple[Any, bool]:
    """Move the spare onto the failed unit's management address, the last change of the swap.

    The session to the spare's own address dies with that line, as on the real device. A
    safety net is armed first (the push saved the spare on its own address: a reboot, a
    commit delay or a reload returns it there); the result is then read, confirmed and saved
    from a new session at the failed unit's address, or at the spare's own one when the
    address did not move (a lab that keeps its addresses). Returns the parameters that
    answered and whether anything changed."""
    header, line, _own = change
    with DeviceSession(spare.params) as session:
        running = session.running_config()
        if line.strip() in [c.strip() for c in _section_lines(running, header)]:
            return spare.params, False
        net = SafetyNet(net_minutes)
        net.arm(session, running)
        session.send_config_and_drop([header, line.strip()])
    there = dataclasses.replace(spare.params, host=failed.params.host, port=failed.params.port)
    deadline = time.monotonic() + 30
    last: Exception | None = None
    while time.monotonic() < deadline:
        for params in (there, spare.params):
            try:
                with DeviceSession(params) as check:
                    if not re.search(
                        rf"^{re.escape(header)}\n(?:[ \t].*\n)*?{re.escape(line.rstrip())}$",
                        check.running_config().replace("\r", ""),
                        re.M,
                    ):
                        raise NetdevError(
                            f"{spare.name}: the management address did not take ({line.strip()})"
                        )
                    net.confirm(check)
                    check.save()
                    return params, True
            except NetdevError as exc:
                last = exc
        time.sleep(1.0)
    raise NetdevError(
        f"{spare.name}: after taking {failed.name}'s management address ({line.strip()}) it "
        f"answers neither at {there.host} nor at {spare.params.host}: {last}",
        hint=f"the safety net ({net.description or 'none'}) returns it to its saved "
        "configuration, on its own address; check the management VLAN and the cabling",
    )


def _rename(switch: Switch, line: str) -> bool:
    """Set the hostname; the prompt changes with it, so the session ends with the line, and
    the result is read and saved from a new session."""
    with DeviceSession(switch.params) as session:
        current = session.running_config()
        if re.search(rf"^{re.escape(line)}$", current, re.M):
            return False
        session.send_config_and_drop([line])
    with DeviceSession(switch.params) as session:
        if not re.search(rf"^{re.escape(line)}$", session.running_config(), re.M):
            raise NetdevError(f"{switch.name}: the hostname did not take ({line})")
        session.save()
    return True


def _host(address: str) -> str:
    return (address or "").split("/")[0]
