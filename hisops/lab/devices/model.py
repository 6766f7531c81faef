"""The platform-neutral configuration model of a simulated switch.

Every engine (Huawei VRP, H3C Comware, Cisco IOS) parses what the user types into a
``DeviceConfig`` and renders a ``DeviceConfig`` back into its own syntax. A device holds
two of them: ``device.running`` (what forwards traffic now) and ``device.saved`` (what it
boots with). The data plane reads ``device.running`` only, and never writes it.

How the data plane should read it
---------------------------------
A frame in VLAN ``v`` crosses a switch port ``p`` (``cfg.interfaces[p]``) when:

* ``not p.shutdown`` (administratively up) and the data plane itself knows the cable is
  connected (the model has no notion of cabling);
* ``v in cfg.vlans`` (a VLAN that does not exist on the switch forwards nothing; Cisco
  creates the VLAN automatically on ``switchport access vlan``, the engine records that);
* ``p.carries(v)``: access ports carry their ``pvid`` only; trunk ports carry
  ``allowed_vlans``; hybrid ports carry ``allowed_vlans | untagged_vlans``.

An untagged endpoint on port ``p`` lives in ``p.untagged_vlan()`` (``None`` when the
port drops untagged frames, e.g. a trunk whose PVID is not allowed).

A switch routes for VLAN ``v`` (acts as gateway) when ``cfg.vlanifs[v]`` exists,
``not shutdown``, has an ``ip``/``mask`` and at least one up port carries ``v``
(the VLANIF protocol state is up only then; ``cfg.vlanif_up(v, port_up)`` computes it).
Routes beyond connected subnets are ``cfg.static_routes``.

ACLs filter traffic where they are applied: ``Interface.acl_in``/``acl_out`` and
``VlanIf.acl_in``/``acl_out`` name an ACL in ``cfg.acls`` (the name is the number as a
string on Huawei/H3C, the number or name on Cisco). Ask
``cfg.acl_permits(name, Packet(...), at)``: rules are evaluated in order (rule id /
sequence), a rule bound to a time range counts only while ``cfg.time_ranges[...]``
is active at ``at`` (a ``datetime``, the lab's clock), the first matching rule decides,
and an unmatched packet is permitted on Huawei/H3C (``traffic-filter``/``packet-filter``
default) but denied on Cisco (implicit ``deny any``). ``cfg.acl_default_permit`` holds
that per platform. An ACL that is applied but not defined permits everything.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum


class LinkType(StrEnum):
    ACCESS = "access"
    TRUNK = "trunk"
    HYBRID = "hybrid"


@dataclass
class Vlan:
    id: int
    name: str = ""
    description: str = ""


@dataclass
class Interface:
    """A physical (or aggregate) switch port, keyed by its canonical full name."""

    name: str
    description: str = ""
    shutdown: bool = False
    link_type: LinkType = LinkType.ACCESS
    pvid: int = 1  # access VLAN, or the untagged VLAN of a trunk/hybrid port (native VLAN)
    allowed_vlans: set[int] = field(default_factory=set)  # trunk allowed / hybrid tagged
    untagged_vlans: set[int] = field(default_factory=set)  # hybrid untagged only
    acl_in: str | None = None
    acl_out: str | None = None
    speed: str = "auto"
    duplex: str = "auto"

    def carried_vlans(self) -> set[int]:
        if self.link_type is LinkType.ACCESS:
            return {self.pvid}
        if self.link_type is LinkType.TRUNK:
            return set(self.allowed_vlans)
        return self.allowed_vlans | self.untagged_vlans

    def carries(self, vlan: int) -> bool:
        return vlan in self.carried_vlans()

    def untagged_vlan(self) -> int | None:
        """The VLAN an untagged frame received on this port belongs to, if accepted."""
        if self.link_type is LinkType.ACCESS:
            return self.pvid
        return self.pvid if self.pvid in self.carried_vlans() else None


@dataclass
class VlanIf:
    """A VLAN interface (Huawei Vlanif, H3C Vlan-interface, Cisco SVI)."""

    vlan: int
    ip: str | None = None
    mask: str | None = None
    shutdown: bool = False
    description: str = ""
    acl_in: str | None = None
    acl_out: str | None = None
    dhcp_relay_servers: list[str] = field(default_factory=list)

    def network(self) -> ipaddress.IPv4Network | None:
        if not self.ip or not self.mask:
            return None
        return ipaddress.IPv4Network(f"{self.ip}/{self.mask}", strict=False)


@dataclass
class StaticRoute:
    prefix: str
    mask: str
    next_hop: str
    preference: int | None = None  # None: the platform default (60 VRP/Comware, 1 IOS)
    description: str = ""

    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"{self.prefix}/{self.mask}", strict=False)


@dataclass
class AclRule:
    """One rule (Huawei/H3C ``rule N``) or entry (Cisco sequence number)."""

    id: int
    action: str  # "permit" | "deny"
    protocol: str = "ip"  # ip, tcp, udp, icmp, or a protocol number as text
    source: str | None = None  # None = any
    source_wildcard: str = "0.0.0.0"
    destination: str | None = None
    destination_wildcard: str = "0.0.0.0"
    source_port: int | None = None  # "eq" only
    destination_port: int | None = None
    time_range: str | None = None

    def matches(self, packet: Packet) -> bool:
        if self.protocol != "ip" and self.protocol != packet.protocol:
            return False
        if not _wildcard_match(packet.source, self.source, self.source_wildcard):
            return False
        if not _wildcard_match(packet.destination, self.destination, self.destination_wildcard):
            return False
        if self.source_port is not None and packet.source_port != self.source_port:
            return False
        return not (
            self.destination_port is not None and packet.destination_port != self.destination_port
        )


@dataclass
class Acl:
    """An ACL. ``name`` is the key: ``"3000"`` on Huawei/H3C, ``"110"``/``"HIS"`` on Cisco.

    ``kind`` is ``basic`` or ``advanced`` (Cisco standard = basic, extended = advanced).
    ``label`` is the optional name of a numbered Huawei/H3C ACL (``acl name X 3000``).
    """

    name: str
    kind: str  # "basic" | "advanced"
    rules: list[AclRule] = field(default_factory=list)
    label: str = ""
    description: str = ""

    def rule(self, rule_id: int) -> AclRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def put(self, rule: AclRule) -> None:
        self.rules = [r for r in self.rules if r.id != rule.id] + [rule]
        self.rules.sort(key=lambda r: r.id)

    def next_id(self, step: int) -> int:
        highest = max((r.id for r in self.rules), default=0)
        return (highest // step + 1) * step


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class PeriodicRange:
    days: frozenset[int]  # 0 = Monday ... 6 = Sunday
    start: time
    end: time

    def active(self, at: datetime) -> bool:
        return at.weekday() in self.days and self.start <= at.time() <= self.end


@dataclass
class AbsoluteRange:
    start: datetime | None
    end: datetime | None

    def active(self, at: datetime) -> bool:
        return (self.start is None or at >= self.start) and (self.end is None or at <= self.end)


@dataclass
class TimeRange:
    """A named time range: active when any periodic part and any absolute part match."""

    name: str
    periodic: list[PeriodicRange] = field(default_factory=list)
    absolute: list[AbsoluteRange] = field(default_factory=list)

    def active(self, at: datetime) -> bool:
        periodic_ok = not self.periodic or any(p.active(at) for p in self.periodic)
        absolute_ok = not self.absolute or any(a.active(at) for a in self.absolute)
        return periodic_ok and absolute_ok

    def parts(self, absolute_first: bool = False) -> list[PeriodicRange | AbsoluteRange]:
        """Its periodic, then its absolute parts (IOS prints the absolute ones first)."""
        parts: list[PeriodicRange | AbsoluteRange] = [*self.periodic, *self.absolute]
        if absolute_first:
            parts = [*self.absolute, *self.periodic]
        return parts


@dataclass
class LocalUser:
    """A local account. ``password_hash`` is never plain text (see ``devices.secrets``)."""

    name: str
    password_hash: str
    level: int = 15  # Huawei privilege level 0-15, Cisco privilege 0-15, H3C mapped to roles
    service_types: set[str] = field(default_factory=lambda: {"ssh"})


@dataclass
class Management:
    ssh_server: bool = True
    telnet_server: bool = False
    idle_timeout_minutes: int = 10
    vty_acl: str | None = None
    ntp_servers: list[str] = field(default_factory=list)
    log_hosts: list[str] = field(default_factory=list)
    snmp_communities: dict[str, str] = field(default_factory=dict)  # -> read/write, RO/RW
    domain_name: str = ""
    archive_path: str = ""  # Cisco ``archive`` / ``path``: needed by the revert timer


@dataclass
class DeviceConfig:
    hostname: str
    vlans: dict[int, Vlan] = field(default_factory=lambda: {1: Vlan(1)})
    interfaces: dict[str, Interface] = field(default_factory=dict)
    vlanifs: dict[int, VlanIf] = field(default_factory=dict)
    static_routes: list[StaticRoute] = field(default_factory=list)
    acls: dict[str, Acl] = field(default_factory=dict)
    time_ranges: dict[str, TimeRange] = field(default_factory=dict)
    users: dict[str, LocalUser] = field(default_factory=dict)
    management: Management = field(default_factory=Management)
    enable_secret: str | None = None  # Cisco: a hash, like user passwords
    acl_default_permit: bool = True

    def copy(self) -> DeviceConfig:
        return copy.deepcopy(self)

    def time_range_active(self, name: str | None, at: datetime) -> bool:
        if name is None:
            return True
        time_range = self.time_ranges.get(name)
        # VRP and IOS both treat a rule naming an undefined time range as inactive.
        return time_range is not None and time_range.active(at)

    def acl_permits(self, acl_name: str | None, packet: Packet, at: datetime) -> bool:
        if acl_name is None or acl_name not in self.acls:
            return True
        for rule in self.acls[acl_name].rules:
            if not self.time_range_active(rule.time_range, at):
                continue
            if rule.matches(packet):
                return rule.action == "permit"
        return self.acl_default_permit

    def vlanif_up(self, vlan: int, port_up: dict[str, bool]) -> bool:
        """Whether VLANIF ``vlan`` is up, given the data plane's physical state per port."""
        vlanif = self.vlanifs.get(vlan)
        if vlanif is None or vlanif.shutdown or vlan not in self.vlans:
            return False
        return any(
            port_up.get(name, False) and not intf.shutdown and intf.carries(vlan)
            for name, intf in self.interfaces.items()
        )


