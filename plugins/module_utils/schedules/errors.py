# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for the schedules domain; the module catches ``ScheduleError``."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.errors import (
    FieldError,
    HisopsError,
)


class ScheduleError(HisopsError):
    """Base of every error of the schedules domain."""


class InputError(FieldError, ScheduleError):
    """A bad input, refused before anything is written; names the field."""


class VerifyError(ScheduleError):
    """``systemd-analyze verify`` found a fault in a rendered unit (nothing was written)."""

    code = "verify"


class InstallError(ScheduleError):
    """The unit directory could not be read or written, or holds a file hisops did not write."""

    code = "install"
