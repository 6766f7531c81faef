"""The lab hosts and the simulated network as one twin.

The lab daemon starts the real hosts (``hisops.lab.hosts.HostFleet``: DB servers,
workstations, backup target as real sshd/PostgreSQL on their own loopback addresses)
for the topology's endpoints, and after every change that may alter forwarding (a CLI
line, a timer, a fault, a cut link) it recomputes, for each host, whether the
controller endpoint reaches it in the data plane (``reach(controller, host)``, both
directions, ACLs included). A host that is not reachable is cut for real (the fleet
blocks its address); it comes back when the path is restored. The sync runs before the
device prints its prompt, so a command's effect is in place when netmiko returns.

A host fault ``unreachable`` is kept apart from the network's verdict, so that restoring
a port does not undo it (and clearing it does not reconnect a host the network cuts).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from hisops.lab.server import LabServer

log = logging.getLogger("hisops.lab")


class HostTwin:
    def __init__(self, lab: LabServer, state_dir: Path) -> None:
        from hisops.lab.hosts import HostFleet, specs_from_topology

        self.lab = lab
        self.topology = lab.topology
        specs = specs_from_topology(self.topology)
        self.fleet = HostFleet(state_dir, specs)
        self.names = [spec.name for spec in specs]
        self.controller = self.topology.controller
        self.fault_unreachable: set[str] = set()
        self.network_ok: dict[str, bool] = {}
        self.reasons: dict[str, str] = {}
        self.applied: dict[str, bool] = {}
        self._lock = threading.RLock()

    # -- lifecycle (blocking: call from a thread) ------------------------------------
    def up(self) -> dict[str, Any]:
        timings = self.fleet.up()
        with self._lock:
            self.applied = {name: self.fleet.is_reachable(name) for name in self.names}
        return timings

    def down(self) -> None:
        self.fleet.down()

    def inventory(self) -> dict[str, Any]:
        children: dict[str, Any] = self.fleet.inventory()["all"]["children"]
        return children

    # -- network verdicts ----------------------------------------------------------------
    def verdicts(self) -> dict[str, tuple[bool, str]]:
        """host -> (reachable from the controller, reason when not)."""
        plane = self.lab.dataplane
        result: dict[str, tuple[bool, str]] = {}
        for name in self.names:
            if not self.controller or self.controller == name:
                result[name] = (True, "")
                continue
            answer = plane.reach(self.controller, name)
            result[name] = (answer.reachable, answer.reason)
        return result

    def sync(self) -> None:
        """Apply the data plane's verdicts (and host faults) to the real hosts."""
        with self._lock:
            for name, (ok, reason) in self.verdicts().items():
                self.network_ok[name] = ok
                self.reasons[name] = reason
                wanted = ok and name not in self.fault_unreachable
                if self.applied.get(name) != wanted:
                    try:
                        self.fleet.set_reachable(name, wanted)
                    except Exception:
                        log.exception("lab host %s: cannot set reachable=%s", name, wanted)
                        continue
                    self.applied[name] = wanted
                    log.info("lab host %s %s%s", name, "restored" if wanted else "cut",
                             f" ({reason})" if reason else "")  # fmt: skip

    # -- host faults and power (blocking) --------------------------------------------
    def fault_unreachable_on(self, host: str) -> dict[str, Any]:
        """Cut a host whatever the network says (run in the event loop: it syncs)."""
        self.fleet.spec(host)
        with self._lock:
            self.fault_unreachable.add(host)
        self.sync()
        return {"unreachable": True}

    def fault(self, host: str, kind: str, options: dict[str, Any]) -> dict[str, Any]:
        """The fleet's own faults (slow, disk_full, crash, clock_skew); blocking."""
        result: dict[str, Any] = self.fleet.fault(host, kind, **options)
        return result

    def clear_unreachable(self, host: str) -> None:
        self.fleet.spec(host)
        with self._lock:
            self.fault_unreachable.discard(host)
        self.sync()

    def clear_faults(self, host: str, kind: str | None) -> None:
        """Clear the fleet's own faults (slow, disk_full, crash, clock_skew); blocking."""
        kinds = [kind] if kind else list(self.fleet.faults.get(host, {}))
        for one in kinds:
            self.fleet.clear_fault(host, one)

    def power(self, host: str, action: str) -> None:
        actions = {
            "power-off": self.fleet.power_off,
            "power-on": self.fleet.power_on,
            "reboot": self.fleet.reboot,
        }
        if action not in actions:
            raise ValueError(f"host action must be one of {', '.join(actions)}, not {action!r}")
        actions[action](host)

    def status(self) -> list[dict[str, Any]]:
        rows = self.fleet.status()
        for row in rows:
            name = row["name"]
            row["network"] = "ok" if self.network_ok.get(name, True) else "cut"
            row["network_reason"] = self.reasons.get(name, "")
            row["fault_unreachable"] = name in self.fault_unreachable
        return rows
