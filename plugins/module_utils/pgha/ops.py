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
    standby_name,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    AuthError,
    CommandError,
    ConnectError,
    InputError,
    LockHeld,
    PgHaError,
    Refused,
    Timeout,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.files import (
    read_text,
    touch,
    write_atomic,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import (
    LocalNode,
    connect_peer,
    scalar,
    wait_until,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    FILE_ERRORS_SQL,
    PRIMARY,
    STANDBY,
    STOPPED,
    NodeState,
    file_error,
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
        return {
            "changed": self.changed,
            "commands": self.commands,
            "before": self.before,
            "after": self.after,
            **self.details,
        }


# ---------------------------------------------------------------------- configuration
def ensure_config(
    node: LocalNode, settings: HaSettings, password: str, check: bool, pgpass: str | None = None
) -> Result:
    """The node's hot-standby settings file and its ``~/.pgpass`` entry for the peer.

    The password is first proven against the peer when the peer already knows the
    replication user, so wrong credentials are refused before anything is written.
    """
    settings.validate()
    if not password:
        raise InputError("replication_password", "is empty")
    res = Result(check)
    settings = settings.with_wal_bound(disk_bytes(node.datadir))
    res.details["max_slot_wal_keep_size"] = settings.max_slot_wal_keep_size
    wanted = settings.render()
    current = read_text(node.ha_conf)
    if current != wanted:
        res.diff.append(
            {
                "before": current or "",
                "after": wanted,
                "before_header": node.ha_conf,
                "after_header": node.ha_conf,
            }
        )
        if res.would(f"write {node.ha_conf}"):
            write_atomic(node.ha_conf, wanted, 0o644)
    pgpass = pgpass or os.path.join(os.path.expanduser("~"), ".pgpass")
    old = read_text(pgpass) or ""
    new = merge_pgpass(
        old, settings.peer_host, settings.peer_port, settings.replication_user, password
    )
    if new != old and res.would(f"write the {settings.peer_host} entry of {pgpass}"):
        write_atomic(pgpass, new, 0o600)
    res.details["config_file"] = node.ha_conf
    if node.is_running() and res.changed and not check:
        with node.connect() as conn:
            scalar(conn, "SELECT pg_reload_conf()")
            time.sleep(0.2)
            refused = _file_errors(conn, node.ha_conf)
            if refused and current != wanted:
                # the server kept its old values and would not start again with this file:
                # the previous file goes back before the operator is told
                if current is None:
                    os.unlink(node.ha_conf)
                else:
                    write_atomic(node.ha_conf, current, 0o644)
                scalar(conn, "SELECT pg_reload_conf()")
                logged = _rejected_values(node)
                raise PgHaError(
                    f"{settings.node} refused {node.ha_conf} ("
                    + "; ".join(refused + logged)
                    + "); the previous file was put "
                    "back and nothing else changed: report this rendering as a bug"
                )
            pending = scalar(conn, "SELECT count(*) FROM pg_settings WHERE pending_restart")
        res.details["restart_required"] = bool(pending)
    else:
        res.details["restart_required"] = bool(
            res.changed and node.is_running() and current is None
        )
    return res


def disk_bytes(path: str) -> int:
    """The size of the filesystem holding ``path`` (or its nearest existing parent)."""
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize


def _file_errors(conn: Any, path: str | None = None) -> list[str]:
    """What the server refused in its configuration files (only ``path``'s when given)."""
    rows = conn.execute(FILE_ERRORS_SQL).fetchall()
    return [file_error(*r) for r in rows if path is None or r[0] in (path, None)]


def _rejected_values(node: LocalNode, last: int = 2) -> list[str]:
    """The server log's latest refusals of a configuration value, each with its DETAIL
    line (the server's own reason: 'syntax error at or near "-"'); none when unreadable."""
    try:
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 256 * 1024))
            lines = handle.read().splitlines()
    except OSError:
        return []
    found = []
    for i, line in enumerate(lines):
        if "invalid value for parameter" in line:
            detail = lines[i + 1].strip() if i + 1 < len(lines) and "DETAIL" in lines[i + 1] else ""
            found.append(" ".join(filter(None, [line.strip(), detail])))
    return found[-last:]


