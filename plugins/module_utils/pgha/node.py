# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local PostgreSQL node (Debian layout) and the peer, as the DB-host modules see them.

Runs on the database server as the ``postgres`` user: the local server through its Unix
socket (peer authentication), the other node over TCP as the replication user (the
password comes from ``~/.pgpass``, written by ``db_ha_config``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.pgha.degrade import (
    override_path,
    read_record,
    record_path,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import (
    AuthError,
    CommandError,
    ConnectError,
    Timeout,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import (
    NodeState,
    parse_controldata,
    read_live,
    read_stopped,
)


def psycopg_module() -> Any:
    """psycopg, imported when a connection is first made: importing it costs a module run
    on the node about 0.12 CPU-s, and many runs never connect (the pair's lock, a config
    already in place, a stopped server read from its files). Found but unusable (libpq
    missing): a ConnectError saying so, not a traceback."""
    try:
        import psycopg
    except ImportError as exc:
        raise ConnectError(
            f"psycopg cannot be imported on this host ({exc}): install python3-psycopg "
            "and libpq5 (Debian), then run again"
        ) from exc
    return psycopg


def psycopg_import_error() -> ImportError | None:
    """Why psycopg cannot be found here (None: it can), without importing it (that waits
    for the first connection); the module reports it with missing_required_lib."""
    try:
        found = importlib.util.find_spec("psycopg")
    except (ImportError, ValueError) as exc:
        return ImportError(str(exc))
    return None if found is not None else ImportError("No module named 'psycopg'")


@dataclass(frozen=True)
class LocalNode:
    version: str = "15"
    cluster: str = "main"
    port: int = 5432
    socket_dir: str = "/var/run/postgresql"

    @property
    def datadir(self) -> str:
        return f"/var/lib/postgresql/{self.version}/{self.cluster}"

    @property
    def confdir(self) -> str:
        return f"/etc/postgresql/{self.version}/{self.cluster}"

    @property
    def bindir(self) -> str:
        return f"/usr/lib/postgresql/{self.version}/bin"

    @property
    def ha_conf(self) -> str:
        return os.path.join(self.confdir, "conf.d", "hisops-ha.conf")

    @property
    def log_file(self) -> str:
        return f"/var/log/postgresql/postgresql-{self.version}-{self.cluster}.log"

    @property
    def standby_signal(self) -> str:
        return os.path.join(self.datadir, "standby.signal")

    @property
    def degrade_record(self) -> str:
        return record_path(self.version, self.cluster)

    @property
    def degrade_override(self) -> str:
        return override_path(self.version, self.cluster)

    @property
    def start_conf(self) -> str:
        return os.path.join(self.confdir, "start.conf")

    # ------------------------------------------------------------------ commands
    def run(self, argv: list[str], timeout: float = 300, check: bool = True) -> str:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "LANG": "C", "LC_ALL": "C"},
        )
        out = proc.stdout + proc.stderr
        if check and proc.returncode != 0:
            raise CommandError(argv, proc.returncode, out)
        return out

    def ctl(self, action: str, *options: str, timeout: float = 120) -> str:
        argv = ["pg_ctlcluster", self.version, self.cluster, action]
        if options:
            argv += ["--", *options]
        return self.run(argv, timeout=timeout)

    def is_running(self) -> bool:
        """Whether the postmaster of ``postmaster.pid`` lives (what ``pg_ctl status`` checks).

        Read here rather than through ``pg_ctlcluster status`` (a Perl program): the
        failover reads this several times on its hot path.
        """
        try:
            with open(os.path.join(self.datadir, "postmaster.pid"), encoding="utf-8") as handle:
                pid = int(handle.readline().strip() or 0)
        except (OSError, ValueError):
            return False
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, another user's (read as root)
            return True
        return True

    def stop_fast(self) -> None:
        if self.is_running():
            self.ctl("stop", "-m", "fast", "-w", "-t", "60")

    def start(self) -> None:
        if not self.is_running():
            self.ctl("start", "-w", "-t", "120")

    def controldata(self) -> dict[str, str]:
        return parse_controldata(self.run([f"{self.bindir}/pg_controldata", "-D", self.datadir]))

    # ------------------------------------------------------------------ connections
    def connect(self, timeout: int = 3) -> Any:
        psycopg = psycopg_module()
        try:
            return psycopg.connect(
                host=self.socket_dir,
                port=self.port,
                dbname="postgres",
                user="postgres",
                connect_timeout=timeout,
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            raise ConnectError(f"local PostgreSQL: {exc}".strip()) from exc

    def state(self, name: str) -> NodeState:
        state = NodeState(name=name)
        state.standby_signal = os.path.exists(self.standby_signal)
        state.service_enabled = self.service_enabled()
        state.degrade = read_record(self.degrade_record)
        if self.is_running():
            try:
                with self.connect() as conn:
                    return read_live(conn, state)
            except ConnectError as exc:
                state.error = str(exc)
        if not self.has_cluster():
            state.error = state.error or f"no cluster in {self.datadir}"
            return read_stopped({}, state)
        return read_stopped(self.controldata(), state)

    def has_cluster(self) -> bool:
        """Whether the data directory holds a cluster (its control file)."""
        return os.path.exists(os.path.join(self.datadir, "global", "pg_control"))

    def service_enabled(self) -> bool | None:
        try:
            with open(self.start_conf, encoding="utf-8") as handle:
                words = [
                    w for line in handle if not line.lstrip().startswith("#") for w in line.split()
                ]
        except OSError:
            return None
        return "auto" in words


def connect_peer(
    host: str,
    port: int,
    user: str,
    password: str | None = None,
    dbname: str = "postgres",
    timeout: int = 3,
) -> Any:
    """A connection to the other node over TCP (password from ``~/.pgpass`` when None)."""
    kwargs: dict[str, Any] = {
        "host": host,
        "port": port,
        "user": user,
        "dbname": dbname,
        "connect_timeout": timeout,
        "autocommit": True,
    }
    if password is not None:
        kwargs["password"] = password
    psycopg = psycopg_module()
    try:
        return psycopg.connect(**kwargs)
    except psycopg.OperationalError as exc:
        text = str(exc).strip()
        if "password authentication failed" in text or "no password supplied" in text:
            raise AuthError(f"{user}@{host}:{port}: the credentials were refused ({text})") from exc
        raise ConnectError(f"{host}:{port}: {text}") from exc


def wait_until(probe, timeout: float, what: str, interval: float = 0.01):
    """Call ``probe`` until it returns a true value; raise ``Timeout`` naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"{what}: not done after {timeout:.0f} s")
        time.sleep(interval)


def scalar(conn: Any, sql: str, params: tuple = ()) -> Any:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        if cur.description is None:  # a command (CHECKPOINT), no rows
            return None
        row = cur.fetchone()
    return row[0] if row else None
