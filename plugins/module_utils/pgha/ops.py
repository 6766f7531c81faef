# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the DB-host modules do: configure, clone, switch over, promote, rejoin, lock.

Every operation validates and checks first (nothing touched when it refuses), honours
check mode in one place (``Result.would``: the step is recorded, not done) and is
idempotent (a node already in the wanted state reports no change).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha import lsn
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.config import (
    HaSettings,
    merge_pgpass,
    slot_name,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    AuthError,
    CommandError,
    ConnectError,
    InputError,
    LockHeld,
    PgHaError,
    Refused,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import (
    LocalNode,
    connect_peer,
    scalar,
    wait_until,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    PRIMARY,
    STANDBY,
    NodeState,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import failover_gap

# What pg_rewind needs from the source server when it is not a superuser (PostgreSQL docs)
REWIND_FUNCTIONS = (
    "pg_catalog.pg_ls_dir(text, boolean, boolean)",
    "pg_catalog.pg_stat_file(text, boolean)",
    "pg_catalog.pg_read_binary_file(text)",
    "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
    "pg_catalog.pg_promote(boolean, integer)",
)


@dataclass
class Result:
    check: bool
    changed: bool = False
    commands: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    diff: list[dict[str, str]] = field(default_factory=list)

    def would(self, command: str) -> bool:
        """Record a change; True when it must really be done (not check mode)."""
        self.changed = True
        self.commands.append(command)
        return not self.check

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "commands": self.commands, "before": self.before,
                "after": self.after, **self.details}


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _write(path: str, content: str, mode: int) -> None:
    tmp = path + ".hisops-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# ---------------------------------------------------------------------- configuration
def ensure_config(node: LocalNode, settings: HaSettings, password: str, check: bool,
                  pgpass: str | None = None) -> Result:
    """The node's hot-standby settings file and its ``~/.pgpass`` entry for the peer.

    The password is first proven against the peer when the peer already knows the
    replication user, so wrong credentials are refused before anything is written.
    """
    settings.validate()
    if not password:
        raise InputError("replication_password", "is empty")
    res = Result(check)
    wanted = settings.render()
    current = _read(node.ha_conf)
    if current != wanted:
        res.diff.append({"before": current or "", "after": wanted, "before_header": node.ha_conf,
                         "after_header": node.ha_conf})
        if res.would(f"write {node.ha_conf}"):
            _write(node.ha_conf, wanted, 0o644)
    pgpass = pgpass or os.path.join(os.path.expanduser("~"), ".pgpass")
    old = _read(pgpass) or ""
    new = merge_pgpass(old, settings.peer_host, settings.peer_port, settings.replication_user,
                       password)
    if new != old and res.would(f"write the {settings.peer_host} entry of {pgpass}"):
        _write(pgpass, new, 0o600)
    res.details["config_file"] = node.ha_conf
    if node.is_running() and res.changed and not check:
        with node.connect() as conn:
            scalar(conn, "SELECT pg_reload_conf()")
            time.sleep(0.2)
            pending = scalar(conn, "SELECT count(*) FROM pg_settings WHERE pending_restart")
        res.details["restart_required"] = bool(pending)
    else:
        res.details["restart_required"] = bool(res.changed and node.is_running()
                                               and current is None)
    return res


def ensure_primary_objects(node: LocalNode, settings: HaSettings, password: str, listen: str,
                           check: bool, update_password: bool = False) -> Result:
    """On the primary: the replication user (LOGIN REPLICATION, pg_rewind and pg_promote
    grants, pg_checkpoint) and the slots of both nodes."""
    res = Result(check)
    user = settings.replication_user
    with node.connect() as conn:
        if scalar(conn, "SELECT pg_is_in_recovery()"):
            raise Refused([f"{settings.node} is a standby: the replication user and slots are "
                           "created on the primary"])
        exists = scalar(conn, "SELECT count(*) FROM pg_roles WHERE rolname = %s", (user,))
        if not exists:
            if res.would(f"CREATE ROLE {user} LOGIN REPLICATION"):
                with conn.cursor() as cur:
                    cur.execute(f'CREATE ROLE "{user}" LOGIN REPLICATION')
                    cur.execute(f"ALTER ROLE \"{user}\" PASSWORD {_quote(conn, password)}")
        else:
            try:
                connect_peer(listen, node.port, user, password).close()
            except AuthError as exc:
                if not update_password:
                    raise InputError("replication_password",
                                     f"it does not authenticate {user} on {settings.node} "
                                     "(wrong credentials; set update_password to change it)") \
                        from exc
                if res.would(f"ALTER ROLE {user} PASSWORD"):
                    with conn.cursor() as cur:
                        cur.execute(f"ALTER ROLE \"{user}\" PASSWORD {_quote(conn, password)}")
        if exists or not check:
            for fn in REWIND_FUNCTIONS:
                if not scalar(conn, "SELECT has_function_privilege(%s, %s, 'EXECUTE')",
                              (user, fn)) and res.would(f"GRANT EXECUTE ON FUNCTION {fn}"):
                    with conn.cursor() as cur:
                        cur.execute(f'GRANT EXECUTE ON FUNCTION {fn} TO "{user}"')
            if not scalar(conn, "SELECT pg_has_role(%s, 'pg_checkpoint', 'MEMBER')", (user,)) \
                    and res.would(f"GRANT pg_checkpoint TO {user}"):
                with conn.cursor() as cur:
                    cur.execute(f'GRANT pg_checkpoint TO "{user}"')
        for slot in (slot_name(settings.peer),):
            _ensure_slot(conn, slot, res)
    return res


def _quote(conn: Any, value: str) -> str:
    import psycopg.sql

    return psycopg.sql.Literal(value).as_string(conn)


def _ensure_slot(conn: Any, slot: str, res: Result) -> None:
    if not scalar(conn, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s",
                  (slot,)) and res.would(f"create physical replication slot {slot}"):
        scalar(conn, "SELECT pg_create_physical_replication_slot(%s, true)", (slot,))


def _drop_slot(conn: Any, slot: str, res: Result) -> None:
    if scalar(conn, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s "
                    "AND NOT active", (slot,)) and res.would(f"drop replication slot {slot}"):
        scalar(conn, "SELECT pg_drop_replication_slot(%s)", (slot,))


# ---------------------------------------------------------------------- standby clone
def clone(node: LocalNode, settings: HaSettings, check: bool, overwrite: bool = False,
          timeout: float = 120) -> Result:
    """Make this node a streaming standby of the peer with pg_basebackup (when it is not).

    A node that already streams from the peer is left alone. A node holding user tables
    of its own is refused unless ``overwrite`` (its data would be replaced).
    """
    settings.validate()
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {"role": mine.role, "upstream": mine.upstream}
    try:
        peer = connect_peer(settings.peer_host, settings.peer_port, settings.replication_user)
    except ConnectError as exc:
        if not check:
            raise
        # check mode before the first build: the replication user does not exist yet
        res.would(f"pg_basebackup from {settings.peer_host} (not verified: {exc})")
        return res
    with peer:
        if scalar(peer, "SELECT pg_is_in_recovery()"):
            raise Refused([f"{settings.peer} is not a primary: cannot clone from it"])
        peer_sysid = scalar(peer, "SELECT system_identifier::text FROM pg_control_system()")
        _ensure_slot(peer, slot_name(settings.node), Result(check))
        size = scalar(peer, "SELECT sum(pg_database_size(datname))::bigint FROM pg_database")
    if mine.role == STANDBY and mine.system_identifier == peer_sysid:
        if not mine.standby_signal:
            raise Refused([f"{settings.node} is in recovery without standby.signal"])
        res.after = res.before
        return res
    if mine.role == PRIMARY and mine.system_identifier == peer_sysid:
        raise Refused([f"{settings.node} is a primary of the same cluster as {settings.peer}: "
                       "both claim primary; use db_rejoin to make it a standby"])
    if mine.role == PRIMARY and not overwrite:
        with node.connect() as conn:
            tables = _user_tables(conn)
        if tables:
            raise InputError("overwrite", f"{settings.node} holds {tables} user table(s) of its "
                             "own; set overwrite=true to replace its data with a clone")
    res.details["clone_bytes"] = size
    if res.would(f"stop {settings.node}"):
        node.stop_fast()
    if res.would(f"empty {node.datadir}"):
        _empty_dir(node.datadir)
    if res.would(f"pg_basebackup from {settings.peer_host} into {node.datadir}"):
        start = time.monotonic()
        node.run(["pg_basebackup", "-h", settings.peer_host, "-p", str(settings.peer_port),
                  "-U", settings.replication_user, "-D", node.datadir, "-X", "stream",
                  "-S", slot_name(settings.node), "--checkpoint=fast", "-w"], timeout=3600)
        res.details["clone_seconds"] = round(time.monotonic() - start, 2)
    if res.would(f"touch {node.standby_signal} and start"):
        _touch(node.standby_signal)
        node.start()
        res.after = _wait_streaming(node, settings, timeout)
    return res


def _user_tables(conn: Any) -> int:
    total = 0
    dbs = [r[0] for r in conn.execute(
        "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate").fetchall()]
    import psycopg

    for db in dbs:
        info = conn.info
        with psycopg.connect(host=info.host, port=info.port, user=info.user, dbname=db,
                             autocommit=True, connect_timeout=3) as other:
            total += scalar(other, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                                   "('pg_catalog', 'information_schema')")
    return total


def _empty_dir(path: str) -> None:
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


def _touch(path: str) -> None:
    with open(path, "a", encoding="utf-8"):
        pass


def _wait_streaming(node: LocalNode, settings: HaSettings, timeout: float) -> dict[str, Any]:
    def streaming():
        try:
            st = node.state(settings.node)
        except PgHaError:
            return None
        if st.role == STANDBY and st.receiver_status == "streaming":
            return st
        return None

    st = wait_until(streaming, timeout, f"{settings.node} streaming from {settings.peer}", 0.1)
    return {"role": st.role, "upstream": st.upstream, "timeline": st.timeline,
            "receiver_status": st.receiver_status}


# ---------------------------------------------------------------------- switchover
def switchover(node: LocalNode, settings: HaSettings, check: bool, max_lag_bytes: int,
               timeout: float = 60) -> Result:
    """Run on the current primary: hand the primary role to the peer with zero loss.

    Disruptive part, kept short: a fast shutdown (sessions cut, the shutdown checkpoint
    sent to the connected standby), wait until the peer has replayed past that checkpoint,
    promote it; then this node restarts as its standby (no rewind needed: it stopped
    cleanly and the peer holds all its WAL).
    """
    settings.validate()
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {settings.node: mine.role}
    peer = connect_peer(settings.peer_host, settings.peer_port, settings.replication_user)
    try:
        peer_primary = not scalar(peer, "SELECT pg_is_in_recovery()")
        if mine.role == STANDBY and peer_primary:
            res.after = res.before = {settings.node: STANDBY, settings.peer: PRIMARY}
            res.details["message"] = f"{settings.peer} is already primary; nothing to do"
            return res
        if mine.role != PRIMARY:
            raise Refused([f"{settings.node} is {mine.role}, not primary"])
        if peer_primary:
            raise Refused([f"both {settings.node} and {settings.peer} claim to be primary"])
        row = next((r for r in mine.replicas if r["name"] == settings.peer), None)
        if row is None or row["state"] != "streaming":
            raise Refused([f"{settings.peer} is not streaming from {settings.node}"])
        if row["lag_bytes"] is not None and row["lag_bytes"] > max_lag_bytes:
            raise Refused([f"{settings.peer} lags {lsn.human_bytes(row['lag_bytes'])}, more than "
                           f"the limit of {lsn.human_bytes(max_lag_bytes)}"])
        res.before[settings.peer] = STANDBY
        if not res.would(f"stop {settings.node} (fast), wait for {settings.peer} to replay, "
                         f"promote {settings.peer}, restart {settings.node} as its standby"):
            res.after = {settings.node: STANDBY, settings.peer: PRIMARY}
            return res
        t0 = time.monotonic()
        node.ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)))
        t_stopped = time.monotonic()
        end = lsn.parse(node.controldata()["Latest checkpoint location"])
        wait_until(lambda: (lsn.parse(scalar(peer, "SELECT pg_last_wal_replay_lsn()::text")) or 0)
                   > end, timeout, f"{settings.peer} replaying the shutdown checkpoint")
        t_replayed = time.monotonic()
        scalar(peer, "SELECT pg_promote(false)")
        wait_until(lambda: not scalar(peer, "SELECT pg_is_in_recovery()"), timeout,
                   f"promotion of {settings.peer}")
        t_promoted = time.monotonic()
        _ensure_slot(peer, slot_name(settings.node), Result(False))
    finally:
        peer.close()
    _touch(node.standby_signal)
    node.start()
    with node.connect() as conn:
        _drop_slot(conn, slot_name(settings.peer), Result(False))
    res.after = {settings.node: STANDBY, settings.peer: PRIMARY,
                 "standby": _wait_streaming(node, settings, timeout)}
    res.details["timings"] = {"stop_s": round(t_stopped - t0, 3),
                              "replay_s": round(t_replayed - t_stopped, 3),
                              "promote_s": round(t_promoted - t_replayed, 3),
                              "writes_stopped_s": round(t_promoted - t0, 3)}
    res.details["shutdown_checkpoint"] = lsn.fmt(end)
    return res


