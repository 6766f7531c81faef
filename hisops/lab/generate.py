"""Topology generators: the default hospital and N-switch hospitals for scale work."""

from __future__ import annotations

from typing import Any

import yaml

from hisops.lab.catalog import MODELS, expand_range

DEPARTMENT_VLANS: list[dict[str, Any]] = [
    {"id": 10, "name": "OUTPATIENT", "department": "outpatient registration/billing"},
    {"id": 20, "name": "INPATIENT", "department": "inpatient"},
    {"id": 30, "name": "PHARMACY", "department": "pharmacy"},
    {"id": 40, "name": "NURSE", "department": "nurse stations"},
    {"id": 50, "name": "DOCTOR", "department": "doctor stations"},
    {"id": 60, "name": "MEDTECH", "department": "medical technology (PACS/LIS)"},
    {"id": 99, "name": "MGMT", "department": "management"},
    {"id": 100, "name": "SERVERS", "department": "servers"},
]

# Per platform: (aggregation model, access model, prefix of the downlink/endpoint ports)
_PLATFORM_MODELS = {
    "huawei": ("S5735-S48T4X", "S5735-L24T4X-A1", "GigabitEthernet0/0/"),
    "hp_comware": ("S5560X-30C-EI", "S5130S-28S-EI", "GigabitEthernet1/0/"),
    "cisco_ios": ("C9300-48T", "WS-C2960X-24TS-L", "GigabitEthernet1/0/"),
    "ruijie_os": ("RG-S5750C-28GT4XS-H", "RG-S2910-24GT4XS-E", "GigabitEthernet 0/"),
}
# The platforms a generated lab rotates when none are named. Ruijie only when asked
# (``--platforms ruijie_os``): the collection has no ruijie_os dialect yet (issue 17).
_DEFAULT_ROTATION = ("huawei", "hp_comware", "cisco_ios")

# Per platform: (core model, ports towards the aggregation switches, server ports).
# The Huawei core is the one of mixed labs; the others serve single-platform labs.
_CORE = {
    "huawei": (
        "S7706",
        [f"GigabitEthernet1/0/{n}" for n in range(48)],
        ["XGigabitEthernet2/0/0", "XGigabitEthernet2/0/1"],
    ),
    "hp_comware": (
        "S5560X-30C-EI",
        [f"GigabitEthernet1/0/{n}" for n in range(1, 25)],
        ["Ten-GigabitEthernet1/0/27", "Ten-GigabitEthernet1/0/28"],
    ),
    "cisco_ios": (
        "C9300-48T",
        [f"GigabitEthernet1/0/{n}" for n in range(1, 49)],
        ["TenGigabitEthernet1/1/7", "TenGigabitEthernet1/1/8"],
    ),
    "ruijie_os": (
        "RG-S5750C-28GT4XS-H",
        [f"GigabitEthernet 0/{n}" for n in range(1, 25)],
        ["TenGigabitEthernet 0/27", "TenGigabitEthernet 0/28"],
    ),
}


def _uplink(model: str) -> str:
    return expand_range(MODELS[model].uplinks[0])[0]


def _vlans(mgmt_subnet: str, mgmt_gateway: str) -> list[dict[str, Any]]:
    vlans = []
    for vlan in DEPARTMENT_VLANS:
        entry = dict(vlan)
        if vlan["id"] == 99:
            entry.update(subnet=mgmt_subnet, gateway=mgmt_gateway)
        else:
            entry.update(subnet=f"10.10.{vlan['id']}.0/24", gateway=f"10.10.{vlan['id']}.1")
        vlans.append(entry)
    return vlans


def _mac(vlan: int, index: int) -> str:
    return f"52:54:00:{vlan:02x}:{index // 256:02x}:{index % 256:02x}"


