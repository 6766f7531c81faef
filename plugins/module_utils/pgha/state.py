# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one PostgreSQL node is right now: role, timeline, LSNs, replication and slots.

``NodeState`` is plain data (``as_dict``/``from_dict`` for Ansible); ``read_node_state``
fills it from the local server (psycopg 3) and, when the server is down, from
``pg_controldata`` so that the last known position of a crashed or fenced node is known.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PRIMARY = "primary"
STANDBY = "standby"
STOPPED = "stopped"
UNREACHABLE = "unreachable"
ROLES = (PRIMARY, STANDBY, STOPPED, UNREACHABLE)


@dataclass
class NodeState:
    name: str
    role: str = UNREACHABLE
    timeline: int | None = None
    # primary: current WAL insert position; standby: last replayed position
    lsn: str | None = None
    receive_lsn: str | None = None
    replay_lsn: str | None = None
    replay_age_s: float | None = None  # standby: seconds since the last replayed commit
    upstream: str | None = None  # standby: the primary it streams from (host)
    receiver_status: str | None = None  # standby: pg_stat_wal_receiver.status
    replicas: list[dict[str, Any]] = field(default_factory=list)  # primary: pg_stat_replication
    slots: list[dict[str, Any]] = field(default_factory=list)
    synchronous_standby_names: str = ""
    wal_log_hints: bool | None = None
    data_checksums: bool | None = None
    standby_signal: bool = False
    system_identifier: str | None = None
    cluster_state: str | None = None  # pg_controldata "Database cluster state" when stopped
    checkpoint_lsn: str | None = None  # pg_controldata latest checkpoint (stopped nodes)
    service_enabled: bool | None = None
    # what the server refused in its configuration files (pg_file_settings), "file:line: why"
    config_errors: list[str] = field(default_factory=list)
    # primary: bytes in pg_wal and the slots' bound (max_slot_wal_keep_size, -1: none)
    wal_bytes: int | None = None
    wal_bound_bytes: int | None = None
    # primary: the automatic degrade's record (degrade.py), None when it never ran here
    degrade: dict[str, Any] | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeState:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "name" not in known:
            raise ValueError("a node state needs a name")
        return cls(**known)


def timeline_of_walfile(walfile: str) -> int:
    """The timeline of a WAL segment name ('00000002000000000000000A' -> 2)."""
    return int(walfile[:8], 16)


def clean_shutdown(state: NodeState) -> bool:
    """A stopped node whose last position is exactly known (clean shutdown)."""
    return state.role == STOPPED and (state.cluster_state or "").startswith("shut down")


_PRIMARY_SQL = """
SELECT pg_current_wal_lsn()::text, pg_walfile_name(pg_current_wal_lsn())
"""
_REPLICAS_SQL = """
SELECT application_name, host(client_addr), state, sent_lsn::text, replay_lsn::text,
       sync_state, EXTRACT(EPOCH FROM replay_lag)::float8,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint
FROM pg_stat_replication ORDER BY application_name
"""
_STANDBY_SQL = """
SELECT pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END
"""
_RECEIVER_SQL = "SELECT status, sender_host, received_tli FROM pg_stat_wal_receiver"
_SLOTS_SQL = """
SELECT slot_name, slot_type, active, restart_lsn::text, wal_status,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END,
       safe_wal_size
FROM pg_replication_slots ORDER BY slot_name
"""
_WAL_SQL = """
SELECT (SELECT coalesce(sum(size), 0)::bigint FROM pg_ls_waldir()),
       (SELECT CASE WHEN setting::bigint < 0 THEN -1 ELSE setting::bigint * 1024 * 1024 END
        FROM pg_settings WHERE name = 'max_slot_wal_keep_size')
"""
# A value waiting for a restart is also "setting could not be applied": not an error
FILE_ERRORS_SQL = """
SELECT f.sourcefile, f.sourceline, f.name, f.error
FROM pg_file_settings f LEFT JOIN pg_settings s ON s.name = f.name
WHERE f.error IS NOT NULL AND NOT coalesce(s.pending_restart, false) ORDER BY f.seqno
"""
_SETTINGS_SQL = """
SELECT name, setting FROM pg_settings
WHERE name IN ('wal_log_hints', 'data_checksums', 'synchronous_standby_names')
"""


