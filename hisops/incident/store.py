"""The incident store: SQLite on the controller (``var/incidents/incidents.db`` or
``$HISOPS_INCIDENT_DIR``), independent of the HIS database it may have to outlive.

WAL and ``synchronous=FULL``: a change is one transaction, committed to disk before the
command says so; a process killed mid-write leaves the last committed state and nothing
half-written. The schema is versioned (``schema_version``): each migration runs once, in
order, inside the transaction that records it. ``backup`` copies a consistent snapshot
with SQLite's online backup API while others may be writing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .errors import IncidentError

# Append only: a released migration is never edited, a change is a new one.
MIGRATIONS: list[str] = [
    # 1: incidents and their timeline
    """
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        state TEXT NOT NULL,
        class TEXT NOT NULL,
        scope TEXT NOT NULL DEFAULT '',
        symptoms TEXT NOT NULL DEFAULT '[]',
        department TEXT NOT NULL DEFAULT '',
        reporter TEXT NOT NULL DEFAULT '',
        occurred_at TEXT NOT NULL,
        found_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        assignee TEXT NOT NULL DEFAULT '',
        groups TEXT NOT NULL DEFAULT '{}',
        drill INTEGER NOT NULL DEFAULT 0,
        recovery_estimate TEXT NOT NULL DEFAULT '',
        estimate_at TEXT NOT NULL DEFAULT '',
        self_test_at TEXT NOT NULL DEFAULT '',
        recovered_at TEXT NOT NULL DEFAULT '',
        confirmed_at TEXT NOT NULL DEFAULT '',
        confirmed_by TEXT NOT NULL DEFAULT '',
        closed_at TEXT NOT NULL DEFAULT '',
        report TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX incidents_state ON incidents (state);
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        who TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX entries_incident ON entries (incident_id, at);
    """,
    # 2: notices (escalations, clocks, recovery), each delivery once per channel and
    # recipient, and the re-entry tasks after a recovery
    """
    CREATE TABLE notices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        channel TEXT NOT NULL,
        due_at TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        next_try_at TEXT NOT NULL DEFAULT '',
        claimed_at TEXT NOT NULL DEFAULT '',
        sent_at TEXT NOT NULL DEFAULT '',
        acked_at TEXT NOT NULL DEFAULT '',
        acked_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (incident_id, key, recipient, channel)
    );
    CREATE INDEX notices_status ON notices (status);
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        key TEXT NOT NULL,
        department TEXT NOT NULL,
        title TEXT NOT NULL,
        deadline TEXT NOT NULL,
        created_at TEXT NOT NULL,
        confirmed_at TEXT NOT NULL DEFAULT '',
        confirmed_by TEXT NOT NULL DEFAULT '',
        UNIQUE (incident_id, key, department)
    );
    """,
    # 3: a system-written entry as a message key and its parameters, rendered in the
    # reader's language (messages.py); rows written before keep msg '' and render as text
    """
    ALTER TABLE entries ADD COLUMN msg TEXT NOT NULL DEFAULT '';
    ALTER TABLE entries ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
    """,
]


def default_dir() -> str:
    from hisops.runner import REPO_ROOT

    return os.environ.get("HISOPS_INCIDENT_DIR") or str(REPO_ROOT / "var" / "incidents")


class Store:
    """``<directory>/incidents.db``; every ``transaction()`` is all or nothing."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory or default_dir()
        self.path = os.path.join(self.directory, "incidents.db")

    def _connect(self) -> sqlite3.Connection:
        try:
            os.makedirs(self.directory, mode=0o750, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise IncidentError(
                "incident_dir",
                f"cannot open {self.path}: {exc}; set HISOPS_INCIDENT_DIR to a writable folder",
            ) from None
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        self._migrate(conn)
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        if current > len(MIGRATIONS):
            raise IncidentError(
                "incident_dir",
                f"the store is at schema version {current}, newer than this hisops "
                f"({len(MIGRATIONS)}): update hisops before using it",
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                # another process may have migrated while this one waited for the lock
                done = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
                if done < version:
                    for statement in MIGRATIONS[version - 1].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once: writers queue instead of failing late)."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self.read() as conn:
            return int(conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    def backup(self, target: str) -> Path:
        """A consistent copy of the store in ``target`` (a file, or a folder for a dated
        file: an existing one, or a path ending in /), made with SQLite's online backup API while others may write."""
        from datetime import UTC, datetime

        dest = Path(target)
        if dest.is_dir() or target.endswith(os.sep):
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            dest = dest / f"incidents-{stamp}.db"
        if dest.exists():
            raise IncidentError("target", f"{dest} exists: name a new file or a folder")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.read() as conn:
            copy = sqlite3.connect(str(dest))
            try:
                conn.backup(copy)
                ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
        if ok != "ok":
            raise IncidentError("target", f"the copy in {dest} failed its integrity check: {ok}")
        return dest
