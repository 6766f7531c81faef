"""A tiny in-memory ``DeviceHost`` for driving engines without SSH.

Not a mock of the engines: it plays the server's part of the contract (clock, timers,
data-plane tables) with plain values that the tests set and fire by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hisops.lab.contract import ArpEntry, MacEntry


@dataclass
class FakeTimer:
    due: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeHost:
    clock: float = datetime(2026, 11, 23, 10, 30, tzinfo=UTC).timestamp()  # a Monday
    macs: list[MacEntry] = field(default_factory=list)
    arps: list[ArpEntry] = field(default_factory=list)
    timers: list[FakeTimer] = field(default_factory=list)
    reboots: list[float] = field(default_factory=list)
    disconnects: int = 0
    links_down: set[str] = field(default_factory=set)

    def mac_table(self) -> list[MacEntry]:
        return list(self.macs)

    def arp_table(self) -> list[ArpEntry]:
        return list(self.arps)

    def now(self) -> float:
        return self.clock

    def call_later(self, seconds: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(self.clock + seconds, callback)
        self.timers.append(timer)
        return timer

    def disconnect_sessions(self) -> None:
        self.disconnects += 1

    def notify_reboot(self, downtime_seconds: float) -> None:
        self.reboots.append(downtime_seconds)
        self.disconnect_sessions()

    def link_up(self, port: str) -> bool:
        return port not in self.links_down

    def pending(self) -> list[FakeTimer]:
        return [t for t in self.timers if not t.cancelled]

    def advance(self, seconds: float) -> None:
        """Move the clock and fire every timer that falls due, in order."""
        self.clock += seconds
        for timer in sorted(self.pending(), key=lambda t: t.due):
            if timer.due <= self.clock and not timer.cancelled:
                timer.cancelled = True
                timer.callback()