def replication_mode(node: LocalNode, settings: HaSettings, timeout: float = 30) -> Result:
    """Verify from the server itself that the mode asked for is the mode in force.

    On either node: the server accepted its configuration files (``pg_file_settings``) and
    ``synchronous_standby_names`` holds what the node's file says. On the primary also:
    the peer replicates with ``pg_stat_replication.sync_state`` ``sync`` (sync mode) or
    ``async``. Read-only: the same in check mode.
    """
    settings.validate()
    res = Result(check=False)
    wanted_names = standby_name(settings.peer) if settings.sync_mode == "sync" else ""
    wanted_state = "sync" if settings.sync_mode == "sync" else "async"
    problems: list[str] = []
    if settings.sync_mode == "sync" and os.path.exists(node.degrade_override):
        # the degrade service dropped to async while the standby was away: it restores sync
        # once the standby streams again (a second); wait for that, say so when it does not
        try:
            wait_until(
                lambda: not os.path.exists(node.degrade_override),
                timeout,
                f"the sync-degrade service restoring sync on {settings.node}",
                0.2,
            )
        except Timeout:
            problems.append(
                f"the pair is DEGRADED to async ({node.degrade_override} is present): "
                f"{settings.peer} has not streamed again"
            )
    with node.connect() as conn:
        errors = _file_errors(conn)
        names = scalar(
            conn, "SELECT setting FROM pg_settings WHERE name = 'synchronous_standby_names'"
        )
        primary = not scalar(conn, "SELECT pg_is_in_recovery()")
        sync_state = None
        if primary:

            def replicating():
                return scalar(
                    conn,
                    "SELECT sync_state FROM pg_stat_replication WHERE "
                    "application_name = %s AND state = 'streaming'",
                    (settings.peer,),
                )

            try:
                sync_state = wait_until(
                    replicating, timeout, f"{settings.peer} streaming from {settings.node}", 0.2
                )
            except Timeout:
                problems.append(f"{settings.peer} does not stream from {settings.node}")
    res.after = {
        "role": PRIMARY if primary else STANDBY,
        "synchronous_standby_names": names,
        "sync_state": sync_state,
        "config_errors": errors,
    }
    res.details.update(sync_mode=settings.sync_mode, in_force=res.after)
    if errors:
        problems.append("the server refused its configuration: " + "; ".join(errors))
    if names != wanted_names:
        problems.append(f"synchronous_standby_names is {names!r}, not {wanted_names!r}")
    if sync_state is not None and sync_state != wanted_state:
        problems.append(f"{settings.peer} replicates {sync_state}, not {wanted_state}")
    if problems:
        logged = _rejected_values(node) if errors or names != wanted_names else []
        raise Refused(
            [
                f"{settings.sync_mode} mode asked for, not in force on {settings.node}: "
                + "; ".join(problems)
                + (f"; the server's log: {' | '.join(logged)}" if logged else "")
                + f"; fix {node.ha_conf} (or run db_standby_build again) and reload"
            ]
        )
    return res


