# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses area of the daily inspection (plan P4.4): every IP in the core's ARP tables
that the plan did not assign, with its MAC, the switch and port it is plugged into, and the
one command that isolates it.

What the plan assigns: the endpoint registry (``hisops_endpoints``), the switches'
management addresses, each VLAN's gateway (the cores' own VLAN interfaces), the controller,
and any extra addresses the site lists (``daily_inspection_assigned``: a service address,
say). The ARP tables are read with the platform's own show command and parsed by
ntc-templates (``netdev.facts.arp_table``); the port is found by following the MAC tables
from the core through the trunks, as the isolation does (``netops.isolate.locate``).
"""

from __future__ import annotations

import ipaddress
import shlex
from typing import Any, Iterable, Mapping, Optional

from .findings import Finding

AREA = "addresses"


def assigned_addresses(
    endpoints: Iterable[Mapping[str, Any]],
    switches_mgmt: Iterable[str],
    vlans: Iterable[Mapping[str, Any]],
    controller_ip: str = "",
    extra: Iterable[str] = (),
) -> dict[str, str]:
    """Address -> what the plan assigned it to."""
    found: dict[str, str] = {}
    for vlan in vlans:
        if vlan.get("gateway"):
            found[str(vlan["gateway"]).split("/", maxsplit=1)[0]] = (
                f"gateway of VLAN {vlan.get('id')}"
            )
    for ip in switches_mgmt:
        if ip:
            found[ip.split("/", maxsplit=1)[0]] = "switch management"
    for entry in endpoints:
        if entry.get("ip"):
            found[str(entry["ip"])] = str(entry.get("name") or "endpoint")
    if controller_ip:
        found[controller_ip] = "the controller"
    for ip in extra:
        found[str(ip)] = "listed by the site"
    return found


def vlan_of(ip: str, vlans: Iterable[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    address = ipaddress.ip_address(ip)
    for vlan in vlans:
        subnet = vlan.get("subnet")
        if subnet and address in ipaddress.ip_network(str(subnet), strict=False):
            return vlan
    return None


def unassigned(
    arp_rows: Iterable[Mapping[str, Any]], assigned: Mapping[str, str]
) -> list[dict[str, Any]]:
    """ARP rows (``facts.arp_table``: ip, mac, interface; several cores) whose address the
    plan did not assign, one per address, sorted by address."""
    seen: dict[str, dict[str, Any]] = {}
    for row in arp_rows:
        ip = str(row.get("ip", ""))
        if not ip or ip in assigned or ip in seen:
            continue
        seen[ip] = dict(row)
    return [seen[ip] for ip in sorted(seen, key=ipaddress.ip_address)]


def isolate_command(ip: str) -> str:
    reason = f"unassigned address {ip} found by the daily inspection"
    return f"hisops run isolate -e host={ip} -e reason={shlex.quote(reason)}"


def address_finding(
    row: Mapping[str, Any],
    vlans: Iterable[Mapping[str, Any]],
    located: Optional[Mapping[str, Any]] = None,
    isolated_by: Optional[Mapping[str, str]] = None,
) -> Finding:
    """One unassigned address: warning with the isolate command, or ok when an open
    isolation already cut it off (its id as the expected deviation)."""
    ip, mac = str(row["ip"]), str(row.get("mac", ""))
    vlan = vlan_of(ip, list(vlans))
    where = ""
    params: dict[str, Any] = {
        "ip": ip,
        "mac": mac,
        "vlan": vlan.get("id") if vlan else None,
        "vlan_name": (vlan or {}).get("name", ""),
    }
    if located and located.get("switch"):
        params.update(switch=located["switch"], port=located.get("port", ""))
        where = f" on {located['switch']} {located.get('port', '')}"
    elif located and located.get("error"):
        params["locate_error"] = str(located["error"])
        where = f" (port not found: {located['error']})"
    in_plan = (
        f"VLAN {vlan.get('id')} {vlan.get('name', '')}".strip() if vlan else "no VLAN of the plan"
    )
    if isolated_by:
        return Finding(
            AREA,
            "unassigned_address",
            "ok",
            ip,
            f"{ip} ({mac}){where} is not assigned by the plan; already isolated "
            f"({isolated_by['kind']} {isolated_by['id']})",
            params=params,
            expected=dict(isolated_by),
        )
    return Finding(
        AREA,
        "unassigned_address",
        "warning",
        ip,
        f"{ip} ({mac}) in {in_plan}{where} is not assigned by the plan",
        params=params,
        suggested_class=3,
        action=isolate_command(ip),
    )


def arp_not_read(core: str, error: str) -> Finding:
    """A core whose ARP table was not read (the other cores' are still judged)."""
    return Finding(
        AREA, "arp_read", "unknown", core,
        f"{core}: ARP table not read: {error}", params={"error": error},
    )  # fmt: skip


def all_assigned(rows: int) -> Finding:
    """Every address the cores' ARP tables hold (``rows`` entries) is assigned."""
    return Finding(
        AREA, "unassigned_address", "ok", "arp",
        f"every address in the core's ARP tables ({rows}) is assigned by the plan",
        value=float(rows), unit="addresses",
    )  # fmt: skip


def inspect(
    inventory: Any,
    extra_assigned: Iterable[str],
    workers: int,
    isolated: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """Read the cores' ARP (and MAC) tables, find the unassigned addresses and locate each
    one. ``inventory`` is a ``netops.network.Inventory``; ``isolated`` maps an endpoint's
    IP/MAC to the open isolation that cut it off (``{"kind", "id"}``)."""
    from ..netops.errors import InputError, NetdevError
    from ..netops.isolate import Target, locate
    from ..netops.network import SessionPool, read_switch

    assigned = assigned_addresses(
        inventory.endpoints,
        [s.mgmt_ip for s in inventory.switches.values()],
        inventory.vlans,
        inventory.controller_ip,
        extra_assigned,
    )
    findings: list[Finding] = []
    with SessionPool() as pool:
        cores = inventory.cores
        if not cores:
            raise InputError(
                "switches: no switch with role core in the inventory (hisops_role: core)"
            )
        views: dict[str, Any] = {}
        silent: dict[str, str] = {}
        for core in cores:  # a silent core is reported, the others go on
            try:
                views[core.name] = read_switch(core, arp=True, macs=True, pool=pool)
            except NetdevError as exc:
                silent[core.name] = str(exc)
        for name, error in sorted(silent.items()):
            findings.append(arp_not_read(name, error))
        rows = [row for view in views.values() for row in view.arp]
        for row in unassigned(rows, assigned):
            located: dict[str, Any]
            try:
                located = locate(
                    inventory,
                    Target(kind="host", value=row["ip"], ip=row["ip"]),
                    views,
                    workers,
                    pool,
                )
            except (InputError, NetdevError) as exc:
                located = {"error": str(exc)}
            hold = isolated.get(str(row["ip"])) or isolated.get(str(row.get("mac", "")))
            findings.append(address_finding(row, inventory.vlans, located, hold))
        if views and not any(f.check == "unassigned_address" for f in findings):
            findings.append(all_assigned(len(rows)))
    return {
        "findings": [f.to_dict() for f in findings],
        "checked": len({r["ip"] for r in rows}),
        "assigned": len(assigned),
    }
