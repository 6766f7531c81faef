# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guarded automatic degrade of a synchronous pair (issue 16), as Patroni's
non-strict synchronous mode: a small service on each database node, running as
``postgres``, installed and started by the ``db_standby_build`` role.

With two nodes in sync mode, every commit on the primary waits for the standby: a dead
standby stalls the whole hospital. On the primary, the service watches the standby in
``pg_stat_replication``. Once it has been gone (absent, not ``streaming``, or silent: its
replies stopped) for ``degrade_after_s`` seconds, the service writes
``conf.d/hisops-sync-degraded.conf`` (``synchronous_standby_names = ''``, read after the
role's ``hisops-ha.conf``) and reloads: the waiting commits return, writes go on
asynchronously. It records that (``record_file``, read by ``db_node_info``: ``db_status``
shows "degraded" and a failover's data-loss verdict knows). Once the standby has streamed
again for ``restore_after_s`` seconds, the file goes and the pair is synchronous again.

The override lives beside the role's own settings file, outside the data directory, the
way ``config.py`` writes the settings: ``ALTER SYSTEM`` would write
``postgresql.auto.conf`` inside it, which pg_basebackup and pg_rewind copy to the other
node (a rebuilt standby, promoted later, would then run async without anyone knowing).

``strict``: the service never degrades (writes stall while the standby is gone, as the
site asked) and only records it. ``async``: nothing to guard; any override is removed.

Run as ``python3 -m ansible_collections.hisops.emergency.plugins.module_utils.pgha.degrade
CONFIG_JSON`` (the role installs this module and ``errors.py`` under a PYTHONPATH of their
own). ``Degrader`` is the pure decision, unit-tested without a server.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError

MODES = ("sync", "strict", "async")
OVERRIDE_NAME = "hisops-sync-degraded.conf"  # sorts after hisops-ha.conf: it wins
# A streaming standby replies at least every wal_receiver_status_interval (1 s, set by
# config.py): silent longer than this, it is gone even if its connection still stands
# (a cut network keeps the row until wal_sender_timeout, 60 s)
SILENCE_S = 2.5
RECORD_HEARTBEAT_S = 5.0


@dataclass(frozen=True)
class DegradeConfig:
    node: str
    peer: str
    mode: str = "sync"
    degrade_after_s: float = 5.0
    restore_after_s: float = 1.0
    poll_s: float = 0.1
    pg_version: str = "15"
    pg_cluster: str = "main"
    port: int = 5432
    socket_dir: str = "/var/run/postgresql"

    @property
    def override_file(self) -> str:
        return override_path(self.pg_version, self.pg_cluster)

    @property
    def record_file(self) -> str:
        return record_path(self.pg_version, self.pg_cluster)

    @property
    def log_file(self) -> str:
        return f"/var/log/postgresql/hisops-sync-degrade-{self.pg_version}-{self.pg_cluster}.log"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DegradeConfig:
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError(unknown[0], "is not a setting of the degrade service")
        for key in ("node", "peer"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise InputError(key, "is required (a node name)")
        try:
            cfg = cls(**data)
            for key in ("degrade_after_s", "restore_after_s", "poll_s"):
                object.__setattr__(cfg, key, float(getattr(cfg, key)))
            object.__setattr__(cfg, "port", int(cfg.port))
        except (TypeError, ValueError) as exc:
            raise InputError("config", str(exc)) from exc
        return cfg.validate()

    def validate(self) -> DegradeConfig:
        if self.mode not in MODES:
            raise InputError("mode", f"{self.mode!r}: choose one of {MODES}")
        if self.node == self.peer:
            raise InputError("peer", "a node cannot be its own standby")
        if not 0.5 <= self.degrade_after_s <= 3600:
            raise InputError("degrade_after_s", f"{self.degrade_after_s}: from 0.5 to 3600 s")
        if not 0 <= self.restore_after_s <= 3600:
            raise InputError("restore_after_s", f"{self.restore_after_s}: from 0 to 3600 s")
        if not 0.02 <= self.poll_s <= min(5.0, self.degrade_after_s):
            raise InputError("poll_s", f"{self.poll_s}: from 0.02 s to degrade_after_s")
        if not 1 <= self.port <= 65535:
            raise InputError("port", f"{self.port} is not a TCP port")
        if not os.path.isabs(self.socket_dir):
            raise InputError("socket_dir", "must be an absolute path")
        for key in ("pg_version", "pg_cluster"):
            if not str(getattr(self, key)).replace("-", "").replace("_", "").isalnum():
                raise InputError(key, f"{getattr(self, key)!r} is not a version or cluster name")
        return self


def override_path(version: str, cluster: str) -> str:
    """The settings file the service writes while the pair is degraded."""
    return f"/etc/postgresql/{version}/{cluster}/conf.d/{OVERRIDE_NAME}"


def record_path(version: str, cluster: str) -> str:
    """Its record: outside the data directory, so a clone never copies it."""
    return f"/var/lib/postgresql/hisops-sync-degrade-{version}-{cluster}.json"


@dataclass
class Observation:
    """One look at the local server."""

    primary: bool
    peer_state: str | None = None  # pg_stat_replication.state of the peer (None: absent)
    peer_reply: str | None = None  # its reply_time, as text (changes while it is alive)
    waiting: int = 0  # commits waiting for the sync standby (wait_event SyncRep)


@dataclass
class Record:
    """What the service says it did, for db_status and the failover's verdict."""

    node: str
    mode: str
    # sync, degraded, strict (stalled: strict with the standby gone), async, standby, down
    state: str = "starting"
    since: str = ""
    reason: str = ""
    degrades: int = 0
    last_degraded: str = ""
    last_restored: str = ""
    last_stall_s: float | None = None  # standby gone -> commits released, last degrade
    updated: str = ""
    pid: int = 0


def stamp(wall: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f"{wall % 1:.3f}"[1:] + "Z"


@dataclass
class Degrader:
    """The decision, from observations and a monotonic clock: 'degrade', 'restore' or ''."""

    cfg: DegradeConfig
    degraded: bool = False
    last_alive: float | None = None  # last time the standby was seen streaming and replying
    alive_since: float | None = None  # start of the current streaming run
    _reply: str | None = None
    _reply_changed: float = 0.0
    log: list[str] = field(default_factory=list)

    def alive(self, obs: Observation, now: float) -> bool:
        if obs.peer_state != "streaming":
            self._reply = None
            return False
        if obs.peer_reply != self._reply:
            self._reply, self._reply_changed = obs.peer_reply, now
            return True
        return now - self._reply_changed < SILENCE_S

    def decide(self, obs: Observation, now: float) -> str:
        if self.last_alive is None:
            self.last_alive = now  # gone "since" the service started looking
        if not obs.primary:
            self.alive_since = None
            self.last_alive = now
            return "restore" if self.degraded else ""
        if self.alive(obs, now):
            self.last_alive = now
            if self.alive_since is None:
                self.alive_since = now
        else:
            self.alive_since = None
        if self.cfg.mode == "async":
            return "restore" if self.degraded else ""
        if self.degraded:
            if self.alive_since is not None and now - self.alive_since >= self.cfg.restore_after_s:
                return "restore"
            return ""
        if self.cfg.mode == "sync" and now - self.last_alive >= self.cfg.degrade_after_s:
            return "degrade"
        return ""

    def applied(self, action: str) -> None:
        """The service did ``action`` (called after it succeeded, never before)."""
        if action in ("degrade", "restore"):
            self.degraded = action == "degrade"

    def gone_for(self, now: float) -> float:
        return 0.0 if self.last_alive is None else now - self.last_alive


# ---------------------------------------------------------------------- the service
_OBSERVE_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT state FROM pg_stat_replication WHERE application_name = %(peer)s
        ORDER BY state = 'streaming' DESC LIMIT 1),
       (SELECT reply_time::text FROM pg_stat_replication WHERE application_name = %(peer)s
        ORDER BY state = 'streaming' DESC LIMIT 1),
       (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep')
"""


def read_record(path: str) -> dict[str, Any] | None:
    """The service's record with its age in seconds (None when it never ran here)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        data["age_s"] = round(time.time() - os.path.getmtime(path), 1)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def override_text(cfg: DegradeConfig, reason: str) -> str:
    return (
        "# Written by the hisops sync-degrade service: the synchronous standby "
        f"{cfg.peer} was gone ({reason}).\n"
        "# It is removed (and the pair synchronous again) once the standby streams again.\n"
        "synchronous_standby_names = ''\n"
    )


class Service:
    """The loop: observe the local server, act on the decision, keep the record."""

    def __init__(self, cfg: DegradeConfig):
        self.cfg = cfg
        self.decider = Degrader(cfg, degraded=os.path.exists(cfg.override_file))
        self.record = Record(node=cfg.node, mode=cfg.mode, pid=os.getpid())
        previous = read_record(cfg.record_file) or {}
        for key in ("degrades", "last_degraded", "last_restored", "last_stall_s"):
            if key in previous:
                setattr(self.record, key, previous[key])
        if self.decider.degraded:
            self.record.state = "degraded"
            self.record.since = previous.get("since") or stamp(time.time())
            self.record.reason = previous.get("reason", "")
        self._written = 0.0
        self._stop = False
        self._conn: Any = None

    def log(self, text: str) -> None:
        line = f"{stamp(time.time())} {self.cfg.node}: {text}\n"
        try:
            with open(self.cfg.log_file, "a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError:
            pass
        sys.stdout.write(line)
        sys.stdout.flush()

    def connect(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                host=self.cfg.socket_dir,
                port=self.cfg.port,
                dbname="postgres",
                user="postgres",
                autocommit=True,
                connect_timeout=2,
                application_name="hisops-sync-degrade",
            )
            self._conn.execute("SET statement_timeout = '2s'")
        return self._conn

    def observe(self) -> Observation:
        row = self.connect().execute(_OBSERVE_SQL, {"peer": self.cfg.peer}).fetchone()
        return Observation(primary=not row[0], peer_state=row[1], peer_reply=row[2], waiting=row[3])

    def write_record(self, state: str | None = None, force: bool = False) -> None:
        now = time.time()
        if state is not None and state != self.record.state:
            self.record.state, self.record.since, force = state, stamp(now), True
        if not force and now - self._written < RECORD_HEARTBEAT_S:
            return
        self.record.updated = stamp(now)
        tmp = self.cfg.record_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(asdict(self.record), handle, indent=1)
        os.replace(tmp, self.cfg.record_file)
        self._written = now

    def reload(self) -> None:
        self.connect().execute("SELECT pg_reload_conf()")

    def degrade(self, obs: Observation, now: float) -> None:
        gone = self.decider.gone_for(now)
        why = (
            f"not in pg_stat_replication for {gone:.1f} s"
            if obs.peer_state is None
            else f"{obs.peer_state}, no reply for {gone:.1f} s"
        )
        tmp = self.cfg.override_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(override_text(self.cfg, why))
        os.replace(tmp, self.cfg.override_file)
        self.reload()
        self.decider.applied("degrade")
        self.record.degrades += 1
        self.record.last_degraded = stamp(time.time())
        self.record.last_stall_s = round(gone, 2)
        self.record.reason = f"sync standby {self.cfg.peer} gone: {why}"
        self.log(f"DEGRADED to async: {self.record.reason}; {obs.waiting} commit(s) released")
        self.write_record("degraded", force=True)

    def restore(self, obs: Observation) -> None:
        try:
            os.unlink(self.cfg.override_file)
        except FileNotFoundError:
            pass
        self.reload()
        self.decider.applied("restore")
        self.record.last_restored = stamp(time.time())
        self.record.reason = (
            f"{self.cfg.peer} streams again" if obs.primary else "this node is a standby now"
        )
        self.log(f"back to {self.cfg.mode}: {self.record.reason}")
        self.write_record(self.steady_state(obs), force=True)

    def steady_state(self, obs: Observation, now: float | None = None) -> str:
        if not obs.primary:
            return "standby"
        if self.cfg.mode == "strict" and now is not None:
            gone = self.decider.gone_for(now)
            if gone >= self.cfg.degrade_after_s:  # said, never acted on: the site's choice
                self.record.reason = (
                    f"sync standby {self.cfg.peer} gone for {gone:.0f} s: "
                    f"{obs.waiting} commit(s) waiting (strict: no degrade)"
                )
                return "stalled"
        return {"sync": "sync", "strict": "strict", "async": "async"}[self.cfg.mode]

    def step(self) -> None:
        now = time.monotonic()
        try:
            obs = self.observe()
        except Exception as exc:  # the server is down or restarting: look again
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            if self.record.state != "down" and not self.decider.degraded:
                self.log(f"local PostgreSQL not answering: {str(exc).strip()[:200]}")
            self.write_record(self.record.state if self.decider.degraded else "down")
            time.sleep(1.0)
            return
        action = self.decider.decide(obs, now)
        if action == "degrade":
            self.degrade(obs, now)
        elif action == "restore":
            self.restore(obs)
        elif not self.decider.degraded:
            self.write_record(self.steady_state(obs, now))
        else:
            self.write_record()

    def run(self) -> int:
        def stop(_signum: int, _frame: Any) -> None:
            self._stop = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.log(
            f"started: mode {self.cfg.mode}, standby {self.cfg.peer}, degrade after "
            f"{self.cfg.degrade_after_s} s gone, restore after {self.cfg.restore_after_s} s"
        )
        self.write_record(force=True)
        while not self._stop:
            start = time.monotonic()
            try:
                self.step()
            except Exception as exc:  # never die on one bad look (a full disk, a race)
                self.log(f"error: {type(exc).__name__}: {str(exc).strip()[:200]}")
                time.sleep(1.0)
            time.sleep(max(0.0, self.cfg.poll_s - (time.monotonic() - start)))
        self.log("stopped")
        return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(f"usage: {argv[0]} CONFIG_JSON\n")
        return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            cfg = DegradeConfig.from_dict(json.load(handle))
    except (OSError, ValueError, InputError) as exc:
        sys.stderr.write(f"hisops sync-degrade: {argv[1]}: {exc}\n")
        return 2
    return Service(cfg).run()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
