"""Startup configurations that make the topology's hospital work.

For every device whose topology entry has no ``startup_config`` the lab renders one in
the platform's own syntax from the topology: the VLANs it carries (with names),
management VLANIF/SVI and default route, local user, access ports towards endpoints
(description = endpoint name) and trunks towards the core carrying exactly the VLANs
needed below them plus management. Core switches get a gateway VLANIF/SVI for every
VLAN that has one. Only commands of the issue-3 configuration model are used: hostname,
VLANs, interfaces, VLANIF/SVI addresses, static routes, local users.
"""

from __future__ import annotations

import ipaddress
from collections import deque

from hisops.lab.topology import DeviceSpec, Link, PortRef, Topology


def render_startup_configs(topology: Topology) -> None:
    plan = _plan(topology)
    for device in topology.devices.values():
        if not device.mgmt_ip:
            device.mgmt_ip = plan.mgmt_ips.get(device.name, "")
        if device.startup_config_given:
            continue
        render = {
            "huawei": _huawei,
            "hp_comware": _comware,
            "cisco_ios": _cisco,
            "ruijie_os": _ruijie,
        }[device.platform]
        device.startup_config = render(topology, device, plan)


class _Plan:
    def __init__(self) -> None:
        self.trunks: dict[PortRef, set[int]] = {}  # port -> VLANs allowed on it
        self.access: dict[PortRef, tuple[int, str]] = {}  # port -> (VLAN, description)
        self.descriptions: dict[PortRef, str] = {}
        self.device_vlans: dict[str, set[int]] = {}
        self.mgmt_ips: dict[str, str] = {}


def _plan(topology: Topology) -> _Plan:
    plan = _Plan()
    mgmt = topology.mgmt_vlan
    neighbours: dict[str, list[tuple[PortRef, PortRef, Link]]] = {n: [] for n in topology.devices}
    for link in topology.links:
        neighbours[link.a.device].append((link.a, link.b, link))
        neighbours[link.b.device].append((link.b, link.a, link))
    # Tree towards the core: BFS from the core switches; parent link = uplink.
    roots = [n for n, d in topology.devices.items() if d.role == "core"]
    parent: dict[str, tuple[PortRef, PortRef]] = {}  # device -> (own uplink port, parent port)
    order: list[str] = []
    seen = set(roots)
    queue = deque(roots)
    while queue:
        name = queue.popleft()
        order.append(name)
        for own, far, _link in neighbours[name]:
            if far.device not in seen:
                seen.add(far.device)
                parent[far.device] = (far, own)
                queue.append(far.device)
    below: dict[str, set[int]] = {n: {mgmt} for n in topology.devices}
    for endpoint in topology.endpoints.values():
        below[endpoint.switch].add(endpoint.vlan)
        plan.access[endpoint.attachment] = (endpoint.vlan, endpoint.name)
    for name in reversed(order):
        if name in parent:
            below[parent[name][1].device] |= below[name]
    for name, (own, up) in parent.items():
        plan.trunks[own] = set(below[name])
        plan.trunks[up] = set(below[name])
        plan.descriptions[own] = f"uplink to {up.device}"
        plan.descriptions[up] = f"to {name}"
    # Links outside the tree (redundant ones) still trunk the VLANs both ends carry.
    for link in topology.links:
        for end in (link.a, link.b):
            if end not in plan.trunks:
                other = link.other(end)
                plan.trunks[end] = below[end.device] & below[other.device] | {mgmt}
                plan.descriptions[end] = f"to {other.device}"
    for name, device in topology.devices.items():
        vlans = set(below[name]) | set(device.vlans) | {mgmt}
        if device.role == "core":
            vlans |= set(topology.vlans)
        plan.device_vlans[name] = vlans
    subnet = topology.vlans[mgmt].subnet
    gateway = topology.vlans[mgmt].gateway
    if subnet is not None:
        hosts = (str(h) for h in subnet.hosts() if str(h) != gateway)
        taken = {d.mgmt_ip.split("/")[0] for d in topology.devices.values() if d.mgmt_ip}
        for name, device in topology.devices.items():
            if device.mgmt_ip:
                continue
            if device.role == "core" and gateway and gateway not in taken:
                plan.mgmt_ips[name] = f"{gateway}/{subnet.prefixlen}"
                taken.add(gateway)
                continue
            for host in hosts:
                if host not in taken:
                    plan.mgmt_ips[name] = f"{host}/{subnet.prefixlen}"
                    taken.add(host)
                    break
    return plan


def _mask(prefixlen: int) -> str:
    return str(ipaddress.ip_network(f"0.0.0.0/{prefixlen}").netmask)


def _l3_interfaces(topology: Topology, device: DeviceSpec) -> list[tuple[int, str, str]]:
    """(VLAN, address, mask) for the VLANIFs/SVIs the device carries."""
    result: list[tuple[int, str, str]] = []
    if device.role == "core":
        for vlan in sorted(topology.vlans.values(), key=lambda v: v.id):
            if vlan.gateway and vlan.subnet is not None and vlan.id != device.mgmt_vlan:
                result.append((vlan.id, vlan.gateway, _mask(vlan.subnet.prefixlen)))
    if device.mgmt_ip:
        iface = ipaddress.ip_interface(device.mgmt_ip)
        result.append((device.mgmt_vlan, str(iface.ip), _mask(iface.network.prefixlen)))
    return sorted(result)


def _huawei_vlan_list(vlans: set[int]) -> str:
    return " ".join(str(v) for v in sorted(vlans))


