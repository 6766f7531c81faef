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
    the plan, other switches the VLANs their ports carry plus management), optional
    ``acls`` (where the switch applies ACLs of ``hisops_acls``: ``- {acl: HIS-DB-PROTECT,
    vlan: 100, direction: outbound}`` on a VLAN's gateway interface (VLANIF,
    Vlan-interface, SVI) or ``- {acl: WS-EDGE, interfaces: [GigabitEthernet0/0/1],
    direction: inbound}`` on ports of the switch's plan).
``hisops_acls`` (group_vars/all)
    the hospital's advanced ACLs: ``- {name: HIS-DB-PROTECT, number: 3001, description: ...,
    rules: [{action: permit, protocol: tcp, source: 10.10.10.0/24, destination:
    10.10.100.0/24, port: 5432}, ...]}``. ``number`` (3000-3999) is what Huawei VRP and
    H3C Comware know the ACL by (Cisco IOS uses the name); ``source``/``destination`` are
    ``any``, ``host a.b.c.d``, ``a.b.c.d`` or ``a.b.c.d/len``; ``port`` is a destination
    port (tcp/udp only). Rules are evaluated first match in the order listed: they are
    rendered as rule 5, 10, 15... (VRP/Comware) or in that order (IOS).

``validate(...)`` collects every problem with the path of the bad field and raises one
``PlanError`` naming them all; nothing is rendered or sent before it passes.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..netdev.dialects import DIALECTS
from . import vlanset

# Every platform with a dialect; its full interface names (abbreviations are refused so
# that the intended configuration matches what the device prints), its longest VLAN name
# and its ACL numbers are the dialect's. No platform takes '?' (CLI help) or blanks in a
# name the way hisops renders it.
PLATFORMS = tuple(DIALECTS)
ROLES = ("core", "aggregation", "access")

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
class AclAddress:
    """A rule's source or destination: ``address`` None means any."""

    address: str | None = None
    wildcard: str = "0.0.0.0"

    @property
    def any(self) -> bool:
        return self.address is None

    @property
    def host(self) -> bool:
        return self.address is not None and self.wildcard == "0.0.0.0"


@dataclass
class AclRuleDef:
    action: str
    protocol: str
    source: AclAddress
    destination: AclAddress
    port: int | None = None


@dataclass
class AclDef:
    name: str
    number: int | None
    description: str
    rules: list[AclRuleDef]


@dataclass
class AclBinding:
    """ACLs applied on one interface: ``vlan`` (its gateway interface) or ``interface``."""

    vlan: int | None
    interface: str
    inbound: str = ""  # ACL name
    outbound: str = ""


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
    acls: list[AclDef] = field(default_factory=list)
    acl_bindings: list[AclBinding] = field(default_factory=list)

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
        acl_numbers = {a.name: a.number for a in self.acls}
        for binding in data["acl_bindings"]:
            binding["inbound_number"] = acl_numbers.get(binding["inbound"])
            binding["outbound_number"] = acl_numbers.get(binding["outbound"])
        # What the templates name by the dialect: their folder and the block separator.
        dialect = DIALECTS[self.platform]
        data["dialect"] = {"templates": dialect.templates, "comment": dialect.comment}
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
        dialect = DIALECTS.get(platform)
        limit = dialect.vlan_name_max if dialect is not None else None
        if limit and len(name) > limit:
            out.add(path, f"{name!r} is {len(name)} characters; {platform} takes at most {limit}")


def _check_interface(name: Any, platform: str, path: str, out: _Collector) -> str:
    text = str(name or "")
    dialect = DIALECTS.get(platform)
    if dialect is not None and not dialect.interface_pattern.match(text):
        out.add(
            path,
            f"{text!r} is not an interface name of {platform} "
            f"(write the full name, e.g. {dialect.interface_example})",
        )
    return text


# ACLs: advanced (numbered 3000-3999 on VRP/Comware, named extended on IOS).
ACL_ACTIONS = ("permit", "deny")
ACL_PROTOCOLS = ("ip", "tcp", "udp", "icmp")
ACL_DIRECTIONS = ("inbound", "outbound")
ACL_ADVANCED_RANGE = {
    name: d.acl_number_range for name, d in DIALECTS.items() if d.acl_number_range is not None
}
_ACL_NAME_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_ACL_KEYS = {"name", "number", "description", "rules"}
_RULE_KEYS = {"action", "protocol", "source", "destination", "port"}
_BINDING_KEYS = {"acl", "direction", "vlan", "interfaces"}


def _acl_address(raw: Any, path: str, out: _Collector) -> AclAddress:
    text = str(raw if raw is not None else "any").strip()
    if text == "any":
        return AclAddress()
    if text.startswith("host "):
        text = text[5:].strip()
    try:
        network = ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        out.add(path, f"{raw!r} is not any, host a.b.c.d, a.b.c.d or a.b.c.d/len ({exc})")
        return AclAddress()
    return AclAddress(str(network.network_address), str(network.hostmask))


