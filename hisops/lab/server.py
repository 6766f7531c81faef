"""The lab's SSH side: one asyncio loop serving every simulated device over real SSH.

Each device listens on its own loopback address. The server owns sockets, echo, line
editing, timers, power state and fault injection; the device engine (``SimDevice``)
owns every byte of CLI text (see ``hisops.lab.contract``).
"""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import logging
import os
import re
import time
import zlib
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh

from hisops.lab.contract import (
    ArpEntry,
    CliSession,
    MacEntry,
    MorePager,
    SimDevice,
    TimerHandle,
)
from hisops.lab.dataplane import VLANIF_PREFIX, DataPlane
from hisops.lab.faults import FaultError, Faults, parse_options
from hisops.lab.hostkeys import LabHostKeys, known_hosts_lines, write_known_hosts
from hisops.lab.platforms import LAB_PLATFORMS
from hisops.lab.topology import DeviceSpec, Topology

log = logging.getLogger("hisops.lab")

DeviceFactory = Callable[[dict[str, Any]], SimDevice]
ENGINE_ENV = "HISOPS_LAB_ENGINE"  # module:function overriding hisops.lab.devices.make_device


def load_factory(path: str | None = None) -> DeviceFactory:
    path = path or os.environ.get(ENGINE_ENV) or "hisops.lab.devices:make_device"
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, attr or "make_device")
    except (ImportError, AttributeError) as exc:
        raise RuntimeError(
            f"cannot load the device engines from {path!r} ({exc}); set {ENGINE_ENV}=module:function"
        ) from exc
    return factory


def engine_spec(spec: DeviceSpec) -> dict[str, Any]:
    """The dict ``make_device`` takes (see ``hisops.lab.devices.base.Spec``)."""
    digits = f"{zlib.crc32(spec.serial.encode()) & 0xFFFFFF:06x}"
    raw = LAB_PLATFORMS[spec.platform].oui + digits
    mgmt = None
    if spec.mgmt_ip:
        address, _, prefix = spec.mgmt_ip.partition("/")
        mgmt = {"vlan": spec.mgmt_vlan, "ip": address, "mask": int(prefix or 24)}
        if spec.mgmt_gateway and spec.role != "core":
            mgmt["gateway"] = spec.mgmt_gateway
    return {
        "hostname": spec.name,
        "platform": spec.platform,
        "model": spec.model,
        "firmware": spec.firmware,
        "serial": spec.serial,
        "mac": ":".join(raw[i : i + 2] for i in range(0, 12, 2)),
        "interfaces": list(spec.interfaces),
        "users": [{"name": spec.username, "password": spec.password, "level": 15}],
        "enable_secret": spec.secret,
        "mgmt": mgmt,
        "startup_config": spec.startup_config or None,
    }


class DeviceStartError(RuntimeError):
    """A device engine could not be built (for example a startup config it refuses)."""


def mgmt_vlanif(device: SimDevice, vlan: int) -> tuple[bool, str | None, int]:
    """(managed, IP, prefix length) of the device's management VLANIF in its running config.

    ``managed`` is False for an engine without a configuration model (``running.vlanifs``):
    such a device keeps its topology address whatever it is told."""
    running = getattr(device, "running", None)
    vlanifs = getattr(running, "vlanifs", None)
    if not isinstance(vlanifs, dict):
        return False, None, 0
    vlanif = vlanifs.get(vlan)
    ip = getattr(vlanif, "ip", None) if vlanif is not None else None
    if not ip:
        return True, None, 0
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{getattr(vlanif, 'mask', None) or 32}").prefixlen
    except ValueError:
        prefix = 32
    return True, str(ip), prefix