def ensure_primary_objects(
    node: LocalNode,
    settings: HaSettings,
    password: str,
    listen: str,
    check: bool,
    update_password: bool = False,
) -> Result:
    """On the primary: the replication user (LOGIN REPLICATION, pg_rewind and pg_promote
    grants, pg_checkpoint) and the slots of both nodes."""
    res = Result(check)
    user = settings.replication_user
    with node.connect() as conn:
        if scalar(conn, "SELECT pg_is_in_recovery()"):
            raise Refused(
                [
                    f"{settings.node} is a standby: the replication user and slots are "
                    "created on the primary"
                ]
            )
        exists = scalar(conn, "SELECT count(*) FROM pg_roles WHERE rolname = %s", (user,))
        if not exists:
            if res.would(f"CREATE ROLE {user} LOGIN REPLICATION"):
                with conn.cursor() as cur:
                    cur.execute(f'CREATE ROLE "{user}" LOGIN REPLICATION')
                    cur.execute(f'ALTER ROLE "{user}" PASSWORD {_quote(conn, password)}')
        else:
            try:
                connect_peer(listen, node.port, user, password).close()
            except AuthError as exc:
                if not update_password:
                    raise InputError(
                        "replication_password",
                        f"it does not authenticate {user} on {settings.node} "
                        "(wrong credentials; set update_password to change it)",
                    ) from exc
                if res.would(f"ALTER ROLE {user} PASSWORD"):
                    with conn.cursor() as cur:
                        cur.execute(f'ALTER ROLE "{user}" PASSWORD {_quote(conn, password)}')
        if exists or not check:
            for fn in REWIND_FUNCTIONS:
                if not scalar(
                    conn, "SELECT has_function_privilege(%s, %s, 'EXECUTE')", (user, fn)
                ) and res.would(f"GRANT EXECUTE ON FUNCTION {fn}"):
                    with conn.cursor() as cur:
                        cur.execute(f'GRANT EXECUTE ON FUNCTION {fn} TO "{user}"')
            if not scalar(
                conn, "SELECT pg_has_role(%s, 'pg_checkpoint', 'MEMBER')", (user,)
            ) and res.would(f"GRANT pg_checkpoint TO {user}"):
                with conn.cursor() as cur:
                    cur.execute(f'GRANT pg_checkpoint TO "{user}"')
        for slot in (slot_name(settings.peer),):
            _ensure_slot(conn, slot, res)
    return res


def _quote(conn: Any, value: str) -> str:
    import psycopg.sql

    return psycopg.sql.Literal(value).as_string(conn)


def _ensure_slot(conn: Any, slot: str, res: Result) -> None:
    if not scalar(
        conn, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", (slot,)
    ) and res.would(f"create physical replication slot {slot}"):
        scalar(conn, "SELECT pg_create_physical_replication_slot(%s, true)", (slot,))


def _drop_slot(conn: Any, slot: str, res: Result) -> None:
    if scalar(
        conn,
        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s AND NOT active",
        (slot,),
    ) and res.would(f"drop replication slot {slot}"):
        scalar(conn, "SELECT pg_drop_replication_slot(%s)", (slot,))


# ---------------------------------------------------------------------- standby clone
def clone(
    node: LocalNode,
    settings: HaSettings,
    check: bool,
    overwrite: bool = False,
    timeout: float = 120,
) -> Result:
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
        # a standby is left alone only when it follows: streaming and catching up (a
        # crashed-and-damaged one can sit in recovery for ever, never streaming)
        target, peer_tli = _peer_position(settings)
        why = _follow(node, settings, target, peer_tli, 5, _log_size(node))
        if not why:
            res.after = res.before
            return res
        res.details["not_following"] = why
        if not overwrite:
            raise InputError(
                "overwrite",
                f"{settings.node} is a standby of {settings.peer} that "
                f"does not follow it ({why}); run db_rejoin (it restarts the standby "
                "and clones it when it cannot catch up), or set overwrite=true to "
                "replace its data with a fresh clone now",
            )
    if mine.role == PRIMARY and mine.system_identifier == peer_sysid:
        raise Refused(
            [
                f"{settings.node} is a primary of the same cluster as {settings.peer}: "
                "both claim primary; use db_rejoin to make it a standby"
            ]
        )
    if mine.role == PRIMARY and not overwrite:
        with node.connect() as conn:
            tables = _user_tables(conn)
        if tables:
            raise InputError(
                "overwrite",
                f"{settings.node} holds {tables} user table(s) of its "
                "own; set overwrite=true to replace its data with a clone",
            )
    res.details["clone_bytes"] = size
    if res.would(f"stop {settings.node}"):
        node.stop_fast()
    if res.would(f"empty {node.datadir}"):
        _empty_dir(node.datadir)
    if res.would(f"pg_basebackup from {settings.peer_host} into {node.datadir}"):
        _basebackup(node, settings, res)
    if res.would(f"touch {node.standby_signal} and start"):
        touch(node.standby_signal)
        node.start()
        res.after = _wait_streaming(node, settings, timeout)
    return res


