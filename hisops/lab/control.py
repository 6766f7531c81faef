"""The lab's control API: JSON lines over the Unix socket in the state directory.

Request ``{"op": "...", ...}``; answer ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": "what went wrong and what to do"}``. Operations:

=============  =====================================================================
``ping``       pid, topology, device count
``endpoints``  every endpoint: switch, port, VLAN, IP, MAC, department, protected
``status``     every device (name, platform, model, host, port, credentials, role,
               state, faults, sessions, mgmt_ip, mgmt_ip_now, answers_on,
               answers_on_reason), links with their state, inventory path
``fault``      ``device``, ``kind`` (see ``hisops.lab.faults``), ``options`` {}
``clear``      ``device``: remove its injectable faults
``link``       ``action`` cut|restore, ``a`` and ``b`` as ``DEVICE:PORT``
``recable``    ``failed``, ``spare``, optional ``port_map`` {failed port: spare port}:
               every cable and endpoint of ``failed`` moved to ``spare`` (spare swap)
``clock``      optional ``advance`` (seconds, >= 0): the lab's time, after moving it on
``reach``      ``src``, ``dst`` (endpoint names or IPs), optional ``protocol``, ``port``
``config``     ``device``, ``which`` running|saved: the configuration text
``mac_table``  ``device``; ``arp_table`` likewise
``reset``      ``device`` (optional): back to the startup config, faults cleared,
               powered on; without ``device`` every device, every cut link and the
               topology's cabling (undoing ``recable``) and the lab's clock
``hosts``      the lab hosts (when started with hosts): power, reachability, faults
``host_fault`` ``host``, ``kind`` (unreachable, slow, disk_full, crash, clock_skew),
               ``options`` {}; ``host_clear`` ``host`` [``kind``];
               ``host_power`` ``host``, ``action`` power-off|power-on|reboot
``shutdown``   stop the lab
=============  =====================================================================
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hisops.lab.faults import FaultError
from hisops.lab.server import LabServer
from hisops.lab.topology import PortRef

if TYPE_CHECKING:
    from hisops.lab.twin import HostTwin

log = logging.getLogger("hisops.lab")


class ControlError(Exception):
    pass


class ControlApi:
    def __init__(
        self,
        lab: LabServer,
        inventory: str,
        on_shutdown: Callable[[], None],
        twin: HostTwin | None = None,
    ) -> None:
        self.lab = lab
        self.inventory = inventory
        self.on_shutdown = on_shutdown
        self.twin = twin

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                answer = await self.answer(line)
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ControlError("a request is a JSON object with an 'op'")
            op = str(request.pop("op", ""))
            handler: Callable[..., Awaitable[Any]] | None = getattr(self, f"op_{op}", None)
            if handler is None:
                ops = sorted(n[3:] for n in dir(self) if n.startswith("op_"))
                raise ControlError(f"unknown op {op!r} (one of {', '.join(ops)})")
            return {"ok": True, "result": await handler(**request)}
        except (ControlError, FaultError, KeyError, ValueError, TypeError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            return {"ok": False, "error": str(message)}
        except Exception as exc:  # the daemon must survive a bad request
            log.exception("control request failed")
            return {"ok": False, "error": f"internal error: {exc!r} (see the lab log)"}

    async def op_ping(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "topology": self.lab.topology.source,
            "devices": len(self.lab.runtimes),
        }

    async def op_status(self) -> dict[str, Any]:
        # A management IP typed on a CLI moves the device's listener in a task of its own:
        # the status says where a device answers once it does (a client reading answers_on
        # connects next; under load it found nothing listening there yet).
        await self.lab.settle()
        plane = self.lab.dataplane
        links = []
        for link in self.lab.topology.links:
            if plane.link_is_cut(link):
                state = "cut"
            elif plane.port_up(link.a.device, link.a.interface):
                state = "up"
            else:
                state = "down"
            links.append({"a": str(link.a), "b": str(link.b), "state": state})
        return {
            "pid": os.getpid(),
            "topology": self.lab.topology.source,
            "inventory": self.inventory,
            "devices": [runtime.describe() for runtime in self.lab.runtimes.values()],
            "hosts": self.twin is not None,
            "links": links,
        }

    async def op_endpoints(self) -> list[dict[str, Any]]:
        """Every endpoint of the topology: where it is plugged in, VLAN, department."""
        return [
            {
                "name": e.name,
                "department": e.department,
                "kind": e.kind,
                "protected": e.protected,
                "mac": e.mac,
                "ip": e.ip,
                "vlan": e.vlan,
                "switch": e.switch,
                "port": e.port,
                "gateway": e.gateway,
                "lab_address": e.lab_address,
            }
            for e in self.lab.topology.endpoints.values()
        ]

    async def op_fault(self, device: str, kind: str, options: dict[str, Any] | None = None) -> Any:
        runtime = self.lab.runtime(device)
        runtime.apply_fault(kind, options or {})
        await self.lab.settle()
        return runtime.describe()

    async def op_clear(self, device: str) -> Any:
        runtime = self.lab.runtime(device)
        runtime.clear_faults()
        await self.lab.settle()
        return runtime.describe()

    async def op_reset(self, device: str | None = None) -> list[str]:
        """Devices back to their startup state (all when ``device`` is omitted), links restored."""
        names = [device] if device else list(self.lab.runtimes)
        for name in names:
            self.lab.runtime(name).reset()
        if device is None:
            self.lab.dataplane.cut.clear()
            self.lab.dataplane.restore_cabling()
            self.lab.clock_offset = 0.0
        self.lab.changed()
        await self.lab.settle()
        return names

    async def op_link(self, action: str, a: str, b: str) -> dict[str, Any]:
        ends = [_port(text) for text in (a, b)]
        if action == "cut":
            self.lab.dataplane.cut_link(*ends)
        elif action == "restore":
            self.lab.dataplane.restore_link(*ends)
        else:
            raise ControlError(f"link action must be cut or restore, not {action!r}")
        self.lab.changed()
        return {"a": a, "b": b, "state": "cut" if action == "cut" else "restored"}

    async def op_recable(
        self, failed: str, spare: str, port_map: dict[str, str] | None = None
    ) -> dict[str, Any]:
        result = self.lab.dataplane.recable(failed, spare, port_map)
        self.lab.changed()
        await self.lab.settle()
        return result

    async def op_clock(self, advance: float = 0.0) -> dict[str, Any]:
        try:
            seconds = float(advance)
            self.lab.advance_clock(seconds)
        except (TypeError, ValueError) as exc:
            raise ControlError(f"clock advance: {exc}") from exc
        await self.lab.settle()
        now = datetime.fromtimestamp(self.lab.clock(), UTC)
        return {"now": now.isoformat(timespec="seconds"), "offset_seconds": self.lab.clock_offset}

    async def op_reach(
        self, src: str, dst: str, protocol: str = "ip", port: int | None = None
    ) -> dict[str, Any]:
        return self.lab.dataplane.reach(src, dst, protocol, port).to_dict()

    async def op_config(self, device: str, which: str = "running") -> str:
        runtime = self.lab.runtime(device)
        if which not in ("running", "saved"):
            raise ControlError("which must be running or saved")
        engine = runtime.device
        config = getattr(engine, which)
        render = getattr(engine, "render_config", None)
        if render is None:
            raise ControlError(f"the {runtime.spec.platform} engine cannot render a configuration")
        return str(render(config))

    async def op_mac_table(self, device: str) -> list[dict[str, Any]]:
        self.lab.runtime(device)
        return [entry.__dict__ for entry in self.lab.dataplane.mac_table(device)]

    async def op_arp_table(self, device: str) -> list[dict[str, Any]]:
        self.lab.runtime(device)
        return [entry.__dict__ for entry in self.lab.dataplane.arp_table(device)]

    def _hosts(self) -> HostTwin:
        if self.twin is None:
            raise ControlError(
                "this lab runs without hosts (start it with hisops lab up, no --no-hosts)"
            )
        return self.twin

    async def op_hosts(self) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._hosts().status)

    async def op_host_fault(
        self, host: str, kind: str, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        twin = self._hosts()
        if kind == "unreachable":
            return twin.fault_unreachable_on(host)
        return await asyncio.to_thread(twin.fault, host, kind, options or {})

    async def op_host_clear(self, host: str, kind: str | None = None) -> str:
        twin = self._hosts()
        if kind in (None, "unreachable"):
            twin.clear_unreachable(host)
        if kind != "unreachable":
            await asyncio.to_thread(twin.clear_faults, host, kind)
        return "cleared"

    async def op_host_power(self, host: str, action: str) -> str:
        await asyncio.to_thread(self._hosts().power, host, action)
        return action

    async def op_shutdown(self) -> str:
        self.lab.loop.call_soon(self.on_shutdown)
        return "stopping"


def _port(text: str) -> PortRef:
    device, sep, interface = text.partition(":")
    if not sep or not interface:
        raise ControlError(f"{text!r} is not DEVICE:PORT")
    return PortRef(device, interface)
