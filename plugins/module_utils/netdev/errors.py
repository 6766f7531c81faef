# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for everything that talks to switches.

Callers catch ``NetdevError`` for "this device failed" and the subclasses when the
reaction differs (retry later, fix credentials, fix the commands).
"""

from __future__ import annotations


class NetdevError(Exception):
    """A device operation failed; ``hint`` says what the operator can do about it."""

    hint = ""

    def __init__(self, message: str, *, device: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.device = device
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        if self.device:
            text = f"{self.device}: {text}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(NetdevError):
    """The request is wrong before any device is touched (names the field)."""


class DeviceUnreachable(NetdevError):
    hint = (
        "check that the device is powered, its management path is up and the address/port are right"
    )


class AuthenticationFailed(NetdevError):
    hint = "check the username/password in the inventory (and the enable secret on Cisco)"


class SessionLost(NetdevError):
    hint = "the SSH session dropped mid-command; the device state is uncertain until read again"


class CommandRejected(NetdevError):
    """The device answered a command with an error text."""

    hint = "the device refused the line; fix the command or the data model"

    def __init__(self, message: str, *, device: str = "", command: str = "", output: str = ""):
        super().__init__(message, device=device)
        self.command = command
        self.output = output


class UnsupportedPlatform(InputError):
    hint = "use the netmiko device_type of a platform that has a dialect (docs/dialects.md)"
