# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for the schedules domain; the module catches ``ScheduleError``."""

from __future__ import annotations


class ScheduleError(Exception):
    """Base of every error of the schedules domain."""

    code = "error"


class InputError(ScheduleError):
    """A bad input, refused before anything is written; names the field."""

    code = "bad_input"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class VerifyError(ScheduleError):
    """``systemd-analyze verify`` found a fault in a rendered unit (nothing was written)."""

    code = "verify"


class InstallError(ScheduleError):
    """The unit directory could not be read or written, or holds a file hisops did not write."""

    code = "install"
