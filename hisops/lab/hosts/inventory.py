"""The fleet as others see it: the Ansible inventory fragment, status rows, the
controller-side pids of every host.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hisops.lab.hosts import inspection
from hisops.lab.hosts.postgres import PG_CLUSTER, PG_VERSION
from hisops.lab.hosts.probes import tcp_open
from hisops.lab.hosts.spec import department_group

if TYPE_CHECKING:
    from hisops.lab.hosts.core import FleetCore
else:
    FleetCore = object


class InventoryMixin(FleetCore):
    """The fleet's views (part of :class:`HostFleet`).

    Uses the fleet's ``specs``, ``faults``, ``unreachable``, ``is_on``, ``is_reachable``,
    ``access``, ``cgroup``, ``_pg_alive`` and its state files' paths.
    """

    def status(self) -> list[dict[str, Any]]:
        """Every host: spec, power, reachability, faults, sshd listening, PostgreSQL."""
        rows = []
        for spec in self.specs.values():
            on = self.is_on(spec.name)
            row: dict[str, Any] = {
                **spec.to_dict(),
                "power": "on" if on else "off",
                "reachable": self.is_reachable(spec.name),
                "access": self.access(spec.name),
                "faults": self.faults.get(spec.name, {}),
                "ssh": on and spec.name not in self.unreachable and tcp_open(spec.address, 22),
            }
            if spec.kind == "db_server":
                row["postgresql"] = "running" if on and self._pg_alive(spec.name) else "stopped"
            rows.append(row)
        return rows

    def processes(self) -> dict[str, list[int]]:
        """Controller-side pids of every process of every host (for checks and memory)."""
        out: dict[str, list[int]] = {}
        for name in self.specs:
            try:
                out[name] = [
                    int(p) for p in (self.cgroup(name) / "cgroup.procs").read_text().split()
                ]
            except FileNotFoundError:
                out[name] = []
        return out

    def inventory(self, known_hosts: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The Ansible inventory fragment (YAML-ready dict) for the lab hosts.

        Host keys are checked (the lab knows its hosts' keys): against ``known_hosts``, the
        lab's own file listing the switches too, else the fleet's ``<state>/ssh/known_hosts``.
        ``hisops_known_hosts`` names the same file, for the enrolment run and netmiko."""
        known = str(known_hosts or self.known_hosts)
        common_args = (
            f"-o UserKnownHostsFile={known} -o StrictHostKeyChecking=yes "
            "-o IdentitiesOnly=yes -o ConnectTimeout=10"
        )
        groups: dict[str, dict[str, Any]] = {
            "db_servers": {"hosts": {}},
            "workstations": {"children": {}},
            "client_test": {"hosts": {}},
            "backup_targets": {"hosts": {}},
        }
        extra: dict[str, dict[str, Any]] = {}
        for spec in self.specs.values():
            hostvars: dict[str, Any] = {
                "ansible_host": spec.address,
                "hisops_lab_kind": spec.kind,
                "hisops_department": spec.department,
            }
            if spec.kind == "db_server":
                hostvars.update(hisops_pg_version=PG_VERSION, hisops_pg_cluster=PG_CLUSTER)
                groups["db_servers"]["hosts"][spec.name] = hostvars
            elif spec.kind == "workstation":
                dept = department_group(spec.department)
                children = groups["workstations"]["children"]
                children.setdefault(dept, {"hosts": {}})["hosts"][spec.name] = hostvars
            elif spec.kind == "backup_target":
                groups["backup_targets"]["hosts"][spec.name] = hostvars
            else:
                extra.setdefault("lab_servers", {"hosts": {}})["hosts"][spec.name] = hostvars
            for group in spec.groups:
                target = groups.get(group) or extra.setdefault(group, {"hosts": {}})
                target.setdefault("hosts", {})[spec.name] = {}
        services = inspection.inventory_vars(self)  # the lab's UPS and insurance gateway
        return {
            "all": {
                **({"vars": services} if services else {}),
                "children": {
                    "lab_hosts": {
                        "vars": {
                            "ansible_user": "root",
                            "ansible_ssh_private_key_file": str(self.ssh_key),
                            "ansible_ssh_common_args": common_args,
                            "ansible_host_key_checking": True,
                            "hisops_known_hosts": known,
                            "ansible_python_interpreter": "/usr/bin/python3",
                            "hisops_lab_credentials_file": str(self.credentials_file),
                            # the hosts share one kernel: egress rules per host cgroup
                            "hisops_workstation_egress_scope": "cgroup",
                        },
                        "children": {**groups, **extra},
                    }
                },
            }
        }

    def write_inventory(self, path: str | os.PathLike[str] | None = None) -> Path:
        target = Path(path) if path else self.inventory_file
        target.write_text(
            "# hisops lab hosts - generated by HostFleet.write_inventory()\n"
            + yaml.safe_dump(self.inventory(), sort_keys=False, default_flow_style=False),
            encoding="utf-8",
        )
        return target
