# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch facts (model, firmware, serial, interfaces, VLANs), parsed with ntc-templates."""

from __future__ import annotations

import re
from typing import Any

from .session import DeviceSession

# No ntc-templates template exists for these two VRP outputs; the line format is fixed.
_HUAWEI_ESN = re.compile(r"ESN of (?:master|slot \S+)\s*:\s*(\S+)", re.I)


def _first(rows: list[dict[str, Any]], key: str, default: str = "") -> str:
    for row in rows:
        value = row.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return default


def gather(session: DeviceSession) -> dict[str, Any]:
    platform = session.platform.name
    facts: dict[str, Any] = {"platform": platform, "vendor": session.platform.vendor}
    if platform == "huawei":
        version = session.parse("display version")
        # "HUAWEI S5735-S48T4X Routing Switch uptime is": the template keeps the suffix.
        facts["model"] = (_first(version, "model").split() or [""])[0]
        facts["firmware"] = _first(version, "product_version") or _first(version, "vrp_version")
        match = _HUAWEI_ESN.search(session.show("display esn"))
        facts["serial"] = match.group(1) if match else ""
        interfaces = [
            {"name": r["interface"], "status": r["phy"], "protocol": r["protocol"]}
            for r in session.parse("display interface brief")
        ]
        vlans = [
            {"id": int(r["vlan_id"]), "name": r.get("vlan_description", "")}
            for r in session.parse("display vlan")
        ]
    elif platform == "hp_comware":
        manuinfo = session.parse("display device manuinfo")
        chassis = [r for r in manuinfo if r.get("device_serial_number")] or manuinfo
        facts["model"] = _first(chassis, "device_name")
        facts["serial"] = _first(chassis, "device_serial_number")
        version_text = session.show("display version")
        match = re.search(r"Comware Software, Version ([^\n]+)", version_text)
        facts["firmware"] = match.group(1).strip() if match else ""
        interfaces = [
            {"name": r["interface"], "status": r["link"], "protocol": r["protocol"]}
            for r in session.parse("display interface brief")
        ]
        vlans = [
            {"id": int(r["vlan_id"]), "name": r.get("vlan_name", "")}
            for r in session.parse("display vlan all")
        ]
    else:
        version = session.parse("show version")
        inventory = session.parse("show inventory")
        facts["model"] = _first(version, "hardware") or _first(inventory, "pid")
        facts["firmware"] = _first(version, "version")
        facts["serial"] = _first(version, "serial") or _first(inventory, "sn")
        interfaces = [
            {"name": r["port"], "status": r["status"], "vlan": r["vlan_id"]}
            for r in session.parse("show interfaces status")
        ]
        vlans = [
            {"id": int(r["vlan_id"]), "name": r.get("vlan_name", "")}
            for r in session.parse("show vlan brief")
        ]
    facts["interfaces"] = interfaces
    facts["vlans"] = sorted(vlans, key=lambda v: v["id"])
    return facts


def normalise_mac(text: str) -> str:
    """``5254-000a-0001``, ``5254.000a.0001``, ``52:54:00:0A:00:01`` -> ``52:54:00:0a:00:01``."""
    digits = re.sub(r"[^0-9a-fA-F]", "", text or "").lower()
    if len(digits) != 12 or re.search(r"[^0-9a-fA-F:.\-]", text or ""):
        raise ValueError(f"{text!r} is not a MAC address")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _one(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def mac_table(session: DeviceSession) -> list[dict[str, Any]]:
    """The MAC address table (ntc-templates): ``[{"mac", "vlan", "port"}]``, ports as the
    device prints them (often abbreviated: ``XGE2/0/0``, ``Gi1/0/1``)."""
    rows = session.parse(session.platform.show_mac)
    table = []
    for row in rows:
        mac = _one(row.get("destination_address") or row.get("mac_address"))
        port = _one(row.get("destination_port") or row.get("interface"))
        vlan = _one(row.get("vlan_id") or row.get("vlan"))
        if not (mac and port and vlan.isdigit()):
            continue
        table.append({"mac": normalise_mac(mac), "vlan": int(vlan), "port": port})
    return table


def arp_table(session: DeviceSession) -> list[dict[str, Any]]:
    """The ARP table (ntc-templates): ``[{"ip", "mac", "interface"}]``."""
    rows = session.parse(session.platform.show_arp)
    table = []
    for row in rows:
        ip = _one(row.get("ip_address") or row.get("address"))
        mac = _one(row.get("mac_address") or row.get("mac"))
        if not ip or not mac or mac.lower() in ("incomplete", "-"):
            continue
        try:
            table.append(
                {"ip": ip, "mac": normalise_mac(mac), "interface": _one(row.get("interface"))}
            )
        except ValueError:
            continue
    return table
