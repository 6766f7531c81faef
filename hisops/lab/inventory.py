"""The Ansible inventory of a running lab (YAML).

Groups: ``switches`` with one child per role (``core``, ``aggregation``, ``access``,
``spare``), and one group per platform (``huawei``, ``hp_comware``, ``cisco_ios``).
Switch modules run on the controller and reach the device with netmiko, hence
``ansible_connection: local`` on ``switches``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hisops.lab import vlanplan
from hisops.lab.catalog import PLATFORMS
from hisops.lab.topology import ROLES, DeviceSpec, Topology


def host_vars(device: DeviceSpec) -> dict[str, Any]:
    return {
        "ansible_host": device.address,
        "ansible_port": device.port,
        "ansible_user": device.username,
        "ansible_password": device.password,
        "ansible_become_password": device.secret,
        "ansible_network_os": device.platform,
        "hisops_platform": device.platform,
        "hisops_model": device.model,
        "hisops_role": device.role,
        "hisops_firmware": device.firmware,
        "hisops_serial": device.serial,
        "hisops_mgmt_ip": device.mgmt_ip,
    }


def endpoint_vars(topology: Topology) -> dict[str, Any]:
    """The known endpoints (isolation's blast radius and its protected-endpoint guard) and
    the controller's address (the management path isolation never cuts)."""
    endpoints = [
        {
            "name": e.name,
            "ip": e.ip,
            "mac": e.mac,
            "vlan": e.vlan,
            "kind": e.kind,
            "department": e.department,
            "protected": e.protected,
        }
        for e in sorted(topology.endpoints.values(), key=lambda e: (e.vlan, e.name))
    ]
    result: dict[str, Any] = {"hisops_endpoints": endpoints}
    if topology.controller in topology.endpoints:
        result["hisops_controller_ip"] = topology.endpoints[topology.controller].ip
    return result


def build_inventory(
    topology: Topology,
    extra_groups: dict[str, Any] | None = None,
    known_hosts: Path | None = None,
) -> dict[str, Any]:
    """The lab's inventory; ``known_hosts``: the lab's own file of its devices' host keys,
    which every switch session (netmiko) and SSH connection checks the devices against."""
    roles: dict[str, Any] = {role: {"hosts": {}} for role in ROLES}
    platforms: dict[str, Any] = {platform: {"hosts": {}} for platform in PLATFORMS}
    plan = vlanplan.switch_vars(topology)
    for name, device in topology.devices.items():
        roles[device.role]["hosts"][name] = {**host_vars(device), **plan.get(name, {})}
        platforms[device.platform]["hosts"][name] = {}
    children: dict[str, Any] = {
        "switches": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            },
            "children": {role: group for role, group in roles.items() if group["hosts"]},
        },
        **{platform: group for platform, group in platforms.items() if group["hosts"]},
    }
    if extra_groups:
        children.update(extra_groups)
    all_vars: dict[str, Any] = {
        "hisops_lab_topology": topology.source,
        **vlanplan.group_vars(topology),
        **endpoint_vars(topology),
    }
    if known_hosts is not None:
        all_vars["hisops_known_hosts"] = str(known_hosts)
    return {"all": {"vars": all_vars, "children": children}}


def write_inventory(path: Path, inventory: dict[str, Any]) -> Path:
    header = "# Written by `hisops lab up`: the lab's devices (lab credentials only).\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + yaml.safe_dump(inventory, sort_keys=False, width=100))
    tmp.replace(path)
    return path