# ---------------------------------------------------------------------- failover
def promote(node: LocalNode, settings: HaSettings, check: bool, old_primary: dict | None,
            fence_proof: str, accept_data_loss: bool, timeout: float = 60) -> Result:
    """Run on the standby after the old primary is fenced: promote it (failover)."""
    settings.validate()
    if not fence_proof:
        raise Refused(["the old primary is not proven fenced (fence_proof is empty)"])
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {settings.node: mine.role}
    if mine.role == PRIMARY and not mine.standby_signal:
        res.after = res.before
        res.details["message"] = f"{settings.node} is already primary; nothing to do"
        res.details["gap_bytes"] = None
        return res
    if mine.role != STANDBY:
        raise Refused([f"{settings.node} is {mine.role}: only a running standby is promoted"])
    old = NodeState.from_dict(old_primary) if old_primary else None
    gap = failover_gap(old, mine)
    res.details["gap_bytes"] = gap
    res.details["gap"] = lsn.human_bytes(gap) if gap is not None else "unknown"
    res.details["received_lsn"] = mine.receive_lsn
    if gap != 0 and not accept_data_loss:
        what = "unknown" if gap is None else lsn.human_bytes(gap)
        raise Refused([f"the data that would be lost is {what}: set accept_data_loss=true to "
                       "promote anyway"])
    if not res.would(f"promote {settings.node}"):
        res.after = {settings.node: PRIMARY}
        return res
    t0 = time.monotonic()
    with node.connect() as conn:
        scalar(conn, "SELECT pg_promote(false)")
        wait_until(lambda: not scalar(conn, "SELECT pg_is_in_recovery()"), timeout,
                   f"promotion of {settings.node}")
        res.details["promote_s"] = round(time.monotonic() - t0, 3)
        _ensure_slot(conn, slot_name(settings.peer), res)
        _drop_slot(conn, slot_name(settings.node), res)
        res.details["timeline"] = scalar(
            conn, "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))"
                  "::bit(32)::int")
    res.after = {settings.node: PRIMARY}
    return res


