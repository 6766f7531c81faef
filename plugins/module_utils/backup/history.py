# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup history: every run of ``backup_run`` and every copy done, missed or failed.

It lives in the hospital's state store (``<state dir>/state.db``, SQLite, WAL; see
``state/store.py``), in tables of its own. An event is unique per target, occasion, day
and status: a second run on the same day that finds the drive still away records no
second miss. The calendar (``calendar.due``) reads it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.calendar import (
    STATUSES,
    Event,
    check_target,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    HistoryError,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import state_db

_SCHEMA = """
CREATE TABLE IF NOT EXISTS backup_events (
    target TEXT NOT NULL,
    occasion TEXT NOT NULL,
    on_date TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT '',
    run_id TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (target, occasion, on_date, status)
);
CREATE TABLE IF NOT EXISTS backup_snapshots (
    label TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    run_id TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS backup_drills (
    drill_id TEXT PRIMARY KEY,
    on_date TEXT NOT NULL,
    target TEXT NOT NULL,
    label TEXT NOT NULL,
    passed INTEGER NOT NULL,
    operator TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS backup_runs (
    run_id TEXT PRIMARY KEY,
    on_date TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    operator TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}'
);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class History:
    def __init__(self, state_dir: str) -> None:
        if not state_dir:
            raise InputError("state_dir", "a directory for the backup history is required")
        self.directory = state_dir
        self.path = os.path.join(state_dir, "state.db")

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        with state_db(
            self.directory, _SCHEMA, HistoryError, "backup history", create=write
        ) as conn:
            yield conn

    def events(self) -> list[Event]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM backup_events ORDER BY on_date, recorded_at"
            ).fetchall()
        return [
            Event(
                r["target"],
                date.fromisoformat(r["occasion"]),
                date.fromisoformat(r["on_date"]),
                r["status"],
                r["detail"],
            )
            for r in rows
        ]

    def last_done(self) -> dict[str, dict[str, Any]]:
        """Per target, its newest successful copy (day, occasion, label)."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT target, max(on_date) AS on_date FROM backup_events "
                "WHERE status = 'done' GROUP BY target"
            ).fetchall()
            found = {}
            for row in rows:
                full = conn.execute(
                    "SELECT * FROM backup_events WHERE target = ? AND on_date = ? AND "
                    "status = 'done' ORDER BY recorded_at DESC LIMIT 1",
                    (row["target"], row["on_date"]),
                ).fetchone()
                found[row["target"]] = {
                    "on": full["on_date"],
                    "occasion": full["occasion"],
                    "label": full["label"],
                    "recorded_at": full["recorded_at"],
                }
        return found

    def occasions(self, target: str) -> dict[str, str]:
        """The calendar day each of the target's copies (by pgBackRest label) was made for."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT label, occasion FROM backup_events WHERE target = ? AND "
                "status = 'done' AND label != '' ORDER BY on_date",
                (target,),
            ).fetchall()
        return {r["label"]: r["occasion"] for r in rows}

    def record(self, run_id: str, on: date, events: Iterable[dict[str, Any]]) -> list[dict]:
        """Record events (target, occasion, status, detail, label); returns the new ones."""
        checked = []
        for index, event in enumerate(events):
            where = f"events[{index}]"
            if not isinstance(event, dict):
                raise InputError(where, "must be a mapping")
            target = check_target(event.get("target"), f"{where}.target")
            status = event.get("status")
            if status not in STATUSES:
                raise InputError(f"{where}.status", f"{status!r} is not one of {STATUSES}")
            try:
                occasion = date.fromisoformat(str(event.get("occasion")))
            except ValueError:
                raise InputError(f"{where}.occasion", "must be a date YYYY-MM-DD") from None
            checked.append(
                (target, occasion.isoformat(), on.isoformat(), status,
                 str(event.get("detail") or "")[:2000], str(event.get("label") or ""))
            )  # fmt: skip
        new = []
        now = utc_now()
        with self._db(write=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            for row in checked:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO backup_events (target, occasion, on_date, status, "
                    "detail, label, run_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*row, run_id, now),
                )
                if cur.rowcount:
                    keys = ("target", "occasion", "on", "status", "detail", "label")
                    new.append(dict(zip(keys, row, strict=True)))
            conn.execute("COMMIT")
        return new

    def record_run(self, run_id: str, on: date, operator: str, summary: dict[str, Any]) -> None:
        with self._db(write=True) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO backup_runs (run_id, on_date, recorded_at, operator, "
                "summary) VALUES (?, ?, ?, ?, ?)",
                (run_id, on.isoformat(), utc_now(), operator, json.dumps(summary, sort_keys=True)),
            )

    def runs(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._db() as conn:
            rows = conn.execute(
                "SELECT * FROM backup_runs ORDER BY recorded_at DESC, rowid DESC LIMIT ?", (limit,)
            ).fetchall()
        return [{**dict(r), "summary": json.loads(r["summary"])} for r in rows]

    # -- what the data was when a copy was taken, and the restore drills -------------------
    def record_snapshot(self, label: str, target: str, run_id: str, data: dict[str, Any]) -> bool:
        """The snapshot of the copy ``label`` (kept once: the first is the copy's)."""
        with self._db(write=True) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO backup_snapshots (label, target, run_id, recorded_at, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (label, target, run_id, utc_now(), json.dumps(data, sort_keys=True)),
            )
            return bool(cur.rowcount)

    def snapshot(self, label: str) -> dict[str, Any] | None:
        with self._db() as conn:
            row = conn.execute(
                "SELECT data FROM backup_snapshots WHERE label = ?", (label,)
            ).fetchone()
        return json.loads(row["data"]) if row else None

    def record_drill(self, record: dict[str, Any]) -> None:
        with self._db(write=True) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO backup_drills (drill_id, on_date, target, label, passed, "
                "operator, recorded_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record["drill_id"], record["date"], record["target"], record["label"],
                 int(bool(record["passed"])), record.get("operator") or "", utc_now(),
                 json.dumps(record, sort_keys=True)),
            )  # fmt: skip

    def drills(self, on: str | None = None, target: str | None = None) -> list[dict[str, Any]]:
        """Drill records, oldest first (of a day and a target when given)."""
        sql, args = "SELECT record FROM backup_drills WHERE 1 = 1", list[str]()
        if on:
            sql, args = sql + " AND on_date = ?", [*args, on]
        if target:
            sql, args = sql + " AND target = ?", [*args, target]
        with self._db() as conn:
            rows = conn.execute(sql + " ORDER BY recorded_at, rowid", args).fetchall()
        return [json.loads(r["record"]) for r in rows]
