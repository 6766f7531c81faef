"""The backup side of the daily check (P6.4): free space, archive lag, log errors since the
last check (on real files), backup age per target from the history."""

from __future__ import annotations

import json
from datetime import date

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.backup import calendar, status
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError


def test_free_space_of_a_path_and_of_one_not_made_yet(tmp_path):
    found = status.disk_free([str(tmp_path), str(tmp_path / "not" / "yet")])
    assert [f["path"] for f in found] == [str(tmp_path), str(tmp_path / "not" / "yet")]
    assert found[0]["free_bytes"] == found[1]["free_bytes"] > 0
    assert 0 < found[0]["free_percent"] <= 100
    with pytest.raises(InputError) as err:
        status.host_status({"paths": ["relative"]}, check=True)
    assert err.value.field == "paths[0]"


def test_archive_lag_in_numbers():
    row = ["12", "00000001000000000000000A", "30", "1", "000000010000000000000009", "400",
           "00000001000000000000000D"]  # fmt: skip
    lag = status.archive_lag(row)
    assert lag["seconds_since_archived"] == 30 and lag["segments_waiting"] == 2
    assert lag["failing"] is False and lag["failed_count"] == 1
    failing = status.archive_lag(["0", "", "", "3", "000000010000000000000001", "5", ""])
    assert failing["failing"] is True and failing["segments_waiting"] is None
    assert status.segment_number("000000010000000100000002") == 0x102


def test_log_errors_since_the_last_check(tmp_path):
    log, state = tmp_path / "postgresql.log", str(tmp_path / "state")
    log.write_text('LOG:  checkpoint\nERROR:  relation "x" does not exist\nFATAL:  no pg_hba\n')
    first = status.log_errors(str(log), state, check=True)
    assert first["counts"] == {"ERROR": 1, "FATAL": 1} and first["since"] is None
    assert status.log_errors(str(log), state, check=True)["counts"] == first["counts"]  # not moved
    status.log_errors(str(log), state, check=False)
    assert status.log_errors(str(log), state, check=False)["counts"] == {}
    with log.open("a") as handle:
        handle.write("PANIC:  could not write\nLOG:  fine\n")
    later = status.log_errors(str(log), state, check=False)
    assert (
        later["counts"] == {"PANIC": 1} and later["since"] and later["lines"][0].startswith("PANIC")
    )
    log.write_text("ERROR:  after the rotation\n")  # shorter than the offset: rotated
    rotated = status.log_errors(str(log), state, check=False)
    assert rotated["rotated"] and rotated["counts"] == {"ERROR": 1}
    assert status.log_errors(str(tmp_path / "none.log"), state, check=True)["readable"] is False


def test_backup_age_per_target_and_an_overdue_day():
    cal = calendar.parse_calendar()
    events = [
        calendar.Event("local", date(2027, 3, 10), date(2027, 3, 10), calendar.DONE),
        calendar.Event("offsite", date(2027, 3, 10), date(2027, 3, 10), calendar.DONE),
        calendar.Event("offsite", date(2027, 3, 20), date(2027, 3, 20), calendar.MISSED),
        calendar.Event("local", date(2027, 3, 20), date(2027, 3, 20), calendar.DONE),
    ]
    last_done = {
        "local": {"on": "2027-03-20", "label": "L2"},
        "offsite": {"on": "2027-03-10", "label": "O1"},
    }
    ages = status.backup_ages(cal, date(2027, 3, 21), events, last_done)
    assert ages["local"] == {"last_copy": "2027-03-20", "label": "L2", "age_days": 1,
                             "overdue_since": None}  # fmt: skip
    assert ages["offsite"]["age_days"] == 11 and ages["offsite"]["overdue_since"] == "2027-03-20"
    assert ages["removable"] == {"last_copy": None, "label": None, "age_days": None,
                                 "overdue_since": "2027-03-15"}  # fmt: skip


def test_status_report_ages_host_lines_warnings_and_the_json_report(tmp_path):
    from datetime import UTC, datetime, timedelta

    from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History

    state, report = str(tmp_path / "state"), tmp_path / "reports" / "db_status_backup.json"
    History(state).record("r1", date(2027, 3, 10), [
        {"target": "local", "occasion": "2027-03-10", "status": "done", "label": "L1"},
        {"target": "offsite", "occasion": "2027-03-10", "status": "done", "label": "O1"},
    ])  # fmt: skip
    History(state).record("r2", date(2027, 3, 20), [
        {"target": "offsite", "occasion": "2027-03-20", "status": "missed"},
    ])  # fmt: skip
    free = {"path": "/srv/backup", "free_bytes": 2**30, "total_bytes": 2**34, "free_percent": 6.2}
    hosts = [
        {"item": "his-db-1", "free": [dict(free, path="/var/lib/postgresql", free_percent=50.0)],
         "archive": {"archived_count": 3, "last_archived_wal": "00000001000000000000000A",
                     "seconds_since_archived": 12, "segments_waiting": 0, "failed_count": 0,
                     "failing": False},
         "log_errors": {"readable": True, "counts": {"ERROR": 1}, "since": "2027-03-20T08:00:00Z",
                        "lines": ['ERROR:  invalid input syntax for type integer: "x"']}},
        {"item": "backup-1", "free": [free]},
        {"item": "his-db-2", "free": [], "archive": {"archived_count": 0, "failed_count": 2,
         "failing": True, "last_failed_wal": "00000001000000000000000B", "seconds_since_failed": 5}},
        {"item": "his-db-3", "unreachable": True, "msg": "timed out"},
    ]  # fmt: skip
    now = datetime.now(UTC) + timedelta(seconds=30)
    params = {"hosts": hosts, "date": "2027-03-21", "state_dir": state, "report": str(report)}
    preview = status.status_report(params, check=True, now=now)
    assert not report.exists()  # check mode writes nothing
    found = status.status_report(params, check=False, now=now)
    assert found["ages"]["offsite"]["age_days"] == 11
    assert found["ages"]["offsite"]["overdue_since"] == "2027-03-20"
    assert (
        found["ages"]["local"]["label"] == "L1"
        and 25 <= found["ages"]["local"]["recorded_s_ago"] <= 60
    )
    assert found["ages"]["removable"]["last_copy"] is None
    lines = found["lines"]
    assert "backup age: offsite: 11 days (made 2027-03-10, O1)" in lines
    assert any("his-db-1: WAL archive: last segment 00000001000000000000000A archived 12 s ago" in x
               for x in lines)  # fmt: skip
    assert "his-db-1: PostgreSQL log since 2027-03-20T08:00:00Z: 1 ERROR" in lines
    assert (
        "his-db-2: WAL archive: nothing archived from this node (a standby, or archiving not on), 2 failed attempts"
        in lines
    )
    assert found["warnings"] == [
        "backup age: offsite: the copy due on 2027-03-20 is not made yet",
        "backup age: removable: the copy due on 2027-03-15 is not made yet",
        "backup-1: only 6.2% free on /srv/backup",
        "his-db-2: WAL archiving is FAILING (last failed 00000001000000000000000B, 5 s ago)",
        "his-db-3: backup figures not read: unreachable",
    ]
    assert json.loads(report.read_text())["hosts"]["his-db-3"] == {
        "read": False,
        "error": "unreachable",
    }
    assert preview["lines"] == found["lines"]
    with pytest.raises(InputError) as err:
        status.status_report({"hosts": [{"free": []}], "state_dir": state}, check=True)
    assert err.value.field == "hosts[0]"
    with pytest.raises(InputError) as err:
        status.status_report({"date": "2027-02-30", "state_dir": state}, check=True)
    assert err.value.field == "date"