def scale_topology(
    switches: int, endpoints_per_access: int = 2, platforms: list[str] | None = None
) -> dict[str, Any]:
    """A hospital with ``switches`` devices: one core, aggregation and access switches.

    Aggregation switches hang off the core (one per 10 devices), access switches off
    the aggregation switches; platforms rotate Huawei, H3C, Cisco so every driver is
    exercised. ``platforms`` narrows the rotation (e.g. ``["cisco_ios"]`` for an
    all-Cisco lab); the core is Huawei whenever Huawei is among them, else a switch
    of the first platform named. Each access switch carries a department VLAN with a
    few workstations.
    """
    if switches < 2:
        raise ValueError("a scale topology needs at least 2 switches (core + one more)")
    platforms = list(platforms) if platforms else list(_DEFAULT_ROTATION)
    unknown = [p for p in platforms if p not in _PLATFORM_MODELS]
    if unknown:
        raise ValueError(
            f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(_PLATFORM_MODELS)}"
        )
    core_platform = "huawei" if "huawei" in platforms else platforms[0]
    core_model, core_ports, server_ports = _CORE[core_platform]
    aggregation = max(1, min(len(core_ports), (switches - 1) // 10))
    access = switches - 1 - aggregation
    devices: list[dict[str, Any]] = [{"hostname": "CORE-1", "model": core_model, "role": "core"}]
    links: list[list[str]] = []
    endpoints: list[dict[str, Any]] = []
    for index in range(aggregation):
        platform = platforms[index % len(platforms)]
        model = _PLATFORM_MODELS[platform][0]
        uplink = _uplink(model)
        name = f"AGG-{index + 1}"
        devices.append({"hostname": name, "model": model, "role": "aggregation"})
        links.append([f"CORE-1:{core_ports[index]}", f"{name}:{uplink}"])
    department_vlans = [v["id"] for v in DEPARTMENT_VLANS if v["id"] not in (99, 100)]
    next_host: dict[int, int] = {}
    for index in range(access):
        agg_index = index % aggregation
        slot = index // aggregation
        agg_platform = platforms[agg_index % len(platforms)]
        downlink = f"{_PLATFORM_MODELS[agg_platform][2]}{slot + 1}"
        platform = platforms[index % len(platforms)]
        _agg, model, ports = _PLATFORM_MODELS[platform]
        uplink = _uplink(model)
        name = f"ACC-{index + 1}"
        devices.append({"hostname": name, "model": model, "role": "access"})
        links.append([f"AGG-{agg_index + 1}:{downlink}", f"{name}:{uplink}"])
        vlan = department_vlans[index % len(department_vlans)]
        for port in range(endpoints_per_access):
            host = next_host.get(vlan, 10)
            if host > 254:
                raise ValueError("too many workstations per VLAN for a /24; use fewer switches")
            next_host[vlan] = host + 1
            endpoints.append(
                {
                    "name": f"ws-{index + 1}-{port + 1}",
                    "mac": _mac(vlan, host),
                    "ip": f"10.10.{vlan}.{host}",
                    "vlan": vlan,
                    "attach": f"{name}:{ports}{port + 1}",
                }
            )
    for n, (name, ip) in enumerate((("his-db-1", "10.10.100.11"), ("his-db-2", "10.10.100.12"))):
        endpoints.append(
            {
                "name": name,
                "kind": "server",
                "mac": _mac(100, n + 1),
                "ip": ip,
                "vlan": 100,
                "attach": f"CORE-1:{server_ports[n]}",
            }
        )
    return {
        "name": "-".join(["scale", str(switches), *(platforms if len(platforms) < 3 else [])]),
        "defaults": {"username": "admin", "password": "Lab@2026"},
        "mgmt_vlan": 99,
        "vlans": _vlans("10.99.0.0/16", "10.99.0.1"),
        "devices": devices,
        "links": links,
        "endpoints": endpoints,
    }


def dump(topology: dict[str, Any]) -> str:
    return yaml.safe_dump(topology, sort_keys=False, default_flow_style=None, width=100)
