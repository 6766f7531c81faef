"""Fault injection state of one simulated device.

Kinds (``hisops lab fault DEVICE KIND``):

``unreachable``  stop answering: connections refused (``mode=refuse``, default) or
                 accepted and never answered (``mode=blackhole``: SSH banner timeout);
                 open sessions are dropped.
``slow``         every byte the device sends is delayed by ``ms`` milliseconds.
``refuse-login`` authentication fails whatever the credentials.
``drop``         the next command (any session) that prints output is cut half-way
                 and the connection closed; ``count`` commands (default 1, 0 = every).
                 With ``match=REGEX`` the session is cut when a typed line matches,
                 before the device runs it (a push cut in the middle: the lines before
                 it are applied, the rest are not). ``down_seconds=N`` then keeps the
                 device unreachable for N s, as when the push cut its management path.
``refuse``       a typed line that matches ``match=REGEX`` is refused as an unrecognized
                 command (the device's own message, as from a firmware that lacks the
                 command) and not run; ``count`` lines (default 1, 0 = every).
``reboot``       sessions drop, the device is down ``seconds`` (default 5), then boots on
                 its saved configuration.
``power-off``    down until ``power-on``; the running configuration is lost.
``power-on``     boot a powered-off device (saved configuration).
``hostkey``      the device answers with another SSH host key (a new one each time) until
                 cleared, as a unit replaced without the controller being told, or a
                 machine answering in its place, would: the controller must refuse it.

``clear`` removes unreachable/slow/refuse-login/drop/refuse/hostkey (a powered-off device
stays off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = (
    "unreachable",
    "slow",
    "refuse-login",
    "drop",
    "refuse",
    "reboot",
    "power-off",
    "power-on",
    "hostkey",
)


class FaultError(ValueError):
    """A fault request that cannot be applied; the message says what to send instead."""


@dataclass
class Faults:
    unreachable: str = ""  # "" | "refuse" | "blackhole"
    slow_ms: int = 0
    refuse_login: bool = False
    drop_remaining: int = 0  # commands still to cut; -1 = every command
    drop_match: str = ""  # cut when a typed line matches this regex (before running it)
    drop_down_seconds: float = 0.0  # then unreachable for this long
    refuse_match: str = ""  # refuse typed lines that match this regex
    refuse_remaining: int = 0  # lines still to refuse; -1 = every
    host_key: Any = None  # the asyncssh key answered with instead of the device's own
    # power state is kept by the runtime; these are the injectable, clearable faults

    def active(self) -> list[str]:
        kinds = []
        if self.unreachable:
            kinds.append(f"unreachable({self.unreachable})")
        if self.slow_ms:
            kinds.append(f"slow({self.slow_ms}ms)")
        if self.refuse_login:
            kinds.append("refuse-login")
        if self.drop_remaining:
            kinds.append("drop" if self.drop_remaining > 0 else "drop(every)")
        if self.refuse_remaining:
            kinds.append(f"refuse({self.refuse_match})")
        if self.host_key is not None:
            kinds.append("hostkey")
        return kinds

    def take_refuse(self, line: str) -> bool:
        """Whether the typed ``line`` must be refused (and count it)."""
        if self.refuse_remaining == 0 or not re.search(self.refuse_match, line):
            return False
        if self.refuse_remaining > 0:
            self.refuse_remaining -= 1
        return True

    def take_drop(self) -> bool:
        """Whether the command being answered now must be cut (and count it)."""
        if self.drop_remaining == 0:
            return False
        if self.drop_remaining > 0:
            self.drop_remaining -= 1
        return True


def parse_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    """Validate the options of a fault kind; returns them typed."""
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault {kind!r}: use one of {', '.join(FAULT_KINDS)} or clear")
    allowed = {
        "unreachable": {"mode"},
        "slow": {"ms"},
        "refuse-login": set(),
        "drop": {"count", "match", "down_seconds"},
        "refuse": {"count", "match"},
        "reboot": {"seconds"},
        "power-off": set(),
        "power-on": set(),
        "hostkey": set(),
    }[kind]
    unknown = set(options) - allowed
    if unknown:
        raise FaultError(
            f"fault {kind} takes {sorted(allowed) or 'no options'}, not {sorted(unknown)}"
        )
    result: dict[str, Any] = {}
    if kind == "unreachable":
        mode = str(options.get("mode", "refuse"))
        if mode not in ("refuse", "blackhole"):
            raise FaultError("unreachable mode must be 'refuse' or 'blackhole'")
        result["mode"] = mode
    elif kind == "slow":
        result["ms"] = _number(options.get("ms", 500), "ms", 1, 60_000)
    elif kind == "drop":
        result["count"] = int(_number(options.get("count", 1), "count", 0, 1_000_000))
        match = str(options.get("match", ""))
        try:
            re.compile(match)
        except re.error as exc:
            raise FaultError(f"match must be a regular expression: {exc}") from exc
        result["match"] = match
        result["down_seconds"] = _number(options.get("down_seconds", 0), "down_seconds", 0, 3600)
    elif kind == "refuse":
        result["count"] = int(_number(options.get("count", 1), "count", 0, 1_000_000))
        match = str(options.get("match", ""))
        if not match:
            raise FaultError("refuse needs match=REGEX: the lines the device refuses")
        try:
            re.compile(match)
        except re.error as exc:
            raise FaultError(f"match must be a regular expression: {exc}") from exc
        result["match"] = match
    elif kind == "reboot":
        result["seconds"] = _number(options.get("seconds", 5), "seconds", 0, 3600)
    return result


def _number(value: Any, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise FaultError(f"{name} must be a number, not {value!r}") from exc
    if not low <= number <= high:
        raise FaultError(f"{name} must be between {low:g} and {high:g}, not {number:g}")
    return number
