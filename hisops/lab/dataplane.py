"""The lab's data plane: L2 domains, MAC/ARP tables and reachability from live configs.

It reads the topology (cabling, endpoints) and each device's ``running`` configuration
(``hisops.lab.devices.model.DeviceConfig``), never writes them, and recomputes lazily
after ``invalidate()`` (the server calls it after every CLI line, timer, fault and power
change).

Model: a node is ``(device, vlan)``: the device's bridge for that VLAN, present when the
device forwards (powered, not rebooting) and the VLAN exists on it. A cable joins two
nodes when both ports are administratively up, the link is not cut, and the frame's VLAN
is carried on both sides (access VLAN / PVID untagged, trunk allowed lists tagged).
Endpoints send untagged frames into their port's untagged VLAN. Between subnets, traffic
is routed by the device holding the gateway VLANIF/SVI of each side (VLANIF up: not shut,
addressed, at least one up port carrying the VLAN); ACLs on the ports and VLANIFs on the
way (in both directions, with time ranges evaluated now) must permit it.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hisops.lab.contract import ArpEntry, MacEntry
from hisops.lab.devices.model import DeviceConfig, Interface, LinkType, Packet
from hisops.lab.platforms import LAB_PLATFORMS
from hisops.lab.topology import Endpoint, Link, PortRef, Topology

Node = tuple[str, int]  # (device, VLAN)

VLANIF_PREFIX = {name: p.vlanif_prefix for name, p in LAB_PLATFORMS.items()}

# Platforms on which a login ACL without a rule admits every SSH client. Comware 7
# ``ssh server acl``: "If the specified ACL does not exist or contains no rules, all IPv4
# SSH clients can access the device" (HPE 12900E Security CR; docs/research/issue17.md,
# finding 3). An ACL that does not exist admits everyone on every platform here.
EMPTY_LOGIN_ACL_ADMITS = frozenset({"hp_comware"})


@dataclass
class Hop:
    device: str
    vlan: int
    ingress: str = ""  # port the frame came in on ("" at the first device)
    egress: str = ""  # port it leaves on ("" where it is routed or delivered)


@dataclass
class ReachResult:
    src: str
    dst: str
    reachable: bool
    path: list[Hop] = field(default_factory=list)
    routed_by: str = ""  # the L3 device between the VLANs, if any
    device: str = ""  # where it stops, when not reachable
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "reachable": self.reachable,
            "path": [hop.__dict__ for hop in self.path],
            "path_text": self.path_text(),
            "routed_by": self.routed_by,
            "device": self.device,
            "reason": self.reason,
        }

    def path_text(self) -> str:
        parts = [self.src]
        for hop in self.path:
            parts.append(f"{hop.device}(vlan {hop.vlan})")
        parts.append(self.dst)
        return " -> ".join(parts)


class Blocked(Exception):
    def __init__(self, device: str, reason: str) -> None:
        super().__init__(reason)
        self.device = device
        self.reason = reason


class DataPlane:
    def __init__(
        self,
        topology: Topology,
        devices: dict[str, Any],
        state_of: Callable[[str], str],
        device_macs: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        switch_at: Callable[[str], str | None] | None = None,
    ) -> None:
        self.topology = topology
        # management IP -> the switch answering on it now (the lab server's view); without
        # it a switch's management IP is the topology's
        self.switch_at = switch_at
        self.clock = clock  # the lab's time (epoch seconds): time ranges are judged by it
        self.devices = devices  # name -> engine with ``.running: DeviceConfig``
        self.state_of = state_of  # "up" when forwarding, else e.g. "powered-off"
        self.device_macs = device_macs or {}
        self.cut: set[frozenset[PortRef]] = set()
        # the topology's cabling before a ``recable``: links, endpoint -> (switch, port)
        self._cabling: tuple[list[Link], dict[str, tuple[str, str]]] | None = None
        self._snapshot: _Snapshot | None = None
        self.recomputes = 0

    # -- state changes -----------------------------------------------------------------
    def invalidate(self) -> None:
        self._snapshot = None

    def _find_link(self, a: PortRef, b: PortRef) -> Link:
        link = self.topology.link_at(a)
        if link is None or link.other(a) != b:
            raise KeyError(f"no link {a} <-> {b} in the topology")
        return link

    def cut_link(self, a: PortRef, b: PortRef) -> None:
        self._find_link(a, b)
        self.cut.add(frozenset((a, b)))
        self.invalidate()

    def restore_link(self, a: PortRef, b: PortRef) -> None:
        self._find_link(a, b)
        self.cut.discard(frozenset((a, b)))
        self.invalidate()

    def link_is_cut(self, link: Link) -> bool:
        return frozenset((link.a, link.b)) in self.cut

    def recable(
        self, failed: str, spare: str, port_map: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The technician's re-cabling after a spare swap: every cable and endpoint plugged
        into ``failed`` moves to ``spare``, on the same-named port or ``port_map[port]``.

        A cable already in a target port of the spare (its own staging uplink, say) is
        pulled out first, as a technician would; the spare's other cables stay; an endpoint
        in a target port is refused. Nothing moves unless every port fits. ``restore_cabling`` (``reset`` of the whole lab)
        puts the topology's cabling back."""
        devices = self.topology.devices
        for role, name in (("failed", failed), ("spare", spare)):
            if name not in devices:
                raise KeyError(f"{role}: no device {name!r} in the topology")
        if failed == spare:
            raise ValueError(f"spare: {spare} cannot take its own cables")
        port_map = dict(port_map or {})
        unknown = sorted(p for p in port_map if p not in devices[failed].interfaces)
        if unknown:
            raise ValueError(f"port_map: {failed} has no port {', '.join(unknown)}")
        links = self.topology.links
        endpoints = self.topology.endpoints.values()
        plugged = [end for link in links for end in (link.a, link.b) if end.device == failed]
        plugged += [e.attachment for e in endpoints if e.switch == failed]
        target = {ref.interface: port_map.get(ref.interface, ref.interface) for ref in plugged}
        missing = sorted(
            f"{old} (as {new})" if old != new else old
            for old, new in target.items()
            if new not in devices[spare].interfaces
        )
        if missing:
            raise ValueError(
                f"{spare} has no port for {failed}'s {', '.join(missing)}: give a port map"
            )
        landing = {PortRef(spare, new) for new in target.values()}
        if len(landing) != len(target):
            raise ValueError(f"port_map: two of {failed}'s cables land on one port of {spare}")
        occupied = sorted(
            f"{e.name} at {e.attachment}" for e in endpoints if e.attachment in landing
        )
        if occupied:
            raise ValueError(
                f"{spare} has endpoints where {failed}'s cables go: {', '.join(occupied)}"
            )
        if self._cabling is None:
            self._cabling = (list(links), {e.name: (e.switch, e.port) for e in endpoints})

        def moved(ref: PortRef) -> PortRef:
            return PortRef(spare, target[ref.interface]) if ref.device == failed else ref

        unplugged: list[str] = []
        kept: list[Link] = []
        report: list[dict[str, str]] = []
        for link in links:
            if link.a in landing or link.b in landing:
                unplugged.append(str(link))
                continue
            new = Link(moved(link.a), moved(link.b))
            if new != link:
                near = link.a if link.a.device == failed else link.b
                report.append(
                    {"from": str(near), "to": str(moved(near)), "peer": str(link.other(near))}
                )
                if frozenset((link.a, link.b)) in self.cut:
                    self.cut.discard(frozenset((link.a, link.b)))
                    self.cut.add(frozenset((new.a, new.b)))
            kept.append(new)
        for endpoint in endpoints:
            if endpoint.switch == failed:
                near = endpoint.attachment
                endpoint.switch, endpoint.port = spare, target[near.interface]
                report.append(
                    {"from": str(near), "to": str(endpoint.attachment), "peer": endpoint.name}
                )
        self._set_links(kept)
        return {"failed": failed, "spare": spare, "moved": report, "unplugged": unplugged}

    def restore_cabling(self) -> None:
        """The topology file's cabling back (after ``recable``)."""
        if self._cabling is None:
            return
        links, attachments = self._cabling
        for name, (switch, port) in attachments.items():
            endpoint = self.topology.endpoints[name]
            endpoint.switch, endpoint.port = switch, port
        self._cabling = None
        self._set_links(links)

    def _set_links(self, links: list[Link]) -> None:
        self.topology.links[:] = links
        self.topology._links_by_port = None  # the topology's index of links by port
        self.invalidate()

    # -- queries -----------------------------------------------------------------------
    def snapshot(self) -> _Snapshot:
        if self._snapshot is None:
            self._snapshot = _Snapshot(self)
            self.recomputes += 1
        return self._snapshot

    def mac_table(self, device: str) -> list[MacEntry]:
        return self.snapshot().mac_tables().get(device, [])

    def arp_table(self, device: str) -> list[ArpEntry]:
        return self.snapshot().arp_tables().get(device, [])

    def port_up(self, device: str, port: str) -> bool:
        return self.snapshot().port_up.get(device, {}).get(port, False)

    def reach(
        self,
        src: str,
        dst: str,
        protocol: str = "ip",
        port: int | None = None,
    ) -> ReachResult:
        source = self.resolve(src)
        target = self.resolve(dst)
        snapshot = self.snapshot()
        # Time ranges are evaluated now, not when the (cached) snapshot was computed.
        snapshot.at = datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None)
        return snapshot.reach(source, target, protocol, port)

    def resolve(self, name_or_ip: str) -> Endpoint:
        """An endpoint, or a switch as the endpoint of its management address."""
        try:
            return self.topology.endpoint(name_or_ip)
        except KeyError:
            pass
        holder = self.switch_at(name_or_ip) if self.switch_at else None
        for device in self.topology.devices.values():
            address = device.mgmt_ip.split("/")[0]
            if holder is not None:  # a switch that took another's management IP (spare swap)
                address = name_or_ip if device.name == holder else ""
            elif name_or_ip == device.name:
                address = self._mgmt_ip_now(device.name, device.mgmt_vlan) or address
            if name_or_ip in (device.name, address) and address:
                vlan = self.topology.vlans[device.mgmt_vlan]
                return Endpoint(
                    name=device.name,
                    department="",
                    kind="switch",
                    mac=self.device_macs.get(device.name, ""),
                    ip=address,
                    vlan=device.mgmt_vlan,
                    switch=device.name,
                    port="",  # the switch's own management VLANIF
                    gateway="" if address == vlan.gateway else vlan.gateway,
                )
        raise KeyError(f"no endpoint or switch named or addressed {name_or_ip!r} in the topology")

    def _mgmt_ip_now(self, name: str, vlan: int) -> str:
        """The IP on a switch's management VLANIF in its running config ('' when down, none,
        or outside the management VLAN's subnet); only in a lab server (``switch_at``)."""
        if self.switch_at is None or self.state_of(name) != "up":
            return ""
        vlanif = getattr(self.devices[name], "running", None)
        vlanif = getattr(vlanif, "vlanifs", {}).get(vlan)
        ip = str(getattr(vlanif, "ip", "") or "")
        subnet = self.topology.vlans[vlan].subnet
        if not ip or (subnet is not None and ipaddress.ip_address(ip) not in subnet):
            return ""
        return ip


