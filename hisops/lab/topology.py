"""The lab's topology file: devices, links, endpoints, VLANs; loaded and validated.

Every error names the file, the entry and the field, for example::

    hospital.yml: devices[3] (AGG-2): field 'platform': unknown platform 'juniper'
    (expected one of huawei, hp_comware, cisco_ios)
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hisops.lab.catalog import MODELS, PLATFORMS, expand_ranges
from hisops.lab.platforms import LAB_PLATFORMS

ROLES = ("core", "aggregation", "access", "spare")
DEVICE_KEYS = {
    "hostname",
    "platform",
    "model",
    "firmware",
    "serial",
    "role",
    "interfaces",
    "address",
    "port",
    "username",
    "password",
    "secret",
    "mgmt_ip",
    "vlans",
    "startup_config",
}
ENDPOINT_KEYS = {
    "name",
    "department",
    "kind",
    "mac",
    "ip",
    "vlan",
    "attach",
    "switch",
    "port",
    "protected",
    "lab_address",
    "host",
}
VLAN_KEYS = {"id", "name", "department", "subnet", "gateway"}
ENDPOINT_KINDS = ("workstation", "server", "protected")
DEFAULT_TOPOLOGY = Path(__file__).parent / "topologies" / "hospital.yml"
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class TopologyError(ValueError):
    """A topology file that cannot be used; the message says where and why."""


@dataclass
class Vlan:
    id: int
    name: str
    department: str = ""
    subnet: ipaddress.IPv4Network | None = None
    gateway: str = ""  # the gateway address (VLANIF/SVI on the core)


@dataclass
class DeviceSpec:
    """Everything a device engine needs to build a simulated switch (``make_device``)."""

    name: str
    platform: str  # netmiko device_type
    model: str
    firmware: str
    serial: str
    role: str
    interfaces: list[str]
    address: str  # loopback address the SSH server listens on
    port: int
    username: str
    password: str
    secret: str  # Cisco enable secret
    mgmt_ip: str = ""  # e.g. 10.10.99.11/24 on the management VLANIF/SVI
    mgmt_vlan: int = 0
    mgmt_gateway: str = ""
    vlans: list[int] = field(default_factory=list)  # extra VLANs to create
    startup_config: str = ""  # saved configuration, in the platform's own syntax
    startup_config_given: bool = False  # True when the topology spelt it out


@dataclass(frozen=True)
class PortRef:
    device: str
    interface: str

    def __str__(self) -> str:
        return f"{self.device}:{self.interface}"


@dataclass(frozen=True)
class Link:
    a: PortRef
    b: PortRef

    def __str__(self) -> str:
        return f"{self.a} <-> {self.b}"

    def other(self, end: PortRef) -> PortRef:
        return self.b if end == self.a else self.a


@dataclass
class Endpoint:
    name: str
    department: str
    kind: str
    mac: str  # canonical aa:bb:cc:dd:ee:ff
    ip: str
    vlan: int
    switch: str
    port: str
    protected: bool = False
    lab_address: str = ""  # loopback address a real lab host for it may listen on
    gateway: str = ""
    host: dict[str, Any] = field(default_factory=dict)  # options for a real lab host (issue 4)

    @property
    def attachment(self) -> PortRef:
        return PortRef(self.switch, self.port)


@dataclass
class Topology:
    name: str
    source: str
    mgmt_vlan: int
    vlans: dict[int, Vlan]
    devices: dict[str, DeviceSpec]
    links: list[Link]
    endpoints: dict[str, Endpoint]
    controller: str = ""  # the endpoint Ansible runs from (lab hosts are reached from there)

    def link_at(self, port: PortRef) -> Link | None:
        return self._link_index().get(port)

    def _link_index(self) -> dict[PortRef, Link]:
        index: dict[PortRef, Link] | None = getattr(self, "_links_by_port", None)
        if index is None:
            index = {}
            for link in self.links:
                index[link.a] = link
                index[link.b] = link
            # the index, until Dataplane changes the links (then None: built again)
            self._links_by_port: dict[PortRef, Link] | None = index
        return index

    def endpoint(self, name_or_ip: str) -> Endpoint:
        if name_or_ip in self.endpoints:
            return self.endpoints[name_or_ip]
        for endpoint in self.endpoints.values():
            if endpoint.ip == name_or_ip or endpoint.lab_address == name_or_ip:
                return endpoint
        raise KeyError(f"no endpoint named or addressed {name_or_ip!r} in the topology")


# --------------------------------------------------------------------------- loading


def load_topology(path: str | Path | None = None) -> Topology:
    """Read and validate a topology file (default: the hospital)."""
    path = Path(path) if path else DEFAULT_TOPOLOGY
    try:
        text = path.read_text()
    except OSError as exc:
        raise TopologyError(f"{path}: cannot read the topology file: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TopologyError(f"{path}: not valid YAML: {exc}") from exc
    return parse_topology(data, source=str(path))


def parse_topology(data: Any, source: str = "<topology>") -> Topology:
    topology = _Parser(source).parse(data)
    from hisops.lab.startup import render_startup_configs

    render_startup_configs(topology)
    return topology


def normalise_mac(text: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", text)
    if len(digits) != 12 or not re.fullmatch(r"[0-9a-fA-F:.\-]+", text):
        raise ValueError(f"not a MAC address: {text!r}")
    digits = digits.lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, fieldname: str, reason: str) -> TopologyError:
        return TopologyError(f"{self.source}: {where}: field '{fieldname}': {reason}")

    def parse(self, data: Any) -> Topology:
        if not isinstance(data, dict):
            raise TopologyError(f"{self.source}: the top level must be a mapping")
        known = {
            "name",
            "defaults",
            "mgmt_vlan",
            "vlans",
            "devices",
            "links",
            "endpoints",
            "controller",
        }
        for key in data:
            if key not in known:
                raise self.fail("top level", str(key), f"unknown key (expected {sorted(known)})")
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise self.fail("top level", "defaults", "must be a mapping")
        vlans = self.parse_vlans(data.get("vlans") or [])
        mgmt_vlan = int(data.get("mgmt_vlan", 99))
        if mgmt_vlan not in vlans:
            raise self.fail("top level", "mgmt_vlan", f"VLAN {mgmt_vlan} is not in 'vlans'")
        devices = self.parse_devices(self.need_list(data, "devices"), defaults, vlans, mgmt_vlan)
        links, used = self.parse_links(data.get("links") or [], devices)
        endpoints = self.parse_endpoints(data.get("endpoints") or [], devices, vlans, used)
        self.check_addresses(devices, endpoints)
        controller = str(data.get("controller") or "")
        if controller and controller not in endpoints:
            raise self.fail("top level", "controller", f"no endpoint named {controller!r}")
        return Topology(
            name=str(data.get("name", Path(self.source).stem)),
            source=self.source,
            mgmt_vlan=mgmt_vlan,
            vlans=vlans,
            devices=devices,
            links=links,
            endpoints=endpoints,
            controller=controller,
        )

    def need_list(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail("top level", key, "missing or empty (a list is required)")
        return value

    @staticmethod
    def entry_name(kind: str, index: int, entry: Any, key: str) -> str:
        name = entry.get(key) if isinstance(entry, dict) else None
        return f"{kind}[{index}] ({name})" if name else f"{kind}[{index}]"

    def known_keys(self, entry: dict[str, Any], where: str, keys: set[str]) -> None:
        for key in entry:
            if key not in keys:
                raise self.fail(
                    where, str(key), f"unknown field (expected one of {', '.join(sorted(keys))})"
                )

    def require(self, entry: dict[str, Any], where: str, key: str) -> Any:
        if entry.get(key) in (None, ""):
            raise self.fail(where, key, "missing (required)")
        return entry[key]

    def parse_vlans(self, raw: Any) -> dict[int, Vlan]:
        if not isinstance(raw, list):
            raise self.fail("top level", "vlans", "must be a list")
        vlans: dict[int, Vlan] = {}
        for index, entry in enumerate(raw):
            where = self.entry_name("vlans", index, entry, "name")
            if not isinstance(entry, dict):
                raise TopologyError(f"{self.source}: {where}: must be a mapping")
            self.known_keys(entry, where, VLAN_KEYS)
            vid = self.require(entry, where, "id")
            if not isinstance(vid, int) or not 1 <= vid <= 4094:
                raise self.fail(where, "id", f"{vid!r} is not a VLAN id (1-4094)")
            if vid in vlans:
                raise self.fail(where, "id", f"VLAN {vid} is listed twice")
            subnet = None
            if entry.get("subnet"):
                try:
                    subnet = ipaddress.ip_network(str(entry["subnet"]))
                except ValueError as exc:
                    raise self.fail(where, "subnet", str(exc)) from exc
            gateway = str(entry.get("gateway", ""))
            if gateway:
                try:
                    gateway_ip = ipaddress.ip_address(gateway)
                except ValueError as exc:
                    raise self.fail(where, "gateway", str(exc)) from exc
                if subnet is None or gateway_ip not in subnet:
                    raise self.fail(where, "gateway", f"{gateway} is not inside the subnet")
            vlans[vid] = Vlan(
                id=vid,
                name=str(self.require(entry, where, "name")),
                department=str(entry.get("department", "")),
                subnet=subnet,  # type: ignore[arg-type]
                gateway=gateway,
            )
        return vlans

    def parse_devices(
        self,
        raw: list[Any],
        defaults: dict[str, Any],
        vlans: dict[int, Vlan],
        mgmt_vlan: int,
    ) -> dict[str, DeviceSpec]:
        devices: dict[str, DeviceSpec] = {}
        for index, entry in enumerate(raw):
            where = self.entry_name("devices", index, entry, "hostname")
            if not isinstance(entry, dict):
                raise TopologyError(f"{self.source}: {where}: must be a mapping")
            self.known_keys(entry, where, DEVICE_KEYS)
            name = str(self.require(entry, where, "hostname"))
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", name):
                raise self.fail(where, "hostname", f"{name!r} is not a valid hostname")
            if name in devices:
                raise self.fail(where, "hostname", f"{name} is defined twice")
            model = str(self.require(entry, where, "model"))
            info = MODELS.get(model)
            platform = str(entry.get("platform") or (info.platform if info else ""))
            if not platform:
                raise self.fail(
                    where, "platform", "missing (required for a model not in the catalog)"
                )
            if platform not in PLATFORMS:
                raise self.fail(
                    where,
                    "platform",
                    f"unknown platform {platform!r} (expected one of {', '.join(PLATFORMS)})",
                )
            if info and info.platform != platform:
                raise self.fail(where, "platform", f"model {model} is a {info.platform} switch")
            role = str(self.require(entry, where, "role"))
            if role not in ROLES:
                raise self.fail(
                    where, "role", f"unknown role {role!r} (expected {', '.join(ROLES)})"
                )
            interfaces = self.device_interfaces(entry, where, info)
            address = str(entry.get("address") or _auto_address(10, len(devices)))
            try:
                ip = ipaddress.ip_address(address)
            except ValueError as exc:
                raise self.fail(where, "address", str(exc)) from exc
            if ip not in LOOPBACK:
                raise self.fail(
                    where, "address", f"{address} is not a loopback address (127.x.y.z)"
                )
            port = entry.get("port", defaults.get("port", 22))
            if not isinstance(port, int) or not 1 <= port <= 65535:
                raise self.fail(where, "port", f"{port!r} is not a TCP port")
            mgmt_ip = str(entry.get("mgmt_ip", ""))
            if mgmt_ip:
                try:
                    iface = ipaddress.ip_interface(mgmt_ip)
                except ValueError as exc:
                    raise self.fail(where, "mgmt_ip", str(exc)) from exc
                subnet = vlans[mgmt_vlan].subnet
                if subnet is not None and iface.ip not in subnet:
                    raise self.fail(where, "mgmt_ip", f"{mgmt_ip} is outside the management VLAN")
            extra = entry.get("vlans") or []
            if not isinstance(extra, list) or not all(isinstance(v, int) for v in extra):
                raise self.fail(where, "vlans", "must be a list of VLAN ids")
            for vid in extra:
                if vid not in vlans:
                    raise self.fail(where, "vlans", f"VLAN {vid} is not defined in 'vlans'")
            username = str(entry.get("username") or defaults.get("username") or "")
            password = str(entry.get("password") or defaults.get("password") or "")
            if not username:
                raise self.fail(where, "username", "missing (set it here or in defaults)")
            if not password:
                raise self.fail(where, "password", "missing (set it here or in defaults)")
            startup = entry.get("startup_config")
            if startup is not None and not isinstance(startup, str):
                raise self.fail(where, "startup_config", "must be the configuration text")
            mgmt_gateway = vlans[mgmt_vlan].gateway
            devices[name] = DeviceSpec(
                name=name,
                platform=platform,
                model=model,
                firmware=str(entry.get("firmware") or (info.firmware if info else "")),
                serial=str(entry.get("serial") or _auto_serial(platform, index)),
                role=role,
                interfaces=interfaces,
                address=address,
                port=port,
                username=username,
                password=password,
                secret=str(entry.get("secret") or defaults.get("secret") or password),
                mgmt_ip=mgmt_ip,
                mgmt_vlan=mgmt_vlan,
                mgmt_gateway=mgmt_gateway,
                vlans=sorted(extra),
                startup_config=startup or "",
                startup_config_given=startup is not None,
            )
            if not devices[name].firmware:
                raise self.fail(
                    where, "firmware", "missing (required for a model not in the catalog)"
                )
        return devices

    def device_interfaces(self, entry: dict[str, Any], where: str, info: Any) -> list[str]:
        raw = entry.get("interfaces")
        if raw is None:
            if info is None:
                raise self.fail(
                    where,
                    "interfaces",
                    f"missing (model {entry.get('model')} is not in the catalog)",
                )
            return expand_ranges(info.ports)
        if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
            raise self.fail(where, "interfaces", "must be a list of interface names or ranges")
        try:
            names = expand_ranges(raw)
        except ValueError as exc:
            raise self.fail(where, "interfaces", str(exc)) from exc
        if len(set(names)) != len(names):
            raise self.fail(where, "interfaces", "an interface is listed twice")
        return names

    def port_ref(
        self, text: Any, where: str, fieldname: str, devices: dict[str, DeviceSpec]
    ) -> PortRef:
        if not isinstance(text, str) or ":" not in text:
            raise self.fail(where, fieldname, f"{text!r} is not DEVICE:INTERFACE")
        device, _, interface = text.partition(":")
        if device not in devices:
            raise self.fail(where, fieldname, f"unknown device {device!r}")
        if interface not in devices[device].interfaces:
            raise self.fail(where, fieldname, f"unknown port {interface!r} on {device}")
        return PortRef(device, interface)

    def parse_links(
        self, raw: Any, devices: dict[str, DeviceSpec]
    ) -> tuple[list[Link], dict[PortRef, str]]:
        if not isinstance(raw, list):
            raise self.fail("top level", "links", "must be a list")
        links: list[Link] = []
        used: dict[PortRef, str] = {}
        for index, entry in enumerate(raw):
            where = f"links[{index}]"
            if isinstance(entry, list) and len(entry) == 2:
                entry = {"a": entry[0], "b": entry[1]}
            if not isinstance(entry, dict):
                raise TopologyError(
                    f"{self.source}: {where}: must be [A:port, B:port] or {{a:, b:}}"
                )
            a = self.port_ref(self.require(entry, where, "a"), where, "a", devices)
            b = self.port_ref(self.require(entry, where, "b"), where, "b", devices)
            if a.device == b.device:
                raise self.fail(where, "b", "a link must join two different devices")
            for fieldname, end in (("a", a), ("b", b)):
                if end in used:
                    raise self.fail(where, fieldname, f"port {end} is already used by {used[end]}")
                used[end] = where
            links.append(Link(a, b))
        return links, used

    def parse_endpoints(
        self,
        raw: Any,
        devices: dict[str, DeviceSpec],
        vlans: dict[int, Vlan],
        used: dict[PortRef, str],
    ) -> dict[str, Endpoint]:
        if not isinstance(raw, list):
            raise self.fail("top level", "endpoints", "must be a list")
        endpoints: dict[str, Endpoint] = {}
        macs: dict[str, str] = {}
        ips: dict[str, str] = {}
        for index, entry in enumerate(raw):
            where = self.entry_name("endpoints", index, entry, "name")
            if not isinstance(entry, dict):
                raise TopologyError(f"{self.source}: {where}: must be a mapping")
            self.known_keys(entry, where, ENDPOINT_KEYS)
            name = str(self.require(entry, where, "name"))
            if name in endpoints:
                raise self.fail(where, "name", f"{name} is defined twice")
            kind = str(entry.get("kind", "workstation"))
            if kind not in ENDPOINT_KINDS:
                raise self.fail(
                    where, "kind", f"unknown kind {kind!r} (expected {', '.join(ENDPOINT_KINDS)})"
                )
            try:
                mac = normalise_mac(str(self.require(entry, where, "mac")))
            except ValueError as exc:
                raise self.fail(where, "mac", str(exc)) from exc
            if mac in macs:
                raise self.fail(where, "mac", f"duplicate MAC {mac} (also on {macs[mac]})")
            ip_text = str(self.require(entry, where, "ip"))
            try:
                ip = ipaddress.ip_address(ip_text)
            except ValueError as exc:
                raise self.fail(where, "ip", str(exc)) from exc
            if ip_text in ips:
                raise self.fail(where, "ip", f"duplicate IP {ip_text} (also on {ips[ip_text]})")
            vid = self.require(entry, where, "vlan")
            if vid not in vlans:
                raise self.fail(where, "vlan", f"VLAN {vid!r} is not defined in 'vlans'")
            subnet = vlans[vid].subnet
            if subnet is not None and ip not in subnet:
                raise self.fail(where, "ip", f"{ip_text} is outside VLAN {vid}'s subnet {subnet}")
            attach = entry.get("attach") or (
                f"{entry.get('switch')}:{entry.get('port')}" if entry.get("switch") else None
            )
            if attach is None:
                raise self.fail(where, "attach", "missing (SWITCH:PORT where it is plugged in)")
            ref = self.port_ref(attach, where, "attach", devices)
            if ref in used:
                raise self.fail(where, "attach", f"port {ref} is already used by {used[ref]}")
            used[ref] = where
            protected = bool(entry.get("protected", kind == "protected"))
            lab_address = str(entry.get("lab_address") or _auto_address(20, len(endpoints)))
            endpoints[name] = Endpoint(
                name=name,
                department=str(entry.get("department") or vlans[vid].department),
                kind=kind,
                mac=mac,
                ip=ip_text,
                vlan=vid,
                switch=ref.device,
                port=ref.interface,
                protected=protected,
                lab_address=lab_address,
                gateway=vlans[vid].gateway,
                host=self.host_options(entry, where),
            )
            macs[mac] = where
            ips[ip_text] = where
        return endpoints

    def host_options(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        host = entry.get("host") or {}
        if not isinstance(host, dict):
            raise self.fail(where, "host", "must be a mapping of lab host options")
        return host

    def check_addresses(
        self, devices: dict[str, DeviceSpec], endpoints: dict[str, Endpoint]
    ) -> None:
        taken: dict[tuple[str, int], str] = {}
        for index, device in enumerate(devices.values()):
            key = (device.address, device.port)
            if key in taken:
                raise self.fail(
                    f"devices[{index}] ({device.name})",
                    "address",
                    f"{device.address}:{device.port} is already used by {taken[key]}",
                )
            taken[key] = device.name
        device_addresses = {d.address: d.name for d in devices.values()}
        for index, endpoint in enumerate(endpoints.values()):
            if endpoint.lab_address in device_addresses:
                raise self.fail(
                    f"endpoints[{index}] ({endpoint.name})",
                    "lab_address",
                    f"{endpoint.lab_address} is already used by {device_addresses[endpoint.lab_address]}",
                )


def _auto_address(second_octet: int, index: int) -> str:
    return f"127.{second_octet}.{index // 250}.{index % 250 + 1}"


def _auto_serial(platform: str, index: int) -> str:
    return f"{LAB_PLATFORMS[platform].serial_prefix}{index:07d}"[:20]


def relocate(topology: Topology, second_octet: int) -> Topology:
    """Move every lab address into 127.<second_octet>.x.y (parallel test labs)."""
    for device in topology.devices.values():
        parts = device.address.split(".")
        device.address = f"127.{second_octet}.{parts[2]}.{parts[3]}"
    for endpoint in topology.endpoints.values():
        parts = endpoint.lab_address.split(".")
        endpoint.lab_address = f"127.{second_octet}.{100 + int(parts[2])}.{parts[3]}"
    return topology
