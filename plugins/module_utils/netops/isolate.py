# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Isolate a segment, a host or a port, as a transaction that reconnect undoes exactly.

Order of work: the request is validated (nothing read yet), the switches it concerns are
read, the target is located, the blast radius is worked out, the guards decide, and only
then is anything sent. In check mode the plan and the blast radius are the answer.

* segment: at the core, the VLAN's gateway interface is shut and the VLAN removed from the
  core's trunks; the other VLANs on the same trunks keep working.
* host (IP or MAC): ARP on the core gives the MAC, the MAC tables are followed through the
  trunks (the next switch is the one whose management address is learned on that trunk)
  to the access port; that port is shut and the address blocked at the core's gateway
  interface with an ACL.
* port (SWITCH:INTERFACE): that port is shut.

Guards: the management VLAN and any port on the controller's path to a switch (a port on
which the controller's or a managed switch's management MAC is learned) are never cut:
reconnecting needs that path. Protected endpoints (inventory ``protected: true``) refuse
the isolation unless ``force`` with a ``reason``.

Each change is built as blocks of commands, each with its exact inverse written beside it
(``Block``: shut / undo shutdown, remove / add a VLAN on a trunk, add / delete a rule, bind /
unbind an ACL); the record keeps the inverse with the configurations before and after, and
reconnect applies it and proves the result equals the before (or, where other isolations
overlap on the switch, exactly what the records say it should hold).

Every switch a change touches is locked (module_utils/state) from the read of its "before"
to the record; a host whose access switch does not answer is blocked at the core and
recorded as a partial isolation, completed by the next run once the switch answers.
"""

from __future__ import annotations

import ipaddress
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..netdev import facts
from ..netdev.backup import mask_secrets
from ..netdev.dialects import dialect_for
from ..netdev.session import DeviceSession
from ..netdev.text import strip_comments
from ..state import locks
from ..state.store import Hold
from . import transactions
from .errors import CommandRejected, InputError, NetdevError, Refused
from .names import full_interface, gateway_interface, has_gateway, interface_sections
from .network import Inventory, SessionPool, Switch, SwitchView, read_each, read_many, session_for

FEATURES = ["vlans", "vlanif", "interfaces", "acl"]
MAX_HOPS = 8


@dataclass
class Target:
    kind: str
    value: str
    vlan: dict[str, Any] = field(default_factory=dict)  # a segment: its VLAN from the plan
    ip: str = ""
    mac: str = ""
    switch: str = ""
    interface: str = ""

    @property
    def key(self) -> str:
        if self.kind == "segment":
            return f"segment:{self.vlan['id']}"
        if self.kind == "port":
            return f"port:{self.switch}:{self.interface}"
        return f"host:{self.ip or self.mac}"


def parse_target(
    inventory: Inventory, segment: Any = None, host: Any = None, port: Any = None
) -> Target:
    given = [
        (k, str(v).strip())
        for k, v in (("segment", segment), ("host", host), ("port", port))
        if v not in (None, "")
    ]
    if len(given) != 1:
        raise InputError(
            "give exactly one of segment, host or port "
            f"(given: {', '.join(k for k, _value in given) or 'none'})"
        )
    kind, value = given[0]
    target = Target(kind=kind, value=value)
    if kind == "segment":
        target.vlan = inventory.vlan(value)
    elif kind == "host":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            address = None
        if address is not None:
            if address.version != 4:
                raise InputError(f"host: {value!r}: only IPv4 addresses are located (ARP)")
            target.ip = str(address)
        elif (
            re.fullmatch(r"[0-9A-Fa-f:.\-]+", value)
            and re.search(r"[:.\-]", value)
            or re.fullmatch(r"[0-9A-Fa-f]{12}", value)
        ):
            try:
                target.mac = facts.normalise_mac(value)
            except ValueError:
                raise InputError(
                    f"host: {value!r} is a malformed MAC address (12 hex digits, "
                    "e.g. 52:54:00:0a:00:01 or 5254-000a-0001)"
                ) from None
        else:
            raise InputError(f"host: {value!r} is neither an IPv4 address nor a MAC address")
    else:
        switch, _colon, interface = value.partition(":")
        if not switch or not interface:
            raise InputError(
                f"port: {value!r} is not SWITCH:INTERFACE (e.g. ACC-1:GigabitEthernet0/0/1)"
            )
        inventory.switch(switch, "port")
        target.switch, target.interface = switch, interface
    return target


@dataclass(frozen=True)
class Options:
    """How to isolate: everything but the target, validated once by ``isolate``."""

    operator: str = "hisops"
    reason: str = ""
    force: bool = False
    check_mode: bool = False
    save: bool = True
    block_at_core: bool = True  # a host: also block its address at its gateway on the core
    acl: int = 3999  # the core's address-block ACL
    workers: int = 8
    quarantine_ssh_to: str = (
        ""  # a host: filter its port to pass only its SSH replies to this address
    )
    quarantine_acl: int = 3998
    fence_of: str = ""  # the database server this isolation fences (reconnected by db_rejoin only)
    lock_wait_s: float = 300

    def validate(self, target: Target) -> None:
        if self.quarantine_ssh_to and target.kind != "host":
            raise InputError("quarantine_ssh_to: only a host isolation can be quarantined")
        if self.quarantine_ssh_to:
            try:
                ipaddress.ip_address(self.quarantine_ssh_to)
            except ValueError:
                raise InputError(
                    f"quarantine_ssh_to: {self.quarantine_ssh_to!r} is not an IP address"
                ) from None
        if self.force and not self.reason.strip():
            raise InputError(
                "reason: force=true needs a reason (it is recorded with the isolation)"
            )
        if not self.check_mode and not self.reason.strip():
            raise InputError("reason: say why this is isolated (recorded with the isolation)")


Block = tuple[list[str], list[str]]  # commands and their exact inverse


@dataclass
class DeviceChange:
    device: str
    platform: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def commands(self) -> list[str]:
        return [line for commands, _inverse in self.blocks for line in commands]

    @property
    def inverse(self) -> list[str]:
        """Undo in the reverse order: unbind a filter before its ACL goes."""
        return [line for _commands, inverse in reversed(self.blocks) for line in inverse]


@dataclass
class Plan:
    target: Target
    located: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, DeviceChange] = field(default_factory=dict)
    blast_radius: dict[str, Any] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)  # never overridable
    protected: list[dict[str, Any]] = field(default_factory=list)  # overridable with force
    views: dict[str, SwitchView] = field(default_factory=dict)
    partial: str = ""  # why part of the isolation could not be done (a switch that does not answer)
    block: dict[str, Any] = field(default_factory=dict)  # a host's address block: switch, acl

    @property
    def commands(self) -> dict[str, list[str]]:
        return {name: change.commands for name, change in self.changes.items() if change.commands}


# -- reading and locating -------------------------------------------------------------------


def _management_macs(inventory: Inventory, cores: dict[str, SwitchView]) -> dict[str, str]:
    """MAC -> what it is ("switch AGG-1", "the controller"), from the cores' ARP tables."""
    by_ip = {row["ip"]: row["mac"] for view in cores.values() for row in view.arp}
    macs = {}
    for switch in inventory.switches.values():
        if switch.mgmt_ip and switch.mgmt_ip in by_ip:
            macs[by_ip[switch.mgmt_ip]] = f"switch {switch.name}"
    if inventory.controller_ip and inventory.controller_ip in by_ip:
        macs[by_ip[inventory.controller_ip]] = "the controller"
    return macs