def _user_tables(conn: Any) -> int:
    total = 0
    dbs = [
        r[0]
        for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate"
        ).fetchall()
    ]
    import psycopg

    for db in dbs:
        info = conn.info
        with psycopg.connect(
            host=info.host,
            port=info.port,
            user=info.user,
            dbname=db,
            autocommit=True,
            connect_timeout=3,
        ) as other:
            total += scalar(
                other,
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')",
            )
    return total


def _basebackup(node: LocalNode, settings: HaSettings, res: Result) -> None:
    """The peer's data directory streamed into this node's (empty) one, through its slot."""
    start = time.monotonic()
    argv = ["pg_basebackup", "-h", settings.peer_host, "-p", str(settings.peer_port)]
    argv += ["-U", settings.replication_user, "-D", node.datadir, "-X", "stream"]
    argv += ["-S", slot_name(settings.node), "--checkpoint=fast", "-w"]
    node.run(argv, timeout=3600)
    res.details["clone_seconds"] = round(time.monotonic() - start, 2)


def _empty_dir(path: str) -> None:
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


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
    return {
        "role": st.role,
        "upstream": st.upstream,
        "timeline": st.timeline,
        "receiver_status": st.receiver_status,
    }


# ---------------------------------------------------------------------- switchover
def switchover(
    node: LocalNode, settings: HaSettings, check: bool, max_lag_bytes: int, timeout: float = 60
) -> Result:
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
            raise Refused(
                [
                    f"{settings.peer} lags {lsn.human_bytes(row['lag_bytes'])}, more than "
                    f"the limit of {lsn.human_bytes(max_lag_bytes)}"
                ]
            )
        res.before[settings.peer] = STANDBY
        if not res.would(
            f"stop {settings.node} (fast), wait for {settings.peer} to replay, "
            f"promote {settings.peer}, restart {settings.node} as its standby"
        ):
            res.after = {settings.node: STANDBY, settings.peer: PRIMARY}
            return res
        t0 = time.monotonic()
        node.ctl("stop", "-m", "fast", "-w", "-t", str(int(timeout)))
        t_stopped = time.monotonic()
        end = lsn.parse(node.controldata()["Latest checkpoint location"])
        if end is None:  # a cleanly stopped cluster always names its last checkpoint
            raise CommandError(
                ["pg_controldata"], 0, "no latest checkpoint location after the stop"
            )
        wait_until(
            lambda: (lsn.parse(scalar(peer, "SELECT pg_last_wal_replay_lsn()::text")) or 0) > end,
            timeout,
            f"{settings.peer} replaying the shutdown checkpoint",
        )
        t_replayed = time.monotonic()
        scalar(peer, "SELECT pg_promote(false)")
        wait_until(
            lambda: not scalar(peer, "SELECT pg_is_in_recovery()"),
            timeout,
            f"promotion of {settings.peer}",
        )
        t_promoted = time.monotonic()
        _ensure_slot(peer, slot_name(settings.node), Result(False))
    finally:
        peer.close()
    touch(node.standby_signal)
    node.start()
    with node.connect() as conn:
        _drop_slot(conn, slot_name(settings.peer), Result(False))
    res.after = {
        settings.node: STANDBY,
        settings.peer: PRIMARY,
        "standby": _wait_streaming(node, settings, timeout),
    }
    res.details["timings"] = {
        "stop_s": round(t_stopped - t0, 3),
        "replay_s": round(t_replayed - t_stopped, 3),
        "promote_s": round(t_promoted - t_replayed, 3),
        "writes_stopped_s": round(t_promoted - t0, 3),
    }
    res.details["shutdown_checkpoint"] = lsn.fmt(end)
    return res