def lock(path: str, owner: str, state: str, check: bool, break_stale_s: float = 0) -> Result:
    """The failover lock: one file created exclusively; ``state=absent`` releases ours."""
    res = Result(check)
    current = _read(path)
    held = json.loads(current) if current else None
    res.before = {"holder": held}
    if state == "present":
        if held and held.get("owner") == owner:
            return res
        if held:
            age = time.time() - float(held.get("since", 0))
            if not (break_stale_s and age > break_stale_s):
                raise LockHeld([f"another failover holds the lock {path}: {held.get('owner')}, "
                                f"for {age:.0f} s"])
            if res.would(f"break the stale lock of {held.get('owner')} ({age:.0f} s)"):
                os.unlink(path)
        if res.would(f"take the lock {path}"):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError as exc:
                other = _read(path) or "{}"
                raise LockHeld([f"another failover holds the lock {path}: "
                                f"{json.loads(other).get('owner')}"]) from exc
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"owner": owner, "since": time.time(), "pid": os.getpid()}, handle)
        res.after = {"holder": owner}
    else:
        if held and held.get("owner") == owner and res.would(f"release the lock {path}"):
            os.unlink(path)
        res.after = {"holder": None if held and held.get("owner") == owner else held}
    return res


# ---------------------------------------------------------------------- rejoin
def rejoin(node: LocalNode, settings: HaSettings, check: bool, allow_clone: bool = True,
           clone_rate_mb_s: float = 40.0, restore_target_wal: bool = False,
           timeout: float = 120) -> Result:
    """Run on the old primary: make it a standby of the peer (pg_rewind, clone fallback)."""
    settings.validate()
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {"role": mine.role, "timeline": mine.timeline, "upstream": mine.upstream}
    with connect_peer(settings.peer_host, settings.peer_port, settings.replication_user) as peer:
        if scalar(peer, "SELECT pg_is_in_recovery()"):
            raise Refused([f"{settings.peer} is not primary: nothing to rejoin"])
        peer_tli = scalar(peer, "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), "
                                "1, 8))::bit(32)::int")
        size = scalar(peer, "SELECT sum(pg_database_size(datname))::bigint FROM pg_database")
        estimate = round(size / (clone_rate_mb_s * 1024 * 1024), 1) if size else None
        res.details["clone_estimate"] = {"bytes": size, "seconds": estimate,
                                         "rate_mb_s": clone_rate_mb_s}
        if (mine.role == STANDBY and mine.receiver_status == "streaming"
                and mine.timeline == peer_tli):
            res.after = res.before
            res.details["method"] = "none"
            return res
        if mine.role == "unreachable" and mine.error.startswith("no cluster"):
            method = "clone"
        else:
            method = "rewind"
        res.details["method"] = method
        if not res.would(f"make {settings.node} a standby of {settings.peer} ({method})"):
            return res
        _ensure_slot(peer, slot_name(settings.node), res)
        # pg_rewind compares against the source's control file: a CHECKPOINT there makes
        # the new timeline visible (otherwise "no rewind required" can be said wrongly)
        scalar(peer, "CHECKPOINT")
    node.stop_fast()
    if method == "rewind":
        auto_conf = os.path.join(node.datadir, "postgresql.auto.conf")
        saved = _read(auto_conf)
        argv = [f"{node.bindir}/pg_rewind",
                "--target-pgdata", node.datadir,
                "--source-server", f"host={settings.peer_host} port={settings.peer_port} "
                f"user={settings.replication_user} dbname=postgres connect_timeout=5",
                "--config-file", os.path.join(node.confdir, "postgresql.conf"), "--progress"]
        if restore_target_wal:
            argv.append("--restore-target-wal")
        # pg_rewind's crash recovery runs a single-user server, which refuses standby mode:
        # the fence's standby.signal goes during the rewind and comes back right after
        if os.path.exists(node.standby_signal):
            os.unlink(node.standby_signal)
        try:
            out = node.run(argv, timeout=3600)
            res.details["rewind_output"] = out[-2000:]
            if saved is not None:
                _write(auto_conf, saved, 0o600)  # the node's own, not the source's copy
        except CommandError as exc:
            res.details["rewind_error"] = str(exc)
            if not allow_clone:
                raise
            method = "clone"
            res.details["method"] = "clone (pg_rewind failed)"
            res.commands.append(f"clone: about {estimate} s for {lsn.human_bytes(size)} "
                                f"at {clone_rate_mb_s} MB/s")
    if method.startswith("clone"):
        start = time.monotonic()
        os.makedirs(node.datadir, mode=0o700, exist_ok=True)
        _empty_dir(node.datadir)
        node.run(["pg_basebackup", "-h", settings.peer_host, "-p", str(settings.peer_port),
                  "-U", settings.replication_user, "-D", node.datadir, "-X", "stream",
                  "-S", slot_name(settings.node), "--checkpoint=fast", "-w"], timeout=3600)
        res.details["clone_seconds"] = round(time.monotonic() - start, 2)
    _touch(node.standby_signal)
    node.start()
    after = _wait_streaming(node, settings, timeout)
    if after["timeline"] != peer_tli:
        raise Refused([f"{settings.node} streams on timeline {after['timeline']}, "
                       f"{settings.peer} is on {peer_tli}"])
    with node.connect() as conn:
        _drop_slot(conn, slot_name(settings.peer), Result(False))
    res.after = after
    return res


__all__ = ["AuthError", "ConnectError", "ensure_config", "ensure_primary_objects", "clone",
           "switchover", "promote", "lock", "rejoin", "Result"]
