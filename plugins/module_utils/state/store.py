# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hospital's deliberate state: one record on the controller that every workflow reads.

What one workflow did on purpose is a *hold*: an open isolation, a vendor window, a
database fence, a spare swap, a client rollout or a switchover in progress. Each names the
switches it concerns and the endpoints (workstations, servers) it cut off or keeps busy.
Before it acts, a deploy or a swap asks which holds concern its switches (an isolation is
kept, not undone), a compliance check calls their lines expected, and a rollout defers the
workstations an isolation cut off instead of counting them as failures.

The store is SQLite in ``<state dir>/state.db`` (WAL; a write is one transaction, so a
killed process leaves the previous state, never half a hold). The detailed records stay
where their workflow keeps them (an isolation's configurations in its transaction file):
a hold points at them by ``id``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import StateError
from .locks import Locks

KINDS = ("isolation", "vendor_window", "db_fence", "spare_swap", "rollout", "switchover")
OPEN = "open"
CLOSED = "closed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS holds (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    devices TEXT NOT NULL DEFAULT '[]',
    endpoints TEXT NOT NULL DEFAULT '[]',
    details TEXT NOT NULL DEFAULT '{}',
    opened_by TEXT NOT NULL DEFAULT '',
    opened_at TEXT NOT NULL,
    closed_by TEXT NOT NULL DEFAULT '',
    closed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS holds_open ON holds (state, kind);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Hold:
    id: str
    kind: str
    key: str
    state: str = OPEN
    summary: str = ""
    devices: list[str] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    opened_by: str = ""
    opened_at: str = ""
    closed_by: str = ""
    closed_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def names(self) -> set[str]:
        """Every way its endpoints are known: inventory name, IP and MAC."""
        found = set()
        for endpoint in self.endpoints:
            for key in ("name", "ip", "mac"):
                if endpoint.get(key):
                    found.add(str(endpoint[key]))
        return found

    def describe(self) -> str:
        text = f"{self.kind} {self.id} ({self.key})"
        if self.opened_by:
            text += f" opened by {self.opened_by} at {self.opened_at}"
        return text


@contextlib.contextmanager
def state_db(
    directory: str,
    schema: str,
    error: type[Exception],
    what: str,
    *,
    create: bool = True,
) -> Iterator[sqlite3.Connection]:
    """The state directory's SQLite database (``state.db``: WAL, synchronous writes), with
    ``schema`` made. Every domain that keeps state there (holds, backups) opens it here.
    ``create=False`` and no database yet: an empty one in memory, so that a read never
    creates the directory. A failure raises ``error``, naming the file."""
    path = os.path.join(directory, "state.db")
    if not create and not os.path.exists(path):
        conn = sqlite3.connect(":memory:")
    else:
        try:
            os.makedirs(directory, mode=0o750, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise error(f"state_dir: cannot open {path}: {exc}") from None
    try:
        conn.row_factory = sqlite3.Row
        if create or os.path.exists(path):
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(schema)
        yield conn
    except sqlite3.Error as exc:
        raise error(f"{what} {path}: {exc}") from None
    finally:
        conn.close()


class StateStore:
    """Holds and locks under one state directory (``var/state`` by default)."""

    def __init__(self, state_dir: str) -> None:
        if not state_dir:
            raise StateError(
                "state_dir: a directory for the hospital's deliberate state is required"
            )
        self.directory = state_dir
        self.path = os.path.join(state_dir, "state.db")
        self.locks = Locks(state_dir)

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with state_db(self.directory, _SCHEMA, StateError, "state store") as conn:
            yield conn

    def put(self, hold: Hold) -> Hold:
        """Create or replace a hold (by id), in one transaction."""
        if hold.kind not in KINDS:
            raise StateError(f"kind: {hold.kind!r} is not one of {', '.join(KINDS)}")
        hold.opened_at = hold.opened_at or utc_now()
        row = hold.as_dict()
        for name in ("devices", "endpoints", "details"):
            row[name] = json.dumps(row[name], sort_keys=True)
        with self._db() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO holds ({', '.join(row)}) "
                f"VALUES ({', '.join(['?'] * len(row))})",
                list(row.values()),
            )
        return hold

    def open(
        self,
        kind: str,
        key: str,
        *,
        id: str,
        operator: str = "",
        summary: str = "",
        devices: Iterable[str] = (),
        endpoints: Iterable[dict[str, Any]] = (),
        details: dict[str, Any] | None = None,
        opened_at: str = "",
    ) -> Hold:
        return self.put(
            Hold(
                id=id,
                kind=kind,
                key=key,
                summary=summary,
                devices=sorted(set(devices)),
                endpoints=list(endpoints),
                details=dict(details or {}),
                opened_by=operator,
                opened_at=opened_at,
            )
        )

    def close(self, hold_id: str, operator: str = "", closed_at: str = "") -> Hold | None:
        hold = self.get(hold_id)
        if hold is None or hold.state == CLOSED:
            return hold
        hold.state, hold.closed_by, hold.closed_at = CLOSED, operator, closed_at or utc_now()
        return self.put(hold)

    def get(self, hold_id: str) -> Hold | None:
        with self._db() as conn:
            row = conn.execute("SELECT * FROM holds WHERE id = ?", (hold_id,)).fetchone()
        return _hold(row) if row else None

    def active(
        self,
        kind: str | None = None,
        devices: Iterable[str] | None = None,
        endpoint: str | None = None,
    ) -> list[Hold]:
        """Open holds, oldest first; of one kind, touching any of ``devices``, or cutting
        off ``endpoint`` (inventory name, IP or MAC)."""
        query, args = "SELECT * FROM holds WHERE state = ?", [OPEN]
        if kind:
            query += " AND kind = ?"
            args.append(kind)
        with self._db() as conn:
            holds = [_hold(row) for row in conn.execute(query + " ORDER BY opened_at, id", args)]
        if devices is not None:
            wanted = set(devices)
            holds = [h for h in holds if wanted & set(h.devices)]
        if endpoint:
            holds = [h for h in holds if endpoint in h.names()]
        return holds

    def isolated_endpoints(self) -> dict[str, Hold]:
        """Name, IP and MAC of every endpoint an open isolation cut off -> that isolation."""
        found: dict[str, Hold] = {}
        for hold in self.active("isolation"):
            for name in hold.names():
                found.setdefault(name, hold)
        return found

    def history(self, limit: int = 100) -> list[Hold]:
        with self._db() as conn:
            return [
                _hold(row)
                for row in conn.execute(
                    "SELECT * FROM holds ORDER BY opened_at DESC, id DESC LIMIT ?", (limit,)
                )
            ]


def _hold(row: sqlite3.Row) -> Hold:
    values = dict(row)
    for name in ("devices", "endpoints", "details"):
        values[name] = json.loads(values[name] or ("{}" if name == "details" else "[]"))
    return Hold(**values)


def default_state_dir(playbook_dir: str = "") -> str:
    """``$HISOPS_STATE_DIR``, else ``var/state`` beside the playbooks."""
    env = os.environ.get("HISOPS_STATE_DIR", "")
    if env:
        return env
    if playbook_dir:
        return os.path.normpath(os.path.join(playbook_dir, "..", "var", "state"))
    return os.path.join(os.getcwd(), "var", "state")
