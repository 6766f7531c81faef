"""The lab hosts and the simulated network as one twin.

The lab daemon starts the real hosts (``hisops.lab.hosts.HostFleet``: DB servers,
workstations, backup target as real sshd/PostgreSQL on their own loopback addresses)
for the topology's endpoints, and after every change that may alter forwarding (a CLI
line, a timer, a fault, a cut link) it recomputes, for each host, whether the
controller endpoint reaches it in the data plane, both directions, ACLs included, and
gives the host one of three verdicts (:func:`access_verdict`):

* ``open``: ``reach(controller, host)`` (protocol ip) passes;
* ``ssh``: ip does not pass but TCP port 22 does, both ways (e.g. an inbound ACL on the
  host's access port that permits only ``tcp source HOST source-port eq 22 destination
  CONTROLLER``, as the database rejoin puts on a fenced old primary): the real host
  answers on its sshd only, everything else to or from it (PostgreSQL, its own
  connections) is dropped;
* ``cut``: neither passes; the fleet blocks the host's address.

The fleet applies the verdict for real (``HostFleet.set_access``); a host comes back when
the path is restored. The sync runs before the device prints its prompt, so a command's
effect is in place when netmiko returns.

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

SSH_PORT = 22


def access_verdict(plane: Any, controller: str, host: str) -> tuple[str, str]:
    """(``open``/``ssh``/``cut``, reason when not open) of ``host`` seen from ``controller``.

    ``plane`` is a :class:`hisops.lab.dataplane.DataPlane`; the reason is the data plane's
    for protocol ip (why the host is not fully open).
    """
    answer = plane.reach(controller, host)
    if answer.reachable:
        return "open", ""
    if plane.reach(controller, host, "tcp", SSH_PORT).reachable:
        return "ssh", answer.reason
    return "cut", answer.reason


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
        self.network: dict[str, str] = {}  # host -> open/ssh/cut (the data plane's verdict)
        self.reasons: dict[str, str] = {}
        self.applied: dict[str, str] = {}  # host -> the access applied to the real host
        self._lock = threading.RLock()

    # -- lifecycle (blocking: call from a thread) ------------------------------------
    def up(self) -> dict[str, Any]:
        timings = self.fleet.up()
        # the server room's UPS (NUT) and the insurance centre's gateway, on the backup host
        from hisops.lab.hosts import inspection

        inspection.start_site_services(self.fleet)
        with self._lock:
            self.applied = {name: self.fleet.access(name) for name in self.names}
        return timings

    def down(self) -> None:
        self.fleet.down()

    def inventory(self) -> dict[str, Any]:
        children: dict[str, Any] = self.fleet.inventory()["all"]["children"]
        return children

    # -- network verdicts ----------------------------------------------------------------
    def verdicts(self) -> dict[str, tuple[str, str]]:
        """host -> (``open``/``ssh``/``cut`` from the controller, reason when not open)."""
        plane = self.lab.dataplane
        result: dict[str, tuple[str, str]] = {}
        for name in self.names:
            if not self.controller or self.controller == name:
                result[name] = ("open", "")
                continue
            result[name] = access_verdict(plane, self.controller, name)
        return result

    def sync(self) -> None:
        """Apply the data plane's verdicts (and host faults) to the real hosts."""
        with self._lock:
            for name, (verdict, reason) in self.verdicts().items():
                self.network[name] = verdict
                self.reasons[name] = reason
                wanted = "cut" if name in self.fault_unreachable else verdict
                if self.applied.get(name) != wanted:
                    try:
                        self.fleet.set_access(name, wanted)
                    except Exception:
                        log.exception("lab host %s: cannot set access=%s", name, wanted)
                        continue
                    self.applied[name] = wanted
                    log.info("lab host %s %s%s", name,
                             {"open": "restored", "ssh": "reduced to SSH", "cut": "cut"}[wanted],
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
            verdict = self.network.get(name, "open")
            row["network"] = {"open": "ok"}.get(verdict, verdict)  # ok, ssh or cut
            row["network_reason"] = self.reasons.get(name, "")
            row["fault_unreachable"] = name in self.fault_unreachable
        return rows
