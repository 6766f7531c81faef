"""The backup run's parts without a lab: the pgBackRest layout and each host's files,
the removable drive's copy (real files in a temporary directory), the history in SQLite,
the plan of a day and the outcomes of a run."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.backup import mirror, pgbackrest
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History
from ansible_collections.hisops.emergency.plugins.module_utils.backup.run import (
    outcomes,
    pair_roles,
    plan_run,
    record_run,
)

HOSTS = {
    "primary": {"name": "his-db-1", "address": "10.0.0.11"},
    "standby": {"name": "his-db-2", "address": "10.0.0.12"},
    "backup_host": {"name": "backup-1", "address": "10.0.0.21"},
}


def ini(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        elif "=" in line and current is not None:
            key, value = line.split("=", 1)
            current[key] = value
    return sections


# -- layout and rendered files ------------------------------------------------------------
def test_the_standby_holds_repo1_and_takes_the_daily_backup_from_itself():
    layout = pgbackrest.layout_from(HOSTS)
    assert layout.local_host.name == "his-db-2"
    standby = pgbackrest.render(layout, "his-db-2")
    daily = ini(standby[pgbackrest.DAILY_CONFIG])
    assert daily["global"]["repo1-path"] == "/var/lib/pgbackrest"
    assert "repo1-host" not in daily["global"] and "repo2-path" not in daily["global"]
    assert daily["global"]["backup-standby"] == "y"
    assert daily["his"]["pg2-host"] == "10.0.0.11"  # the primary, for start/stop
    archive = ini(standby[pgbackrest.CONFIG])["global"]
    assert archive["archive-async"] == "y" and archive["repo2-host"] == "10.0.0.21"
    assert "repo1-host" not in archive


def test_the_primary_archives_to_the_standbys_repo1_and_the_offsite_repo2():
    files = pgbackrest.render(pgbackrest.layout_from(HOSTS), "his-db-1")
    assert pgbackrest.DAILY_CONFIG not in files
    archive = ini(files[pgbackrest.CONFIG])["global"]
    assert archive["repo1-host"] == "10.0.0.12" and archive["repo2-host"] == "10.0.0.21"
    assert archive["archive-async"] == "y" and archive["spool-path"]
    conf = files["/etc/postgresql/15/main/conf.d/hisops-backup.conf"]
    assert "archive_mode = on" in conf
    assert "archive_command = 'pgbackrest --stanza=his archive-push %p'" in conf
    # the removable drive is never an archive repository (it is away most of the month)
    assert "removable" not in files[pgbackrest.CONFIG]


def test_the_backup_host_backs_up_from_the_standby_into_its_repo2():
    conf = ini(pgbackrest.render(pgbackrest.layout_from(HOSTS), "backup-1")[pgbackrest.CONFIG])
    assert conf["global"]["repo2-path"] == "/srv/backup/pgbackrest"
    assert conf["global"]["backup-standby"] == "y"
    assert (conf["his"]["pg1-host"], conf["his"]["pg2-host"]) == ("10.0.0.11", "10.0.0.12")


def test_without_a_standby_the_primary_holds_repo1_and_backs_up_itself():
    layout = pgbackrest.layout_from({**HOSTS, "standby": None})
    files = pgbackrest.render(layout, "his-db-1")
    daily = ini(files[pgbackrest.DAILY_CONFIG])
    assert "backup-standby" not in daily["global"] and "pg2-host" not in daily["his"]
    assert "repo1-host" not in ini(files[pgbackrest.CONFIG])["global"]
    with pytest.raises(InputError, match="host: 'his-db-2' is neither"):
        pgbackrest.render(layout, "his-db-2")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary": None}, "primary"),
        ({"backup_host": {"name": "backup-1"}}, "backup_host"),
        ({"standby": HOSTS["primary"]}, "standby"),
        ({"stanza": "his db"}, "stanza"),
        ({"local_repo_path": "relative/path"}, "local_repo_path"),
        ({"offsite_repo_path": "/srv/../etc"}, "offsite_repo_path"),
        ({"local_retention_full": 0}, "local_retention_full"),
        ({"offsite_retention_archive": "many"}, "offsite_retention_archive"),
        ({"compress_type": "rar"}, "compress_type"),
        ({"process_max": True}, "process_max"),
    ],
)
def test_bad_layout_refused_naming_the_field(change, field):
    with pytest.raises(InputError) as caught:
        pgbackrest.layout_from({**HOSTS, **change})
    assert caught.value.field == field


def test_backup_type_full_first_then_incremental_until_the_full_is_old():
    now = datetime(2027, 3, 10, tzinfo=UTC)
    full = {"type": "full", "error": False, "stopped": "2027-03-05T01:00:00Z"}
    assert pgbackrest.choose_type("auto", [], now, 7) == "full"
    assert pgbackrest.choose_type("auto", [full], now, 7) == "incr"
    assert pgbackrest.choose_type("auto", [full], now, 4) == "full"
    assert pgbackrest.choose_type("auto", [{**full, "error": True}], now, 7) == "full"
    assert pgbackrest.choose_type("full", [full], now, 7) == "full"


def test_pgbackrest_error_keeps_its_code_and_words():
    import subprocess

    done = subprocess.CompletedProcess([], 55, "", "ERROR: [055]: unable to load info file\n")
    exc = pgbackrest.error_of(done)
    assert str(exc) == "pgBackRest error 055: unable to load info file"


# -- the removable drive's copy ------------------------------------------------------------
def make_repo(root):
    files = {
        "backup/his/backup.info": b"info-1",
        "backup/his/backup.info.copy": b"info-1",
        "backup/his/20270310-010000F/pg_data/base/1.zst": b"x" * 5000,
        "archive/his/archive.info": b"archive",
        "archive/his/15-1/0000000100000000/000000010000000000000001-ab.zst": b"w" * 100,
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def test_copy_writes_data_first_info_last_and_never_deletes(tmp_path, monkeypatch):
    src, mount = tmp_path / "repo", tmp_path / "drive"
    dest = mount / "pgbackrest"
    files = make_repo(src)
    mount.mkdir()
    (mount / "old-file-kept").write_text("an earlier copy")
    monkeypatch.setattr(mirror, "is_mounted", lambda path: path == str(mount))
    preview = mirror.mirror(str(src), str(dest), str(mount), check=True)
    assert preview.changed and not dest.exists()
    order: list[str] = []
    real = mirror._copy_one
    monkeypatch.setattr(mirror, "_copy_one", lambda s, d, rel: (order.append(rel), real(s, d, rel)))
    done = mirror.mirror(str(src), str(dest), str(mount), check=False)
    assert done.bytes == sum(len(v) for v in files.values())
    assert order[-3:] == ["archive/his/archive.info", "backup/his/backup.info",
                          "backup/his/backup.info.copy"]  # fmt: skip
    for rel, data in files.items():
        assert (dest / rel).read_bytes() == data
    assert (mount / "old-file-kept").exists()
    # idempotent; a new WAL segment and a changed info file are all a second copy writes
    assert not mirror.mirror(str(src), str(dest), str(mount), check=False).changed
    (src / "backup/his/backup.info").write_bytes(b"info-2")
    os.remove(src / "archive/his/archive.info")  # gone from the source: kept on the drive
    again = mirror.plan(str(src), str(dest))
    assert again.files == [] and again.infos == ["backup/his/backup.info"]


def test_copy_refused_when_the_drive_is_absent_and_nothing_written(tmp_path):
    src, mount = tmp_path / "repo", tmp_path / "drive"
    make_repo(src)
    mount.mkdir()
    with pytest.raises(mirror.DriveAbsent, match="not plugged in"):
        mirror.mirror(str(src), str(mount / "pgbackrest"), str(mount), check=False)
    assert list(mount.iterdir()) == []
    with pytest.raises(InputError, match="dest: /elsewhere is not on the drive"):
        mirror.mirror(str(src), "/elsewhere", str(mount), check=False)


def test_failed_copy_leaves_no_partial_file(tmp_path, monkeypatch):
    src, mount = tmp_path / "repo", tmp_path / "drive"
    make_repo(src)
    mount.mkdir()
    monkeypatch.setattr(mirror, "is_mounted", lambda path: True)
    calls = []

    def copy_then_fail(fin, fout, length=0):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        fout.write(fin.read())

    monkeypatch.setattr(mirror.shutil, "copyfileobj", copy_then_fail)
    with pytest.raises(mirror.CopyFailed, match="No space left on device"):
        mirror.mirror(str(src), str(mount / "pgbackrest"), str(mount), check=False)
    left = [p.name for p in mount.rglob("*") if p.is_file()]
    assert not any(name.endswith(".hisops-tmp") for name in left)
    assert not any(name.endswith(".info") for name in left)  # info files come last


# -- history, plan, outcomes ------------------------------------------------------------------
NODES = [{"name": "his-db-1", "role": "primary"}, {"name": "his-db-2", "role": "standby"}]
ADDRESSES = {"his-db-1": "10.0.0.11", "his-db-2": "10.0.0.12", "backup-1": "10.0.0.21"}


def plan(tmp_path, day, **extra):
    params = {"calendar": {}, "date": day, "nodes": NODES, "addresses": ADDRESSES,
              "backup_host": "backup-1", "layout": {}, "state_dir": str(tmp_path), **extra}  # fmt: skip
    return plan_run(params)


def record(tmp_path, day, due, results, check=False):
    params = {"date": day, "due": due, "results": results, "run_id": f"run-{day}",
              "operator": "tester", "state_dir": str(tmp_path)}  # fmt: skip
    return record_run(params, check)


def test_a_month_of_runs_through_plan_and_record(tmp_path):
    first = plan(tmp_path, "2027-03-10")
    assert first["due_targets"] == ["local", "offsite"]
    assert first["local_host"] == "his-db-2" and first["from_standby"]
    ok = {"message": "full backup", "label": "L1"}
    away = {"unreachable": True, "msg": "ssh: connect timed out"}
    # check mode records nothing
    preview = record(tmp_path, "2027-03-10", first["due"], {"local": ok, "offsite": ok}, True)
    assert preview["recorded"] == [] and preview["lines"][0].startswith("would be done")
    assert plan(tmp_path, "2027-03-10")["due_targets"] == ["local", "offsite"]
    done = record(tmp_path, "2027-03-10", first["due"], {"local": ok, "offsite": away})
    assert done["changed"] and [e["status"] for e in done["events"]] == ["done", "missed"]
    assert "off-site copy on the backup host for 2027-03-10 MISSED" in done["alerts"][0]
    # the same run again: nothing new recorded
    again = record(tmp_path, "2027-03-10", first["due"], {"local": ok, "offsite": away})
    assert not again["changed"]
    nxt = plan(tmp_path, "2027-03-11")
    assert nxt["due_targets"] == ["local", "offsite"]
    assert nxt["due"][1] == {"target": "offsite", "occasion": "2027-03-10", "catch_up": True,
                             "missed_on": ["2027-03-10"]}  # fmt: skip
    record(tmp_path, "2027-03-11", nxt["due"], {"local": ok, "offsite": ok})
    assert plan(tmp_path, "2027-03-11")["due_targets"] == []
    history = History(str(tmp_path))
    assert history.last_done()["offsite"]["occasion"] == "2027-03-10"
    assert [r["run_id"] for r in history.runs()][:2] == ["run-2027-03-11", "run-2027-03-10"]


def test_outcomes_tell_a_miss_from_a_failure():
    due = [{"target": t, "occasion": "2027-03-15"} for t in ("local", "offsite", "removable")]
    found = outcomes(due, {
        "local": {"failed": True, "reason": "pgbackrest", "msg": "pgBackRest error 047"},
        "offsite": {"skipped": True},
        "removable": {"failed": True, "reason": "drive_absent", "msg": "not plugged in"},
    })  # fmt: skip
    assert [e["status"] for e in found["events"]] == ["failed", "missed", "missed"]
    assert "FAILED: pgBackRest error 047. Earlier copies are untouched." in found["alerts"][0]


def test_plan_refuses_bad_input_before_anything(tmp_path):
    with pytest.raises(InputError) as caught:
        plan(tmp_path, "2027-02-30")
    assert caught.value.field == "date"
    with pytest.raises(InputError) as caught:
        plan(tmp_path, "2027-03-10", calendar={"tape": {"days": [1]}})
    assert caught.value.field == "hisops_backup_calendar.tape"
    with pytest.raises(InputError, match="exactly one primary"):
        pair_roles([{"name": "a", "role": "standby"}, {"name": "b", "role": "unreachable"}])
    assert not (tmp_path / "state.db").exists()


def test_history_refuses_a_bad_event(tmp_path):
    with pytest.raises(InputError) as caught:
        History(str(tmp_path)).record("r", date(2027, 3, 1), [{"target": "tape"}])
    assert caught.value.field == "events[0].target"


def test_validate_only_checks_the_operators_input_alone(tmp_path):
    params = {"calendar": {"removable": {"days": [15, "last"]}}, "date": "2028-02-29",
              "validate_only": True, "state_dir": str(tmp_path)}  # fmt: skip
    assert plan_run(params) == {
        "changed": False,
        "date": "2028-02-29",
        "calendar": plan_run(params)["calendar"],
        "retention": plan_run(params)["retention"],
    }
    with pytest.raises(InputError) as caught:
        plan_run({**params, "calendar": {"offsite": {"days": [30]}}})
    assert caught.value.field == "hisops_backup_calendar.offsite.days[0]"
    with pytest.raises(InputError) as caught:
        plan_run({**params, "retention": {"offsite": {"month_ends": 5000}}})
    assert caught.value.field == "hisops_backup_retention.offsite.month_ends"


def test_the_drive_copy_waits_for_the_counted_wal_segment(tmp_path):
    segment = "00000001000000000000000C"
    archive = tmp_path / "archive" / "his" / "15-1" / segment[:16]
    archive.mkdir(parents=True)
    assert mirror.wait_for_wal(str(tmp_path), segment, timeout=0.3) is False
    (archive / f"{segment}-0123abcd.zst").write_bytes(b"wal")
    assert mirror.wait_for_wal(str(tmp_path), segment, timeout=0.3) is True
    with pytest.raises(InputError) as err:
        mirror.wait_for_wal(str(tmp_path), "latest")
    assert err.value.field == "wait_wal"


def test_files_being_written_or_gone_meanwhile_are_not_copied(tmp_path, monkeypatch):
    src, mount = tmp_path / "repo", tmp_path / "drive"
    make_repo(src)
    mount.mkdir()
    wal = "archive/his/15-1/0000000100000000/000000010000000000000002-cd.zst"
    (src / (wal + ".pgbackrest.tmp")).write_bytes(b"being pushed")
    monkeypatch.setattr(mirror, "is_mounted", lambda path: True)
    todo = mirror.plan(str(src), str(mount / "pgbackrest"))
    assert not any(rel.endswith(".pgbackrest.tmp") for rel in todo.files)
    # a file listed by the plan and gone before its copy (renamed by pgBackRest): skipped
    (src / wal).write_bytes(b"pushed")
    real_plan = mirror.plan

    def plan_then_vanish(s, d):
        found = real_plan(s, d)
        os.remove(src / wal)
        return found

    monkeypatch.setattr(mirror, "plan", plan_then_vanish)
    mirror.mirror(str(src), str(mount / "pgbackrest"), str(mount), check=False)
    assert not (mount / "pgbackrest" / wal).exists()
    assert (mount / "pgbackrest" / "backup/his/backup.info").exists()


def test_a_pgbackrest_error_keeps_its_cause_from_the_next_lines():
    done = subprocess.CompletedProcess(
        [], 64, "", "ERROR: [064]: raised from local-3 protocol: unable to write '/r/x.zst'\n"
        "            [28] No space left on device\nINFO: end\n",
    )  # fmt: skip
    assert str(pgbackrest.error_of(done)) == (
        "pgBackRest error 064: raised from local-3 protocol: unable to write '/r/x.zst' "
        "[28] No space left on device"
    )


def test_the_snapshot_is_kept_by_label_and_a_failed_one_alerts(tmp_path):
    due = [{"target": "offsite", "occasion": "2027-03-10"}]
    ok = {"offsite": {"changed": True, "label": "L1", "message": "full backup L1"}}
    shot = {"lsn": "0/5000060", "taken_on": "standby", "exact": True, "data_time": "t",
            "tables": {"public.patients": {"rows": "50", "checksum": "1"}}}  # fmt: skip
    params = {"date": "2027-03-10", "due": due, "results": ok, "run_id": "r1",
              "snapshot": {"label": "L1", "data": shot}, "state_dir": str(tmp_path)}  # fmt: skip
    assert record_run(params, check=False)["alerts"] == []
    assert History(str(tmp_path)).snapshot("L1")["tables"] == shot["tables"]
    for data in ({"failed": True, "msg": "psql failed"}, {"unreachable": True, "msg": "down"}):
        later = record_run({**params, "date": "2027-03-20", "run_id": "r2",
                            "snapshot": {"label": "L2", "data": data}}, check=False)  # fmt: skip
        assert "could not be counted for the off-site copy L2" in later["alerts"][-1]
    assert History(str(tmp_path)).snapshot("L2") is None
