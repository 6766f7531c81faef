"""PostgreSQL 15 on the lab's DB hosts: credentials, provisioning, state, HIS data.

Debian's layout (``pg_createcluster 15 main``), listening on the host's own address
only, ``scram-sha-256`` from ``127.0.0.0/8``; the lab's passwords are in
``<state>/credentials.json`` (0600).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

PG_VERSION = "15"
PG_CLUSTER = "main"
PG_DATA = f"/var/lib/postgresql/{PG_VERSION}/{PG_CLUSTER}"
PG_CONF = f"/etc/postgresql/{PG_VERSION}/{PG_CLUSTER}"


def prepare_credentials(path: Path) -> None:
    """New passwords in ``path``; an existing file keeps its own and gains missing entries."""
    creds = {
        "database": "his",
        "postgres": {"user": "postgres", "password": secrets.token_hex(16)},
        "his_app": {"user": "his_app", "password": secrets.token_hex(16)},
        # the DB pair's replication user (created by playbooks/db_standby_build.yml)
        "replication": {"user": "hisops_replicator", "password": secrets.token_hex(16)},
    }
    if path.exists():
        # A state directory from an older lab keeps its passwords and gains the entries
        # added since (the replication user's, say).
        kept = json.loads(path.read_text(encoding="utf-8"))
        if set(creds) <= set(kept):
            return
        creds.update(kept)
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(creds, handle, indent=1)


def postmaster_among(pids: list[str]) -> bool:
    """Whether one of ``pids`` (controller pids) is a PostgreSQL postmaster."""
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if cmdline and cmdline[0].endswith(b"/postgres") and b"-D" in cmdline:
            return True
    return False


if TYPE_CHECKING:
    from hisops.lab.hosts.core import FleetCore
else:
    FleetCore = object


class PostgresMixin(FleetCore):
    """The fleet's PostgreSQL methods (part of :class:`HostFleet`).

    Uses the fleet's ``specs``, ``spec``, ``credentials_file``, ``cgroup``, ``init_pid``
    and ``run``.
    """

    def credentials(self) -> dict[str, Any]:
        """Lab database credentials (``postgres`` superuser, ``his_app``), from the state dir."""
        return json.loads(self.credentials_file.read_text(encoding="utf-8"))

    def conninfo(self, name: str, user: str = "his_app", dbname: str | None = None) -> str:
        """A libpq connection string to the DB host ``name`` at its own address."""
        spec = self.spec(name)
        creds = self.credentials()
        password = creds[user]["password"] if user in creds else ""
        db = dbname or (creds["database"] if user == "his_app" else "postgres")
        return (
            f"host={spec.address} port=5432 dbname={db} user={user} "
            f"password={password} connect_timeout=5"
        )

    def _provision_postgres(self, name: str) -> None:
        spec = self.spec(name)
        self.run(
            name,
            ["/bin/sh", "-c", _PG_CREATE, "pg-create", spec.address],
            timeout=180,
            label="creating and starting the PostgreSQL cluster",
        )
        if self._in_recovery(name):
            # A hot standby (left so by a drill's failover or rejoin) is read-only: its roles
            # and passwords come from its primary by replication.
            return
        creds = self.credentials()
        sql = _PG_ROLES.format(
            postgres=creds["postgres"]["password"], his_app=creds["his_app"]["password"]
        )
        self.run(
            name,
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                "postgres",
            ],
            input=sql,
            timeout=60,
            label="setting the lab roles' passwords",
        )

    def _in_recovery(self, name: str) -> bool:
        """Whether the host's PostgreSQL runs as a hot standby."""
        done = self.run(
            name,
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                "psql",
                "-X",
                "-Atq",
                "-d",
                "postgres",
                "-c",
                "SELECT pg_is_in_recovery()",
            ],
            timeout=60,
            check=False,
            label="reading whether PostgreSQL is a standby",
        )
        return done.returncode == 0 and done.stdout.strip() == "t"

    def pg_running(self, name: str) -> bool:
        """Whether the host's PostgreSQL postmaster is running."""
        pid = self.init_pid(name)
        if pid is None:
            return False
        return (
            self.run(
                name,
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    "pg_ctlcluster",
                    PG_VERSION,
                    PG_CLUSTER,
                    "status",
                ],
                check=False,
                timeout=30,
            ).returncode
            == 0
        )

    def _pg_alive(self, name: str) -> bool:
        """A postmaster among the host's processes (read from the controller, no command)."""
        try:
            pids = (self.cgroup(name) / "cgroup.procs").read_text().split()
        except FileNotFoundError:
            return False
        return postmaster_among(pids)

    def his_data_host(self) -> str | None:
        db_hosts = [s for s in self.specs.values() if s.kind == "db_server"]
        marked = [s for s in db_hosts if s.his_data]
        chosen = marked or db_hosts[:1]
        return chosen[0].name if chosen else None

    def _load_his_data(self, patients: int) -> dict[str, Any] | None:
        name = self.his_data_host()
        if name is None or patients <= 0:
            return None
        import psycopg

        from hisops.lab.hosts import hisdata

        with psycopg.connect(self.conninfo(name)) as conn:
            if hisdata.is_loaded(conn):
                return {"host": name, **hisdata.summary(conn)}
            hisdata.load(conn, patients=patients)
            return {"host": name, **hisdata.summary(conn)}


_PG_CREATE = rf"""set -eu
ADDR="$1"
if [ ! -e {PG_CONF}/postgresql.conf ]; then
    chown postgres:postgres /var/lib/postgresql /etc/postgresql
    chmod 0755 /var/lib/postgresql /etc/postgresql
    install -d -o root -g postgres -m 1775 /var/log/postgresql
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    pg_createcluster {PG_VERSION} {PG_CLUSTER} --start-conf auto -p 5432 >/dev/null
    cat > {PG_CONF}/conf.d/hisops-lab.conf <<EOF
# hisops lab host: listen on this host's own address only
listen_addresses = '$ADDR'
password_encryption = scram-sha-256
# the same on every lab server, as on a hospital's pair: initdb chooses it by probing the
# machine, and on a busy one it once chose 50 for one server and 100 for its peer - a
# hot standby below its primary's max_connections refuses to start
max_connections = 100
EOF
    cat >> {PG_CONF}/pg_hba.conf <<'EOF'
# hisops lab: the controller and the other lab hosts (all on 127.0.0.0/8)
host    all             all             127.0.0.0/8             scram-sha-256
host    replication     all             127.0.0.0/8             scram-sha-256
EOF
fi
if ! pg_ctlcluster {PG_VERSION} {PG_CLUSTER} status >/dev/null 2>&1; then
    systemctl start postgresql
fi
for i in $(seq 1 300); do
    pg_isready -q -h /var/run/postgresql -p 5432 && exit 0
    sleep 0.1
done
echo "PostgreSQL did not accept connections within 30 s; see /var/log/postgresql" >&2
exit 1
"""

_PG_ROLES = """\\set ON_ERROR_STOP 1
ALTER ROLE postgres PASSWORD '{postgres}';
SELECT 'CREATE ROLE his_app LOGIN' WHERE NOT EXISTS
  (SELECT 1 FROM pg_roles WHERE rolname = 'his_app') \\gexec
ALTER ROLE his_app LOGIN PASSWORD '{his_app}';
SELECT 'CREATE DATABASE his OWNER his_app' WHERE NOT EXISTS
  (SELECT 1 FROM pg_database WHERE datname = 'his') \\gexec
"""
