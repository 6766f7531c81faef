"""The incident store: migrations, WAL, the backup command, and nothing committed lost when
the writing process is killed mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from hisops.incident import store as store_mod
from hisops.incident.errors import IncidentError
from hisops.incident.store import Store


def test_a_new_store_is_migrated_once_in_wal_mode(tmp_path):
    store = Store(str(tmp_path))
    assert store.schema_version() == len(store_mod.MIGRATIONS)
    with store.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version")]
    # opened again: no migration runs twice
    assert Store(str(tmp_path)).schema_version() == len(store_mod.MIGRATIONS)
    with store.read() as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_version")] == versions
    assert versions == list(range(1, len(store_mod.MIGRATIONS) + 1))


def test_an_older_store_gets_only_the_missing_migrations(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:1])
    Store(str(tmp_path)).schema_version()
    monkeypatch.undo()
    store = Store(str(tmp_path))
    assert store.schema_version() == len(store_mod.MIGRATIONS)
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM notices").fetchone()[0] == 0


def test_a_store_newer_than_hisops_is_refused(tmp_path):
    store = Store(str(tmp_path))
    with store.transaction() as conn:
        conn.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(IncidentError, match="update hisops") as err:
        store.schema_version()
    assert err.value.field == "incident_dir"


def test_backup_is_a_consistent_copy(ctx, tmp_path):
    from hisops.incident import service

    number = service.open_incident(ctx, title="core switch down", klass="1")
    service.add_step(ctx, number, "power cycled CORE-1")
    copy = ctx.store.backup(str(tmp_path / "copies") + "/")
    assert copy.parent == tmp_path / "copies" and copy.name.startswith("incidents-")
    conn = sqlite3.connect(copy)
    texts = [r[0] for r in conn.execute("SELECT text FROM entries")]
    assert "power cycled CORE-1" in texts
    with pytest.raises(IncidentError, match="exists") as err:
        ctx.store.backup(str(copy))
    assert err.value.field == "target"


WRITER = textwrap.dedent(
    """
    import sys
    from hisops.incident import config, service
    from hisops.incident.store import Store
    ctx = service.Context(Store(sys.argv[1]), config.load("/nonexistent"), "writer")
    number = service.open_incident(ctx, title="kill test", klass="2")
    i = 0
    while True:
        i += 1
        service.add_step(ctx, number, f"step {i}")
        print(i, flush=True)
    """
)


def test_a_process_killed_mid_write_loses_nothing_committed(tmp_path):
    """A real writer killed with SIGKILL while it writes: every step it reported committed
    is there, and the database is intact."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert child.stdout is not None
    reported = []
    for line in child.stdout:
        reported.append(int(line))
        if len(reported) >= 40:
            break
    os.kill(child.pid, signal.SIGKILL)
    reported += [int(line) for line in child.stdout.read().split()]
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(tmp_path / "incidents.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    steps = {r[0] for r in conn.execute("SELECT text FROM entries WHERE kind = 'step'")}
    assert {f"step {i}" for i in reported} <= steps
    # and the store opens and takes writes again
    store = Store(str(tmp_path))
    with store.transaction() as conn2:
        conn2.execute("UPDATE incidents SET assignee = 'bob'")
