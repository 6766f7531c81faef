"""The lab's hospital as hisops' VLAN-plan data model (issue 5: the lab inventory carries it).

The lab renders its switches' startup configurations from the topology
(``hisops/lab/startup.py``); this module states the same intent in the data model the
collection deploys and checks (``hisops_vlans``, ``hisops_mgmt_vlan``, ``hisops_switch``,
documented in ``plugins/module_utils/netplan/model.py`` and ``inventories/example/``), so
that a deploy of the plan onto the lab, and compliance against it, mean the hospital that
the lab simulates. Spares get no ``hisops_switch``: they carry no plan until a swap.

The default hospital topology (and the small lab of the molecule scenarios) also carries
the hospital's ACLs (``hisops_acls``): the servers VLAN takes only the HIS database port
from department VLANs (applied outbound on the core's gateway interface of that VLAN),
and workstation ports drop SMB and RDP (ransomware containment, applied inbound on every
workstation's access port). The management VLAN keeps full access to the servers, so the
controller still reaches every lab host. Generated scale topologies keep the VLAN-only
plan, so that benchmark figures stay comparable.
"""

from __future__ import annotations

from typing import Any

from hisops.lab.startup import _plan
from hisops.lab.topology import PortRef, Topology

PLAN_ROLES = ("core", "aggregation", "access")
ACL_TOPOLOGIES = ("hospital", "small")  # the default lab, and the molecule scenarios' lab
DB_ACL = "HIS-DB-PROTECT"
EDGE_ACL = "WS-EDGE"
DB_PORT = 5432  # PostgreSQL: the HIS database


def _server_vlan(topology: Topology) -> int | None:
    """The VLAN of the HIS servers (the one non-management VLAN holding servers)."""
    vlans = {
        e.vlan
        for e in topology.endpoints.values()
        if e.kind == "server" and e.vlan != topology.mgmt_vlan
    }
    return min(vlans) if len(vlans) == 1 and topology.name in ACL_TOPOLOGIES else None


def acl_vars(topology: Topology) -> list[dict[str, Any]]:
    """``hisops_acls`` of the topology (empty outside the default hospital)."""
    servers = _server_vlan(topology)
    if servers is None:
        return []
    server_net = str(topology.vlans[servers].subnet)
    mgmt_net = str(topology.vlans[topology.mgmt_vlan].subnet)
    departments = [
        v
        for v in sorted(topology.vlans.values(), key=lambda v: v.id)
        if v.subnet is not None and v.id not in (servers, topology.mgmt_vlan)
    ]
    db_rules: list[dict[str, Any]] = [
        {"action": "permit", "protocol": "ip", "source": mgmt_net, "destination": server_net},
    ]
    db_rules += [
        {
            "action": "permit",
            "protocol": "tcp",
            "source": str(v.subnet),
            "destination": server_net,
            "port": DB_PORT,
        }
        for v in departments
    ]
    db_rules += [
        {"action": "permit", "protocol": "icmp", "source": "any", "destination": server_net},
        {"action": "deny", "protocol": "ip", "source": "any", "destination": server_net},
    ]
    edge_rules = [
        {"action": "deny", "protocol": "tcp", "source": "any", "destination": "any", "port": 445},
        {"action": "deny", "protocol": "tcp", "source": "any", "destination": "any", "port": 3389},
        {"action": "permit", "protocol": "ip", "source": "any", "destination": "any"},
    ]
    return [
        {
            "name": DB_ACL,
            "number": 3001,
            "description": "HIS servers: the database port only from department VLANs",
            "rules": db_rules,
        },
        {
            "name": EDGE_ACL,
            "number": 3010,
            "description": "workstation ports: no SMB or RDP (ransomware containment)",
            "rules": edge_rules,
        },
    ]


def _acl_applications(topology: Topology, name: str, role: str) -> list[dict[str, Any]]:
    servers = _server_vlan(topology)
    if servers is None:
        return []
    applied: list[dict[str, Any]] = []
    if role == "core":
        applied.append({"acl": DB_ACL, "vlan": servers, "direction": "outbound"})
    ports = sorted(
        (
            e.port
            for e in topology.endpoints.values()
            if e.switch == name and e.kind == "workstation"
        ),
        key=lambda port: topology.devices[name].interfaces.index(port),
    )
    if ports:
        applied.append({"acl": EDGE_ACL, "interfaces": ports, "direction": "inbound"})
    return applied


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
    result: dict[str, Any] = {"hisops_vlans": vlans, "hisops_mgmt_vlan": topology.mgmt_vlan}
    acls = acl_vars(topology)
    if acls:
        result["hisops_acls"] = acls
    return result


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
        applied = _acl_applications(topology, name, device.role)
        if applied:
            switch["acls"] = applied
        result[name] = {"hisops_switch": switch}
    return result