@dataclass(frozen=True)
class Packet:
    source: str
    destination: str
    protocol: str = "ip"  # what the flow is: tcp, udp, icmp (``ip`` rules match all)
    source_port: int | None = None
    destination_port: int | None = None


def _wildcard_match(address: str, network: str | None, wildcard: str) -> bool:
    if network is None:
        return True
    addr = int(ipaddress.IPv4Address(address))
    net = int(ipaddress.IPv4Address(network))
    wild = int(ipaddress.IPv4Address(wildcard))
    return (addr & ~wild) & 0xFFFFFFFF == (net & ~wild) & 0xFFFFFFFF


def mask_to_wildcard(mask: str) -> str:
    return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(mask)) ^ 0xFFFFFFFF))


def mask_to_prefixlen(mask: str) -> int:
    return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen


def prefixlen_to_mask(length: int) -> str:
    return str(ipaddress.IPv4Network(f"0.0.0.0/{length}").netmask)


# --- VLAN lists -------------------------------------------------------------------------

VLAN_MIN, VLAN_MAX = 1, 4094


class VlanListError(ValueError):
    pass


def _check_vlan(vlan: int) -> int:
    if not VLAN_MIN <= vlan <= VLAN_MAX:
        raise VlanListError(f"VLAN {vlan} out of range {VLAN_MIN}-{VLAN_MAX}")
    return vlan


