"""What a lab host is: name, kind, loopback address, department, extra groups."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hisops.lab.hosts.errors import HostSpecError

KINDS = ("db_server", "workstation", "backup_target", "server")
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Each host's own disk (ext4 in a sparse image: only what is written takes space on the
# machine), by kind: room for PostgreSQL's data and WAL, for backups, for client releases.
DISK_MB = {"db_server": 8192, "backup_target": 8192, "workstation": 2048, "server": 2048}
DISK_MB_RANGE = (64, 1024 * 1024)


def _int(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HostSpecError(f"{where}: {value!r} is not a whole number") from None


@dataclass(frozen=True)
class HostSpec:
    """One lab host.

    ``address`` is the loopback address its sshd (and PostgreSQL, on a DB host) listens
    on. ``groups`` are extra inventory groups (for example ``client_test``).
    ``his_data`` marks the DB host loaded with the HIS sample data; when no DB host is
    marked, the first one is. ``disk_mb`` is the size of the host's own disk (0: the
    kind's default, ``DISK_MB``); it is set when the disk is made, at the first boot.
    """

    name: str
    kind: str
    address: str
    department: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)
    his_data: bool = False
    disk_mb: int = 0

    @property
    def disk_size_mb(self) -> int:
        """The size of the host's disk in MiB (``disk_mb``, or the kind's default)."""
        return self.disk_mb or DISK_MB.get(self.kind, DISK_MB["server"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "address": self.address,
            "department": self.department,
            "groups": list(self.groups),
            "his_data": self.his_data,
            "disk_mb": self.disk_mb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "host") -> HostSpec:
        if not isinstance(data, dict):
            raise HostSpecError(f"{where}: must be a mapping, got {type(data).__name__}")
        for key in ("name", "kind", "address"):
            if not data.get(key):
                raise HostSpecError(f"{where}: field {key!r} is missing")
        groups = data.get("groups") or ()
        if isinstance(groups, str) or not isinstance(groups, Iterable):
            raise HostSpecError(f"{where}: field 'groups' must be a list of group names")
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            address=str(data["address"]),
            department=str(data.get("department") or ""),
            groups=tuple(str(g) for g in groups),
            his_data=bool(data.get("his_data", False)),
            disk_mb=_int(data.get("disk_mb") or 0, f"{where}: field 'disk_mb'"),
        )


def group_slug(text: str) -> str:
    """An Ansible-safe group name part: ``outpatient registration`` -> ``outpatient_registration``."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug or "unassigned"


def department_group(department: str) -> str:
    return f"ws_{group_slug(department)}"


def validate_specs(specs: Iterable[HostSpec]) -> list[HostSpec]:
    """Check every spec and the set as a whole; raise naming the host and the field."""
    checked: list[HostSpec] = []
    names: dict[str, int] = {}
    addresses: dict[str, str] = {}
    for index, spec in enumerate(specs):
        where = f"hosts[{index}] ({getattr(spec, 'name', '?')})"
        if not isinstance(spec, HostSpec):
            raise HostSpecError(f"{where}: expected a HostSpec, got {type(spec).__name__}")
        if not _NAME.match(spec.name):
            raise HostSpecError(
                f"{where}: field 'name': {spec.name!r} must be lower-case letters, digits and "
                "'-' (a hostname, at most 63 characters)"
            )
        if spec.name in names:
            raise HostSpecError(f"{where}: field 'name': {spec.name} is defined twice")
        if spec.kind not in KINDS:
            raise HostSpecError(
                f"{where}: field 'kind': unknown kind {spec.kind!r} (expected {', '.join(KINDS)})"
            )
        try:
            ip = ipaddress.ip_address(spec.address)
        except ValueError as exc:
            raise HostSpecError(f"{where}: field 'address': {exc}") from exc
        if ip not in LOOPBACK or ip.packed[3] in (0, 255) or str(ip) == "127.0.0.1":
            raise HostSpecError(
                f"{where}: field 'address': {spec.address} must be a loopback address "
                "127.x.y.z other than 127.0.0.1 (the controller's own)"
            )
        if spec.address in addresses:
            raise HostSpecError(
                f"{where}: field 'address': {spec.address} is already used by "
                f"{addresses[spec.address]}"
            )
        if spec.kind == "workstation" and not spec.department:
            raise HostSpecError(f"{where}: field 'department': a workstation needs a department")
        low, high = DISK_MB_RANGE
        if spec.disk_mb and not low <= spec.disk_mb <= high:
            raise HostSpecError(
                f"{where}: field 'disk_mb': {spec.disk_mb} MiB is outside {low}..{high} "
                "(0: the kind's default)"
            )
        for group in spec.groups:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", group):
                raise HostSpecError(
                    f"{where}: field 'groups': {group!r} is not a valid Ansible group name"
                )
        names[spec.name] = index
        addresses[spec.address] = spec.name
        checked.append(spec)
    if not checked:
        raise HostSpecError("no hosts given: a fleet needs at least one host")
    return checked


def kind_for_endpoint(name: str, kind: str) -> str | None:
    """Which lab host an endpoint of the topology becomes (None: not a lab host).

    The topology marks endpoints as ``server``/``workstation``/``protected``; the DB
    pair and the backup target are recognised by name (``*db*``, ``backup*``).
    """
    if kind == "workstation":
        return "workstation"
    if kind == "server" and "db" in name.split("-"):
        return "db_server"
    if kind == "server" and name.startswith("backup"):
        return "backup_target"
    return None


def specs_from_topology(topology: Any, client_test: Iterable[str] | None = None) -> list[HostSpec]:
    """Host specs for the endpoints of a loaded ``hisops.lab.topology.Topology``.

    ``client_test`` names the workstations of the ``client_test`` group; by default the
    first workstation of each of the first two departments.
    """
    specs: list[HostSpec] = []
    chosen = set(client_test or ())
    seen_departments: list[str] = []
    for endpoint in topology.endpoints.values():
        kind = kind_for_endpoint(endpoint.name, endpoint.kind)
        if kind is None:
            continue
        groups: list[str] = []
        if kind == "workstation":
            if client_test is None and endpoint.department not in seen_departments:
                seen_departments.append(endpoint.department)
                if len(seen_departments) <= 2:
                    chosen.add(endpoint.name)
            if endpoint.name in chosen:
                groups.append("client_test")
        specs.append(
            HostSpec(
                name=endpoint.name,
                kind=kind,
                address=endpoint.lab_address,
                department=endpoint.department,
                groups=tuple(groups),
            )
        )
    return specs