class _Snapshot:
    """Everything derived from one state of the lab."""

    def __init__(self, plane: DataPlane) -> None:
        self.plane = plane
        self.topology = plane.topology
        self.at = datetime.fromtimestamp(plane.clock(), UTC).replace(tzinfo=None)
        self.configs: dict[str, DeviceConfig] = {}
        for name, device in plane.devices.items():
            if plane.state_of(name) == "up":
                self.configs[name] = device.running
        self.port_up = self._port_states()
        self.adjacency = self._adjacency()
        self._macs: dict[str, list[MacEntry]] | None = None
        self._arps: dict[str, list[ArpEntry]] | None = None
        self._trees: dict[Node, dict[Node, tuple[Node | None, str, str]]] = {}

    # -- physical state ----------------------------------------------------------------
    def _port_states(self) -> dict[str, dict[str, bool]]:
        states: dict[str, dict[str, bool]] = {name: {} for name in self.plane.devices}
        for link in self.topology.links:
            ends_ok = not self.plane.link_is_cut(link) and all(
                self._admin_up(end) for end in (link.a, link.b)
            )
            for end in (link.a, link.b):
                states[end.device][end.interface] = ends_ok
        for endpoint in self.topology.endpoints.values():
            ref = endpoint.attachment
            states[ref.device][ref.interface] = self._admin_up(ref)
        return states

    def _interface(self, ref: PortRef) -> Interface | None:
        config = self.configs.get(ref.device)
        return config.interfaces.get(ref.interface) if config else None

    def _admin_up(self, ref: PortRef) -> bool:
        intf = self._interface(ref)
        return intf is not None and not intf.shutdown

    # -- L2 adjacency between (device, VLAN) nodes ------------------------------------
    def _egress(self, ref: PortRef, vlan: int) -> tuple[bool, bool]:
        """(carried, tagged) for a frame of ``vlan`` leaving by ``ref``."""
        intf = self._interface(ref)
        config = self.configs.get(ref.device)
        if intf is None or config is None or vlan not in config.vlans or not intf.carries(vlan):
            return False, False
        if intf.link_type is LinkType.ACCESS:
            return True, False
        if intf.link_type is LinkType.HYBRID:
            return True, vlan not in intf.untagged_vlans
        return True, vlan != intf.pvid

    def _ingress(self, ref: PortRef, vlan: int, tagged: bool) -> int | None:
        intf = self._interface(ref)
        config = self.configs.get(ref.device)
        if intf is None or config is None:
            return None
        if tagged:
            if intf.link_type is LinkType.ACCESS:
                accepted: int | None = vlan if vlan == intf.pvid else None
            else:
                accepted = vlan if intf.carries(vlan) else None
        else:
            accepted = intf.untagged_vlan()
        if accepted is None or accepted not in config.vlans:
            return None
        return accepted

    def _adjacency(self) -> dict[Node, list[tuple[str, Node, str]]]:
        adjacency: dict[Node, list[tuple[str, Node, str]]] = {}
        for link in self.topology.links:
            if not self.port_up[link.a.device].get(link.a.interface):
                continue
            for near, far in ((link.a, link.b), (link.b, link.a)):
                intf = self._interface(near)
                assert intf is not None
                for vlan in intf.carried_vlans():
                    carried, tagged = self._egress(near, vlan)
                    if not carried:
                        continue
                    far_vlan = self._ingress(far, vlan, tagged)
                    if far_vlan is None:
                        continue
                    adjacency.setdefault((near.device, vlan), []).append(
                        (near.interface, (far.device, far_vlan), far.interface)
                    )
        return adjacency

    def attach_node(self, endpoint: Endpoint) -> Node | None:
        ref = endpoint.attachment
        if not self.port_up[ref.device].get(ref.interface):
            return None
        vlan = self._ingress(ref, 0, tagged=False)
        return (ref.device, vlan) if vlan is not None else None

    def tree(self, root: Node) -> dict[Node, tuple[Node | None, str, str]]:
        """BFS from ``root``: node -> (previous node, egress port there, ingress port here)."""
        if root in self._trees:
            return self._trees[root]
        result: dict[Node, tuple[Node | None, str, str]] = {root: (None, "", "")}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for out_port, neighbour, in_port in self.adjacency.get(node, ()):
                if neighbour not in result:
                    result[neighbour] = (node, out_port, in_port)
                    queue.append(neighbour)
        self._trees[root] = result
        return result

    def path(
        self, tree: dict[Node, tuple[Node | None, str, str]], node: Node, root_port: str
    ) -> list[Hop]:
        hops: list[Hop] = []
        current: Node | None = node
        egress = ""
        while current is not None:
            previous, out_port, in_port = tree[current]
            hops.append(Hop(current[0], current[1], in_port, egress))
            egress = out_port
            current = previous
        hops.reverse()
        hops[0].ingress = root_port
        return hops

    # -- tables ------------------------------------------------------------------------
    def _sources(self) -> list[tuple[Node, str, str, int, str]]:
        """(attach node, attach port, MAC, IP as int, name) of everything that sends frames."""
        sources = []
        for endpoint in self.topology.endpoints.values():
            node = self.attach_node(endpoint)
            if node is not None:
                ip = int(ipaddress.IPv4Address(endpoint.ip))
                sources.append((node, endpoint.port, endpoint.mac, ip, endpoint.name))
        for name, config in self.configs.items():
            mac = self.plane.device_macs.get(name)
            if not mac:
                continue
            for vlan, vlanif in config.vlanifs.items():
                if vlanif.ip and self.vlanif_up(name, vlan):
                    ip = int(ipaddress.IPv4Address(vlanif.ip))
                    sources.append(((name, vlan), "", mac, ip, name))
        return sources

    def _learn(self) -> None:
        """Fill MAC and ARP tables: one BFS per attach point, shared by its endpoints.

        ARP: a VLANIF learns the endpoints of its subnet; between switches only the
        gateway learns the others' management addresses, and everyone learns the gateway.
        """
        macs: dict[str, list[MacEntry]] = {name: [] for name in self.plane.devices}
        arps: dict[str, list[tuple[int, ArpEntry]]] = {name: [] for name in self.plane.devices}
        gateway_ips = {
            int(ipaddress.IPv4Address(v.gateway)) for v in self.topology.vlans.values() if v.gateway
        }
        vlanifs: dict[Node, tuple[int, int, str, bool]] = {}  # node -> (net, mask, name, gw)
        for device, config in self.configs.items():
            prefix = VLANIF_PREFIX.get(self.plane.devices[device].platform, "Vlanif")
            for vlan, vlanif in config.vlanifs.items():
                network = vlanif.network()
                if network is not None and vlanif.ip and self.vlanif_up(device, vlan):
                    own = int(ipaddress.IPv4Address(vlanif.ip))
                    vlanifs[(device, vlan)] = (
                        int(network.network_address),
                        int(network.netmask),
                        f"{prefix}{vlan}",
                        own in gateway_ips,
                    )
        endpoint_names = set(self.topology.endpoints)
        gateway_nodes = {node[1]: node for node, vlanif in vlanifs.items() if vlanif[3]}
        for root, port, mac, ip, name in self._sources():
            from_switch = name not in endpoint_names
            ip_text = str(ipaddress.IPv4Address(ip))
            learners: Iterable[tuple[Node, str]]
            if from_switch and ip not in gateway_ips and root[1] in gateway_nodes:
                learners = self._towards_gateway(root, gateway_nodes[root[1]])
            else:
                learners = (
                    (node, in_port or (port if node == root else ""))
                    for node, (_prev, _out, in_port) in self.tree(root).items()
                )
            for node, here in learners:
                if not here:
                    continue
                device, vlan = node
                macs[device].append(MacEntry(mac, vlan, here))
                subnet = vlanifs.get(node)
                if subnet is None or ip & subnet[1] != subnet[0]:
                    continue
                if from_switch and not (subnet[3] or ip in gateway_ips):
                    continue
                arps[device].append((ip, ArpEntry(ip_text, mac, vlan, subnet[2], here)))
        for entries in macs.values():
            entries.sort(key=lambda e: (e.vlan, e.mac))
        self._macs = macs
        self._arps = {
            name: [e for _, e in sorted(rows, key=lambda r: r[0])] for name, rows in arps.items()
        }

    def _towards_gateway(self, source: Node, gateway: Node) -> list[tuple[Node, str]]:
        """Where a switch's own VLANIF MAC is learnt: on the way to its gateway only
        (switches talk to their gateway, not to each other)."""
        tree = self.tree(gateway)
        if source not in tree:
            return []
        learners: list[tuple[Node, str]] = []
        node = source
        while True:
            parent, out_port, _in_port = tree[node]
            if parent is None:
                return learners
            learners.append((parent, out_port))
            node = parent

    def mac_tables(self) -> dict[str, list[MacEntry]]:
        if self._macs is None:
            self._learn()
        assert self._macs is not None
        return self._macs

    def arp_tables(self) -> dict[str, list[ArpEntry]]:
        if self._arps is None:
            self._learn()
        assert self._arps is not None
        return self._arps

    def vlanif_up(self, device: str, vlan: int) -> bool:
        config = self.configs.get(device)
        if config is None:
            return False
        vlanif = config.vlanifs.get(vlan)
        if vlanif is None or not vlanif.ip:
            return False
        return config.vlanif_up(vlan, self.port_up.get(device, {}))

    # -- reachability ------------------------------------------------------------------
    def reach(self, src: Endpoint, dst: Endpoint, protocol: str, port: int | None) -> ReachResult:
        result = ReachResult(src.name, dst.name, reachable=False)
        try:
            self._reach(src, dst, protocol, port, result)
            result.reachable = True
        except Blocked as blocked:
            result.device = blocked.device
            result.reason = blocked.reason
        return result

    def _reach(
        self, src: Endpoint, dst: Endpoint, protocol: str, port: int | None, result: ReachResult
    ) -> None:
        src_node = self.require_attached(src)
        dst_node = self.require_attached(dst)
        src_tree = self.tree(src_node)
        forward = Packet(src.ip, dst.ip, protocol, None, port)
        back = Packet(dst.ip, src.ip, protocol, port, None)
        if self.same_subnet(src, dst):
            if dst_node not in src_tree:
                self.explain_l2(src, src_node, dst_node[0], dst_node[1], f"{dst.name}")
            hops = self.path(src_tree, dst_node, src.port)
            hops[-1].egress = dst.port
            result.path = hops
            self.check_acls(hops, forward, "")
            self.check_acls(list(reversed(_flip(hops))), back, "return traffic: ")
            self.check_vty(dst, forward)
            return
        src_gw = self.gateway_for(src, src_node, src_tree)
        dst_tree = self.tree(dst_node)
        dst_gw = self.gateway_for(dst, dst_node, dst_tree)
        if src_gw[0] != dst_gw[0]:
            raise Blocked(
                src_gw[0],
                f"no route from {src_gw[0]} to {dst.ip}: the gateway of VLAN {dst_node[1]} "
                f"is on {dst_gw[0]} (routing between switches is not simulated)",
            )
        router = src_gw[0]
        result.routed_by = router
        first = self.path(src_tree, src_gw, src.port)
        second = list(reversed(_flip(self.path(dst_tree, dst_gw, dst.port))))
        second[-1].egress = dst.port
        result.path = first + second
        config = self.configs[router]
        prefix = VLANIF_PREFIX.get(self.plane.devices[router].platform, "Vlanif")
        in_if = config.vlanifs[src_gw[1]]
        out_if = config.vlanifs[dst_gw[1]]
        self.check_acls(first, forward, "")
        self.check_acl(router, in_if.acl_in, forward, f"{prefix}{src_gw[1]} inbound", "")
        self.check_acl(router, out_if.acl_out, forward, f"{prefix}{dst_gw[1]} outbound", "")
        self.check_acls(second, forward, "")
        flipped_second = list(reversed(_flip(second)))
        flipped_first = list(reversed(_flip(first)))
        self.check_acls(flipped_second, back, "return traffic: ")
        self.check_acl(
            router, out_if.acl_in, back, f"{prefix}{dst_gw[1]} inbound", "return traffic: "
        )
        self.check_acl(
            router, in_if.acl_out, back, f"{prefix}{src_gw[1]} outbound", "return traffic: "
        )
        self.check_acls(flipped_first, back, "return traffic: ")
        self.check_vty(dst, forward)

    def check_vty(self, dst: Endpoint, packet: Packet) -> None:
        """A switch's own management address: the ACL bound to its VTY lines decides who
        may log in (SSH); on all three platforms a packet no rule permits is denied, but
        where the platform says so (``EMPTY_LOGIN_ACL_ADMITS``) an ACL without rules admits
        every client."""
        if dst.kind != "switch" or packet.protocol not in ("ip", "tcp"):
            return
        if packet.destination_port not in (None, 22):
            return
        config = self.configs[dst.switch]
        acl = config.management.vty_acl
        if acl is None or acl not in config.acls:
            return
        platform = self.plane.devices[dst.switch].platform
        if not config.acls[acl].rules and platform in EMPTY_LOGIN_ACL_ADMITS:
            return
        for rule in config.acls[acl].rules:
            if config.time_range_active(rule.time_range, self.at) and rule.matches(packet):
                if rule.action == "permit":
                    return
                break
        raise Blocked(
            dst.switch,
            f"ACL {acl} on {dst.switch} VTY inbound denies {packet.source} -> {packet.destination}",
        )

    def same_subnet(self, src: Endpoint, dst: Endpoint) -> bool:
        subnet = self.topology.vlans[src.vlan].subnet
        if subnet is None:
            return src.vlan == dst.vlan
        return ipaddress.ip_address(dst.ip) in subnet

    def require_attached(self, endpoint: Endpoint) -> Node:
        ref = endpoint.attachment
        config = self.configs.get(ref.device)
        if config is None:
            raise Blocked(ref.device, f"{ref.device} is {self._down_state(ref.device)}")
        if not ref.interface:  # a switch's management VLANIF
            if not self.vlanif_up(ref.device, endpoint.vlan):
                raise Blocked(ref.device, self._vlanif_problem(ref.device, endpoint.vlan))
            return (ref.device, endpoint.vlan)
        intf = config.interfaces.get(ref.interface)
        if intf is None:
            raise Blocked(ref.device, f"{ref.device} has no port {ref.interface}")
        if intf.shutdown:
            raise Blocked(ref.device, f"{ref.device} {ref.interface} is shut down")
        vlan = intf.untagged_vlan()
        if vlan is None:
            raise Blocked(
                ref.device,
                f"{ref.device} {ref.interface} drops untagged frames from {endpoint.name}",
            )
        if vlan not in config.vlans:
            raise Blocked(ref.device, f"VLAN {vlan} does not exist on {ref.device}")
        if vlan != endpoint.vlan:
            raise Blocked(
                ref.device,
                f"{ref.device} {ref.interface} puts {endpoint.name} in VLAN {vlan}, "
                f"not its VLAN {endpoint.vlan}",
            )
        return (ref.device, vlan)

    def _vlanif_problem(self, device: str, vlan: int) -> str:
        prefix = VLANIF_PREFIX.get(self.plane.devices[device].platform, "Vlanif")
        name = f"{prefix}{vlan} on {device}"
        vlanif = self.configs[device].vlanifs.get(vlan)
        if vlanif is None:
            return f"{device} has no {prefix}{vlan}"
        if vlanif.shutdown:
            return f"{name} is shut down"
        if not vlanif.ip:
            return f"{name} has no IP address"
        if vlan not in self.configs[device].vlans:
            return f"VLAN {vlan} does not exist on {device}"
        return f"{name} is down (no up port carries VLAN {vlan})"

    def _down_state(self, device: str) -> str:
        return self.plane.state_of(device)

    def gateway_for(
        self, endpoint: Endpoint, node: Node, tree: dict[Node, tuple[Node | None, str, str]]
    ) -> Node:
        address = ipaddress.ip_address(endpoint.ip)
        gateway_ip = endpoint.gateway
        candidates: list[Node] = []
        for device, config in self.configs.items():
            for vlan, vlanif in config.vlanifs.items():
                network = vlanif.network()
                if network is None or address not in network:
                    continue
                if gateway_ip and vlanif.ip != gateway_ip:
                    continue
                candidates.append((device, vlan))
        for candidate in candidates:
            if candidate in tree and self.vlanif_up(*candidate):
                return candidate
        if not candidates:
            where = self._vlanif_anywhere(address, gateway_ip)
            raise Blocked(where[0], where[1])
        device, vlan = candidates[0]
        vlanif = self.configs[device].vlanifs[vlan]
        prefix = VLANIF_PREFIX.get(self.plane.devices[device].platform, "Vlanif")
        if vlanif.shutdown:
            raise Blocked(device, f"{prefix}{vlan} on {device} is shut down")
        self.explain_l2(endpoint, node, device, vlan, f"gateway {prefix}{vlan} on {device}")
        raise Blocked(
            device, f"{prefix}{vlan} on {device} is down (no up port carries VLAN {vlan})"
        )

    def _vlanif_anywhere(self, address: Any, gateway_ip: str) -> tuple[str, str]:
        core = next(
            (n for n, d in self.topology.devices.items() if d.role == "core"),
            next(iter(self.topology.devices)),
        )
        if core not in self.configs:
            return core, f"{core} is {self._down_state(core)}"
        return core, f"no switch has the gateway {gateway_ip or address} (VLANIF/SVI missing)"

    # -- explanations ------------------------------------------------------------------
    def explain_l2(
        self, endpoint: Endpoint, start: Node, target: str, target_vlan: int, what: str
    ) -> None:
        """Walk the cabling from ``start`` towards ``target``; raise at the first fault."""
        route = self._physical_route(start[0], target)
        if route is None:
            raise Blocked(start[0], f"no cable path from {start[0]} to {target} in the topology")
        vlan = start[1]
        for near, far, link in route:
            if self.plane.link_is_cut(link):
                raise Blocked(near.device, f"link {link} is cut")
            self._check_port(near, vlan)
            carried, tagged = self._egress(near, vlan)
            if far.device not in self.configs:
                raise Blocked(far.device, f"{far.device} is {self._down_state(far.device)}")
            self._check_port(far, vlan, tagged=tagged)
            far_vlan = self._ingress(far, vlan, tagged)
            assert far_vlan is not None
            vlan = far_vlan
        if vlan != target_vlan:
            raise Blocked(
                target, f"{endpoint.name}'s frames reach {target} in VLAN {vlan}, not {target_vlan}"
            )
        raise Blocked(target, f"{what} is not reachable in VLAN {target_vlan}")

    def _check_port(self, ref: PortRef, vlan: int, tagged: bool | None = None) -> None:
        """Raise why ``ref`` does not pass ``vlan`` (egress when ``tagged`` is None)."""
        config = self.configs[ref.device]
        intf = config.interfaces.get(ref.interface)
        if intf is None:
            raise Blocked(ref.device, f"{ref.device} has no port {ref.interface}")
        if intf.shutdown:
            raise Blocked(ref.device, f"{ref.device} {ref.interface} is shut down")
        if tagged is None:
            if vlan not in config.vlans:
                raise Blocked(ref.device, f"VLAN {vlan} does not exist on {ref.device}")
            if not intf.carries(vlan):
                raise Blocked(ref.device, _not_carried(ref, intf, vlan))
            return
        if self._ingress(ref, vlan, tagged) is None:
            if tagged and vlan not in config.vlans:
                raise Blocked(ref.device, f"VLAN {vlan} does not exist on {ref.device}")
            raise Blocked(ref.device, _not_carried(ref, intf, vlan))

    def _physical_route(
        self, start: str, target: str
    ) -> list[tuple[PortRef, PortRef, Link]] | None:
        if start == target:
            return []
        previous: dict[str, tuple[str, PortRef, PortRef, Link]] = {}
        seen = {start}
        queue = deque([start])
        by_device: dict[str, list[Link]] = {}
        for link in self.topology.links:
            by_device.setdefault(link.a.device, []).append(link)
            by_device.setdefault(link.b.device, []).append(link)
        while queue:
            device = queue.popleft()
            for link in by_device.get(device, []):
                near = link.a if link.a.device == device else link.b
                far = link.other(near)
                if far.device in seen:
                    continue
                seen.add(far.device)
                previous[far.device] = (device, near, far, link)
                if far.device == target:
                    route = []
                    current = target
                    while current != start:
                        before, near_ref, far_ref, hop_link = previous[current]
                        route.append((near_ref, far_ref, hop_link))
                        current = before
                    return list(reversed(route))
                queue.append(far.device)
        return None

    def check_acls(self, hops: list[Hop], packet: Packet, label: str) -> None:
        for hop in hops:
            config = self.configs[hop.device]
            for port, direction in ((hop.ingress, "inbound"), (hop.egress, "outbound")):
                intf = config.interfaces.get(port) if port else None
                if intf is None:
                    continue
                acl = intf.acl_in if direction == "inbound" else intf.acl_out
                self.check_acl(hop.device, acl, packet, f"{port} {direction}", label)

    def check_acl(
        self, device: str, acl: str | None, packet: Packet, where: str, label: str
    ) -> None:
        if acl is None:
            return
        config = self.configs[device]
        if not config.acl_permits(acl, packet, self.at):
            raise Blocked(
                device,
                f"{label}ACL {acl} on {device} {where} denies {packet.source} -> {packet.destination}",
            )


def _flip(hops: list[Hop]) -> list[Hop]:
    return [Hop(h.device, h.vlan, h.egress, h.ingress) for h in hops]


def _not_carried(ref: PortRef, intf: Interface, vlan: int) -> str:
    if intf.link_type is LinkType.ACCESS:
        return (
            f"{ref.device} {ref.interface} is an access port in VLAN {intf.pvid}, not VLAN {vlan}"
        )
    return f"VLAN {vlan} not allowed on {ref.device} {ref.interface}"