def _switch_of(description: str) -> str:
    return description.split(" ", 1)[1] if description.startswith("switch ") else ""


def read_cores(
    inventory: Inventory, workers: int, pool: SessionPool | None = None
) -> dict[str, SwitchView]:
    if not inventory.cores:
        raise InputError("switches: no switch with role core in the inventory (hisops_role: core)")
    return read_many(inventory.cores, arp=lambda s: True, workers=workers, pool=pool)


def locate(
    inventory: Inventory,
    target: Target,
    views: dict[str, SwitchView],
    workers: int,
    pool: SessionPool | None = None,
) -> dict[str, Any]:
    """Follow a host from the core's ARP/MAC tables through the trunks to its access port."""
    cores = {n: v for n, v in views.items() if v.switch.role == "core"}
    mac = target.mac
    if target.ip:
        for view in cores.values():
            mac = next((r["mac"] for r in view.arp if r["ip"] == target.ip), "")
            if mac:
                break
        if not mac:
            raise InputError(
                f"host: {target.ip} is in no ARP table of the core ({', '.join(cores)}): "
                "unknown host, or it is switched off"
            )
        target.mac = mac
    start = next((v for v in cores.values() if v.port_of(mac)), None)
    if start is None:
        raise InputError(
            f"host: {mac} is in no MAC table of the core ({', '.join(cores)}): unknown host"
        )
    switch_macs = {
        m: _switch_of(d) for m, d in _management_macs(inventory, cores).items() if _switch_of(d)
    }
    unanswered: dict[str, str] = {}
    path: list[dict[str, Any]] = []

    def found_at(view: SwitchView, port: str) -> dict[str, Any]:
        """Where the host is: the last switch of the path, its port and the host's VLAN."""
        row = next((r for r in view.macs if r["mac"] == mac), {"vlan": 0})
        ip = target.ip or next(
            (r["ip"] for c in cores.values() for r in c.arp if r["mac"] == mac), ""
        )
        return {
            "switch": view.switch.name,
            "port": port,
            "vlan": row["vlan"],
            "mac": mac,
            "ip": ip,
            "path": path,
            "hops": len(path) - 1,
        }

    view, visited = start, {start.switch.name}
    for _hop in range(MAX_HOPS):
        port = view.port_of(mac)
        facts_of_port = view.ports.get(port)
        trunk = bool(facts_of_port and facts_of_port.trunk)
        path.append({"switch": view.switch.name, "port": port, "trunk": trunk})
        if not trunk:
            return found_at(view, port)
        behind = [
            name
            for m, name in switch_macs.items()
            if name not in visited and name in inventory.switches and view.port_of(m) == port
        ]
        if not behind:
            raise InputError(
                f"host: {mac} is learned on trunk {view.switch.name}:{port}, but no managed "
                "switch is known behind it (unmanaged switch?); isolate the port instead"
            )
        unread = [inventory.switches[n] for n in behind if n not in views]
        read, silent = read_each(unread, workers=workers, pool=pool)
        views.update(read)
        unanswered.update(silent)
        # The next hop is the switch behind this trunk that sees the others behind it in turn.
        here = _mgmt_mac_of(switch_macs, view.switch.name)

        def behind_it(candidate: SwitchView, here: str = here, behind: list[str] = behind) -> int:
            uplink = candidate.port_of(here) if here else ""
            return sum(
                1
                for n in behind
                if n != candidate.switch.name
                and candidate.port_of(_mgmt_mac_of(switch_macs, n)) not in ("", uplink)
            )

        candidates = [views[n] for n in behind if n in views]
        silent_here = sorted(n for n in behind if n in unanswered)
        if silent_here:  # only a switch that learns the host below itself can be the next hop
            candidates = [
                c for c in candidates if c.port_of(mac) not in ("", c.port_of(here) if here else "")
            ]
        if not candidates:
            return {**found_at(view, port), "unanswered": {n: unanswered[n] for n in silent_here}}
        view = max(candidates, key=behind_it)
        visited.add(view.switch.name)
    raise InputError(f"host: {mac}: more than {MAX_HOPS} trunk hops, giving up")


