# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network emergency actions speak netdev's exception tree, with two refinements."""

from __future__ import annotations

from ..netdev.errors import CommandRejected, DeviceUnreachable, InputError, NetdevError, SessionLost

__all__ = [
    "CommandRejected",
    "DeviceUnreachable",
    "InputError",
    "NetdevError",
    "Refused",
    "SessionLost",
    "TransactionError",
]


class Refused(InputError):
    """A guard said no (management VLAN, the controller's path, a protected endpoint)."""

    hint = "nothing was changed; override with force=true and a reason if this is really intended"


class TransactionError(InputError):
    """The isolation record does not allow the operation (unknown id, closed, no clean-up)."""