# ---------------------------------------------------------------------- failover
def promote(
    node: LocalNode,
    settings: HaSettings,
    check: bool,
    old_primary: dict | None,
    fence_proof: str,
    accept_data_loss: bool,
    timeout: float = 60,
) -> Result:
    """Run on the standby after the old primary is fenced: promote it (failover)."""
    settings.validate()
    if not fence_proof:
        raise Refused(
            ["the old primary is not proven fenced (fence_proof is empty)"], code="not_fenced"
        )
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {settings.node: mine.role}
    if mine.role == PRIMARY and not mine.standby_signal:
        res.after = res.before
        res.details["message"] = f"{settings.node} is already primary; nothing to do"
        res.details["gap_bytes"] = None
        return res
    if mine.role != STANDBY:
        raise Refused(
            [f"{settings.node} is {mine.role}: only a running standby is promoted"],
            code="not_standby",
        )
    old = NodeState.from_dict(old_primary) if old_primary else None
    gap = failover_gap(old, mine)
    res.details["gap_bytes"] = gap
    res.details["gap"] = lsn.human_bytes(gap) if gap is not None else "unknown"
    res.details["received_lsn"] = mine.receive_lsn
    if gap != 0 and not accept_data_loss:
        what = "unknown" if gap is None else lsn.human_bytes(gap)
        raise Refused(
            [f"the data that would be lost is {what}: set accept_data_loss=true to promote anyway"],
            code="data_loss",
        )
    if not res.would(f"promote {settings.node}"):
        res.after = {settings.node: PRIMARY}
        return res
    t0 = time.monotonic()
    with node.connect() as conn:
        scalar(conn, "SELECT pg_promote(false)")
        wait_until(
            lambda: not scalar(conn, "SELECT pg_is_in_recovery()"),
            timeout,
            f"promotion of {settings.node}",
        )
        res.details["promote_s"] = round(time.monotonic() - t0, 3)
        _ensure_slot(conn, slot_name(settings.peer), res)
        _drop_slot(conn, slot_name(settings.node), res)
        res.details["timeline"] = scalar(
            conn,
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int",
        )
    res.after = {settings.node: PRIMARY}
    return res


OPERATIONS = ("failover", "switchover", "rejoin")


def describe_holder(held: dict[str, Any], path: str = "") -> str:
    """Who holds the pair's lock, as the refused operator reads it: operation, operator,
    controller, process, since when."""
    owner = str(held.get("owner", "?"))
    who, _sep, rest = owner.partition(" pid ")
    pid = (rest.split() or ["?"])[0]
    since = float(held.get("since", 0) or 0)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(since)) if since else "?"
    age = f"{time.time() - since:.0f} s ago" if since else "age unknown"
    where = f" ({path})" if path else ""
    return (
        f"the pair is locked by a {held.get('operation', 'failover')} of {who}, pid {pid}, "
        f"since {stamp} ({age}){where}"
    )


def lock(
    path: str,
    owner: str,
    state: str,
    check: bool,
    break_stale_s: float = 0,
    operation: str = "failover",
    break_owner: str = "",
) -> Result:
    """The pair's lock (failover, switchover, rejoin): one file created exclusively;
    ``state=absent`` releases ours. A holder is broken only when older than
    ``break_stale_s`` or when it is exactly ``break_owner`` (a run its controller proved
    gone); otherwise ``LockHeld`` names it."""
    if operation not in OPERATIONS:
        raise InputError("operation", f"{operation!r}: choose one of {OPERATIONS}")
    if not owner:
        raise InputError("owner", "is empty")
    res = Result(check)
    current = read_text(path)
    try:
        held = json.loads(current) if current else None
    except ValueError:
        held = {"owner": f"unreadable lock file {path}", "since": os.path.getmtime(path)}
    res.before = {"holder": held}
    if state == "present":
        if held and held.get("owner") == owner:
            return res
        if held:
            age = time.time() - float(held.get("since", 0) or 0)
            stale = (break_stale_s and age > break_stale_s) or (
                break_owner and held.get("owner") == break_owner
            )
            if not stale:
                raise LockHeld(
                    [
                        describe_holder(held, path) + "; nothing was changed: wait for "
                        "it to end and run again"
                    ],
                    holder=held,
                )
            if res.would(f"break the stale lock of {held.get('owner')} ({age:.0f} s)"):
                os.unlink(path)
        if res.would(f"take the lock {path}"):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError as exc:
                other = json.loads(read_text(path) or "{}")
                raise LockHeld(
                    [
                        describe_holder(other, path) + "; nothing was changed: wait "
                        "for it to end and run again"
                    ],
                    holder=other,
                ) from exc
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {
                        "owner": owner,
                        "operation": operation,
                        "since": time.time(),
                        "pid": os.getpid(),
                    },
                    handle,
                )
        res.after = {"holder": owner}
    else:
        if held and held.get("owner") == owner and res.would(f"release the lock {path}"):
            os.unlink(path)
        res.after = {"holder": None if held and held.get("owner") == owner else held}
    return res