def _mgmt_mac_of(switch_macs: dict[str, str], name: str) -> str:
    return next((m for m, n in switch_macs.items() if n == name), "")


# -- plans ----------------------------------------------------------------------------------


def _shut(interface: str, platform: str) -> list[Block]:
    dialect = dialect_for(platform)
    leave = dialect.leave
    return [
        (
            [f"interface {interface}", "shutdown", leave],
            [f"interface {interface}", f"{dialect.negation}shutdown", leave],
        )
    ]


def _remove_vlan(interface: str, vlan: int, platform: str) -> list[Block]:
    dialect = dialect_for(platform)
    remove, add = dialect.trunk_vlan_edit(vlan)
    leave = dialect.leave
    return [([f"interface {interface}", remove, leave], [f"interface {interface}", add, leave])]


def _endpoints(
    inventory: Inventory,
    rows: list[dict[str, Any]],
    skip: dict[str, str],
    where: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["mac"] in skip or row["mac"] in seen:
            continue
        known = inventory.endpoint(mac=row["mac"]) or {}
        seen[row["mac"]] = {
            "name": known.get("name", ""),
            "mac": row["mac"],
            "ip": known.get("ip", ""),
            "vlan": row["vlan"],
            "department": known.get("department") or _department(inventory, row["vlan"]),
            "protected": bool(known.get("protected")),
            "known": bool(known),
            **({"seen_on": where[row["mac"]]} if where and row["mac"] in where else {}),
        }
    return sorted(seen.values(), key=lambda e: (e["vlan"], e["name"] or e["mac"]))


def _department(inventory: Inventory, vlan: int) -> str:
    for entry in inventory.vlans:
        if int(entry["id"]) == int(vlan):
            return entry.get("department") or entry.get("name", "")
    return ""


def _radius(
    ports: list[str], vlans: list[int], endpoints: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    by_department: dict[str, list[str]] = {}
    for entry in endpoints:
        by_department.setdefault(entry["department"] or "unknown", []).append(
            entry["name"] or entry["mac"]
        )
    return {
        "ports": sorted(ports),
        "vlans": sorted(set(vlans)),
        "endpoints": endpoints,
        "by_department": by_department,
        "protected": [e["name"] or e["mac"] for e in endpoints if e["protected"]],
        **extra,
    }


def plan_segment(inventory: Inventory, target: Target, views: dict[str, SwitchView]) -> Plan:
    plan = Plan(target=target, views=views)
    vid = int(target.vlan["id"])
    if vid == int(inventory.mgmt_vlan):
        plan.refusals.append(
            f"segment: VLAN {vid} is the management VLAN: cutting it cuts the controller off the "
            "switches (and off the reconnection)"
        )
    if inventory.controller_ip and inventory.vlan_of_ip(inventory.controller_ip) == vid:
        plan.refusals.append(
            f"segment: VLAN {vid} holds the controller ({inventory.controller_ip})"
        )
    skip = _management_macs(inventory, views)
    rows, ports = [], []
    for name, view in views.items():
        platform = view.switch.platform
        commands: list[Block] = []
        gateway = gateway_interface(vid, platform)
        if has_gateway(view.config, platform, vid):
            ports.append(f"{name}:{gateway}")
            section = interface_sections(view.config, platform)[gateway]
            if "shutdown" not in section.children:
                commands += _shut(gateway, platform)
        for port in view.ports.values():
            if port.trunk and vid in port.vlans:
                ports.append(f"{name}:{port.name}")
                commands += _remove_vlan(port.name, vid, platform)
        rows += [r for r in view.macs if r["vlan"] == vid]
        plan.changes[name] = DeviceChange(name, platform, commands)
    own = {r["mac"] for v in views.values() for r in v.arp if r["ip"] == target.vlan.get("gateway")}
    endpoints = _endpoints(inventory, rows, {**skip, **{m: "gateway" for m in own}})
    seen = {e["mac"] for e in endpoints}
    for entry in inventory.endpoints:  # known members that are off right now still belong
        if int(entry.get("vlan") or 0) == vid and entry.get("mac") not in seen:
            endpoints.append(
                {
                    "name": entry.get("name", ""),
                    "mac": entry.get("mac", ""),
                    "ip": entry.get("ip", ""),
                    "vlan": vid,
                    "known": True,
                    "seen": False,
                    "department": entry.get("department") or _department(inventory, vid),
                    "protected": bool(entry.get("protected")),
                }
            )
    plan.blast_radius = _radius(ports, [vid], endpoints)
    plan.protected = [e for e in endpoints if e["protected"]]
    plan.located = {"vlan": vid, "name": target.vlan.get("name", ""), "devices": sorted(views)}
    return plan


def _port_guards(
    plan: Plan,
    inventory: Inventory,
    view: SwitchView,
    interface: str,
    mgmt: dict[str, str],
    field_name: str,
) -> None:
    carried = sorted({mgmt[r["mac"]] for r in view.macs_on(interface) if r["mac"] in mgmt})
    if carried:
        plan.refusals.append(
            f"{field_name}: {view.switch.name}:{interface} is on the controller's management path "
            f"({', '.join(carried)} learned on it): shutting it would cut the controller off"
        )
    port = view.ports.get(interface)
    if port and port.trunk and int(inventory.mgmt_vlan) in port.vlans:
        plan.refusals.append(
            f"{field_name}: {view.switch.name}:{interface} is a trunk carrying the management "
            f"VLAN {inventory.mgmt_vlan}"
        )


def plan_port(inventory: Inventory, target: Target, views: dict[str, SwitchView]) -> Plan:
    plan = Plan(target=target, views=views)
    view = views[target.switch]
    interface = full_interface(target.interface, list(view.ports))
    if interface not in view.ports:
        raise InputError(f"port: {target.switch} has no interface {target.interface!r}")
    target.interface = interface
    mgmt = _management_macs(inventory, {n: v for n, v in views.items() if v.switch.role == "core"})
    _port_guards(plan, inventory, view, interface, mgmt, "port")
    port = view.ports[interface]
    commands = [] if port.shutdown else _shut(interface, view.switch.platform)
    plan.changes[target.switch] = DeviceChange(target.switch, view.switch.platform, commands)
    endpoints = _endpoints(inventory, view.macs_on(interface), mgmt)
    plan.blast_radius = _radius(
        [f"{target.switch}:{interface}"],
        sorted(port.vlans) if not port.trunk else sorted({e["vlan"] for e in endpoints}),
        endpoints,
    )
    plan.protected = [e for e in endpoints if e["protected"]]
    plan.located = {"switch": target.switch, "port": interface, "trunk": port.trunk}
    return plan


def _acl_commands(view: SwitchView, vlan: int, ip: str, acl: int) -> list[Block]:
    """Block one address at the gateway of its VLAN with the isolation ACL (inbound)."""
    platform = view.switch.platform
    sections = {s.line: s for s in _sections(view)}
    gateway = gateway_interface(vlan, platform)
    gateway_lines = interface_sections(view.config, platform).get(gateway)
    if gateway_lines is None:
        return []
    dialect = dialect_for(platform)
    name = dialect.acl_id(acl, acl_name(acl))
    header = dialect.acl_header(name)
    deny, permit = dialect.acl_deny_host(ip), dialect.acl_permit_any()
    bind, unbind = dialect.acl_filter(name, "inbound")
    leave = dialect.leave
    existing = sections.get(header)
    rules = existing.children if existing else []
    commands: list[Block] = []
    if not any(_rule_body(r) == deny for r in rules):
        used = {
            int(m.group(1)): _rule_body(r)
            for r in rules
            if (m := re.match(r"^(?:rule )?(\d+) ", r))
        }
        # Before the closing permit, wherever it is now: classic IOS saves no numbers, and
        # after a reload its 4000 is 10 x (entries): numbered past it, a deny would never match.
        closing = min([n for n, body in used.items() if body == permit] + [4000])
        number = max([n for n in used if n < closing] + [0]) + 5
        if number >= closing:
            raise Refused(
                f"host: {view.switch.name}: {header} has no free number before its closing "
                f"'{permit}' ({closing})",
                hint="nothing was changed; renumber the ACL on the switch, then isolate again",
            )
        if existing:
            commands.append(
                (
                    [header, dialect.acl_rule(number, deny), leave],
                    [header, f"{dialect.negation}{dialect.acl_rule(number, '')}", leave],
                )
            )
        else:
            commands.append(
                (
                    [header, dialect.acl_rule(number, deny), dialect.acl_rule(4000, permit), leave],
                    [f"{dialect.negation}{header}"],
                )
            )
    bound = [c for c in gateway_lines.children if dialect.filters_inbound(c)]
    if bind not in gateway_lines.children:
        if bound:
            raise Refused(
                f"host: {view.switch.name}:{gateway} already filters inbound ({bound[0]}); the "
                "address cannot be blocked there with the isolation ACL",
                hint="set block_at_core: false to only shut the access port",
            )
        commands.append(
            ([f"interface {gateway}", bind, leave], [f"interface {gateway}", unbind, leave])
        )
    return commands


def _quarantine_commands(
    view: SwitchView, interface: str, ip: str, ssh_to: str, acl: int
) -> list[Block]:
    """An inbound filter on the host's own access port that passes only its SSH replies to
    ``ssh_to`` (the controller): once the port is up again, the controller can log in and
    nobody, not even a server in the same VLAN, gets any other answer from it."""
    platform = view.switch.platform
    dialect = dialect_for(platform)
    leave = dialect.leave
    name = dialect.acl_id(acl, f"HISOPS-QUARANTINE-{acl}")
    header = dialect.acl_header(name)
    rules = dialect.acl_ssh_replies_only(ip, ssh_to)
    bind, unbind = dialect.acl_filter(name, "inbound")
    other = dialect.acl_filter_prefix()
    if header in {s.line for s in _sections(view)}:
        raise Refused(
            f"quarantine_acl: ACL {acl} already exists on {view.switch.name}",
            hint="nothing was changed; choose a free ACL number for the quarantine",
        )
    port = interface_sections(view.config, platform).get(interface)
    bound = [c for c in (port.children if port else []) if c.startswith(other)]
    if bound:
        raise Refused(
            f"host: {view.switch.name}:{interface} already filters traffic ({bound[0]}); "
            "the quarantine filter cannot be bound there",
            hint="nothing was changed",
        )
    return [
        ([header, *rules, leave], [f"{dialect.negation}{header}"]),
        ([f"interface {interface}", bind, leave], [f"interface {interface}", unbind, leave]),
    ]


def acl_name(acl: int) -> str:
    return f"HISOPS-ISOLATE-{acl}"


def _rule_body(rule: str) -> str:
    """A rule without its number, blanks collapsed (classic IOS pads ``deny   ip ...``)."""
    return " ".join(re.sub(r"^(?:rule )?\d+ ", "", rule.strip()).split())


def _sections(view: SwitchView):
    from ..netplan.configtree import parse_sections

    return parse_sections(view.acl_config, view.switch.platform)  # IOS 15.x: numbers read


def plan_host(
    inventory: Inventory,
    target: Target,
    views: dict[str, SwitchView],
    options: Options,
    pool: SessionPool | None = None,
) -> Plan:
    block_at_core, acl = options.block_at_core, options.acl
    quarantine_ssh_to, quarantine_acl = options.quarantine_ssh_to, options.quarantine_acl
    located = locate(inventory, target, views, options.workers, pool)
    plan = Plan(target=target, views=views, located=located)
    edge = views[located["switch"]]
    mgmt = _management_macs(inventory, {n: v for n, v in views.items() if v.switch.role == "core"})
    if target.mac in mgmt:
        plan.refusals.append(f"host: {target.value} is {mgmt[target.mac]}: it is never isolated")
    silent = located.get("unanswered") or {}
    if silent:  # partial: the access port is out of reach, the core's block is all there is
        plan.partial = (
            f"the access port of {target.mac} is behind {edge.switch.name}:{located['port']} on "
            f"{', '.join(silent)}, which did not answer ({'; '.join(silent.values())})"
        )
        if quarantine_ssh_to:
            plan.refusals.append(f"host: {plan.partial}: a fence needs the port itself")
        elif not block_at_core or not located.get("ip"):
            plan.refusals.append(
                f"host: {plan.partial}, and "
                + ("block_at_core is false" if not block_at_core else "its address is unknown")
                + ": nothing can cut it off now"
            )
        commands = []
    else:
        _port_guards(plan, inventory, edge, located["port"], mgmt, "host")
        port = edge.ports.get(located["port"])
        commands = [] if port and port.shutdown else _shut(located["port"], edge.switch.platform)
    if quarantine_ssh_to and commands:
        if not located.get("ip"):
            plan.refusals.append(
                f"host: {target.value} has no known address: a quarantine needs one"
            )
        else:  # filter first, then shut: the port comes back up (stage=port) behind the filter
            commands = (
                _quarantine_commands(
                    edge, located["port"], located["ip"], quarantine_ssh_to, quarantine_acl
                )
                + commands
            )
        block_at_core = False  # the filter on the port is the tighter block
    if not silent:
        plan.changes[edge.switch.name] = DeviceChange(
            edge.switch.name, edge.switch.platform, commands
        )
    ports = [] if silent else [f"{edge.switch.name}:{located['port']}"]
    blocked = ""
    if block_at_core and located.get("ip"):
        core = next(
            (
                v
                for v in views.values()
                if v.switch.role == "core"
                and has_gateway(v.config, v.switch.platform, located["vlan"])
            ),
            None,
        )
        if core is not None:
            lines = _acl_commands(core, located["vlan"], located["ip"], acl)
            change = plan.changes.get(core.switch.name)
            if change:
                change.blocks += lines
            else:
                plan.changes[core.switch.name] = DeviceChange(
                    core.switch.name, core.switch.platform, lines
                )
            gateway = gateway_interface(located["vlan"], core.switch.platform)
            blocked = f"{located['ip']} at {core.switch.name}:{gateway} (ACL {acl})"
            plan.block = {"switch": core.switch.name, "acl": acl}
            ports.append(f"{core.switch.name}:{gateway}")
    rows = (
        [r for r in edge.macs if r["mac"] == target.mac]
        if silent
        else edge.macs_on(located["port"])
    )
    endpoints = _endpoints(inventory, rows, mgmt)
    plan.blast_radius = _radius(ports, [located["vlan"]], endpoints, blocked_at_core=blocked)
    known = inventory.endpoint(mac=target.mac, ip=target.ip)
    plan.protected = [e for e in endpoints if e["protected"]] or (
        [known] if known and known.get("protected") else []
    )
    return plan


def make_plan(
    inventory: Inventory,
    target: Target,
    options: Options | None = None,
    pool: SessionPool | None = None,
) -> Plan:
    options = options or Options()
    views = read_cores(inventory, options.workers, pool)
    if target.kind == "segment":
        return plan_segment(inventory, target, views)
    if target.kind == "port":
        if target.switch not in views:
            views.update(
                read_many([inventory.switches[target.switch]], arp=lambda s: False, pool=pool)
            )
        return plan_port(inventory, target, views)
    return plan_host(inventory, target, views, options, pool)


# -- acting ---------------------------------------------------------------------------------


def _apply_one(
    switch: Switch, before: str, change: DeviceChange, save: bool, pool: SessionPool | None = None
) -> dict[str, Any]:
    """Send the blocks and read back; on a refused line undo what was sent, and prove it."""
    with session_for(switch, pool) as session:
        try:
            session.config_set(change.commands)
        except CommandRejected as exc:
            session.leave_config_mode()
            exc.hint = _undo_and_prove(session, change, before, exc.command)
            raise
        after = strip_comments(session.running_config())
        if save:
            session.save()
    return {
        "platform": switch.platform,
        "commands": change.commands,
        "inverse": change.inverse,
        "before": mask_secrets(before),
        "after": mask_secrets(after),
        "saved": save,
        "raw_after": after,
    }


def _undo_and_prove(
    session: DeviceSession, change: DeviceChange, before: str, failed: str = ""
) -> str:
    """The inverse of every block up to the one that failed (a block is undone whole)."""
    sent: list[Block] = []
    for block in change.blocks:
        sent.append(block)
        if failed and failed.strip() in [c.strip() for c in block[0]]:
            break
    undo = [line for _commands, inverse in reversed(sent) for line in inverse]
    try:
        session.config_set(undo)
    except CommandRejected:
        session.leave_config_mode()  # part of the block never took: nothing to undo there
    now = mask_secrets(strip_comments(session.running_config()))
    if now == mask_secrets(before):
        return "nothing was left half-applied: the device is back on its previous configuration"
    return f"the device differs from its previous configuration after the undo ({undo}): check it by hand"


def undo_device(switch: Switch, change: DeviceChange, before: str) -> str:
    """Put a device back when a sibling device's change failed."""
    with DeviceSession(switch.params) as session:
        return _undo_and_prove(session, change, before)


def apply(
    inventory: Inventory, plan: Plan, save: bool, workers: int = 8, pool: SessionPool | None = None
) -> dict[str, dict[str, Any]]:
    """Push every device's change at once; if one fails, the others are put back."""
    changes = [c for c in plan.changes.values() if c.commands]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(changes) or 1))) as threads:
        futures = {
            c.device: threads.submit(
                _apply_one, inventory.switches[c.device], plan.views[c.device].config, c, save, pool
            )
            for c in changes
        }
        results, errors = {}, []
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except NetdevError as exc:
                errors.append(exc)
    if errors:
        notes = [
            f"{name}: {undo_device(inventory.switches[name], plan.changes[name], plan.views[name].config)}"
            for name in results
        ]
        first = errors[0]
        if notes:
            first.hint = (first.hint + "; " if first.hint else "") + "; ".join(notes)
        raise first
    return results


