"""The seam between the lab's SSH/daemon side and the device CLI engines.

The SSH server (``hisops/lab/server.py``) owns sockets, line editing and echo, fault
injection and timers; a device engine (``hisops/lab/devices/``) owns the configuration
state and every byte of CLI text the device prints (banners, prompts, outputs, errors).
The server never formats device text; the engine never touches sockets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass
class Reply:
    """What one input line produced.

    ``output`` is printed as is (lines separated by ``\\n``; the server converts to
    ``\\r\\n``). After it the server prints ``session.prompt()`` unless it is empty
    (a pending ``[Y/N]`` question prints its own question inside ``output``).
    ``close`` ends the SSH session after the output (``quit`` at user view, a reboot).
    """

    output: str = ""
    close: bool = False


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


@dataclass(frozen=True)
class MacEntry:
    mac: str  # canonical lower-case aa:bb:cc:dd:ee:ff; engines print it in platform style
    vlan: int
    port: str  # full interface name as the device names it
    kind: str = "dynamic"


@dataclass(frozen=True)
class ArpEntry:
    ip: str
    mac: str
    vlan: int
    interface: str  # the VLANIF/SVI/L3 interface it was learnt on (full name)
    port: str = ""  # physical port behind it, where the platform shows one
    kind: str = "dynamic"
    age_minutes: int = 5


class DeviceHost(Protocol):
    """What the server offers an engine: time, timers, session control, data plane."""

    def mac_table(self) -> list[MacEntry]:
        """The MAC table the data plane derives for this device now."""

    def arp_table(self) -> list[ArpEntry]:
        """The ARP table the data plane derives for this device now."""

    def now(self) -> float: ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> TimerHandle: ...

    def disconnect_sessions(self) -> None:
        """Drop every SSH session of this device (reboot, power off)."""

    def notify_reboot(self, downtime_seconds: float) -> None:
        """The device is rebooting: unreachable for that long, then back on saved config."""


class MorePager(Protocol):
    """A long output behind the device's More prompt (``CliSession.paginate``)."""

    @property
    def done(self) -> bool:
        """Everything shown (or the display stopped): the server prints the prompt."""

    def start(self) -> str:
        """The first screen and the More prompt."""

    def key(self, char: str) -> str | None:
        """The text one key prints (the next screen, line, or nothing more); ``None``
        when the device ignores that key."""


class CliSession(Protocol):
    def login_banner(self) -> str:
        """Text printed right after login, before the first prompt."""

    def prompt(self) -> str:
        """Current prompt text, e.g. ``<CORE-1>``; empty while a question is pending."""

    def handle(self, line: str) -> Reply:
        """Execute one line typed by the user (without the line terminator)."""

    def paginate(self, output: str) -> MorePager | None:
        """A pager when the device would page ``output`` (paging on, longer than a
        screen); the server then feeds it the keys typed until it is done."""

    def refuse(self, line: str) -> str:
        """The device's error for ``line`` refused as unrecognized at its first word (the
        server's ``refuse`` fault: the line is not executed)."""


class SimDevice(Protocol):
    name: str
    platform: str  # netmiko device_type: huawei, hp_comware, cisco_ios

    def attach(self, host: DeviceHost) -> None: ...

    def open_session(self, username: str) -> CliSession: ...

    def check_login(self, username: str, password: str) -> bool: ...

    def power_on(self) -> None:
        """Running configuration := saved configuration (after reboot or power off)."""
