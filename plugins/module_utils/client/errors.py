# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for the workstation client domain (releases, store, ledger, plan).

Callers catch ``ClientError``; ``InputError`` means the request was refused before any
workstation was touched and names the field.
"""

from __future__ import annotations


class ClientError(Exception):
    """A client software operation failed."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.field}: {text}" if self.field else text


class InputError(ClientError):
    """The request is wrong (names the field); nothing was touched."""


class ChecksumMismatch(InputError):
    """A package's content is not what the store recorded: corrupted or replaced."""


class ReleaseError(ClientError):
    """The release layout on a workstation could not be read or changed."""


class MissingRelease(ReleaseError):
    """The release to go back to is not on the workstation and no package was given.

    ``version`` names it, so the controller can bring it from the artifact store."""

    def __init__(self, message: str, *, version: str, field: str = "") -> None:
        super().__init__(message, field=field)
        self.version = version


class LedgerError(ClientError):
    """The ledger on the controller could not be read or written."""