# ---------------------------------------------------------------------- rejoin
# The control file of a node whose last life was as a standby (crashed or stopped):
# its WAL is what it received from a primary, so it needs no rewind, only a start as a
# standby. (Crash recovery outside standby mode - pg_rewind's single-user run - would end
# recovery with a checkpoint of its own on the primary's timeline, and the node could
# then never follow again: issue 14.)
RECOVERY_STATES = ("in archive recovery", "shut down in recovery")
# What a standby's log says when it cannot catch up, whatever the wait
CANNOT_FOLLOW = (
    "has already been removed",
    "is not a child of this server's history",
    "forked off current database system timeline",
    "could not receive data from WAL stream: ERROR",
)
WALRECEIVER_LOOP = "terminating walreceiver process due to administrator command"
BAD_RECORD = (
    "record with incorrect prev-link",
    "invalid record length",
    "invalid magic number",
    "contrecord is requested",
    "invalid resource manager ID",
)
PAGE_HEADER = 40  # an idle primary's insert position may sit just past a page header


def _was_standby(state: NodeState) -> bool:
    return state.role == STANDBY or (
        state.role == STOPPED and (state.cluster_state or "") in RECOVERY_STATES
    )


def _log_size(node: LocalNode) -> int:
    try:
        return os.path.getsize(node.log_file)
    except OSError:
        return 0


def _log_since(node: LocalNode, offset: int) -> list[str]:
    try:
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            return handle.read(4 * 1024 * 1024).splitlines()
    except OSError:
        return []


def cannot_follow(lines: list[str]) -> str:
    """Why, by the standby's own log, it will never catch up ('' when it may)."""
    for line in lines:
        if any(w in line for w in CANNOT_FOLLOW):
            return line.strip()
    # the same bad record at the same place, read again and again: once is the ordinary
    # end of WAL, three times is a standby whose WAL differs from the primary's
    bad = [line[line.find(w) :].strip() for line in lines for w in BAD_RECORD if w in line]
    for record in dict.fromkeys(bad):
        if bad.count(record) >= 3:
            return (
                f"{record} (read again and again: this node's WAL differs from the "
                "primary's at that place)"
            )
    if sum(WALRECEIVER_LOOP in line for line in lines) >= 3:
        # the startup process rejects what the primary sends at the same place, again and
        # again: the node's WAL differs from the primary's on the same timeline
        cause = [line.strip() for line in lines if "record" in line and " at " in line]
        return (
            cause[-1] if cause else lines[-1].strip()
        ) + " (the walreceiver is restarted again and again)"
    return ""