def validate_acls(raw: Any, out: _Collector) -> dict[str, tuple[AclDef, int]]:
    """``hisops_acls`` checked whole: name -> (ACL, its index in the list)."""
    acls: dict[str, tuple[AclDef, int]] = {}
    if raw is None:
        return acls
    if not isinstance(raw, list):
        out.add("hisops_acls", "must be a list of ACLs (name, number, description, rules)")
        return acls
    numbers: dict[int, str] = {}
    for index, item in enumerate(raw):
        path = f"hisops_acls[{index}]"
        if not isinstance(item, dict):
            out.add(path, "must be a mapping with name, number and rules")
            continue
        for key in sorted(set(item) - _ACL_KEYS):
            out.add(f"{path}.{key}", f"unknown key (an ACL has {', '.join(sorted(_ACL_KEYS))})")
        name = str(item.get("name") or "")
        if not _ACL_NAME_OK.match(name):
            out.add(
                f"{path}.name",
                f"{name!r}: an ACL name starts with a letter, has letters, "
                "digits, _ and - only and at most 32 characters",
            )
        elif name in acls:
            out.add(f"{path}.name", f"ACL {name} is defined twice")
        number = item.get("number")
        if number is not None:
            if isinstance(number, bool) or not isinstance(number, int):
                out.add(f"{path}.number", f"must be an integer, got {number!r}")
                number = None
            elif not 3000 <= number <= 3999:
                out.add(
                    f"{path}.number",
                    f"{number} is outside 3000-3999 (advanced ACLs of "
                    f"{' and '.join(ACL_ADVANCED_RANGE)})",
                )
            elif number in numbers:
                out.add(
                    f"{path}.number", f"{number} is already the number of ACL {numbers[number]}"
                )
            else:
                numbers[number] = name
        description = str(item.get("description") or "")
        if len(description) > 100 or "?" in description or "\n" in description:
            out.add(f"{path}.description", "at most 100 characters, one line, no '?'")
        rules_raw = item.get("rules")
        if not isinstance(rules_raw, list) or not rules_raw:
            out.add(f"{path}.rules", "must be a non-empty list of rules")
            rules_raw = []
        rules = [
            r
            for r in (
                _acl_rule(rule, f"{path}.rules[{r_index}]", out)
                for r_index, rule in enumerate(rules_raw)
            )
            if r is not None
        ]
        if name and name not in acls:
            acls[name] = (AclDef(name, number, description, rules), index)
    return acls


def _acl_rule(item: Any, path: str, out: _Collector) -> AclRuleDef | None:
    if not isinstance(item, dict):
        out.add(path, "must be a mapping with action, protocol, source, destination, port")
        return None
    for key in sorted(set(item) - _RULE_KEYS):
        out.add(f"{path}.{key}", f"unknown key (a rule has {', '.join(sorted(_RULE_KEYS))})")
    action = item.get("action")
    if action not in ACL_ACTIONS:
        out.add(f"{path}.action", f"{action!r} is not permit or deny")
    protocol = item.get("protocol", "ip")
    if protocol not in ACL_PROTOCOLS:
        out.add(f"{path}.protocol", f"{protocol!r} is not one of {', '.join(ACL_PROTOCOLS)}")
    source = _acl_address(item.get("source"), f"{path}.source", out)
    destination = _acl_address(item.get("destination"), f"{path}.destination", out)
    port = item.get("port")
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            out.add(f"{path}.port", f"{port!r} is not a port number 1-65535")
            port = None
        elif protocol not in ("tcp", "udp"):
            out.add(f"{path}.port", f"a port needs protocol tcp or udp, not {protocol}")
            port = None
    return AclRuleDef(str(action), str(protocol), source, destination, port)