def parse_vlan_list_vrp(words: str | list[str]) -> set[int]:
    """``10 20 to 30`` (Huawei/H3C) -> {10, 20, ..., 30}."""
    tokens = words.split() if isinstance(words, str) else list(words)
    vlans: set[int] = set()
    i = 0
    while i < len(tokens):
        if not tokens[i].isdigit():
            raise VlanListError(f"bad VLAN {tokens[i]!r}")
        start = _check_vlan(int(tokens[i]))
        if i + 1 < len(tokens) and tokens[i + 1] == "to":
            if i + 2 >= len(tokens):
                raise VlanListError("incomplete range")
            if not tokens[i + 2].isdigit():
                raise VlanListError(f"bad VLAN {tokens[i + 2]!r}")
            end = _check_vlan(int(tokens[i + 2]))
            if end < start:
                raise VlanListError(f"bad range {start} to {end}")
            vlans.update(range(start, end + 1))
            i += 3
        else:
            vlans.add(start)
            i += 1
    if not vlans:
        raise VlanListError("empty VLAN list")
    return vlans


def vlan_runs(vlans: set[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for vlan in sorted(vlans):
        if runs and vlan == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], vlan)
        else:
            runs.append((vlan, vlan))
    return runs


def _format_runs(vlans: set[int], separator: str, through: str) -> str:
    """The runs of ``vlans`` joined by ``separator``, a run of three or more as
    ``<start><through><end>``, a run of two as two numbers (as both VRP and IOS print)."""
    parts: list[str] = []
    for start, end in vlan_runs(vlans):
        if start == end:
            parts.append(str(start))
        elif end == start + 1:
            parts.extend([str(start), str(end)])
        else:
            parts.append(f"{start}{through}{end}")
    return separator.join(parts)


def format_vlan_list_vrp(vlans: set[int]) -> str:
    """{10, 20, ..., 30} -> ``10 20 to 30`` (a run of two prints as two numbers, as VRP)."""
    return _format_runs(vlans, " ", " to ")


def parse_vlan_list_ios(text: str) -> set[int]:
    """``10,20-30`` (Cisco) -> {10, 20, ..., 30}."""
    vlans: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise VlanListError("empty element")
        if "-" in part:
            low, _, high = part.partition("-")
            if not (low.isdigit() and high.isdigit()):
                raise VlanListError(f"bad range {part!r}")
            start, end = _check_vlan(int(low)), _check_vlan(int(high))
            if end < start:
                raise VlanListError(f"bad range {part!r}")
            vlans.update(range(start, end + 1))
        elif part.isdigit():
            vlans.add(_check_vlan(int(part)))
        else:
            raise VlanListError(f"bad VLAN {part!r}")
    return vlans


def format_vlan_list_ios(vlans: set[int]) -> str:
    """{10, 20, ..., 30} -> ``10,20-30`` (a run of two prints as ``10,11``, as IOS)."""
    return _format_runs(vlans, ",", "-")
