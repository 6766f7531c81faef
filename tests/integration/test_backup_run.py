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
    # retention: the newest off-site copy alone, no month-end or archive copy to keep yet
    policy = {"offsite": {"keep_last": 1, "month_ends": 0, "archive_months": []}}
    first = lab.labels(BACKUP, 2)
    run = lab.backup_run("2027-03-21", hisops_backup_retention=policy)
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert report["alerts"] == []
    due = {d["target"]: d for d in report["due"]}
    assert due["offsite"]["occasion"] == "2027-03-20" and due["offsite"]["catch_up"]
    assert due["offsite"]["missed_on"] == ["2027-03-20"]
    assert due["removable"]["occasion"] == "2027-03-15"
    assert due["removable"]["missed_on"] == ["2027-03-15", "2027-03-20"]
    # the 10th's copy removed by hisops' retention (expire --set), the new one kept
    offsite = lab.labels(BACKUP, 2)
    assert offsite == [report["results"]["offsite"]["label"]]
    assert report["retention"]["removed"] == first
    assert "repo2-retention-full=9999999" in lab.sh(BACKUP, "cat /etc/pgbackrest/pgbackrest.conf")
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


# -- the restore drill (P6.5) and the faults --------------------------------------------
DRILL_DIR = "/srv/backup/drill"


def test_drill_unknown_target_refused_before_anything_is_touched(lab):
    run = lab.backup_drill(target="tape", date="2027-03-21")
    assert run.rc != 0
    assert "target: unknown target 'tape'" in run.stdout
    assert lab.sh(BACKUP, f"ls -d {DRILL_DIR} 2>/dev/null || true").strip() == ""
    assert not (lab.workdir / "reports" / "backup_drill.json").exists()


def test_drill_restores_the_offsite_copy_proves_it_and_removes_it(lab):
    preview = lab.backup_drill(check=True, date="2027-03-21")
    assert preview.rc == 0, preview.stdout[-3000:]
    assert "would restore" in preview.stdout
    assert lab.sh(BACKUP, f"ls -d {DRILL_DIR} 2>/dev/null || true").strip() == ""
    run = lab.backup_drill(date="2027-03-21")
    assert run.rc == 0, run.stdout[-3000:]
    record = lab.drill_record()
    label = lab.labels(BACKUP, 2)[-1]
    assert record["passed"] is True and record["label"] == label
    assert record["target"] == "offsite" and record["backup_host"] == BACKUP
    assert [c["name"] for c in record["checks"]] == [
        "restore", "start", "pg_amcheck --heapallindexed", "row counts and checksums",
    ]  # fmt: skip
    counts = record["checks"][3]["detail"]
    assert "equal to the snapshot taken on the standby" in counts
    assert record["snapshot"]["taken_on"] == "standby" and record["snapshot"]["exact"]
    assert record["rto_s"] > 0 and record["rpo"]["data_from"]
    assert record["scratch_removed"] is True
    assert lab.sh(BACKUP, f"ls -A {DRILL_DIR}").strip() == ""
    assert lab.sh(BACKUP, "ss -Hlx | grep -c 5499 || true").strip() == "0"
    html = (lab.workdir / "reports" / "backup_drill.html").read_text()
    assert "PASSED" in html and label in html
    print(f"drill timings {record['timings']} rto {record['rto_s']} rpo {record['rpo']}")
    # a second drill of the same copy on the same day: nothing to do
    again = lab.backup_drill(date="2027-03-21")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stats


def test_drill_of_a_corrupted_copy_on_the_drive_fails_naming_the_file(lab):
    """The class-1 fault "backup disk broken": a byte run overwritten in the removable
    drive's copy of the newest backup's largest data file."""
    drive = "/srv/removable/pgbackrest"
    label = lab.labels(BACKUP, 2, path=drive)[-1]
    base = f"{drive}/backup/his/{label}/pg_data"
    victim = lab.sh(
        BACKUP, f"cd {base} && find base -type f -size +8k -printf '%s %p\\n' | sort -n | tail -1"
    ).split()[-1]
    lab.sh(BACKUP, f"cp -p {base}/{victim} /tmp/victim && "
                   f"printf 'garbage!garbage!' | dd of={base}/{victim} bs=1 seek=4096 conv=notrunc")  # fmt: skip
    try:
        run = lab.backup_drill(date="2027-03-21", target="removable")
    finally:
        lab.sh(BACKUP, f"cp -p /tmp/victim {base}/{victim}")
    assert run.rc != 0
    assert "RESTORE DRILL FAILED" in run.stdout
    record = lab.drill_record()
    assert record["passed"] is False and record["target"] == "removable"
    (failed,) = [c for c in record["checks"] if not c["ok"]]
    assert f"{base}/{victim}" in failed["files"], failed  # the drive's file, by its path
    assert failed["detail"].startswith("the copy is damaged: ")
    assert record["scratch_removed"] is True
    assert lab.sh(BACKUP, f"ls -A {DRILL_DIR}").strip() == ""
    # the drive's copy repaired (the file put back): its drill passes, proven the same way
    run = lab.backup_drill(date="2027-03-21", target="removable")
    assert run.rc == 0, run.stdout[-3000:]
    record = lab.drill_record()
    assert record["passed"] is True and record["target"] == "removable", record
    assert record["label"] == label and record["repo_path"] == drive
    assert [c["ok"] for c in record["checks"]] == [True] * 4
    assert "equal to the snapshot taken on the standby" in record["checks"][3]["detail"]
    assert record["scratch_removed"] is True
    assert lab.sh(BACKUP, f"ls -A {DRILL_DIR}").strip() == ""
    print(f"removable drill timings {record['timings']} rto {record['rto_s']}")


