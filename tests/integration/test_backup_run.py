"""backup_run on the real lab (issue 18, plan P6.1-P6.3): real PostgreSQL pair, real
pgBackRest, real SSH between the hosts, the backup host's removable drive a real mount.

One lab for the file; the tests follow one month of the calendar in order, each
starting from the state the previous one left: the 10th (daily backup from the standby,
off-site copy), the 15th with the drive unplugged, the 20th with the backup host away,
the 21st catching both misses up. The calendar's every date is in tests/unit/backup.
"""

from __future__ import annotations

import pytest

from .backup_lab import BACKUP, DB1, DB2, BackupLab, boot

pytestmark = [pytest.mark.lab]

DAILY = "/etc/pgbackrest/hisops-daily.conf"


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> BackupLab:
    with boot(tmp_path_factory) as booted:
        yield booted


def test_bad_calendar_refused_before_anything_is_touched(lab):
    run = lab.backup_run("2027-03-10", hisops_backup_calendar={"offsite": {"days": [10, 31]}})
    assert run.rc != 0
    assert "hisops_backup_calendar.offsite.days[1]" in run.stdout
    assert "'last'" in run.stdout
    assert lab.sh(DB2, "ls /etc/pgbackrest 2>/dev/null || true").strip() == ""
    assert lab.events() == []


def test_check_mode_previews_the_10th_and_changes_nothing(lab):
    run = lab.backup_run("2027-03-10", check=True)
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert report["check_mode"] is True
    assert [d["target"] for d in report["due"]] == ["local", "offsite"]
    assert [e["status"] for e in report["events"]] == ["done", "done"]
    # nothing configured, archived or recorded
    assert lab.sh(DB2, "ls /etc/pgbackrest 2>/dev/null || true").strip() == ""
    assert lab.sh(DB1, "cat /etc/postgresql/15/main/conf.d/hisops-backup.conf 2>&1 || true")
    assert "archive_mode" not in lab.sh(
        DB1, "cat /etc/postgresql/15/main/conf.d/hisops-backup.conf 2>/dev/null || true"
    )
    assert lab.events() == []


def test_the_10th_daily_backup_from_the_standby_and_the_offsite_copy(lab):
    run = lab.backup_run("2027-03-10")
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert report["alerts"] == []
    assert report["local_host"] == DB2 and report["from_standby"] is True
    assert lab.events() == [
        ("local", "2027-03-10", "2027-03-10", "done"),
        ("offsite", "2027-03-10", "2027-03-10", "done"),
    ]
    # repo1 is on the standby's own disk, with the backup the run reported
    local = report["results"]["local"]
    assert local["type"] == "full"
    assert lab.labels(DB2, 1, DAILY) == [local["label"]]
    assert lab.sh(DB1, "ls /var/lib/pgbackrest").strip() == ""
    # taken from the standby: pgBackRest waited for the standby to replay the start point
    log = lab.sh(DB2, "cat /var/log/pgbackrest/his-backup.log")
    assert "wait for replay on the standby" in log
    # the off-site copy on the backup host, also from the standby
    offsite = report["results"]["offsite"]
    assert lab.labels(BACKUP, 2) == [offsite["label"]]
    assert "wait for replay on the standby" in lab.sh(
        BACKUP, "cat /var/log/pgbackrest/his-backup.log"
    )
    # continuous WAL archiving from the primary to both repositories
    assert lab.sh(DB1, "runuser -u postgres -- psql -XAtc 'SHOW archive_mode'").strip() == "on"
    for host, repo, config in ((DB2, 1, DAILY), (BACKUP, 2, "")):
        archive = lab.repo_info(host, repo, config)["archive"][0]
        assert archive["max"] >= archive["min"] is not None


def test_a_second_run_the_same_day_changes_nothing(lab):
    before = lab.labels(DB2, 1, DAILY)
    run = lab.backup_run("2027-03-10")
    assert run.rc == 0, run.stdout[-3000:]
    assert run.changed_hosts() == set(), run.stats
    assert lab.report()["due"] == []
    assert lab.labels(DB2, 1, DAILY) == before


def test_unplugged_drive_on_the_15th_alerts_and_the_daily_backup_still_succeeds(lab):
    lab.fleet.fault(BACKUP, "drive_unplugged")
    assert lab.sh(BACKUP, "mountpoint /srv/removable || true").strip().endswith("not a mountpoint")
    run = lab.backup_run("2027-03-15")
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert [(e["target"], e["status"]) for e in report["events"]] == [
        ("local", "done"),
        ("removable", "missed"),
    ]
    (alert,) = report["alerts"]
    assert "removable drive" in alert and "not plugged in" in alert and "MISSED" in alert
    assert report["results"]["local"]["type"] == "incr"
    assert len(lab.labels(DB2, 1, DAILY)) == 2


def test_backup_host_away_on_the_20th_misses_the_offsite_copy(lab):
    lab.fleet.clear_fault(BACKUP, "drive_unplugged")
    lab.fleet.set_reachable(BACKUP, False)
    try:
        run = lab.backup_run("2027-03-20")
    finally:
        lab.fleet.set_reachable(BACKUP, True)
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    statuses = {e["target"]: e["status"] for e in report["events"]}
    # the daily backup still made, though WAL archiving could not reach repo2
    assert statuses == {"local": "done", "offsite": "missed", "removable": "missed"}
    assert all("unreachable" in a or "UNREACHABLE" in a.upper() for a in report["alerts"])
    assert len(lab.labels(DB2, 1, DAILY)) == 3
    assert ("offsite", "2027-03-20", "2027-03-20", "missed") in lab.events()


def test_the_21st_catches_up_both_misses_and_the_drive_holds_a_readable_copy(lab):
    run = lab.backup_run("2027-03-21")
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert report["alerts"] == []
    due = {d["target"]: d for d in report["due"]}
    assert due["offsite"]["occasion"] == "2027-03-20" and due["offsite"]["catch_up"]
    assert due["offsite"]["missed_on"] == ["2027-03-20"]
    assert due["removable"]["occasion"] == "2027-03-15"
    assert due["removable"]["missed_on"] == ["2027-03-15", "2027-03-20"]
    offsite = lab.labels(BACKUP, 2)
    assert len(offsite) == 2 and offsite[-1] == report["results"]["offsite"]["label"]
    # the drive's copy is a repository pgBackRest reads, with the newest off-site backup;
    # it stays on the drive across a power cycle of the backup host (mounted again)
    drive = "/srv/removable/pgbackrest"
    assert lab.labels(BACKUP, 2, path=drive) == offsite
    lab.fleet.reboot(BACKUP)
    assert lab.labels(BACKUP, 2, path=drive) == offsite
    # the misses stay in the history beside their catch-up
    events = lab.events()
    assert ("removable", "2027-03-15", "2027-03-15", "missed") in events
    assert ("removable", "2027-03-15", "2027-03-21", "done") in events
    assert ("offsite", "2027-03-20", "2027-03-21", "done") in events
