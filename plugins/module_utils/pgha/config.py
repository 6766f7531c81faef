# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node's own hot-standby configuration, rendered (pure) and validated first.

Both nodes carry the same settings, each naming the other as its upstream: whether a
node is primary or standby is decided by ``standby.signal`` alone, so a switchover or a
rejoin never rewrites configuration. The file lives in the Debian configuration
directory (``conf.d/hisops-ha.conf``), outside the data directory, so pg_rewind and
pg_basebackup never overwrite it; no password appears in it (libpq reads ``~/.pgpass``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.lsn import human_bytes

SYNC_MODES = ("async", "sync")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,252}$")
_SIZE = re.compile(r"^[0-9]+(kB|MB|GB)$")
_PERCENT = re.compile(r"^([0-9]{1,2})%$")
_UNIT = {"kB": 1024, "MB": 1024**2, "GB": 1024**3}
# The WAL a standby's slot may hold back on the primary: by default a fifth of the
# filesystem holding the data directory, never under 1 GB (PostgreSQL's own default,
# -1, keeps it without bound until that filesystem is full and the primary stops).
WAL_BOUND_AUTO = "20%"
WAL_BOUND_FLOOR = 1024**3


def standby_name(node: str) -> str:
    """``node`` as an entry of ``synchronous_standby_names``: double-quoted, since an
    unquoted name must be a plain identifier ('his-db-2' is a syntax error there)."""
    return '"' + node.replace('"', '""') + '"'


def slot_name(node: str) -> str:
    """The physical slot (on the primary) that node ``node`` streams through."""
    return "hisops_" + re.sub(r"[^a-z0-9_]", "_", node.lower())


@dataclass(frozen=True)
class HaSettings:
    node: str
    peer: str
    peer_host: str
    peer_port: int = 5432
    replication_user: str = "hisops_replicator"
    sync_mode: str = "async"
    wal_keep_size: str = "512MB"
    # a size ('8GB'), a share of the data directory's filesystem ('20%') or 'auto' (20%);
    # resolved to a size on the node by ``with_wal_bound`` before rendering
    max_slot_wal_keep_size: str = "auto"
    wal_bound_note: str = ""

    def validate(self) -> HaSettings:
        for fld in ("node", "peer", "replication_user"):
            if not _NAME.match(getattr(self, fld) or ""):
                raise InputError(fld, f"{getattr(self, fld)!r} is not a valid name")
        if self.node == self.peer:
            raise InputError("peer", "a node cannot be its own peer")
        if not _HOST.match(self.peer_host or ""):
            raise InputError("peer_host", f"{self.peer_host!r} is not a host name or address")
        if not 1 <= int(self.peer_port) <= 65535:
            raise InputError("peer_port", f"{self.peer_port} is not a TCP port")
        if self.sync_mode not in SYNC_MODES:
            raise InputError("sync_mode", f"{self.sync_mode!r}: choose one of {SYNC_MODES}")
        if not _SIZE.match(self.wal_keep_size):
            raise InputError("wal_keep_size", f"{self.wal_keep_size!r}: a size like 512MB")
        bound = self.max_slot_wal_keep_size
        if bound != "auto" and not _SIZE.match(bound) and not _PERCENT.match(bound):
            raise InputError(
                "max_slot_wal_keep_size",
                f"{bound!r}: a size like 8GB, a share of the data directory's disk like "
                "20%, or auto",
            )
        if _PERCENT.match(bound) and not 1 <= int(bound[:-1]) <= 90:
            raise InputError("max_slot_wal_keep_size", f"{bound!r}: a share from 1% to 90%")
        return self

    def with_wal_bound(self, disk_bytes: int) -> HaSettings:
        """These settings with the slot's WAL bound as a size, ``disk_bytes`` being the size
        of the filesystem holding the data directory."""
        self.validate()
        bound = self.max_slot_wal_keep_size
        if _SIZE.match(bound):
            return replace(self, wal_bound_note="as configured")
        share = int((WAL_BOUND_AUTO if bound == "auto" else bound)[:-1])
        size = max(WAL_BOUND_FLOOR, disk_bytes * share // 100)
        size_mb = size // 1024**2
        note = (
            f"{share}% of the {human_bytes(disk_bytes)} disk of the data directory, "
            f"floor {human_bytes(WAL_BOUND_FLOOR)}"
        )
        return replace(self, max_slot_wal_keep_size=f"{size_mb}MB", wal_bound_note=note)

    def render(self) -> str:
        sync = standby_name(self.peer) if self.sync_mode == "sync" else ""
        return (
            f"# Managed by hisops.emergency: hot standby pair {self.node} <-> {self.peer}.\n"
            "# A node is a standby when its data directory holds standby.signal.\n"
            "wal_level = replica\n"
            "wal_log_hints = on                 # pg_rewind needs it (data checksums are off)\n"
            "hot_standby = on\n"
            "hot_standby_feedback = on\n"
            "max_wal_senders = 10\n"
            "max_replication_slots = 10\n"
            f"wal_keep_size = '{self.wal_keep_size}'       # WAL kept for pg_rewind\n"
            "# WAL a lost standby's slot may hold back; past it the slot is lost (re-clone)\n"
            f"max_slot_wal_keep_size = '{self.max_slot_wal_keep_size}'"
            f"{f'  # {self.wal_bound_note}' if self.wal_bound_note else ''}\n"
            "wal_receiver_status_interval = 1s\n"
            "wal_retrieve_retry_interval = 1s\n"
            f"primary_conninfo = 'host={self.peer_host} port={self.peer_port} "
            f"user={self.replication_user} dbname=postgres application_name={self.node} "
            "connect_timeout=2 keepalives_idle=5 keepalives_interval=2 keepalives_count=3'\n"
            f"primary_slot_name = '{slot_name(self.node)}'\n"
            "recovery_target_timeline = 'latest'\n"
            f"# sync: a commit waits for {self.peer}; writes stall while it is down\n"
            f"synchronous_standby_names = '{sync}'\n"
        )


def size_bytes(text: str) -> int:
    """'512MB' as bytes (a PostgreSQL size of the forms this module renders)."""
    match = _SIZE.match(text)
    if not match:
        raise InputError("size", f"{text!r}: a size like 512MB")
    return int(text[: -len(match.group(1))]) * _UNIT[match.group(1)]


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def pgpass_line(host: str, port: int, user: str, password: str) -> str:
    return f"{_esc(host)}:{port}:*:{_esc(user)}:{_esc(password)}\n"


def merge_pgpass(existing: str, host: str, port: int, user: str, password: str) -> str:
    """``existing`` with the entry for host:port:*:user replaced (other entries kept)."""
    prefix = f"{_esc(host)}:{port}:*:{_esc(user)}:"
    kept = [
        line if line.endswith("\n") else line + "\n"
        for line in existing.splitlines(keepends=True)
        if line.strip() and not line.startswith(prefix)
    ]
    return "".join(kept) + pgpass_line(host, port, user, password)