class DeviceRuntime:
    """One device in the running lab: engine, listener, sessions, power and faults.

    Implements ``DeviceHost`` for the engine.
    """

    def __init__(self, lab: LabServer, spec: DeviceSpec, device: SimDevice) -> None:
        self.lab = lab
        self.spec = spec
        self.device = device
        self.faults = Faults()
        self.powered = True
        self.down_until: float | None = None  # rebooting until (loop time)
        self.sessions: set[SshCliSession] = set()
        self.acceptor: asyncssh.SSHAcceptor | None = None
        self.blackhole: asyncio.base_events.Server | None = None
        self._boot_timer: asyncio.TimerHandle | None = None
        self.logins = 0
        self.passwords_received = 0  # a client that refused the host key sends none
        # The loopback address the device answers SSH on now: the topology address of the
        # device whose topology ``mgmt_ip`` is the IP on its management VLANIF (see
        # ``LabServer.follow_addresses``); None: nowhere, ``address_reason`` says why.
        self.address: str | None = spec.address
        self.address_reason = ""
        self.bound: str | None = None  # the address the listener is bound to
        self.follows_mgmt = self._follows_mgmt()
        self.wanted: tuple[str | None, str, str | None] | None = None  # last wanted_address()

    def _follows_mgmt(self) -> bool:
        """Whether the SSH endpoint follows the management VLANIF: the topology gives the
        device a management IP and its startup configuration puts one on the VLANIF (a
        device without either keeps its topology address, as before)."""
        managed, ip, _ = mgmt_vlanif(self.device, self.spec.mgmt_vlan)
        return bool(self.spec.mgmt_ip) and managed and ip is not None

    def mgmt_now(self) -> tuple[str | None, int]:
        """The IP (and prefix length) on the management VLANIF now; None when down."""
        if not self.forwarding:
            return None, 0
        _, ip, prefix = mgmt_vlanif(self.device, self.spec.mgmt_vlan)
        return ip, prefix

    def wanted_address(self) -> tuple[str | None, str, str | None]:
        """(address it would answer on, why not when None, management IP now)."""
        if not self.forwarding:
            return None, self.state, None
        if not self.follows_mgmt:
            return self.spec.address, "", None
        vlanif = self.device.running.vlanifs.get(self.spec.mgmt_vlan)  # type: ignore[attr-defined]
        ip = vlanif.ip if vlanif is not None else None
        if not ip:
            prefix = VLANIF_PREFIX.get(self.spec.platform, "Vlanif")
            return None, f"no IP address on {prefix}{self.spec.mgmt_vlan}", None
        address = self.lab.mgmt_addresses.get(ip)
        if address is None:
            return None, f"{ip} is no device's management address in the topology", ip
        return address, "", ip

    # -- DeviceHost ----------------------------------------------------------------
    def mac_table(self) -> list[MacEntry]:
        return self.lab.dataplane.mac_table(self.spec.name)

    def arp_table(self) -> list[ArpEntry]:
        return self.lab.dataplane.arp_table(self.spec.name)

    def link_up(self, interface: str) -> bool:
        """Physical state of a port (cable present, both ends enabled, link not cut).

        Not in the contract yet: engines may use it (``getattr``) for the physical
        column of ``display interface brief`` / ``show interfaces status``.
        """
        return self.lab.dataplane.port_up(self.spec.name, interface)

    def now(self) -> float:
        return self.lab.clock()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle:
        def fire() -> None:
            try:
                callback()
            except Exception:
                log.exception("%s: timer callback failed", self.spec.name)
            self.lab.changed(device=self.spec.name)

        return self.lab.loop.call_later(max(0.0, seconds) / self.lab.time_scale, fire)

    def disconnect_sessions(self) -> None:
        for session in list(self.sessions):
            session.drop()

    def notify_reboot(self, downtime_seconds: float) -> None:
        boot = self.lab.boot_seconds
        self.go_down(downtime_seconds if boot is None else boot)

    # -- state -----------------------------------------------------------------------
    @property
    def state(self) -> str:
        if not self.powered:
            return "powered-off"
        if self.down_until is not None:
            return "rebooting"
        return "up"

    @property
    def forwarding(self) -> bool:
        return self.powered and self.down_until is None

    @property
    def host_key(self) -> asyncssh.SSHKey:
        """The key this device answers with: its own, or another while a ``hostkey`` fault
        stands for a unit replaced without the controller being told."""
        return self.faults.host_key or self.lab.host_keys.of(self.spec.name)

    async def start(self) -> None:
        await self._listen()

    async def stop(self) -> None:
        if self._boot_timer:
            self._boot_timer.cancel()
        self.disconnect_sessions()
        await self._close_listeners()

    async def _listen(self) -> None:
        await self._close_listeners()
        address = self.address
        if not self.forwarding or address is None:
            return
        if self.faults.unreachable == "refuse":
            return
        if self.faults.unreachable == "blackhole":
            self.blackhole = await self.lab.loop.create_server(
                _Blackhole, address, self.spec.port, reuse_address=True
            )
            self.bound = address
            return
        self.bound = address
        self.acceptor = await asyncssh.listen(
            address,
            self.spec.port,
            server_factory=lambda: SshServer(self),
            server_host_keys=[self.host_key],
            reuse_address=True,
            line_editor=False,
            encoding="utf-8",
            login_timeout=30,
            keepalive_interval=0,
        )

    async def _close_listeners(self) -> None:
        if self.acceptor is not None:
            self.acceptor.close()
            await self.acceptor.wait_closed()
            self.acceptor = None
        if self.blackhole is not None:
            self.blackhole.close()
            _Blackhole.abort_all(self.bound or self.spec.address, self.spec.port)
            await self.blackhole.wait_closed()
            self.blackhole = None
        self.bound = None

    async def _relisten(self) -> None:
        # One listener change at a time, in the order asked: an address one device gives
        # up is closed before the device taking it binds it.
        async with self.lab.listen_lock:
            await self._listen()

    def relisten(self) -> None:
        self.lab.spawn(self._relisten())

    def go_down(self, seconds: float) -> None:
        """Reboot: drop sessions, refuse connections, boot on saved config after ``seconds``."""
        log.info("%s: rebooting, down for %.1f s", self.spec.name, seconds)
        self.down_until = self.lab.loop.time() + seconds
        self.disconnect_sessions()
        self.lab.changed()
        self.relisten()
        if self._boot_timer:
            self._boot_timer.cancel()
        self._boot_timer = self.lab.loop.call_later(seconds, self.boot)

    def boot(self) -> None:
        self._boot_timer = None
        self.down_until = None
        self.powered = True
        self.device.power_on()
        log.info("%s: booted on its saved configuration", self.spec.name)
        self.lab.changed()
        self.relisten()

    def power_off(self) -> None:
        if self._boot_timer:
            self._boot_timer.cancel()
            self._boot_timer = None
        self.powered = False
        self.down_until = None
        log.info("%s: powered off", self.spec.name)
        self.disconnect_sessions()
        self.lab.changed()
        self.relisten()

    def power_on(self) -> None:
        if self.powered and self.down_until is None:
            return
        self.boot()

    def apply_fault(self, kind: str, options: dict[str, Any]) -> None:
        opts = parse_options(kind, options)
        if kind == "unreachable":
            self.faults.unreachable = opts["mode"]
            self.disconnect_sessions()
            self.relisten()
        elif kind == "slow":
            self.faults.slow_ms = int(opts["ms"])
        elif kind == "refuse-login":
            self.faults.refuse_login = True
        elif kind == "drop":
            self.faults.drop_remaining = opts["count"] or -1
            self.faults.drop_match = opts["match"]
            self.faults.drop_down_seconds = opts["down_seconds"]
        elif kind == "refuse":
            self.faults.refuse_remaining = opts["count"] or -1
            self.faults.refuse_match = opts["match"]
        elif kind == "reboot":
            if not self.powered:
                raise FaultError(f"{self.spec.name} is powered off: use power-on, not reboot")
            self.go_down(opts["seconds"])
        elif kind == "power-off":
            self.power_off()
        elif kind == "power-on":
            self.power_on()
        elif kind == "hostkey":
            self.faults.host_key = asyncssh.generate_private_key(
                "ssh-ed25519", comment=f"lab switch {self.spec.name} (another unit)"
            )
            self.relisten()

    def unreachable_for(self, seconds: float) -> None:
        """Refuse connections for a while (a push that cut the device's management path)."""
        self.faults.unreachable = "refuse"
        self.disconnect_sessions()
        self.relisten()

        def back() -> None:
            if self.faults.unreachable == "refuse":
                self.faults.unreachable = ""
                self.relisten()

        self.lab.loop.call_later(seconds, back)

    def clear_faults(self) -> None:
        relisten = bool(self.faults.unreachable or self.faults.host_key)
        self.faults = Faults()
        if relisten:
            self.relisten()

    def reset(self) -> None:
        """Back to the topology's device: fresh engine on the startup config, no faults, on."""
        if self._boot_timer:
            self._boot_timer.cancel()
            self._boot_timer = None
        self.disconnect_sessions()
        self.device = self.lab.factory(engine_spec(self.spec))
        self.lab.dataplane.devices[self.spec.name] = self.device
        self.device.attach(self)
        self.faults = Faults()
        self.powered = True
        self.down_until = None
        self.follows_mgmt = self._follows_mgmt()
        self.lab.changed(claim=self.spec.name)
        self.relisten()
        self.lab.write_known_hosts()  # a spare swap in the lab recorded the spare's key

    def describe(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "name": spec.name,
            "platform": spec.platform,
            "model": spec.model,
            "firmware": spec.firmware,
            "serial": spec.serial,
            "role": spec.role,
            "host": spec.address,
            "port": spec.port,
            "username": spec.username,
            "password": spec.password,
            "secret": spec.secret,
            "mgmt_ip": spec.mgmt_ip,
            "mgmt_ip_now": self._mgmt_ip_now(),
            "answers_on": self.address,
            "answers_on_reason": self.address_reason,
            "state": self.state,
            "faults": self.faults.active(),
            "sessions": len(self.sessions),
            "passwords_received": self.passwords_received,
        }

    def _mgmt_ip_now(self) -> str | None:
        ip, prefix = self.mgmt_now()
        return f"{ip}/{prefix}" if ip else None