def verify(plan: Plan, results: dict[str, dict[str, Any]], inventory: Inventory) -> dict[str, bool]:
    """The isolation is in place when planning again against the configuration after would
    send nothing more (the port shut, the VLAN off the trunks, the ACL bound)."""
    verified = {}
    for name, result in results.items():
        view = SwitchView(
            switch=inventory.switches[name],
            config=result["raw_after"],
            macs=plan.views[name].macs,
            arp=plan.views[name].arp,
        )
        from .names import ports as port_facts

        view.ports = port_facts(view.config, view.switch.platform)
        again = {**plan.views, name: view}
        target = plan.target
        if target.kind == "segment":
            left = plan_segment(inventory, target, {name: view}).changes[name].commands
        elif target.kind == "port":
            left = plan_port(inventory, target, again).changes[name].commands
        else:
            left = _host_left(plan, view)
        verified[name] = not left
    return verified


def _host_left(plan: Plan, view: SwitchView) -> list[str]:
    located = plan.located
    left: list[str] = []
    if view.switch.name == located["switch"] and not plan.partial:
        port = view.ports.get(located["port"])
        left += [] if port and port.shutdown else ["shutdown"]
        section = interface_sections(view.config, view.switch.platform).get(located["port"])
        # Only the port's own filter (a quarantine): where the host sits on the core itself,
        # the gateway's binding is among the same commands and is checked below.
        in_port, filters = False, []
        for c in plan.changes[view.switch.name].commands:
            if c.startswith("interface "):
                in_port = c == f"interface {located['port']}"
            elif in_port and dialect_for(view.switch.platform).acl_applied.match(c):
                filters.append(c)
        left += [f for f in filters if f not in (section.children if section else [])]
    if plan.block.get("switch") == view.switch.name:
        left += [
            line
            for block, _inverse in _acl_commands(
                view, located["vlan"], located["ip"], plan.block["acl"]
            )
            for line in block
        ]
    return left