def test_a_full_disk_on_the_backup_host_fails_the_offsite_copy_and_earlier_ones_stay(lab):
    before = lab.labels(BACKUP, 2)
    lab.fleet.fault(BACKUP, "disk_full", path="/srv/backup", free_bytes=1_000_000)
    # the off-site copy alone due on the 31st (the other targets' days already done: cheaper)
    alone = {"local": {"days": [1]}, "removable": {"days": [1]}}
    try:
        run = lab.backup_run("2027-03-31", hisops_backup_calendar=alone)
    finally:
        lab.fleet.clear_fault(BACKUP, "disk_full")
    assert run.rc == 0, run.stdout[-3000:]
    report = lab.report()
    assert [(e["target"], e["status"]) for e in report["events"]] == [("offsite", "failed")]
    (alert,) = report["alerts"]
    assert "FAILED" in alert and "space" in alert.lower(), alert
    assert lab.labels(BACKUP, 2) == before
    assert lab.repo_info(BACKUP, 2)["status"]["code"] == 0


def test_db_status_shows_free_space_backup_ages_archive_lag_and_new_log_errors(lab):
    """P6.4 on the pair just backed up: the db_status playbook's backup side. A real error
    (a bad cast on the primary) shows in the first check after it, and not in the next."""
    log = "/var/log/postgresql/postgresql-15-main.log"
    # the previous check read the log up to here (what a daily check leaves behind)
    size = lab.sh(DB1, f"stat -c %s {log}").strip()
    lab.sh(DB1, f"""printf '{{"log": "{log}", "offset": {size}, "at": "before"}}' """
                f"> /var/lib/postgresql/.hisops-log-check")  # fmt: skip
    marker = "hisops-p64-marker"
    lab.sh(DB1, f"runuser -u postgres -- psql -Xqc \"SELECT '{marker}'::int\" his || true")
    first = lab.play_status(date="2027-04-01")
    assert first.rc == 0, first.stdout[-3000:]
    report = lab.status_report()
    ages = report["ages"]
    # the newest copies in the history, by their pgBackRest labels, counted to April 1st
    assert ages["offsite"]["last_copy"] == "2027-03-21" and ages["offsite"]["age_days"] == 11
    assert ages["offsite"]["label"] == lab.labels(BACKUP, 2)[-1]
    assert ages["offsite"]["overdue_since"] == "2027-03-31"  # the full disk's failed copy
    assert ages["local"]["last_copy"] == "2027-03-21" and ages["local"]["age_days"] == 11
    assert ages["local"]["label"] == lab.labels(DB2, 1, DAILY)[-1]
    assert ages["removable"]["age_days"] == 11
    # recorded by the clock during this test module (it runs for well under an hour)
    assert all(0 < a["recorded_s_ago"] < 3600 for a in ages.values()), ages
    hosts = report["hosts"]
    df = {f["path"]: f for f in hosts[BACKUP]["free"]}
    real = int(lab.sh(BACKUP, "df -B1 --output=avail /srv/backup | tail -1"))
    assert abs(df["/srv/backup"]["free_bytes"] - real) < 64 * 2**20
    assert {f["path"] for f in hosts[DB1]["free"]} >= {"/var/lib/postgresql", "/var/lib/pgbackrest"}
    archive = hosts[DB1]["archive"]
    assert archive["archived_count"] > 0 and archive["last_archived_wal"]
    assert archive["failing"] is False and archive["segments_waiting"] is not None
    errors = hosts[DB1]["log_errors"]
    assert errors["since"] == "before" and errors["counts"].get("ERROR", 0) >= 1
    assert sum(marker in line for line in errors["lines"]) == 1, errors
    assert any(marker in line for line in first.stdout.splitlines())  # in the printed lines
    # the next check: the error is not reported again
    second = lab.play_status(date="2027-04-01")
    assert second.rc == 0, second.stdout[-3000:]
    again = lab.status_report()["hosts"][DB1]["log_errors"]
    assert again["since"] != "before"
    assert not any(marker in line for line in again["lines"]), again
    print("db_status backup lines:", *lab.status_report()["lines"], sep="\n  ")