def _follow(
    node: LocalNode, settings: HaSettings, target: int, peer_tli: int, stall_s: float, log_from: int
) -> str:
    """Wait until the standby has replayed the peer's WAL up to ``target`` on the peer's
    timeline. '' once it has; otherwise why not: its log says it cannot, or its replay
    has not moved for ``stall_s`` seconds (a slow catch-up that moves is waited for)."""
    last, moved = None, time.monotonic()
    while True:
        try:
            st = node.state(settings.node)
        except PgHaError as exc:
            st, why = None, str(exc)
        if st is not None and st.role == STANDBY:
            replay = lsn.parse(st.replay_lsn) or 0
            if (
                st.receiver_status == "streaming"
                and st.timeline == peer_tli
                and replay + PAGE_HEADER >= target
            ):
                return ""
        said = cannot_follow(_log_since(node, log_from))
        if said:
            return said
        if st is not None and st.role == STANDBY:
            if last is None or replay > last:
                last, moved = replay, time.monotonic()
            why = (
                f"receiver {st.receiver_status or 'not running'} on timeline {st.timeline}, "
                f"replayed up to {lsn.fmt(replay)} of {lsn.fmt(target)}"
            )
        elif st is not None:
            why = f"it is {st.role} ({st.cluster_state or st.error or 'no answer'})"
        if time.monotonic() - moved > stall_s:
            return f"no progress for {stall_s:.0f} s: {why}"
        time.sleep(0.2)


def _peer_position(settings: HaSettings) -> tuple[int, int]:
    with connect_peer(settings.peer_host, settings.peer_port, settings.replication_user) as peer:
        pos = scalar(peer, "SELECT pg_current_wal_lsn()::text")
        tli = scalar(
            peer,
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int",
        )
    return lsn.parse(pos) or 0, int(tli)


def restart_as_standby(node: LocalNode, settings: HaSettings, stall_s: float) -> str:
    """Start (or leave running) the node in standby mode and wait for it to catch up;
    '' when it has, otherwise why not (the server's own words where it said them)."""
    log_from = _log_size(node)
    target, peer_tli = _peer_position(settings)
    touch(node.standby_signal)
    try:
        node.start()
    except CommandError as exc:
        return f"it did not start in standby mode: {exc}"
    return _follow(node, settings, target, peer_tli, stall_s, log_from)


