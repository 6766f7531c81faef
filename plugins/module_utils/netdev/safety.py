# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each platform's own safety net: armed before a change that may cut the controller off,
so that the device reverts without anybody touching it, and confirmed only from a new
session (the proof that the controller still reaches the device). Which net, how it is
armed and confirmed is the platform's dialect's (``Dialect.safety_net``, ``arm_safety_net``,
``confirm_safety_net``); today:

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

from dataclasses import dataclass

from .dialects import Dialect
from .errors import InputError
from .session import DeviceSession
from .text import config_body


@dataclass(frozen=True)
class ArmedNet:
    """The net armed on a device: its kind (the dialect's name for it) and what a push
    reports of it (``safety_net``)."""

    kind: str
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
        self.dialect: Dialect | None = None  # the platform's, once armed
        self.presaved = False  # the running configuration was saved so that a reboot net keeps it

    @property
    def description(self) -> str:
        return self.armed.description if self.armed else ""

    def arm(self, session: DeviceSession, running: str) -> ArmedNet:
        """Arm the platform's net; ``running`` is the configuration read just before."""
        minutes = int(self.minutes)
        dialect = self.dialect = session.platform
        kind, description, reboot = dialect.safety_net(running, minutes)
        if reboot:
            self._ensure_saved(session, running)
        dialect.arm_safety_net(session, kind, minutes)
        return self._set(kind, description)

    def config_mode_command(self) -> str | None:
        """How the change enters configuration mode: the IOS revert timer is armed by it."""
        if self.armed is None or self.dialect is None:
            return None
        return self.dialect.config_mode_command(self.armed.kind, int(self.minutes))

    def confirm(self, session: DeviceSession) -> None:
        """Keep the change: disarm the net (nothing when none was armed)."""
        if self.armed is not None:
            session.platform.confirm_safety_net(session, self.armed.kind)

    def _set(self, kind: str, description: str) -> ArmedNet:
        self.armed = ArmedNet(kind, description)
        return self.armed

    def _ensure_saved(self, session: DeviceSession, running: str) -> None:
        """A reboot net returns to the saved configuration: it must be the current one."""
        saved = session.show(session.platform.show_saved)
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