def isolate(
    inventory: Inventory,
    store: transactions.Store,
    target: Target,
    operator: str,
    reason: str = "",
    **options: Any,
) -> dict[str, Any]:
    """Isolate ``target`` as ``operator`` for ``reason``; ``options`` are the fields of
    :class:`Options`. ``quarantine_ssh_to`` (a host only): the port is also given an inbound
    filter that passes only the host's SSH replies to that address, so that a staged reconnect
    (``reconnect(stage="port")``) can bring the port up with nothing but SSH possible.
    ``fence_of`` names the database server this isolation fences (db_failover's
    ``switch_port`` fence): such an isolation is reconnected only by the rejoin."""
    opts = Options(operator=operator, reason=reason, **options)
    opts.validate(target)
    if target.kind == "host":
        # Once its port is shut, a host drops out of the ARP/MAC tables: the record finds it.
        record = _open_host_record(store, target)
        if record is not None and not record.get("partial"):
            return {
                "changed": False,
                "kind": "host",
                "target": target.value,
                "key": record["key"],
                "located": record.get("located") or {},
                "blast_radius": record.get("blast_radius", {}),
                "commands": {},
                "isolation_id": record["id"],
                "verified": {},
                "message": f"already isolated by {record['id']}",
            }
        if record is not None:  # a partial isolation: complete it where the switch answers now
            located = record.get("located") or {}
            target.ip, target.mac = (
                target.ip or located.get("ip", ""),
                target.mac or located.get("mac", ""),
            )
    with SessionPool() as pool:  # one login per switch from the read to the save
        return _isolate(inventory, store, target, opts, pool)


