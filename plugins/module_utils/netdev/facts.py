# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch facts (model, firmware, serial, interfaces, VLANs), parsed with ntc-templates."""

from __future__ import annotations

import re
from typing import Any

from .session import DeviceSession


def gather(session: DeviceSession) -> dict[str, Any]:
    """platform, vendor, model, firmware, serial, interfaces and VLANs (sorted by id), read
    the platform's way (``Dialect.gather_facts``)."""
    dialect = session.platform
    facts: dict[str, Any] = {"platform": dialect.name, "vendor": dialect.vendor}
    found = dialect.gather_facts(session)
    facts.update(model=found["model"], firmware=found["firmware"], serial=found["serial"])
    facts["interfaces"] = found["interfaces"]
    facts["vlans"] = sorted(found["vlans"], key=lambda v: v["id"])
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