class _Blackhole(asyncio.Protocol):
    """Accepts TCP and never answers (an SSH client times out waiting for the banner)."""

    open: dict[tuple[str, int], set[asyncio.Transport]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.key = transport.get_extra_info("sockname")[:2]
        self.open.setdefault(self.key, set()).add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open.get(self.key, set()).discard(self.transport)

    @classmethod
    def abort_all(cls, address: str, port: int) -> None:
        for transport in list(cls.open.pop((address, port), set())):
            transport.abort()


class SshServer(asyncssh.SSHServer):
    def __init__(self, runtime: DeviceRuntime) -> None:
        self.runtime = runtime
        self.conn: asyncssh.SSHServerConnection | None = None
        self.username = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn

    def begin_auth(self, username: str) -> bool:
        self.username = username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self.runtime.passwords_received += 1
        if self.runtime.faults.refuse_login or not self.runtime.forwarding:
            return False
        return bool(self.runtime.device.check_login(username, password))

    def session_requested(self) -> SshCliSession:
        assert self.conn is not None
        return SshCliSession(self.runtime, self.conn, self.username)


class SshCliSession(asyncssh.SSHServerSession):
    """One interactive shell: echo, line editing, output pacing, mid-command drops."""

    def __init__(
        self, runtime: DeviceRuntime, conn: asyncssh.SSHServerConnection, username: str
    ) -> None:
        self.runtime = runtime
        self.conn = conn
        self.username = username
        self.chan: asyncssh.SSHServerChannel | None = None
        self.cli: CliSession | None = None
        self.buffer: list[str] = []
        self.after_cr = False
        self.closed = False
        self._pending: deque[tuple[float, str]] = deque()
        self._drain_timer: asyncio.TimerHandle | None = None
        self._close_after_pending = False
        self.pager: MorePager | None = None  # the engine's Pager while its More prompt shows

    # -- asyncssh callbacks ----------------------------------------------------------
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False

    def session_started(self) -> None:
        self.runtime.sessions.add(self)
        self.runtime.logins += 1
        self.cli = self.runtime.device.open_session(self.username)
        banner = self.cli.login_banner()
        if banner and not banner.endswith("\n"):
            banner += "\n"
        self.send(banner + self.cli.prompt())

    def data_received(self, data: str, datatype: int | None) -> None:
        for char in data:
            if self.closed:
                return
            if self.pager is not None:
                self._more_key(char)
                continue
            if char == "\r":
                self.after_cr = True
                self.end_line()
                continue
            if char == "\n":
                if self.after_cr:
                    self.after_cr = False
                    continue
                self.end_line()
                continue
            self.after_cr = False
            if char in ("\x7f", "\x08"):
                if self.buffer:
                    self.buffer.pop()
                    self.send("\b \b")
            elif char == "\x15":  # Ctrl-U: kill line
                self.send("\b \b" * len(self.buffer))
                self.buffer.clear()
            elif char == "\x03":  # Ctrl-C: abandon the line
                self.buffer.clear()
                self.send("^C\n" + self._prompt())
            elif char >= " " or char == "\t":
                self.buffer.append(char)
                self.send(char)

    def eof_received(self) -> bool:
        self.drop()
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.runtime.sessions.discard(self)
        if self._drain_timer:
            self._drain_timer.cancel()

    # -- lines -------------------------------------------------------------------------
    def _prompt(self) -> str:
        return self.cli.prompt() if self.cli else ""

    def end_line(self) -> None:
        line = "".join(self.buffer)
        self.buffer.clear()
        assert self.cli is not None
        faults = self.runtime.faults
        if faults.drop_match and re.search(faults.drop_match, line) and faults.take_drop():
            self.close_after_output()  # cut before the device runs the line
            if faults.drop_down_seconds:
                self.runtime.unreachable_for(faults.drop_down_seconds)
            return
        if faults.take_refuse(line):
            self.send("\n" + self.cli.refuse(line).rstrip("\n") + "\n" + self._prompt())
            return
        try:
            reply = self.cli.handle(line)
        except Exception:
            log.exception("%s: engine failed on %r", self.runtime.spec.name, line)
            self.send("\n% Internal error in the lab engine (see the lab log)\n" + self._prompt())
            return
        finally:
            self.runtime.lab.changed(device=self.runtime.spec.name)
        if self.closed:  # the command rebooted or powered off the device
            return
        output = reply.output
        if output and not faults.drop_match and faults.take_drop():
            self.send("\n" + output[: max(1, len(output) // 2)])
            self.close_after_output()
            return
        prompt = "" if reply.close else self._prompt()
        pager = self.cli.paginate(output) if output and prompt else None
        if pager is not None:  # a long output, paging on: the first screen, More
            self.pager = pager
            self.send("\n" + pager.start())
            return
        if output and prompt and not output.endswith("\n"):
            output += "\n"
        self.send("\n" + output + prompt)
        if reply.close:
            self.close_after_output()

    def _more_key(self, char: str) -> None:
        """A key typed while the More prompt shows (no echo, no line editing)."""
        if char == "\n" and self.after_cr:  # the LF of a CR LF Enter
            self.after_cr = False
            return
        self.after_cr = char == "\r"
        pager = self.pager
        assert pager is not None
        text = pager.key(char)
        if text is None:
            return
        if pager.done:
            self.pager = None
            text += self._prompt()
        self.send(text)

    # -- output ------------------------------------------------------------------------
    def send(self, text: str) -> None:
        if self.closed or not text:
            return
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        delay = self.runtime.faults.slow_ms / 1000.0
        if delay <= 0 and not self._pending:
            self._write(text)
            return
        loop = self.runtime.lab.loop
        due = loop.time() + delay
        if self._pending and self._pending[-1][0] > due:
            due = self._pending[-1][0]
        self._pending.append((due, text))
        if self._drain_timer is None:
            self._drain_timer = loop.call_at(self._pending[0][0], self._drain)

    def _drain(self) -> None:
        self._drain_timer = None
        loop = self.runtime.lab.loop
        while self._pending and self._pending[0][0] <= loop.time() + 0.0005:
            self._write(self._pending.popleft()[1])
        if self._pending:
            self._drain_timer = loop.call_at(self._pending[0][0], self._drain)
        elif self._close_after_pending:
            self.drop()

    def _write(self, text: str) -> None:
        if self.closed or self.chan is None:
            return
        try:
            self.chan.write(text)
        except (OSError, asyncssh.Error, BrokenPipeError):
            self.drop()

    def close_after_output(self) -> None:
        if self._pending:
            self._close_after_pending = True
        else:
            self.drop()

    def drop(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.runtime.sessions.discard(self)
        if self._drain_timer:
            self._drain_timer.cancel()
        self.conn.close()


class LabServer:
    """Every device of a topology, served from one asyncio loop."""

    def __init__(
        self,
        topology: Topology,
        host_keys: LabHostKeys,
        factory: DeviceFactory | None = None,
        boot_seconds: float | None = None,
        known_hosts: Path | None = None,
    ) -> None:
        self.topology = topology
        self.boot_seconds = boot_seconds  # overrides the engines' boot time (reload, reboot)
        self.host_keys = host_keys  # each device's own key (hisops.lab.hostkeys)
        # The lab's known_hosts (written at start and when a device is reset) and the
        # lines of the lab hosts it lists beside the switches.
        self.known_hosts = known_hosts
        self.known_hosts_extra: list[str] = []
        self.loop = asyncio.get_running_loop()
        # Device timers (revert timers, commit delays, scheduled reboots) run this many
        # times faster: a drill or a test sees a 1-minute safety net fire in seconds.
        self.time_scale = max(0.001, float(os.environ.get("HISOPS_LAB_TIME_SCALE") or 1.0))
        # The devices' clocks (``display clock``, time ranges) run this far ahead of the
        # host's: ``hisops lab clock --advance`` moves them, as if the time had passed.
        self.clock_offset = 0.0
        self.factory = factory = factory or load_factory()
        self.runtimes: dict[str, DeviceRuntime] = {}
        self.listeners: list[Callable[[], None]] = []  # called after every possible change
        self._tasks: set[asyncio.Task[Any]] = set()
        self.listen_lock = asyncio.Lock()
        # hospital management IP -> the loopback address standing for it (the topology
        # address of the device whose topology mgmt_ip it is)
        self.mgmt_addresses: dict[str, str] = {}
        for spec in topology.devices.values():
            if spec.mgmt_ip:
                self.mgmt_addresses.setdefault(spec.mgmt_ip.split("/")[0], spec.address)
        devices: dict[str, SimDevice] = {}
        for name, spec in topology.devices.items():
            try:
                device = factory(engine_spec(spec))
            except Exception as exc:
                raise DeviceStartError(
                    f"{topology.source}: device {name} ({spec.platform} {spec.model}): "
                    f"the engine refused it: {exc}"
                ) from exc
            runtime = DeviceRuntime(self, spec, device)
            self.runtimes[name] = runtime
            devices[name] = device
        macs = {name: engine_spec(spec)["mac"] for name, spec in topology.devices.items()}
        self.dataplane = DataPlane(
            topology, devices, self.state_of, macs, clock=self.clock, switch_at=self.switch_at
        )
        for runtime in self.runtimes.values():
            runtime.device.attach(runtime)
        self.follow_addresses(spawn=False)

    def write_known_hosts(self) -> None:
        """``known_hosts``: every device's own key at its topology address, then the hosts'."""
        if self.known_hosts is None:
            return
        entries = [
            (spec.address, spec.port, self.host_keys.of(name), name)
            for name, spec in self.topology.devices.items()
        ]
        write_known_hosts(self.known_hosts, known_hosts_lines(entries) + self.known_hosts_extra)

    def clock(self) -> float:
        """The lab's time, epoch seconds: the host's clock plus what ``advance_clock`` added."""
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move every device's clock forward (time ranges, ``display clock``); timers that
        are running keep their own pace."""
        if seconds < 0:
            raise ValueError("the lab's clock only moves forward (seconds must be >= 0)")
        self.clock_offset += seconds
        self.changed()

    def changed(self, claim: str | None = None, device: str | None = None) -> None:
        """Something that may change forwarding happened: recompute lazily, tell listeners.

        ``claim``: a device just reset to the topology's, first to its topology address;
        ``device``: only that device may have changed (a CLI line, one of its timers)."""
        if claim is not None or device is None:
            self.follow_addresses(claim=claim)
        else:
            runtime = self.runtimes[device]
            if runtime.wanted_address() != runtime.wanted:
                self.follow_addresses()
        self.dataplane.invalidate()
        for listener in self.listeners:
            try:
                listener()
            except Exception:
                log.exception("lab change listener failed")

    def state_of(self, name: str) -> str:
        return self.runtimes[name].state

    def switch_at(self, ip: str) -> str | None:
        """The device answering now at the loopback address that stands for management IP
        ``ip`` with that IP on its management VLANIF; None when none does."""
        address = self.mgmt_addresses.get(ip)
        if address is None:
            return None
        for name, runtime in self.runtimes.items():
            if runtime.address == address and runtime.follows_mgmt:
                return name if runtime.wanted and runtime.wanted[2] == ip else None
        return None

    def follow_addresses(self, claim: str | None = None, spawn: bool = True) -> None:
        """Every device answers SSH on the loopback address of the management IP on its
        VLANIF (its topology address while it has the topology's IP), as a real switch
        answers on the IP it is configured with.

        A device whose IP changed loses its sessions (their address is gone) and listens
        at the new address, when no other device holds it: the holder keeps it, the
        newcomer answers nowhere (a duplicate IP), as does a device whose IP no device of
        the topology owns, or that has none. ``claim`` (a reset device) takes its address
        back from whoever holds it."""
        wanted = {name: rt.wanted_address() for name, rt in self.runtimes.items()}
        for name, runtime in self.runtimes.items():
            runtime.wanted = wanted[name]
        owner: dict[str, str] = {}
        if claim is not None and wanted[claim][0] is not None:
            owner[str(wanted[claim][0])] = claim
        for name, runtime in self.runtimes.items():
            address = wanted[name][0]
            if address is not None and runtime.address == address and address not in owner:
                owner[address] = name
        newcomers: dict[str, list[str]] = {}
        for name, (address, _reason, _ip) in wanted.items():
            if address is not None and owner.get(address) != name:
                newcomers.setdefault(address, []).append(name)
        for address, names in newcomers.items():
            if address not in owner and len(names) == 1:
                owner[address] = names[0]
        releases: list[DeviceRuntime] = []
        claims: list[DeviceRuntime] = []
        for name, runtime in self.runtimes.items():
            address, reason, ip = wanted[name]
            if address is not None and owner.get(address) != name:
                others = (
                    [owner[address]]
                    if address in owner
                    else [n for n in newcomers[address] if n != name]
                )
                reason = f"duplicate address: {ip} is also on {', '.join(others)}" + (
                    f", which answers on {address}" if address in owner else ""
                )
                address = None
            if address == runtime.address and reason == runtime.address_reason:
                continue
            old = runtime.address
            runtime.address, runtime.address_reason = address, reason
            if address is not None:
                log.info("%s: answers on %s (management IP %s)", name, address, ip or "-")
            elif runtime.forwarding:
                log.warning("%s: answers on no address: %s", name, reason)
            if old == address:
                continue
            if old is not None and runtime.sessions:
                log.info("%s: its address %s is gone: SSH sessions dropped", name, old)
                runtime.disconnect_sessions()
            (releases if old is not None else claims).append(runtime)
        if spawn:
            for runtime in releases + claims:
                runtime.relisten()

    def spawn(self, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("lab task failed", exc_info=task.exception())

    async def start(self) -> None:
        results = await asyncio.gather(
            *(runtime.start() for runtime in self.runtimes.values()), return_exceptions=True
        )
        failures = [
            f"{name} {runtime.spec.address}:{runtime.spec.port}: {result}"
            for (name, runtime), result in zip(self.runtimes.items(), results, strict=True)
            if isinstance(result, BaseException)
        ]
        if failures:
            await self.stop()
            raise OSError(
                "cannot listen for "
                + "; ".join(failures[:5])
                + (f" (+{len(failures) - 5} more)" if len(failures) > 5 else "")
                + " - is another lab running? (hisops lab status / hisops lab down)"
            )

    async def stop(self) -> None:
        await asyncio.gather(*(runtime.stop() for runtime in self.runtimes.values()))
        for task in list(self._tasks):
            task.cancel()

    def runtime(self, name: str) -> DeviceRuntime:
        try:
            return self.runtimes[name]
        except KeyError:
            raise KeyError(
                f"no device {name!r} in the lab (hisops lab status lists them)"
            ) from None

    async def settle(self) -> None:
        """Wait until listener changes scheduled by faults have been applied."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
