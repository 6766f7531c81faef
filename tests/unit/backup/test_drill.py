"""The restore drill's parts without a lab: input checked naming the field, which copy is
drilled and when not again, the comparison with the snapshot, the files a failure names,
the scratch directory's removal, and the record (JSON, HTML, state store)."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import date

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.backup import drill, snapshot
from ansible_collections.hisops.emergency.plugins.module_utils.backup.drill_record import (
    NoCopy,
    plan_drill,
    record_drill,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History

LABEL = "20261206-154001F"
SHOT = {
    "lsn": "0/5000060",
    "data_time": "2026-12-06T15:40:01.000000Z",
    "taken_on": "standby",
    "exact": True,
    "tables": {
        "public.patients": {"rows": "50", "checksum": "123"},
        "public.charges": {"rows": "400", "checksum": "456"},
    },  # fmt: skip
}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"target": "tape"}, "target", "unknown target 'tape'"),
        ({"target": "local"}, "target", "off-site copy or the removable"),
        ({"port": 5432}, "port", "PostgreSQL's own port"),
        ({"port": 80}, "port", "1024 to 65535"),
        ({"port": "x"}, "port", "not a port"),
        ({"scratch": "/srv"}, "scratch", "of its own"),
        ({"scratch": "relative/dir"}, "scratch", "absolute"),
        ({"scratch": "/srv/backup"}, "scratch", "overlaps the repository"),
        ({"scratch": "/var/lib/postgresql/15/x"}, "scratch", "PostgreSQL's own"),
        ({"date": "2027-02-30"}, "date", "not a date"),
    ],
)
def test_bad_input_refused_naming_the_field_before_the_history_is_read(
    tmp_path, params, field, words
):
    base = {"target": "offsite", "port": 5499, "scratch": "/srv/backup/drill",
            "validate_only": True, "state_dir": str(tmp_path / "nowhere")}  # fmt: skip
    with pytest.raises(InputError) as err:
        plan_drill({**base, **params})
    assert err.value.field == field and words in err.value.reason
    assert not (tmp_path / "nowhere").exists()


def history_with_copy(tmp_path, label=LABEL, shot=SHOT) -> History:
    history = History(str(tmp_path))
    history.record("run1", date(2027, 3, 21), [
        {"target": "offsite", "occasion": "2027-03-20", "status": "done", "label": label}])  # fmt: skip
    if shot:
        history.record_snapshot(label, "offsite", "run1", shot)
    return history


PLAN = {"target": "offsite", "date": "2027-03-21", "port": 5499, "scratch": "/srv/backup/drill"}


def test_the_newest_good_copy_and_its_snapshot_are_drilled(tmp_path):
    history_with_copy(tmp_path)
    plan = plan_drill({**PLAN, "state_dir": str(tmp_path)})
    assert plan["due"] and plan["label"] == LABEL and plan["snapshot"] == SHOT
    assert plan["repo_path"] == "/srv/backup/pgbackrest"
    assert plan["copy"]["occasion"] == "2027-03-20"
    removable = plan_drill({**PLAN, "target": "removable", "state_dir": str(tmp_path)}
                           | {"validate_only": True})  # fmt: skip
    assert removable["repo_path"] == "/srv/removable/pgbackrest"


def test_no_copy_in_the_history_is_said(tmp_path):
    with pytest.raises(NoCopy) as err:
        plan_drill({**PLAN, "state_dir": str(tmp_path)})
    assert "no copy on target offsite" in str(err.value)


def test_a_copy_without_snapshot_is_drilled_and_said(tmp_path):
    history_with_copy(tmp_path, shot=None)
    plan = plan_drill({**PLAN, "state_dir": str(tmp_path)})
    assert plan["snapshot"] == {} and "no snapshot" in plan["lines"][1]


def passed_result():
    checks = [{"name": n, "ok": True, "detail": "fine"} for n in
              ("restore", "start", "pg_amcheck --heapallindexed", "row counts and checksums")]  # fmt: skip
    return {"changed": True, "passed": True, "checks": checks, "started_at": "2026-12-06T16:00:00Z",
            "timings": {"restore_s": 3.1, "start_s": 2.0, "rto_s": 5.1}, "rto_s": 5.1,
            "rpo": {"data_from": "2026-12-06T15:40:01Z", "seconds_before_drill": 1199.0},
            "restored_to": "/srv/backup/drill/data on port 5499", "scratch_removed": True}  # fmt: skip


def test_a_passed_drill_is_recorded_and_not_run_again_that_day(tmp_path):
    history_with_copy(tmp_path)
    plan = plan_drill({**PLAN, "state_dir": str(tmp_path)})
    params = {"plan": plan, "result": passed_result(), "operator": "dba", "backup_host": "backup-1",
              "report_dir": str(tmp_path / "reports"), "state_dir": str(tmp_path)}  # fmt: skip
    assert record_drill(params, check=True)["paths"] == {}
    assert not (tmp_path / "reports").exists()
    done = record_drill(params, check=False)
    record = json.loads((tmp_path / "reports" / "backup_drill.json").read_text())
    assert record == done["record"] and record["passed"] and record["operator"] == "dba"
    assert record["label"] == LABEL and record["snapshot"]["lsn"] == SHOT["lsn"]
    html = (tmp_path / "reports" / "backup_drill.html").read_text()
    assert "PASSED" in html and LABEL in html and "5.1 s" in html
    assert len(list((tmp_path / "reports" / "drills").iterdir())) == 2
    again = plan_drill({**PLAN, "state_dir": str(tmp_path)})
    assert again["due"] is False and "already" in again["lines"][0]
    assert plan_drill({**PLAN, "force": True, "state_dir": str(tmp_path)})["due"] is True
    assert plan_drill({**PLAN, "date": "2027-04-21", "state_dir": str(tmp_path)})["due"] is True


def test_a_failed_drill_is_recorded_failed_and_drilled_again(tmp_path):
    history_with_copy(tmp_path)
    plan = plan_drill({**PLAN, "state_dir": str(tmp_path)})
    result = passed_result()
    result["passed"] = False
    result["checks"][0] = {"name": "restore", "ok": False, "files": ["pg_data/base/5/16390"],
                           "detail": "the copy is damaged: pg_data/base/5/16390\n..."}  # fmt: skip
    params = {
        "plan": plan,
        "result": result,
        "report_dir": str(tmp_path / "r"),
        "state_dir": str(tmp_path),
    }
    record = record_drill(params, check=False)["record"]
    assert record["passed"] is False and "pg_data/base/5/16390" in record["summary"]
    assert "FAILED" in (tmp_path / "r" / "backup_drill.html").read_text()
    assert plan_drill({**PLAN, "state_dir": str(tmp_path)})["due"] is True
    # a module that failed outright (unreachable host) is a failed drill too
    crashed = record_drill({**params, "result": {"failed": True, "msg": "host down"}}, check=False)
    assert crashed["passed"] is False and "host down" in crashed["record"]["summary"]


# -- the host's side ----------------------------------------------------------------------
def test_compare_names_every_difference():
    found = {"public.patients": {"rows": "50", "checksum": "999"},
             "public.extra": {"rows": "1", "checksum": "1"}}  # fmt: skip
    assert drill.compare(SHOT["tables"], found) == [
        "public.charges: missing from the restored copy",
        "public.extra: in the restored copy but not in the snapshot",
        "public.patients: checksum 999, 123 when the copy was taken",
    ]
    assert drill.compare(SHOT["tables"], SHOT["tables"]) == []


def test_the_files_a_failure_names():
    text = ("ERROR: [039]: error restoring 'pg_data/base/16384/16390': actual checksum 'ab' "
            "does not match expected checksum 'cd'")  # fmt: skip
    assert drill.named_files(text) == ["pg_data/base/16384/16390"]
    failure = drill._restore_failure(subprocess.CompletedProcess([], 39, "", text), "")
    assert failure["ok"] is False and failure["files"] == ["pg_data/base/16384/16390"]
    assert failure["detail"].startswith("the copy is damaged: pg_data/base/16384/16390")


def test_check_mode_touches_nothing(tmp_path):
    scratch = tmp_path / "drill"
    result = drill.run_drill({"target": "offsite", "label": LABEL, "repo_path": "/srv/backup/pgbackrest",
                              "scratch": str(scratch), "port": 5499, "snapshot": SHOT}, check=True)  # fmt: skip
    assert result["passed"] is None and "would restore" in result["message"]
    assert not scratch.exists()
    with pytest.raises(InputError) as err:
        drill.run_drill({"target": "offsite", "label": "latest", "repo_path": "/r", "scratch": str(scratch),
                         "port": 5499}, check=True)  # fmt: skip
    assert err.value.field == "label"


def test_a_drill_that_cannot_restore_fails_and_leaves_the_scratch_directory_empty(
    tmp_path, monkeypatch
):
    scratch = tmp_path / "drill"
    scratch.mkdir()
    (scratch / "leftover").write_text("from a crashed drill")

    def fake_run(argv, timeout):
        if argv[-1] == "restore":
            (scratch / "data" / "PG_VERSION").write_text("15")
            return subprocess.CompletedProcess(argv, 39, "", "ERROR: [039]: error restoring "
                                               "'pg_data/base/1/1259': checksum mismatch")  # fmt: skip
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(drill, "_run", fake_run)
    result = drill.run_drill({"target": "offsite", "label": LABEL, "repo_path": "/srv/backup/pgbackrest",
                              "scratch": str(scratch), "port": 5499, "snapshot": SHOT}, check=False)  # fmt: skip
    assert result["passed"] is False and "pg_data/base/1/1259" in result["message"]
    assert result["scratch_removed"] is True and list(scratch.iterdir()) == []


def test_snapshot_parts():
    assert snapshot.lsn_value("0/5000060") == 0x5000060
    assert snapshot.lsn_value("1/0") == 1 << 32
    with pytest.raises(InputError):
        snapshot.lsn_value("latest")
    assert snapshot.iso("2026-12-06 15:40:01.5+01") == "2026-12-06T14:40:01.500000Z"
    sql = snapshot.sums_sql([["public", "patients"], ["a b", 'we"ird']])
    assert 'FROM ONLY "public"."patients" t UNION ALL' in sql and '"a b"."we""ird"' in sql
    with pytest.raises(InputError) as err:
        snapshot.take({"database": "his; drop"}, check=True)
    assert err.value.field == "database"
    with pytest.raises(InputError) as err:
        snapshot.mark({"label": "x'; --"}, check=True)
    assert err.value.field == "label"


def test_verify_names_the_damaged_file_in_the_repository():
    restore = ("ERROR: [026]: raised from local-1 protocol: error restoring "
               "'/srv/backup/drill/data/base/16385/2838': actual checksum 'aa' does not match")  # fmt: skip
    verify = "P02   INFO: invalid checksum '20261206-160016F/pg_data/base/16385/2838.zst'\n"
    failure = drill._restore_failure(subprocess.CompletedProcess([], 26, "", restore), verify,
                                     "/srv/backup/pgbackrest", "his")  # fmt: skip
    assert failure["files"] == [
        "/srv/backup/pgbackrest/backup/his/20261206-160016F/pg_data/base/16385/2838.zst",
        "/srv/backup/drill/data/base/16385/2838",
    ]
    assert failure["detail"].startswith("the copy is damaged: /srv/backup/pgbackrest/backup/his/")


def test_a_restore_that_fails_for_another_reason_is_not_called_damage():
    words = (
        "ERROR: [055]: unable to load info file '/srv/removable/pgbackrest/backup/his/backup.info'"
    )
    failure = drill._restore_failure(
        subprocess.CompletedProcess([], 55, "", words), "", "/r", "his"
    )
    assert failure["detail"].startswith("the restore failed (/srv/removable/pgbackrest/backup/his/")
    assert "damaged" not in failure["detail"].splitlines()[0]


def test_a_start_that_did_not_finish_names_what_is_still_at_work(tmp_path):
    """A restored copy that never became a primary: the failure says which of the scratch
    instance's processes were still running (a restore_command that never returned)."""
    root = tmp_path / "scratch"
    (root / "data").mkdir(parents=True)
    scratch = drill.Scratch(str(root), 55432, "15")
    # named with the scratch directory (a restore_command), and one working in the data
    # directory under a title of its own (the server's processes)
    hanging = subprocess.Popen(
        ["sh", "-c", "sleep 30", f"pgbackrest --config={scratch.config} archive-get"]
    )
    titled = subprocess.Popen(["sleep", "31"], cwd=root / "data")
    try:
        deadline = time.monotonic() + 10  # until both have exec'd (their cmdline before: ours)
        while len(busy := scratch.busy()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        for child in (hanging, titled):
            child.kill()
            child.wait()
    assert any(scratch.config in words and "sleep 30" in words for words in busy), busy
    assert "sleep 31" in busy, busy
    assert scratch.busy() == [], "processes that ended"


def test_the_wait_for_the_promotion_ends_when_the_server_has_stopped(tmp_path):
    """The start step waits for the replay and promotion up to the step's timeout (900 s by
    default), but not for a server that has stopped: a recovery that failed ends the wait."""
    root = tmp_path / "scratch"
    (root / "data").mkdir(parents=True)
    scratch = drill.Scratch(str(root), 55433, "15")
    assert not scratch.running()
    began = time.monotonic()
    drill._wait_primary(scratch, "his", 400)
    assert time.monotonic() - began < 200, "waited for a server that is not there"
