"""The lab's hospital as hisops' VLAN-plan data model (issue 5: the lab inventory carries it).

The lab renders its switches' startup configurations from the topology
(``hisops/lab/startup.py``); this module states the same intent in the data model the
collection deploys and checks (``hisops_vlans``, ``hisops_mgmt_vlan``, ``hisops_switch``,
documented in ``plugins/module_utils/netplan/model.py`` and ``inventories/example/``), so
that a deploy of the plan onto the lab, and compliance against it, mean the hospital that
the lab simulates. Spares get no ``hisops_switch``: they carry no plan until a swap.
"""

from __future__ import annotations

from typing import Any

from hisops.lab.startup import _plan
from hisops.lab.topology import PortRef, Topology

PLAN_ROLES = ("core", "aggregation", "access")


def group_vars(topology: Topology) -> dict[str, Any]:
    vlans = []
    for vlan in sorted(topology.vlans.values(), key=lambda v: v.id):
        entry: dict[str, Any] = {"id": vlan.id, "name": vlan.name}
        if vlan.department:
            entry["department"] = vlan.department
        if vlan.subnet is not None:
            entry["subnet"] = str(vlan.subnet)
        if vlan.gateway:
            entry["gateway"] = vlan.gateway
        vlans.append(entry)
    return {"hisops_vlans": vlans, "hisops_mgmt_vlan": topology.mgmt_vlan}


def switch_vars(topology: Topology) -> dict[str, dict[str, Any]]:
    """``{device name: {"hisops_switch": {...}}}`` for every planned (non-spare) switch."""
    plan = _plan(topology)
    result: dict[str, dict[str, Any]] = {}
    for name, device in topology.devices.items():
        if device.role not in PLAN_ROLES:
            continue
        trunks, access = [], []
        for interface in device.interfaces:
            ref = PortRef(name, interface)
            if ref in plan.trunks:
                trunks.append(
                    {
                        "interface": interface,
                        "vlans": sorted(plan.trunks[ref]),
                        "description": plan.descriptions.get(ref, ""),
                    }
                )
            elif ref in plan.access:
                vid, description = plan.access[ref]
                access.append({"interface": interface, "vlan": vid, "description": description})
        switch: dict[str, Any] = {"role": device.role, "trunks": trunks, "access_ports": access}
        if device.role != "core":
            switch["vlans"] = sorted(plan.device_vlans[name])
        if device.mgmt_ip:
            switch["mgmt"] = {"ip": device.mgmt_ip}
        result[name] = {"hisops_switch": switch}
    return result
