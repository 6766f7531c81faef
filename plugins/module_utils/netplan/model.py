# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hospital VLAN plan and each switch's part in it: one data model, validated first.

Inventory variables (see ``inventories/example/`` for a whole hospital):

``hisops_vlans`` (group_vars/all)
    ``- {id: 10, name: OUTPATIENT, department: outpatient, subnet: 10.10.10.0/24,
    gateway: 10.10.10.1, dhcp_relay: [10.10.100.5]}``; ``subnet``/``gateway`` are optional
    (a pure layer-2 VLAN), ``dhcp_relay`` is optional.
``hisops_mgmt_vlan`` (group_vars/all)
    the management VLAN id (its subnet holds every switch's management address).
``hisops_switch`` (host_vars)
    ``role`` (core/aggregation/access), ``trunks`` (``interface``, ``vlans`` as a list,
    ``'10,20-30'``, ``'10 20 to 30'`` or ``all``, optional ``pvid``, ``description``),
    ``access_ports`` (``interface``, ``vlan``, optional ``description``, ``shutdown``),
    ``mgmt`` (``ip`` as ``a.b.c.d/len``; ``gateway`` defaults to the management VLAN's),
    optional ``vlans`` (the VLANs the switch holds; default: the core holds every VLAN of
    the plan, other switches the VLANs their ports carry plus management).

``validate(...)`` collects every problem with the path of the bad field and raises one
``PlanError`` naming them all; nothing is rendered or sent before it passes.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from . import vlanset

PLATFORMS = ("huawei", "hp_comware", "cisco_ios")
ROLES = ("core", "aggregation", "access")

# Full interface names each platform has; abbreviations are refused so that the
# intended configuration matches what the device prints.
_INTERFACE_PATTERNS = {
    "huawei": re.compile(
        r"^(?:(?:GigabitEthernet|XGigabitEthernet|MultiGE|25GE|40GE|100GE)\d+/\d+/\d+|Eth-Trunk\d+)$"
    ),
    "hp_comware": re.compile(
        r"^(?:(?:GigabitEthernet|Ten-GigabitEthernet|Twenty-FiveGigE|FortyGigE|HundredGigE)"
        r"\d+/\d+/\d+|Bridge-Aggregation\d+)$"
    ),
    "cisco_ios": re.compile(
        r"^(?:(?:FastEthernet|GigabitEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet)"
        r"\d+(?:/\d+){1,2}|Port-channel\d+)$"
    ),
}
_INTERFACE_EXAMPLE = {
    "huawei": "GigabitEthernet0/0/1, XGigabitEthernet0/0/1, Eth-Trunk1",
    "hp_comware": "GigabitEthernet1/0/1, Ten-GigabitEthernet1/0/25, Bridge-Aggregation1",
    "cisco_ios": "GigabitEthernet1/0/1, TenGigabitEthernet1/1/1, Port-channel1",
}
# Longest VLAN name each platform accepts; no platform takes '?' (CLI help) or blanks
# in a name the way hisops renders it.
_VLAN_NAME_MAX = {"huawei": 31, "hp_comware": 32, "cisco_ios": 32}
_VLAN_NAME_OK = re.compile(r"^[A-Za-z0-9_.:/()+\-]+$")


class PlanError(ValueError):
    """The data model is wrong; ``problems`` is a list of (field path, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"{path}: {reason}" for path, reason in problems]
        super().__init__(
            f"the VLAN plan has {len(problems)} problem(s), nothing was touched:\n  "
            + "\n  ".join(lines)
        )


@dataclass
class VlanDef:
    id: int
    name: str
    department: str = ""
    subnet: str = ""  # a.b.c.d/len
    gateway: str = ""
    dhcp_relay: list[str] = field(default_factory=list)

    @property
    def mask(self) -> str:
        return str(ipaddress.ip_network(self.subnet).netmask) if self.subnet else ""

    @property
    def prefixlen(self) -> int:
        return ipaddress.ip_network(self.subnet).prefixlen if self.subnet else 0


@dataclass
class TrunkPort:
    interface: str
    vlans: list[int]
    pvid: int = 1
    description: str = ""

    @property
    def vlans_vrp(self) -> str:
        return vlanset.format_vrp(self.vlans)

    @property
    def vlans_ios(self) -> str:
        return vlanset.format_ios(self.vlans)

    @property
    def vrp_allow_pass(self) -> str:
        """The list for ``allow-pass``/``permit``: VRP/Comware trunks carry VLAN 1 already."""
        return vlanset.format_vrp(set(self.vlans) - {1})


@dataclass
class AccessPort:
    interface: str
    vlan: int
    description: str = ""
    shutdown: bool = False


@dataclass
class Gateway:
    vlan: int
    ip: str
    mask: str
    description: str = ""
    dhcp_relay: list[str] = field(default_factory=list)


@dataclass
class Management:
    vlan: int
    ip: str
    mask: str
    gateway: str = ""  # default route next hop; empty on the core (it is the gateway)


@dataclass
class SwitchIntent:
    """Everything the templates need for one switch, already checked and expanded."""

    hostname: str
    platform: str
    role: str
    vlans: list[VlanDef]
    trunks: list[TrunkPort]
    access_ports: list[AccessPort]
    gateways: list[Gateway]
    management: Management | None

    @property
    def vlan_ids(self) -> list[int]:
        return [v.id for v in self.vlans]

    @property
    def vlan_batch_vrp(self) -> str:
        return vlanset.format_vrp(self.vlan_ids)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["vlan_ids"] = self.vlan_ids
        data["vlan_batch_vrp"] = self.vlan_batch_vrp
        for trunk, source in zip(data["trunks"], self.trunks, strict=True):
            trunk["vlans_vrp"] = source.vlans_vrp
            trunk["vlans_ios"] = source.vlans_ios
            trunk["vrp_allow_pass"] = source.vrp_allow_pass
        return data


class _Collector:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))


def validate_vlans(raw: Any, platforms: set[str], out: _Collector) -> dict[int, VlanDef]:
    vlans: dict[int, VlanDef] = {}
    if not isinstance(raw, list) or not raw:
        out.add("hisops_vlans", "must be a non-empty list of VLANs")
        return vlans
    networks: list[tuple[ipaddress.IPv4Network, str]] = []
    for index, item in enumerate(raw):
        path = f"hisops_vlans[{index}]"
        if not isinstance(item, dict):
            out.add(path, "must be a mapping with id and name")
            continue
        vid = item.get("id")
        if isinstance(vid, bool) or not isinstance(vid, int):
            out.add(f"{path}.id", f"must be an integer VLAN id, got {vid!r}")
            continue
        if not 1 <= vid <= 4094:
            out.add(f"{path}.id", f"VLAN {vid} is outside 1-4094")
            continue
        if vid in vlans:
            out.add(f"{path}.id", f"VLAN {vid} is defined twice")
            continue
        name = str(item.get("name") or "")
        _check_vlan_name(name, f"{path}.name", platforms, out)
        subnet = str(item.get("subnet") or "")
        gateway = str(item.get("gateway") or "")
        network = None
        if subnet:
            try:
                network = ipaddress.IPv4Network(subnet, strict=True)
            except ValueError as exc:
                out.add(f"{path}.subnet", f"{subnet!r} is not an IPv4 subnet ({exc})")
        if gateway:
            try:
                gw = ipaddress.IPv4Address(gateway)
            except ValueError:
                out.add(f"{path}.gateway", f"{gateway!r} is not an IPv4 address")
            else:
                if network is None and not subnet:
                    out.add(f"{path}.gateway", "a gateway needs a subnet")
                elif network is not None and (
                    gw not in network or gw in (network.network_address, network.broadcast_address)
                ):
                    out.add(f"{path}.gateway", f"{gateway} is not a host address of {subnet}")
        if network is not None:
            for other, other_path in networks:
                if network.overlaps(other):
                    out.add(f"{path}.subnet", f"{subnet} overlaps {other} of {other_path}")
            networks.append((network, path))
        relays = item.get("dhcp_relay") or []
        if isinstance(relays, str):
            relays = [relays]
        for r_index, relay in enumerate(relays):
            try:
                ipaddress.IPv4Address(str(relay))
            except ValueError:
                out.add(f"{path}.dhcp_relay[{r_index}]", f"{relay!r} is not an IPv4 address")
        vlans[vid] = VlanDef(
            id=vid,
            name=name,
            department=str(item.get("department") or ""),
            subnet=subnet,
            gateway=gateway,
            dhcp_relay=[str(r) for r in relays],
        )
    return vlans


def _check_vlan_name(name: str, path: str, platforms: set[str], out: _Collector) -> None:
    if not name:
        out.add(path, "a VLAN needs a name")
        return
    if not _VLAN_NAME_OK.match(name):
        out.add(path, f"{name!r}: use letters, digits and _ . : / ( ) + - only (no blanks, no '?')")
    for platform in sorted(platforms):
        limit = _VLAN_NAME_MAX.get(platform)
        if limit and len(name) > limit:
            out.add(path, f"{name!r} is {len(name)} characters; {platform} takes at most {limit}")


def _check_interface(name: Any, platform: str, path: str, out: _Collector) -> str:
    text = str(name or "")
    pattern = _INTERFACE_PATTERNS.get(platform)
    if pattern is not None and not pattern.match(text):
        out.add(
            path,
            f"{text!r} is not an interface name of {platform} "
            f"(write the full name, e.g. {_INTERFACE_EXAMPLE[platform]})",
        )
    return text


def build_intent(
    hostname: str,
    platform: str,
    switch: Any,
    vlans_raw: Any,
    mgmt_vlan: Any,
) -> SwitchIntent:
    """Validate one switch's data model and expand it; raise PlanError naming every problem."""
    out = _Collector()
    if platform not in PLATFORMS:
        out.add("hisops_platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")
    plan = validate_vlans(vlans_raw, {platform} & set(PLATFORMS), out)
    if isinstance(mgmt_vlan, bool) or not isinstance(mgmt_vlan, int) or mgmt_vlan not in plan:
        out.add("hisops_mgmt_vlan", f"{mgmt_vlan!r} is not a VLAN of hisops_vlans")
        mgmt_vlan = None
    if not isinstance(switch, dict):
        out.add("hisops_switch", "must be a mapping (role, trunks, access_ports, mgmt)")
        raise PlanError(out.problems)
    role = switch.get("role")
    if role not in ROLES:
        out.add("hisops_switch.role", f"{role!r} is not one of {', '.join(ROLES)}")

    seen_ports: dict[str, str] = {}

    def claim(interface: str, path: str) -> None:
        if interface in seen_ports:
            out.add(path, f"{interface} is already configured at {seen_ports[interface]}")
        else:
            seen_ports[interface] = path

    trunks: list[TrunkPort] = []
    for index, item in enumerate(switch.get("trunks") or []):
        path = f"hisops_switch.trunks[{index}]"
        if not isinstance(item, dict):
            out.add(path, "must be a mapping with interface and vlans")
            continue
        interface = _check_interface(item.get("interface"), platform, f"{path}.interface", out)
        claim(interface, f"{path}.interface")
        try:
            carried = vlanset.parse_any(item.get("vlans", []))
        except vlanset.VlanListError as exc:
            out.add(f"{path}.vlans", str(exc))
            carried = set()
        if item.get("vlans") != "all":
            undefined = sorted(carried - set(plan))
            if undefined:
                out.add(f"{path}.vlans", f"VLAN(s) {vlanset.format_ios(undefined)} are not in hisops_vlans")
        pvid = item.get("pvid", 1)
        if isinstance(pvid, bool) or not isinstance(pvid, int) or not 1 <= pvid <= 4094:
            out.add(f"{path}.pvid", f"{pvid!r} is not a VLAN id")
            pvid = 1
        trunks.append(TrunkPort(interface, sorted(carried), pvid, str(item.get("description") or "")))

    access: list[AccessPort] = []
    for index, item in enumerate(switch.get("access_ports") or []):
        path = f"hisops_switch.access_ports[{index}]"
        if not isinstance(item, dict):
            out.add(path, "must be a mapping with interface and vlan")
            continue
        interface = _check_interface(item.get("interface"), platform, f"{path}.interface", out)
        claim(interface, f"{path}.interface")
        vid = item.get("vlan")
        if isinstance(vid, bool) or not isinstance(vid, int) or vid not in plan:
            out.add(f"{path}.vlan", f"{vid!r} is not a VLAN of hisops_vlans")
            vid = 1
        access.append(
            AccessPort(interface, vid, str(item.get("description") or ""), bool(item.get("shutdown")))
        )

    if "vlans" in switch:
        try:
            held = vlanset.parse_any(switch["vlans"])
        except vlanset.VlanListError as exc:
            out.add("hisops_switch.vlans", str(exc))
            held = set()
        undefined = sorted(held - set(plan))
        if undefined:
            out.add("hisops_switch.vlans", f"VLAN(s) {vlanset.format_ios(undefined)} are not in hisops_vlans")
    elif role == "core":
        held = set(plan)
    else:
        held = {v for t in trunks for v in t.vlans} | {a.vlan for a in access}
        if mgmt_vlan:
            held.add(mgmt_vlan)
        held &= set(plan)

    gateways: list[Gateway] = []
    if role == "core":
        for vid in sorted(held):
            vdef = plan[vid]
            if vdef.gateway and vdef.subnet:
                gateways.append(
                    Gateway(vid, vdef.gateway, vdef.mask, vdef.name, list(vdef.dhcp_relay))
                )

    management = None
    mgmt = switch.get("mgmt")
    if mgmt is not None and mgmt_vlan:
        management = _management(mgmt, plan[mgmt_vlan], role, out)

    if out.problems:
        raise PlanError(out.problems)
    return SwitchIntent(
        hostname=hostname,
        platform=platform,
        role=str(role),
        vlans=[plan[v] for v in sorted(held)],
        trunks=trunks,
        access_ports=access,
        gateways=gateways,
        management=management,
    )


def _management(mgmt: Any, vdef: VlanDef, role: str, out: _Collector) -> Management | None:
    if not isinstance(mgmt, dict) or "ip" not in mgmt:
        out.add("hisops_switch.mgmt", "must be a mapping with ip (a.b.c.d/len)")
        return None
    try:
        iface = ipaddress.IPv4Interface(str(mgmt["ip"]))
    except ValueError:
        out.add("hisops_switch.mgmt.ip", f"{mgmt['ip']!r} is not a.b.c.d/len")
        return None
    if vdef.subnet and iface.network != ipaddress.IPv4Network(vdef.subnet):
        out.add("hisops_switch.mgmt.ip", f"{mgmt['ip']} is outside the management subnet {vdef.subnet}")
    gateway = str(mgmt.get("gateway") or ("" if role == "core" else vdef.gateway))
    return Management(vdef.id, str(iface.ip), str(iface.netmask), gateway)