def _huawei(topology: Topology, device: DeviceSpec, plan: _Plan) -> str:
    vlans = plan.device_vlans[device.name]
    lines = ["#", f"sysname {device.name}", "#", f"vlan batch {_huawei_vlan_list(vlans)}", "#"]
    for vid in sorted(vlans):
        lines += [f"vlan {vid}", f" description {topology.vlans[vid].name}", "#"]
    lines += [
        "aaa",
        f" local-user {device.username} password irreversible-cipher {device.password}",
        f" local-user {device.username} privilege level 15",
        f" local-user {device.username} service-type ssh",
        "#",
    ]
    for vid, address, mask in _l3_interfaces(topology, device):
        lines += [f"interface Vlanif{vid}", f" ip address {address} {mask}", "#"]
    for name in device.interfaces:
        ref = PortRef(device.name, name)
        body = _port_body(ref, plan, "huawei")
        if body:
            lines += [f"interface {name}", *body, "#"]
    if device.mgmt_gateway and device.role != "core":
        lines += [f"ip route-static 0.0.0.0 0.0.0.0 {device.mgmt_gateway}", "#"]
    lines.append("return")
    return "\n".join(lines) + "\n"


def _comware(topology: Topology, device: DeviceSpec, plan: _Plan) -> str:
    vlans = plan.device_vlans[device.name]
    lines = ["#", f" sysname {device.name}", "#"]
    for vid in sorted(vlans):
        lines += [f"vlan {vid}", f" name {topology.vlans[vid].name}", "#"]
    for vid, address, mask in _l3_interfaces(topology, device):
        lines += [f"interface Vlan-interface{vid}", f" ip address {address} {mask}", "#"]
    for name in device.interfaces:
        ref = PortRef(device.name, name)
        body = _port_body(ref, plan, "hp_comware")
        if body:
            lines += [f"interface {name}", *body, "#"]
    if device.mgmt_gateway and device.role != "core":
        lines += [f" ip route-static 0.0.0.0 0 {device.mgmt_gateway}", "#"]
    lines += [
        f"local-user {device.username} class manage",
        f" password simple {device.password}",
        " service-type ssh",
        " authorization-attribute user-role network-admin",
        "#",
        "return",
    ]
    return "\n".join(lines) + "\n"


def _cisco(topology: Topology, device: DeviceSpec, plan: _Plan) -> str:
    vlans = plan.device_vlans[device.name]
    lines = [
        "!",
        f"hostname {device.name}",
        "!",
        f"enable secret {device.secret}",
        "!",
        f"username {device.username} privilege 15 secret {device.password}",
        "!",
    ]
    for vid in sorted(vlans):
        lines += [f"vlan {vid}", f" name {topology.vlans[vid].name}", "!"]
    for name in device.interfaces:
        ref = PortRef(device.name, name)
        body = _port_body(ref, plan, "cisco_ios")
        lines += [f"interface {name}", *body, "!"]
    for vid, address, mask in _l3_interfaces(topology, device):
        lines += [f"interface Vlan{vid}", f" ip address {address} {mask}", "!"]
    if device.mgmt_gateway and device.role != "core":
        lines += [f"ip route 0.0.0.0 0.0.0.0 {device.mgmt_gateway}", "!"]
    if "(" not in device.firmware:
        # IOS XE (dotted firmware): a configuration archive, as an IOS XE switch keeps one
        # (integrate.uk.com "IOS XE configuration archive"), so the Configuration Rollback
        # Confirmed Change net (configure terminal revert timer) is really used; the
        # classic IOS 15.2 access switch keeps none and falls back to "reload in"
        # (docs/fidelity.md).
        lines += ["archive", " path flash:/archive", " write-memory", "!"]
    lines.append("end")
    return "\n".join(lines) + "\n"


def _ruijie(topology: Topology, device: DeviceSpec, plan: _Plan) -> str:
    """RGOS: IOS-like lines, ``interface VLAN N`` and interface names with a space."""
    lines = [
        f"hostname {device.name}",
        "!",
        f"username {device.username} privilege 15 secret {device.password}",
        f"enable secret {device.secret}",
        "!",
    ]
    for vid in sorted(plan.device_vlans[device.name]):
        lines += [f"vlan {vid}", f" name {topology.vlans[vid].name}", "!"]
    for name in device.interfaces:
        body = _port_body(PortRef(device.name, name), plan, "ruijie_os")
        lines += [f"interface {name}", *body, "!"]
    for vid, address, mask in _l3_interfaces(topology, device):
        lines += [f"interface VLAN {vid}", f" ip address {address} {mask}", "!"]
    if device.mgmt_gateway and device.role != "core":
        lines += [f"ip route 0.0.0.0 0.0.0.0 {device.mgmt_gateway}", "!"]
    lines.append("end")
    return "\n".join(lines) + "\n"


def _port_body(ref: PortRef, plan: _Plan, platform: str) -> list[str]:
    body: list[str] = []
    description = plan.descriptions.get(ref) or (plan.access[ref][1] if ref in plan.access else "")
    if description:
        body.append(f" description {description}")
    if ref in plan.trunks:
        allowed = sorted(plan.trunks[ref])
        if platform == "huawei":
            body += [
                " port link-type trunk",
                f" port trunk allow-pass vlan {_huawei_vlan_list(set(allowed))}",
            ]
        elif platform == "hp_comware":
            body += [
                " port link-type trunk",
                " undo port trunk permit vlan 1",
                f" port trunk permit vlan {_huawei_vlan_list(set(allowed))}",
            ]
        else:
            body += [
                f" switchport trunk allowed vlan {','.join(str(v) for v in allowed)}",
                " switchport mode trunk",
            ]
    elif ref in plan.access:
        vid = plan.access[ref][0]
        if platform == "huawei":
            body += [" port link-type access", f" port default vlan {vid}"]
        elif platform == "hp_comware":
            body += [f" port access vlan {vid}"]
        else:
            body += [f" switchport access vlan {vid}", " switchport mode access"]
    return body
