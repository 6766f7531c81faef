"""The database area's judgement of db_status' verdict and backup report (plan P6.4), and
the servers area on a host's real /proc and a log with new errors (plan P8.1)."""

from __future__ import annotations

import os
from pathlib import Path

from ansible_collections.hisops.emergency.plugins.module_utils.inspection import database, servers

PAIR = {
    "primary": "his-db-1",
    "standbys": ["his-db-2"],
    "lag": {"his-db-2": {"bytes": 4096, "seconds": 2.5, "human": "4 KiB"}},
    "switchover": {"go": True, "reasons": [], "summary": "GO for switchover to his-db-2"},
    "failover": {"go": True, "reasons": [], "summary": "GO for failover to his-db-2"},
    "nodes": [{"name": "his-db-1", "role": "primary"}, {"name": "his-db-2", "role": "standby"}],
    "warnings": [],
}


def severities(result):
    return {(f["check"], f["subject"]): f["severity"] for f in result["findings"]}


def test_a_healthy_pair_is_all_ok() -> None:
    result = database.findings(PAIR, None)
    assert set(severities(result).values()) == {"ok"}
    assert result["checked"] == 2


def test_a_dead_standby_lag_and_no_go() -> None:
    verdict = dict(
        PAIR,
        standbys=[],
        lag={},
        nodes=[{"name": "his-db-1", "role": "primary"},
               {"name": "his-db-2", "role": "unreachable", "error": "timed out"}],
        switchover={"go": False, "reasons": ["no standby"], "summary": "NO-GO for switchover"},
        warnings=["slot his_db_2 on his-db-1 holds 1 GiB of WAL"],
    )  # fmt: skip
    found = {(f["check"], f["subject"]): f for f in database.findings(verdict, None)["findings"]}
    assert found[("db_node", "his-db-2")]["severity"] == "critical"
    assert found[("db_node", "his-db-2")]["suggested_class"] == 1
    assert found[("db_standby", "pair")]["severity"] == "warning"
    assert found[("switchover_go", "pair")]["severity"] == "warning"
    assert found[("db_warning", "pair")]["severity"] == "warning"
    late = dict(PAIR, lag={"his-db-2": {"bytes": 9, "seconds": 300.0, "human": "9 B"}})
    assert (
        severities(database.findings(late, None, 60))[("replication_lag", "his-db-2")] == "warning"
    )
    assert severities(database.findings(None, None)) == {("db_status", "pair"): "unknown"}


def test_backup_ages_log_errors_and_a_host_not_read() -> None:
    report = {
        "ages": {
            "local": {"last_copy": "2026-12-05", "age_days": 1, "overdue_since": None},
            "offsite": {"last_copy": "2026-11-20", "age_days": 16, "overdue_since": "2026-12-01"},
            "removable": {"last_copy": None, "age_days": None, "overdue_since": None},
        },
        "hosts": {
            "his-db-1": {"log_errors": {"readable": True, "counts": {"ERROR": 2, "FATAL": 1},
                                        "lines": ["ERROR: x"]}},
            "his-db-2": {"log_errors": {"readable": True, "counts": {}, "lines": []}},
            "backup-1": {"read": False, "error": "unreachable"},
        },
    }  # fmt: skip
    found = severities(database.findings(PAIR, report, max_backup_days={"local": 2}))
    assert found[("backup_age", "local")] == "ok"
    assert found[("backup_age", "offsite")] == "warning"
    assert found[("backup_age", "removable")] == "warning"
    assert found[("postgresql_log", "his-db-1")] == "warning"
    assert found[("postgresql_log", "his-db-2")] == "ok"
    assert found[("backup_figures", "backup-1")] == "critical"


def test_servers_read_this_host_and_only_new_log_errors(tmp_path: Path) -> None:
    log = tmp_path / "syslog"
    log.write_text("Dec  6 07:00:01 h kernel: eth0 up\nDec  6 07:00:02 h sshd: error: bad key\n")
    state = str(tmp_path / "state.json")
    first = servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state)
    by = {(f["check"], f["subject"]): f for f in first["findings"]}
    assert by[("host_reachable", "his-db-1")]["severity"] == "ok"
    assert by[("system_log", f"his-db-1:{log}")]["value"] == 1.0
    assert by[("memory", "his-db-1")]["unit"] == "percent"
    assert [f for f in first["findings"] if f["check"] == "disk_free"]
    second = servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state)
    assert {f["value"] for f in second["findings"] if f["check"] == "system_log"} == {0.0}
    with log.open("a") as handle:
        handle.write("Dec  6 08:00:00 h kernel: Out of memory: Killed process 42 (postgres)\n")
    third = servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state)
    logf = next(f for f in third["findings"] if f["check"] == "system_log")
    assert logf["severity"] == "warning" and "Out of memory" in logf["params"]["lines"][0]
    # rotated: a new file under the same name is read from its start
    os.replace(log, tmp_path / "syslog.1")
    log.write_text("Dec  6 09:00:00 h app: failed to start\n")
    rotated = servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state)
    assert next(f for f in rotated["findings"] if f["check"] == "system_log")["value"] == 1.0
    # check mode keeps the offsets
    log.write_text(log.read_text() + "x: error\n")
    servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state, check_mode=True)
    after = servers.inspect("his-db-1", [str(tmp_path)], [str(log)], state)
    assert next(f for f in after["findings"] if f["check"] == "system_log")["value"] == 1.0


def test_server_thresholds_and_no_answer() -> None:
    read = {
        "uptime_s": 86400.0, "load": [1.0, 9.0, 1.0], "cpus": 2,
        "memory": {"MemTotal": 100, "MemAvailable": 5},
        "disks": [{"path": "/", "free_bytes": 0, "total_bytes": 1000},
                  {"path": "/srv/backup", "free_bytes": 50, "total_bytes": 1000}],
        "logs": {}, "logs_looked_at": ["/var/log/syslog"],
    }  # fmt: skip
    by = {(f.check, f.subject): f for f in servers.findings("backup-1", read)}
    assert by[("load", "backup-1")].severity == "warning"
    assert by[("memory", "backup-1")].severity == "warning"
    assert by[("disk_free", "backup-1:/")].severity == "critical"
    assert by[("disk_free", "backup-1:/")].suggested_class == 1
    assert by[("disk_free", "backup-1:/srv/backup")].severity == "warning"
    assert by[("system_log", "backup-1")].severity == "unknown"
    assert not [f for f in servers.findings("b", read, max_load_per_cpu=10) if f.check == "load"]
    gone = servers.findings("his-db-2", {"unreachable": True, "msg": "ssh: timed out"})
    assert [(f.check, f.severity) for f in gone] == [("host_reachable", "critical")]


def test_two_primaries_are_not_a_pair() -> None:
    verdict = dict(
        PAIR, primary=None, standbys=[], lag={},
        nodes=[{"name": "his-db-1", "role": "primary"}, {"name": "his-db-2", "role": "primary"}],
    )  # fmt: skip
    found = {(f["check"], f["subject"]): f for f in database.findings(verdict, None)["findings"]}
    assert found[("db_primary", "pair")]["severity"] == "critical"
    assert "his-db-1 and his-db-2 are all primaries" in found[("db_primary", "pair")]["message"]
    none = dict(PAIR, primary=None, standbys=[], lag={}, nodes=[])
    message = database.findings(none, None)["findings"][0]["message"]
    assert message == "no primary: the HIS database is not writable"
