# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the HIS data was when an off-site copy was taken: row counts and checksums of
every table, at an exact WAL position, for the restore drill (plan P6.5) to compare.

Taken on the standby right after the off-site backup (the primary carries no load):

1. wait until the standby has replayed past the backup's stop LSN (the copy is then
   consistent at or before the point counted);
2. pause replay, and read the replay LSN: the data seen from now on is exactly the
   data at that LSN;
3. count and checksum every table of the database; resume replay (also on failure).

Then, on the primary, a restore point and a WAL switch (``mark``): a WAL record after the
counted LSN exists and its segment is archived, so the drill can restore to exactly that
LSN (``--type=lsn --target-exclusive``: every record before it, none at or after it).
Without a standby the counts are read on the primary in one transaction with the WAL
position read first (exact when nothing writes in between; said in the result).

The checksum of a table does not depend on the rows' order: the sum over its rows of the
first 60 bits of the MD5 of the row's text.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)

_LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")
_LABEL = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
SEP = "\x1f"

TABLES_SQL = (
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1, 2"
)


class SnapshotError(BackupError):
    code = "snapshot"


def lsn_value(text: str) -> int:
    if not _LSN.match(text or ""):
        raise InputError("lsn", f"{text!r} is not a WAL position (like 0/5000028)")
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def psql(
    database: str, sql: str, port: int = 5432, host: str = "", timeout: float = 600
) -> list[list[str]]:
    """Rows of one statement run as the current OS user (peer authentication)."""
    argv = ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", SEP, "-p", str(port), "-d", database]
    if host:
        argv += ["-h", host]
    try:
        done = subprocess.run(
            [*argv, "-f", "-"],
            input=sql,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, "LANG": "C", "LC_ALL": "C", "PGCONNECT_TIMEOUT": "10"},
        )
    except subprocess.TimeoutExpired:
        raise SnapshotError(f"psql on {database} did not answer in {timeout:.0f} s") from None
    if done.returncode != 0:
        raise SnapshotError(
            f"psql on {database} failed: {(done.stderr or done.stdout).strip()[:600]}"
        )
    return [line.split(SEP) for line in done.stdout.splitlines() if line]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sums_sql(tables: list[list[str]]) -> str:
    """One statement counting and checksumming each ``[schema, table]``."""
    parts = []
    for schema, name in tables:
        qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
        literal = "'" + f"{schema}.{name}".replace("'", "''") + "'"
        parts.append(
            f"SELECT {literal}, count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))"
            f"::bit(60)::bigint), 0) FROM ONLY {qualified} t"
        )
    return " UNION ALL ".join(parts) + ";"


def table_sums(database: str, port: int = 5432, host: str = "") -> dict[str, dict[str, str]]:
    """Every table of ``database``: ``{"schema.table": {"rows": "N", "checksum": "S"}}``."""
    tables = psql(database, TABLES_SQL, port, host)
    if not tables:
        return {}
    return table_sums_in_rows(psql(database, sums_sql(tables), port, host))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wait(database: str, sql: str, want: str, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        rows = psql(database, sql)
        if rows and rows[0][0] == want:
            return
        if time.monotonic() > deadline:
            raise SnapshotError(f"{what} did not happen in {timeout:.0f} s")
        time.sleep(0.2)


def take(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """Counts and checksums of every table of the database at a WAL position."""
    database = str(params.get("database") or "his")
    if not _IDENT.match(database):
        raise InputError("database", f"{database!r} is not a database name")
    min_lsn = str(params.get("min_lsn") or "")
    if min_lsn:
        lsn_value(min_lsn)
    timeout = float(params.get("timeout") or 120)
    if check:
        return {"changed": False, "message": f"would count the tables of {database}"}
    standby = psql(database, "SELECT pg_is_in_recovery()")[0][0] == "t"
    if not standby:
        tables = psql(database, TABLES_SQL)
        # one transaction: its snapshot is taken at its first statement, the LSN's
        rows = psql(
            database,
            "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT pg_current_wal_lsn(), now();\n"
            + (sums_sql(tables) if tables else "")
            + "\nCOMMIT;\n",
        )
        lsn, data_time = rows[0]
        return _result(database, "primary", lsn, data_time, table_sums_in_rows(rows[1:]),
                       exact=False)  # fmt: skip
    if min_lsn:
        _wait(
            database,
            f"SELECT pg_last_wal_replay_lsn() >= '{min_lsn}'::pg_lsn",
            "t",
            timeout,
            f"the standby's replay past the copy's end ({min_lsn})",
        )
    psql(database, "SELECT pg_wal_replay_pause()")
    try:
        _wait(database, "SELECT pg_get_wal_replay_pause_state()", "paused", 30, "pausing replay")
        lsn, data_time = psql(
            database,
            "SELECT pg_last_wal_replay_lsn(), coalesce(pg_last_xact_replay_timestamp(), now())",
        )[0]
        sums = table_sums(database)
    finally:
        psql(database, "SELECT pg_wal_replay_resume()")
    return _result(database, "standby", lsn, data_time, sums, exact=True)


def table_sums_in_rows(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    return {r[0]: {"rows": r[1], "checksum": r[2]} for r in rows if len(r) == 3}


def _result(database: str, role: str, lsn: str, data_time: str, sums: dict[str, Any],
            exact: bool) -> dict[str, Any]:  # fmt: skip
    return {
        "changed": False,
        "database": database,
        "taken_on": role,
        "lsn": lsn,
        "data_time": iso(data_time),
        "taken_at": _now(),
        "exact": exact,
        "tables": sums,
        "message": f"{len(sums)} tables of {database} counted on the {role} at WAL {lsn}",
    }


def iso(text: str) -> str:
    """PostgreSQL's timestamptz text (``2026-12-06 15:40:01.12345+00``) as UTC ISO."""
    value = text.strip().replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", value):
        value += ":00"
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return text
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def mark(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """On the primary: a restore point after the counted LSN and a WAL switch, so the
    segment holding it is archived."""
    label = str(params.get("label") or "")
    if not _LABEL.match(label):
        raise InputError("label", f"{label!r} is not a backup label")
    if check:
        return {"changed": True, "message": f"would write restore point hisops-{label}"}
    rows = psql(
        "postgres",
        f"SELECT pg_create_restore_point('hisops-{label}'), "
        f"pg_walfile_name(pg_create_restore_point('hisops-{label}-end')), pg_switch_wal()",
    )
    point, segment, switched = rows[0]
    return {
        "changed": True,
        "restore_point": f"hisops-{label}",
        "lsn": point,
        "segment": segment,
        "switched_at": switched,
        "message": f"restore point hisops-{label} at {point}, WAL segment {segment} switched",
    }
