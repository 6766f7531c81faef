"""The backup side of the daily check (P6.4): free space, archive lag, log errors since the
last check (on real files), backup age per target from the history."""

from __future__ import annotations

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