def _acl_bindings(
    raw: Any,
    platform: str,
    acls: dict[str, tuple[AclDef, int]],
    l3_vlans: set[int],
    ports: set[str],
    out: _Collector,
) -> tuple[list[AclDef], list[AclBinding]]:
    """Where this switch applies ACLs; the ACLs it needs, in the order of hisops_acls."""
    bindings: dict[tuple[int | None, str], AclBinding] = {}
    where: dict[tuple[int | None, str, str], str] = {}
    used: set[str] = set()
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        out.add("hisops_switch.acls", "must be a list of {acl, direction, vlan or interfaces}")
        return [], []
    for index, item in enumerate(raw):
        path = f"hisops_switch.acls[{index}]"
        if not isinstance(item, dict):
            out.add(path, "must be a mapping with acl, direction and vlan or interfaces")
            continue
        for key in sorted(set(item) - _BINDING_KEYS):
            out.add(f"{path}.{key}", f"unknown key (use {', '.join(sorted(_BINDING_KEYS))})")
        name = str(item.get("acl") or "")
        if name not in acls:
            out.add(f"{path}.acl", f"{name!r} is not an ACL of hisops_acls")
        else:
            acl, acl_index = acls[name]
            used.add(name)
            if platform in ACL_ADVANCED_RANGE and acl.number is None:
                low, high = ACL_ADVANCED_RANGE[platform]
                out.add(
                    f"hisops_acls[{acl_index}].number",
                    f"ACL {name} is applied on a {platform} switch: it needs a number {low}-{high}",
                )
        direction = item.get("direction")
        if direction not in ACL_DIRECTIONS:
            out.add(f"{path}.direction", f"{direction!r} is not inbound or outbound")
            continue
        targets: list[tuple[int | None, str, str]] = []
        if ("vlan" in item) == ("interfaces" in item):
            out.add(path, "give either vlan (its gateway interface) or interfaces")
            continue
        if "vlan" in item:
            vid = item["vlan"]
            if isinstance(vid, bool) or not isinstance(vid, int) or vid not in l3_vlans:
                shown = ", ".join(map(str, sorted(l3_vlans))) or "none"
                out.add(
                    f"{path}.vlan",
                    f"{vid!r}: this switch has no gateway interface in that VLAN (it has: {shown})",
                )
                continue
            targets.append((vid, "", f"{path}.vlan"))
        else:
            interfaces = item["interfaces"]
            if isinstance(interfaces, str) or not isinstance(interfaces, list) or not interfaces:
                out.add(f"{path}.interfaces", "must be a non-empty list of interface names")
                continue
            for i_index, name_raw in enumerate(interfaces):
                i_path = f"{path}.interfaces[{i_index}]"
                interface = _check_interface(name_raw, platform, i_path, out)
                if interface not in ports:
                    out.add(
                        i_path,
                        f"{interface!r} is not a port of this switch's plan (trunks, access_ports)",
                    )
                    continue
                dialect = DIALECTS.get(platform)
                if (
                    dialect is not None
                    and not dialect.port_acl_outbound
                    and direction == "outbound"
                ):
                    out.add(
                        f"{path}.direction",
                        f"{platform} filters switch ports inbound only "
                        "(port ACL); apply outbound on a VLAN's SVI",
                    )
                    break
                targets.append((None, interface, i_path))
        for vid, interface, t_path in targets:
            key = (vid, interface, direction)
            if key in where:
                out.add(t_path, f"already has an {direction} ACL at {where[key]}")
                continue
            where[key] = t_path
            binding = bindings.setdefault((vid, interface), AclBinding(vid, interface))
            setattr(binding, direction, name)
    needed = sorted(used, key=lambda n: acls[n][1])
    return [acls[n][0] for n in needed], list(bindings.values())


def build_intent(
    hostname: str,
    platform: str,
    switch: Any,
    vlans_raw: Any,
    mgmt_vlan: Any,
    acls_raw: Any = None,
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
                out.add(
                    f"{path}.vlans",
                    f"VLAN(s) {vlanset.format_ios(undefined)} are not in hisops_vlans",
                )
        pvid = item.get("pvid", 1)
        if isinstance(pvid, bool) or not isinstance(pvid, int) or not 1 <= pvid <= 4094:
            out.add(f"{path}.pvid", f"{pvid!r} is not a VLAN id")
            pvid = 1
        trunks.append(
            TrunkPort(interface, sorted(carried), pvid, str(item.get("description") or ""))
        )

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
            AccessPort(
                interface, vid, str(item.get("description") or ""), bool(item.get("shutdown"))
            )
        )

    if "vlans" in switch:
        try:
            held = vlanset.parse_any(switch["vlans"])
        except vlanset.VlanListError as exc:
            out.add("hisops_switch.vlans", str(exc))
            held = set()
        undefined = sorted(held - set(plan))
        if undefined:
            out.add(
                "hisops_switch.vlans",
                f"VLAN(s) {vlanset.format_ios(undefined)} are not in hisops_vlans",
            )
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
        management = _management(mgmt, plan[mgmt_vlan], str(role), out)

    acl_plan = validate_acls(acls_raw, out)
    l3_vlans = {g.vlan for g in gateways} | ({management.vlan} if management else set())
    ports = {t.interface for t in trunks} | {a.interface for a in access}
    acls, bindings = _acl_bindings(switch.get("acls"), platform, acl_plan, l3_vlans, ports, out)

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
        acls=acls,
        acl_bindings=bindings,
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
        out.add(
            "hisops_switch.mgmt.ip", f"{mgmt['ip']} is outside the management subnet {vdef.subnet}"
        )
    gateway = str(mgmt.get("gateway") or ("" if role == "core" else vdef.gateway))
    return Management(vdef.id, str(iface.ip), str(iface.netmask), gateway)
