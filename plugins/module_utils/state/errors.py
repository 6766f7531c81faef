# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors of the hospital's deliberate-state store and its locks."""

from __future__ import annotations

from typing import Any


class StateError(Exception):
    """The state store cannot be read or written."""

    hint = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({self.hint})" if self.hint else text


class LockBusy(StateError):
    """Another run holds a lock and did not let go within the wait."""

    def __init__(self, resource: str, holder: dict[str, Any] | None, waited_s: float) -> None:
        self.resource = resource
        self.holder = holder or {}
        self.waited_s = waited_s
        super().__init__(
            f"{resource} is locked by {describe_holder(self.holder)}"
            + (f"; waited {waited_s:.0f} s" if waited_s else ""),
            hint="wait for that run to finish and try again; a lock of a run that died is "
            "released with its process, nothing needs removing by hand",
        )


def describe_holder(holder: dict[str, Any]) -> str:
    """``alice (isolate segment:30) pid 4242 on ctl-1 since 2026-12-06T01:02:03Z``."""
    if not holder:
        return "another run (no details recorded yet)"
    text = str(holder.get("operator") or "someone")
    if holder.get("operation"):
        text += f" ({holder['operation']})"
    if holder.get("pid"):
        text += f" pid {holder['pid']}"
    if holder.get("host"):
        text += f" on {holder['host']}"
    if holder.get("since"):
        text += f" since {holder['since']}"
    return text
