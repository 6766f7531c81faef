# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the emergency actions read from the switches: configuration, MAC and ARP tables.

Switches are read in parallel (one session each) and only those an action needs: a
segment isolation reads the cores, a host isolation follows the MAC tables hop by hop.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..netdev import facts
from ..netdev.session import DeviceParams, DeviceSession
from ..netdev.text import strip_comments
from ..netplan.compliance import numbered_running
from .errors import InputError, NetdevError
from .names import Port, full_interface, ports


@dataclass
class Switch:
    """One managed switch as the inventory describes it."""

    name: str
    params: DeviceParams
    role: str = ""
    mgmt_ip: str = ""  # without the prefix length

    @property
    def platform(self) -> str:
        return self.params.platform


@dataclass
class SwitchView:
    """One switch as read now."""

    switch: Switch
    config: str = ""
    macs: list[dict[str, Any]] = field(default_factory=list)  # ports expanded to full names
    arp: list[dict[str, Any]] = field(default_factory=list)
    ports: dict[str, Port] = field(default_factory=dict)
    # ``config`` with each ACL entry's sequence number written in, where the platform's
    # configuration prints none (classic IOS 15.x: read from ``show ip access-lists``); ""
    # where the configuration itself prints them. ``config`` stays as the device prints it:
    # it is what an isolation records as "before" and proves the reconnect against.
    numbered: str = ""

    @property
    def acl_config(self) -> str:
        """The configuration to number a new ACL entry from: every entry with its number."""
        return self.numbered or self.config

    def port_of(self, mac: str, vlan: int | None = None) -> str:
        for row in self.macs:
            if row["mac"] == mac and (vlan is None or row["vlan"] == vlan):
                return row["port"]
        return ""

    def macs_on(self, port: str) -> list[dict[str, Any]]:
        return [row for row in self.macs if row["port"] == port]


class SessionPool:
    """Sessions kept open across the steps of one action (read, push, read back, save): one
    login per switch instead of one per step. A switch's session serves one thread at a
    time (each step works on its own switches); a step that fails drops its session."""

    def __init__(self) -> None:
        self._open: dict[str, DeviceSession] = {}
        self._lock = threading.Lock()

    @contextmanager
    def session(self, switch: Switch) -> Iterator[DeviceSession]:
        with self._lock:
            session = self._open.pop(switch.name, None)
        if session is None:
            session = DeviceSession(switch.params)
            session.open()
        try:
            yield session
        except BaseException:
            session.close()
            raise
        with self._lock:
            self._open[switch.name] = session

    def close(self) -> None:
        with self._lock:
            sessions, self._open = list(self._open.values()), {}
        for session in sessions:
            session.close()

    def __enter__(self) -> SessionPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def session_for(switch: Switch, pool: SessionPool | None = None):
    """A session to ``switch``: the pool's (kept open), else a new one closed after use."""
    return pool.session(switch) if pool is not None else DeviceSession(switch.params)


def read_switch(
    switch: Switch, arp: bool = False, macs: bool = True, pool: SessionPool | None = None
) -> SwitchView:
    with session_for(switch, pool) as session:
        view = SwitchView(switch=switch, config=strip_comments(session.running_config()))
        numbered = numbered_running(session, view.config)
        view.numbered = numbered if numbered != view.config else ""
        view.ports = ports(view.config, switch.platform)
        names = list(view.ports)
        if macs:
            view.macs = [
                dict(row, port=full_interface(row["port"], names))
                for row in facts.mac_table(session)
            ]
        if arp:
            view.arp = facts.arp_table(session)
    return view


def read_many(
    switches: list[Switch],
    arp: Callable[[Switch], bool],
    workers: int = 8,
    pool: SessionPool | None = None,
) -> dict[str, SwitchView]:
    """Read several switches at once; the first failure is raised, naming the device."""
    if not switches:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(switches)))) as threads:
        futures = {s.name: threads.submit(read_switch, s, arp(s), True, pool) for s in switches}
        views, errors = {}, []
        for name, future in futures.items():
            try:
                views[name] = future.result()
            except NetdevError as exc:
                errors.append(str(exc))
    if errors:
        raise NetdevError("; ".join(errors))
    return views


def read_each(
    switches: list[Switch],
    workers: int = 8,
    pool: SessionPool | None = None,
) -> tuple[dict[str, SwitchView], dict[str, str]]:
    """Read several switches at once; those that do not answer come back with the reason
    instead of failing the others (an outbreak may flood one switch)."""
    if not switches:
        return {}, {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(switches)))) as threads:
        futures = {s.name: threads.submit(read_switch, s, False, True, pool) for s in switches}
        views, silent = {}, {}
        for name, future in futures.items():
            try:
                views[name] = future.result()
            except NetdevError as exc:
                silent[name] = str(exc)
    return views, silent


@dataclass
class Inventory:
    """The inventory facts the actions use: switches, VLANs, known endpoints, controller."""

    switches: dict[str, Switch]
    vlans: list[dict[str, Any]]
    mgmt_vlan: int
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    controller_ip: str = ""
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # inventory model/firmware

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.endpoints):
            mac = entry.get("mac")
            if mac:
                try:
                    entry["mac"] = facts.normalise_mac(str(mac))
                except ValueError:
                    raise InputError(f"endpoints[{i}].mac: {mac!r} is not a MAC address") from None

    @property
    def cores(self) -> list[Switch]:
        return [s for s in self.switches.values() if s.role == "core"]

    def vlan(self, value: Any, field_name: str = "segment") -> dict[str, Any]:
        """A VLAN of the plan by id or name; InputError naming the field when unknown."""
        text = str(value).strip()
        for vlan in self.vlans:
            if text == str(vlan.get("id")) or text.lower() == str(vlan.get("name", "")).lower():
                return vlan
        known = ", ".join(f"{v['id']} {v.get('name', '')}".strip() for v in self.vlans)
        raise InputError(f"{field_name}: VLAN {text!r} is not in the plan (known: {known})")

    def vlan_of_ip(self, ip: str) -> int | None:
        address = ipaddress.ip_address(ip)
        for vlan in self.vlans:
            if vlan.get("subnet") and address in ipaddress.ip_network(vlan["subnet"], strict=False):
                return int(vlan["id"])
        return None

    def endpoint(self, mac: str = "", ip: str = "") -> dict[str, Any] | None:
        for entry in self.endpoints:
            if (mac and entry.get("mac") == mac) or (ip and entry.get("ip") == ip):
                return entry
        return None

    def switch(self, name: str, field_name: str = "port") -> Switch:
        if name not in self.switches:
            raise InputError(
                f"{field_name}: switch {name!r} is not in the inventory "
                f"(known: {', '.join(sorted(self.switches))})"
            )
        return self.switches[name]