def _cut_off_by(store: transactions.Store, target: Target) -> Hold | None:
    """The open isolation that cut host ``target`` off already (by its IP or MAC)."""
    if target.kind != "host" or store.state is None:
        return None
    cut_off = store.state.isolated_endpoints()
    for key in (target.ip, target.mac, target.value):
        if key and key in cut_off:
            return cut_off[key]
    return None


def _open_host_record(store: transactions.Store, target: Target) -> dict[str, Any] | None:
    for record in store.open_records():
        where = record.get("located") or {}
        if record.get("kind") == "host" and (
            (target.ip and where.get("ip") == target.ip)
            or (target.mac and where.get("mac") == target.mac)
        ):
            return record
    return None


def _isolate(
    inventory: Inventory,
    store: transactions.Store,
    target: Target,
    opts: Options,
    pool: SessionPool,
) -> dict[str, Any]:
    def planned() -> Plan:
        try:
            plan = make_plan(inventory, target, opts, pool)
        except InputError as exc:
            holder = _cut_off_by(store, target)
            if holder is None:
                raise
            # The network campaign (reliability/network.py --seed 1) saw a host of an
            # isolated segment refused as "unknown host, or it is switched off": its ARP entry
            # went with the segment's isolation, which the refusal should name.
            raise Refused(
                f"{exc}: {target.value} is cut off already by isolation {holder.id} "
                f"({holder.summary}) opened by {holder.opened_by or '?'}",
                hint="nothing was changed; the host cannot be located while that isolation "
                "holds: isolate it once that isolation is reconnected, if it still must be",
            ) from exc
        if plan.refusals:
            raise Refused(
                "; ".join(plan.refusals),
                hint="nothing was changed; these guards cannot be overridden",
            )
        if plan.protected and not opts.force:
            names = ", ".join(
                f"{e.get('name') or e.get('mac')} ({e.get('department', '')})"
                for e in plan.protected
            )
            raise Refused(f"{target.kind}: protected endpoints would lose connectivity: {names}")
        return plan

    plan = planned()
    result: dict[str, Any] = {
        "changed": False,
        "kind": target.kind,
        "target": target.value,
        "key": target.key,
        "located": plan.located,
        "blast_radius": plan.blast_radius,
        "commands": plan.commands,
        "isolation_id": "",
        "verified": {},
        "partial": plan.partial,
    }
    existing = (
        _open_host_record(store, target) if target.kind == "host" else None
    ) or store.find_open(target.key)
    if not plan.commands:
        return _nothing_to_do(result, existing, plan)
    result["changed"] = True
    if opts.check_mode:
        result["message"] = "check mode: nothing sent" + (
            f"; partial: {plan.partial}" if plan.partial else ""
        )
        return result
    if store.state is None:
        return _commit(inventory, store, plan, result, existing, opts, pool)
    # Every switch it changes is locked from the read of "before" to the record: planned
    # without the locks, read again under them, planned again if another run changed them.
    for _attempt in range(3):
        names = sorted(plan.commands)
        with store.state.locks.hold(
            [locks.switch(n) for n in names],
            f"isolate {target.key}",
            opts.operator,
            wait_s=opts.lock_wait_s,
        ) as waits:
            if waits:
                result.setdefault("warnings", []).extend(waits)
            fresh = read_configs([inventory.switches[n] for n in names], opts.workers, pool)
            if any(fresh[n] != plan.views[n].config for n in names):
                plan = planned()
                existing = (
                    _open_host_record(store, target) if target.kind == "host" else None
                ) or store.find_open(target.key)
                result.update(
                    located=plan.located,
                    blast_radius=plan.blast_radius,
                    commands=plan.commands,
                    partial=plan.partial,
                )
                if not plan.commands:
                    result["changed"] = False
                    return _nothing_to_do(result, existing, plan)
                if not set(plan.commands) <= set(names):
                    continue  # it now needs another switch: take that lock too
            return _commit(inventory, store, plan, result, existing, opts, pool)
    raise NetdevError(
        f"isolation of {target.value}: the switches it needs kept changing under other runs",
        hint="nothing was changed; run it again",
    )


