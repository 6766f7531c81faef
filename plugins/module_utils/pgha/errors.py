# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception tree for the PostgreSQL hot-standby domain; modules catch ``PgHaError``.

Each error has a ``code``, returned as ``reason`` by the modules (``ansible_glue``): the
controller decides on the code, never on the message's words."""

from __future__ import annotations


class PgHaError(Exception):
    """Base of every error of the pgha domain."""

    code = "error"


class InputError(PgHaError):
    """A bad input, refused before anything is touched; names the field."""

    code = "bad_input"

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ConnectError(PgHaError):
    """A PostgreSQL server could not be reached."""

    code = "not_connected"


class AuthError(ConnectError):
    """A PostgreSQL server refused the credentials."""

    code = "auth_refused"


class Refused(PgHaError):
    """A go/no-go check said no: the operation would be unsafe; nothing was changed.
    ``code`` names the check (``not_fenced``, ``not_standby``, ``data_loss``, ...)."""

    code = "refused"

    def __init__(self, reasons: list[str], code: str = ""):
        super().__init__("refused: " + "; ".join(reasons))
        self.reasons = list(reasons)
        self.code = code or self.code


class LockHeld(Refused):
    """Another failover, switchover or rejoin holds the pair's lock (``holder``: its record)."""

    code = "lock_held"

    def __init__(self, reasons: list[str], holder: dict | None = None):
        super().__init__(reasons)
        self.holder = dict(holder or {})
        self.details = {"holder": self.holder}


class CommandError(PgHaError):
    """A PostgreSQL tool (pg_ctlcluster, pg_basebackup, pg_rewind, ...) failed."""

    code = "command_failed"

    def __init__(self, argv: list[str], rc: int, output: str):
        super().__init__(f"{' '.join(argv[:3])} failed (rc={rc}): {output.strip()[-800:]}")
        self.argv = argv
        self.rc = rc
        self.output = output


class Timeout(PgHaError):
    """A wait (replay, promotion, streaming) did not finish in time."""

    code = "timeout"
