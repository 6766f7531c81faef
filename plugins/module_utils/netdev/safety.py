# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each platform's own safety net: armed before a change that may cut the controller off,
so that the device reverts without anybody touching it, and confirmed only from a new
session (the proof that the controller still reaches the device).

* Cisco IOS with an archive path: ``configure terminal revert timer N`` (archive-based
  rollback; armed by entering configuration mode with it), confirmed with ``configure confirm``;
* H3C Comware 7: ``configuration commit delay N``, confirmed with ``configuration commit``;
* Huawei VRP (S-series has no commit-confirm): ``schedule reboot delay HH:MM`` to the
  saved configuration, cancelled with ``undo schedule reboot``;
* Cisco IOS without an archive path: ``reload in N`` to the startup configuration,
  cancelled with ``reload cancel``.

A reboot net returns to the saved configuration, so it is only safe when the running
configuration equals the saved one: that is checked first, and the running configuration is
saved when the caller allows it (``may_save``), else the net is refused.

``net = SafetyNet(minutes)``; ``net.arm(session, running)`` before the change;
``net.confirm(new_session)`` after it; ``net.armed`` says which net (None: none armed).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .errors import InputError
from .session import DeviceSession
from .text import config_body

_SAVED_CONFIG = {
    "huawei": "display saved-configuration",
    "hp_comware": "display saved-configuration",
    "cisco_ios": "show startup-config",
}


class NetKind(enum.Enum):
    """Which safety net, and so how it is confirmed."""

    COMWARE_COMMIT_DELAY = "comware-commit"
    CISCO_REVERT_TIMER = "cisco-revert"
    HUAWEI_REBOOT = "huawei-reboot"
    CISCO_RELOAD = "cisco-reload"


@dataclass(frozen=True)
class ArmedNet:
    """The net armed on a device: its kind and what a push reports of it (``safety_net``)."""

    kind: NetKind
    description: str


class SafetyNet:
    """The safety net of one change on one device.

    ``armed`` is the net this change armed (None until ``arm``, or when the platform's net
    could not be armed). It stays set after ``confirm``: a failure path after the
    confirmation confirms again, which is harmless on every platform."""

    def __init__(self, minutes: int = 5, may_save: bool = False) -> None:
        self.minutes = minutes
        self.may_save = may_save
        self.armed: ArmedNet | None = None
        self.presaved = False  # the running configuration was saved so that a reboot net keeps it

    @property
    def description(self) -> str:
        return self.armed.description if self.armed else ""

    def arm(self, session: DeviceSession, running: str) -> ArmedNet:
        """Arm the platform's net; ``running`` is the configuration read just before."""
        minutes = int(self.minutes)
        platform = session.platform.name
        if platform == "hp_comware":
            session.config_set([f"configuration commit delay {minutes}"])
            return self._set(NetKind.COMWARE_COMMIT_DELAY, f"configuration commit delay {minutes}")
        if platform == "cisco_ios" and re.search(r"^archive\n(?: .*\n)*? path \S+", running, re.M):
            return self._set(
                NetKind.CISCO_REVERT_TIMER, f"configure terminal revert timer {minutes}"
            )
        # Huawei S-series has no commit-confirm, and IOS without an archive path cannot
        # roll back: a scheduled reboot to the saved configuration is the net.
        self._ensure_saved(session, running)
        if platform == "huawei":
            delay = f"{minutes // 60:02d}:{minutes % 60:02d}"
            session.send_timing_confirm(f"schedule reboot delay {delay}")
            return self._set(
                NetKind.HUAWEI_REBOOT, f"schedule reboot delay {delay} (to the saved configuration)"
            )
        session.send_timing_confirm(f"reload in {minutes}")
        return self._set(
            NetKind.CISCO_RELOAD,
            f"reload in {minutes} (to the startup configuration; no archive path)",
        )

    def config_mode_command(self) -> str | None:
        """How the change enters configuration mode: the IOS revert timer is armed by it."""
        if self.armed is not None and self.armed.kind is NetKind.CISCO_REVERT_TIMER:
            return f"configure terminal revert timer {int(self.minutes)}"
        return None

    def confirm(self, session: DeviceSession) -> None:
        """Keep the change: disarm the net (nothing when none was armed)."""
        kind = self.armed.kind if self.armed is not None else None
        if kind is NetKind.HUAWEI_REBOOT:
            session.send_timing_confirm("undo schedule reboot")
        elif kind is NetKind.COMWARE_COMMIT_DELAY:
            session.config_set(["configuration commit"])
        elif kind is NetKind.CISCO_REVERT_TIMER:
            session.show("configure confirm")
        elif kind is NetKind.CISCO_RELOAD:
            session.send_timing_confirm("reload cancel")

    def _set(self, kind: NetKind, description: str) -> ArmedNet:
        self.armed = ArmedNet(kind, description)
        return self.armed

    def _ensure_saved(self, session: DeviceSession, running: str) -> None:
        """A reboot net returns to the saved configuration: it must be the current one."""
        saved = session.show(_SAVED_CONFIG[session.platform.name])
        if config_body(saved) == config_body(running):
            return
        if not self.may_save:
            raise InputError(
                "the running configuration has unsaved changes; the safety net (a scheduled "
                "reboot to the saved configuration) would lose them",
                device=session.params.name,
                hint="allow saving (save: when_changed or always: the current running "
                "configuration is saved before the push, so the net returns to it), "
                "or push with safety_net: none",
            )
        session.save()
        self.presaved = True