def read_live(conn: Any, state: NodeState) -> NodeState:
    """Fill ``state`` from a psycopg connection to the node itself."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), system_identifier::text FROM pg_control_system()")
        in_recovery, sysid = cur.fetchone()
        state.system_identifier = sysid
        cur.execute(_SETTINGS_SQL)
        settings = dict(cur.fetchall())
        state.wal_log_hints = settings.get("wal_log_hints") == "on"
        state.data_checksums = settings.get("data_checksums") == "on"
        state.synchronous_standby_names = settings.get("synchronous_standby_names", "")
        cur.execute(FILE_ERRORS_SQL)
        state.config_errors = [file_error(*r) for r in cur.fetchall()]
        cur.execute(_SLOTS_SQL)
        state.slots = [
            {"name": r[0], "type": r[1], "active": r[2], "restart_lsn": r[3], "wal_status": r[4],
             "retained_bytes": r[5], "safe_wal_size": r[6]}
            for r in cur.fetchall()
        ]  # fmt: skip
        if in_recovery:
            state.role = STANDBY
            cur.execute(_STANDBY_SQL)
            state.receive_lsn, state.replay_lsn, age = cur.fetchone()
            state.replay_age_s = None if age is None else round(float(age), 3)
            state.lsn = state.replay_lsn
            cur.execute(_RECEIVER_SQL)
            row = cur.fetchone()
            if row:
                state.receiver_status, state.upstream, state.timeline = row[0], row[1], row[2]
            if state.timeline is None:
                cur.execute("SELECT timeline_id FROM pg_control_checkpoint()")
                state.timeline = cur.fetchone()[0]
        else:
            state.role = PRIMARY
            cur.execute(_PRIMARY_SQL)
            state.lsn, walfile = cur.fetchone()
            state.timeline = timeline_of_walfile(walfile)
            cur.execute(_WAL_SQL)
            state.wal_bytes, state.wal_bound_bytes = cur.fetchone()
            cur.execute(_REPLICAS_SQL)
            state.replicas = [
                {"name": r[0], "address": r[1], "state": r[2], "sent_lsn": r[3],
                 "replay_lsn": r[4], "sync_state": r[5],
                 "lag_s": None if r[6] is None else round(float(r[6]), 3), "lag_bytes": r[7]}
                for r in cur.fetchall()
            ]  # fmt: skip
    return state


def file_error(sourcefile: str | None, line: int | None, name: str | None, error: str) -> str:
    """One row of ``pg_file_settings`` with an error, as the operator reads it."""
    where = f"{sourcefile or '?'}:{line}" if line else (sourcefile or "?")
    return f"{where}: {error}" + (f" ({name})" if name else "")


def parse_controldata(text: str) -> dict[str, str]:
    """``pg_controldata`` output as a dict of its labels."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            key, _sep, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def read_stopped(controldata: dict[str, str], state: NodeState) -> NodeState:
    """Fill ``state`` for a node whose server is down, from its ``pg_controldata``."""
    state.role = STOPPED
    state.cluster_state = controldata.get("Database cluster state")
    state.checkpoint_lsn = controldata.get("Latest checkpoint location")
    state.system_identifier = controldata.get("Database system identifier")
    tli = controldata.get("Latest checkpoint's TimeLineID")
    state.timeline = int(tli) if tli and tli.isdigit() else None
    state.wal_log_hints = controldata.get("wal_log_hints setting") == "on"
    state.data_checksums = controldata.get("Data page checksum version", "0") != "0"
    state.lsn = state.checkpoint_lsn
    return state
