# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for the backup domain; modules catch ``BackupError``.

Each error has a ``code``, returned as ``reason`` by the modules: the controller decides
on the code, never on the message's words."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.errors import (
    FieldError,
    HisopsError,
)


class BackupError(HisopsError):
    """Base of every error of the backup domain."""


class InputError(FieldError, BackupError):
    """A bad input, refused before anything is touched; names the field."""


class HistoryError(BackupError):
    """The backup history (SQLite in the state directory) could not be read or written."""

    code = "history"


class PgBackRestError(BackupError):
    """A pgBackRest command failed; ``detail`` carries its own words (never a secret)."""

    code = "pgbackrest"

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message + (f": {detail}" if detail else ""))
        self.detail = detail