def rejoin(
    node: LocalNode,
    settings: HaSettings,
    check: bool,
    allow_clone: bool = True,
    clone_rate_mb_s: float = 40.0,
    restore_target_wal: bool = False,
    timeout: float = 120,
    catchup_stall_s: float = 30,
) -> Result:
    """Make this node a standby of the peer again, by the least that works.

    A node whose last life was as a standby (crashed, stopped, or running but not
    streaming) is started in standby mode and must catch up; one that was a primary is
    rewound (pg_rewind). A standby that does not catch up - its log says it cannot (its
    WAL is gone from the primary, its timeline forked off, the walreceiver restarted over
    and over) or its replay stalls for ``catchup_stall_s`` - is rewound when it is on an
    older timeline than the peer, else cloned afresh (pg_rewind has nothing to rewind on
    the peer's own timeline); a failed rewind falls back to a clone as well.
    """
    settings.validate()
    if catchup_stall_s <= 0:
        raise InputError("catchup_stall_s", "must be a positive number of seconds")
    res = Result(check)
    mine = node.state(settings.node)
    res.before = {
        "role": mine.role,
        "timeline": mine.timeline,
        "upstream": mine.upstream,
        "cluster_state": mine.cluster_state,
    }
    with connect_peer(settings.peer_host, settings.peer_port, settings.replication_user) as peer:
        if scalar(peer, "SELECT pg_is_in_recovery()"):
            raise Refused([f"{settings.peer} is not primary: nothing to rejoin"])
        peer_tli = scalar(
            peer,
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int",
        )
        size = scalar(peer, "SELECT sum(pg_database_size(datname))::bigint FROM pg_database")
        estimate = round(size / (clone_rate_mb_s * 1024 * 1024), 1) if size else None
        res.details["clone_estimate"] = {
            "bytes": size,
            "seconds": estimate,
            "rate_mb_s": clone_rate_mb_s,
        }
        if (
            mine.role == STANDBY
            and mine.receiver_status == "streaming"
            and mine.timeline == peer_tli
        ):
            res.after = res.before
            res.details["method"] = "none"
            return res
        if mine.role == "unreachable" and not node.has_cluster():
            method = "clone"
        elif _was_standby(mine):
            method = "restart as standby"
        else:
            method = "rewind"
        res.details["method"] = method
        what = {
            "restart as standby": "restart in standby mode; rewind or clone if it does not "
            "catch up",
            "rewind": "pg_rewind",
            "clone": "clone",
        }[method]
        if not res.would(f"make {settings.node} a standby of {settings.peer} ({what})"):
            return res
        _ensure_slot(peer, slot_name(settings.node), res)
    if method == "restart as standby":
        start = time.monotonic()
        why = restart_as_standby(node, settings, catchup_stall_s)
        res.details["catchup_s"] = round(time.monotonic() - start, 2)
        if not why:
            return _rejoined(node, settings, res, peer_tli, timeout)
        res.details["catchup_error"] = why
        rewindable = mine.timeline is not None and mine.timeline < peer_tli
        if not rewindable and not allow_clone:
            raise Refused(
                [
                    f"{settings.node} does not catch up as a standby ({why}); "
                    "allow_clone=false forbids the fresh clone it needs: set it to true, "
                    "or clone it with db_standby_build -e db_standby_build_overwrite=true"
                ]
            )
        method = "rewind" if rewindable else "clone"
        res.details["method"] = (
            "rewind" if rewindable else f"clone ({settings.node} did not catch up as a standby)"
        )
        res.commands.append(f"{settings.node} did not catch up as a standby: {why}")
    node.stop_fast()
    if method == "rewind":
        with connect_peer(
            settings.peer_host, settings.peer_port, settings.replication_user
        ) as peer:
            # pg_rewind compares against the source's control file: a CHECKPOINT there makes
            # the new timeline visible (otherwise "no rewind required" can be said wrongly)
            scalar(peer, "CHECKPOINT")
        auto_conf = os.path.join(node.datadir, "postgresql.auto.conf")
        saved = read_text(auto_conf)
        argv = [
            f"{node.bindir}/pg_rewind",
            "--target-pgdata",
            node.datadir,
            "--source-server",
            f"host={settings.peer_host} port={settings.peer_port} "
            f"user={settings.replication_user} dbname=postgres connect_timeout=5",
            "--config-file",
            os.path.join(node.confdir, "postgresql.conf"),
            "--progress",
        ]
        if restore_target_wal:
            argv.append("--restore-target-wal")
        # pg_rewind's crash recovery runs a single-user server, which refuses standby mode:
        # the fence's standby.signal goes during the rewind and comes back right after.
        # (Only an old primary gets here, or a standby stopped cleanly above.)
        if os.path.exists(node.standby_signal):
            os.unlink(node.standby_signal)
        try:
            out = node.run(argv, timeout=3600)
            res.details["rewind_output"] = out[-2000:]
            if saved is not None:
                write_atomic(auto_conf, saved, 0o600)  # the node's own, not the source's copy
        except CommandError as exc:
            res.details["rewind_error"] = str(exc)
            if not allow_clone:
                raise
            method = "clone"
            res.details["method"] = "clone (pg_rewind failed)"
    if method == "clone":
        res.commands.append(
            f"clone: about {estimate} s for {lsn.human_bytes(size)} at {clone_rate_mb_s} MB/s"
        )
        os.makedirs(node.datadir, mode=0o700, exist_ok=True)
        _empty_dir(node.datadir)
        _basebackup(node, settings, res)
    touch(node.standby_signal)
    node.start()
    return _rejoined(node, settings, res, peer_tli, timeout)


def _rejoined(
    node: LocalNode, settings: HaSettings, res: Result, peer_tli: int, timeout: float
) -> Result:
    after = _wait_streaming(node, settings, timeout)
    if after["timeline"] != peer_tli:
        raise Refused(
            [
                f"{settings.node} streams on timeline {after['timeline']}, "
                f"{settings.peer} is on {peer_tli}"
            ]
        )
    with node.connect() as conn:
        _drop_slot(conn, slot_name(settings.peer), Result(False))
    res.after = after
    return res


__all__ = [
    "AuthError",
    "ConnectError",
    "ensure_config",
    "ensure_primary_objects",
    "clone",
    "switchover",
    "promote",
    "lock",
    "rejoin",
    "Result",
]