def _nothing_to_do(
    result: dict[str, Any], existing: dict[str, Any] | None, plan: Plan
) -> dict[str, Any]:
    result["isolation_id"] = existing["id"] if existing else ""
    if existing and plan.partial:
        result["message"] = f"still partially isolated by {existing['id']}: {plan.partial}"
    elif existing:
        result["message"] = "already isolated by " + existing["id"]
    else:
        result["message"] = (
            "nothing to do: the target is already cut off (no open isolation records it)"
        )
    return result


def read_configs(switches: list[Switch], workers: int, pool: SessionPool) -> dict[str, str]:
    """The running configurations of ``switches`` now (the "before" under the locks)."""

    def one(switch: Switch) -> str:
        with session_for(switch, pool) as session:
            return strip_comments(session.running_config())

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(switches)))) as threads:
        return dict(zip([s.name for s in switches], threads.map(one, switches), strict=True))


def _commit(
    inventory: Inventory,
    store: transactions.Store,
    plan: Plan,
    result: dict[str, Any],
    existing: dict[str, Any] | None,
    opts: Options,
    pool: SessionPool,
) -> dict[str, Any]:
    """Push, read back, record (the caller holds the switches' locks)."""
    target, operator = plan.target, opts.operator
    applied = apply(inventory, plan, opts.save, opts.workers, pool)
    verified = verify(plan, applied, inventory)
    record = existing or {
        "id": transactions.new_id(),
        "state": "open",
        "kind": target.kind,
        "target": target.value,
        "key": target.key,
        "opened_by": operator,
        "opened_at": transactions.utc_now(),
        "reason": opts.reason,
        "forced": bool(opts.force and plan.protected),
        "devices": {},
        "opened_ns": time.time_ns(),
    }
    completed = bool(existing and existing.get("partial") and not plan.partial)
    if existing and existing.get(
        "partial"
    ):  # completing: keep what the first run located and blocked
        plan.located = {
            **existing.get("located", {}),
            **{k: v for k, v in plan.located.items() if v},
        }
        kept = existing.get("blast_radius", {})
        plan.blast_radius = {
            **plan.blast_radius,
            "blocked_at_core": plan.blast_radius.get("blocked_at_core")
            or kept.get("blocked_at_core", ""),
            "ports": sorted(set(plan.blast_radius.get("ports", [])) | set(kept.get("ports", []))),
        }
    record["located"], record["blast_radius"] = plan.located, plan.blast_radius
    if plan.partial:
        record["partial"] = plan.partial
    else:
        record.pop("partial", None)
    if completed:
        record.setdefault("completions", []).append(
            {
                "by": operator,
                "at": transactions.utc_now(),
                "was": existing.get("partial") if existing else "",
            }
        )
    if opts.quarantine_ssh_to:
        edge = plan.located["switch"]
        record["quarantine"] = {
            "switch": edge,
            "port": plan.located["port"],
            "ssh_to": opts.quarantine_ssh_to,
            "acl": opts.quarantine_acl,
            "port_up": _shut(plan.located["port"], plan.changes[edge].platform)[0][1],
        }
    if opts.fence_of:
        record["fence_of"] = opts.fence_of
    for name, data in applied.items():
        data = {k: v for k, v in data.items() if k != "raw_after"}
        if name in record["devices"]:  # re-applied on an open isolation: keep the first before
            earlier = record["devices"][name]
            data["before"] = earlier["before"]
            data["commands"] = earlier["commands"] + data["commands"]
            data["inverse"] = data["inverse"] + earlier["inverse"]
        record["devices"][name] = data
    store.save(record)
    if plan.partial:
        message = (
            f"PARTIALLY isolated, recorded as {record['id']}: blocked at "
            f"{plan.blast_radius.get('blocked_at_core')}; left open: {plan.partial}. Run isolate "
            "again for this host once it answers to complete it, or reconnect to undo it"
        )
    elif completed:
        message = f"isolation {record['id']} completed: the access port is now shut too"
    else:
        message = f"isolated, recorded as {record['id']}"
    result.update(
        isolation_id=record["id"],
        verified=verified,
        record=store.path(record["id"]),
        message=message,
    )
    if plan.partial:
        result.setdefault("warnings", []).append(message)
    if not all(verified.values()):
        raise NetdevError(
            f"isolation {record['id']} was sent but the read-back does not show it on "
            f"{', '.join(n for n, ok in verified.items() if not ok)}",
            hint="check those devices; the record holds the inverse",
        )
    return result
