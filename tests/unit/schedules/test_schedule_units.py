"""The schedules' model, units and install (pure logic on a temporary directory): defaults
with placeholders pending, bad settings refused naming the field before anything is
written, unit and cron rendering, idempotence, check mode, and removal of exactly what was
installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    InputError,
    InstallError,
    VerifyError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.install import run
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.model import (
    Settings,
    schedules_from,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.render import (
    MARKER,
    exec_words,
    systemd_word,
    verify,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
# the daily inspection's playbook lands with issue 20's core; the UPS test's exists
DAILY = (REPO_ROOT / "playbooks" / "daily_inspection.yml").exists()
TIMERS = sorted(
    ["backup", "compliance", "incident-overdue", "restore-drill", "ups-test"]
    + (["daily-inspection"] if DAILY else [])
)


def params(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {"root": str(REPO_ROOT), "unit_dir": str(tmp_path / "units"), **extra}


def unit_text(tmp_path: Path, name: str) -> str:
    return (tmp_path / "units" / name).read_text()


def test_the_plan_defaults_placeholders_pending() -> None:
    settings = Settings(root=str(REPO_ROOT), venv=str(REPO_ROOT / ".venv"))
    by_name = {s.name: s for s in schedules_from(None, settings)}
    assert by_name["daily_inspection"].pending == (
        "" if DAILY else "playbooks/daily_inspection.yml does not exist yet"
    )
    assert not by_name["ups_test"].pending
    assert by_name["ups_test"].argv[-1].endswith("playbooks/ups_test.yml")
    assert not by_name["compliance"].pending
    assert by_name["compliance"].argv[-2:] == ["-e", '{"fail_on_drift":true}']
    assert by_name["incident_watch"].kind == "service"
    assert by_name["incident_watch"].argv == [
        str(REPO_ROOT / ".venv/bin/hisops"),
        "incident",
        "watch",
        "--interval",
        "20",
    ]


def test_install_then_again_unchanged_then_absent_removes_exactly_those(tmp_path: Path) -> None:
    other = tmp_path / "units" / "ssh.service"
    other.parent.mkdir()
    other.write_text("[Service]\nExecStart=/bin/true\n")
    first = run(params(tmp_path), check=False)
    names = sorted(os.path.basename(p) for p in first["written"])
    expected = sorted(
        [f"hisops-{t}.service" for t in TIMERS]
        + [f"hisops-{t}.timer" for t in TIMERS]
        + ["hisops-incident-watch.service"]
    )
    assert first["changed"] and names == expected
    assert [p["name"] for p in first["pending"]] == ([] if DAILY else ["daily_inspection"])
    assert run(params(tmp_path), check=False)["changed"] is False
    gone = run(params(tmp_path, state="absent"), check=False)
    assert sorted(os.path.basename(p) for p in gone["removed"]) == expected
    assert sorted(os.listdir(tmp_path / "units")) == ["ssh.service"]
    assert run(params(tmp_path, state="absent"), check=False)["changed"] is False


def test_check_mode_writes_nothing_and_the_diff_shows_each_unit(tmp_path: Path) -> None:
    result = run(params(tmp_path), check=True)
    assert result["changed"] and not (tmp_path / "units").exists()
    diff = {os.path.basename(d["after_header"]): d for d in result["diff"]}
    assert diff["hisops-backup.timer"]["before"] == ""
    assert "OnCalendar=*-*-* 01:30:00" in diff["hisops-backup.timer"]["after"]


def test_a_changed_time_rewrites_its_timer_only_and_a_disabled_one_goes(tmp_path: Path) -> None:
    run(params(tmp_path), check=False)
    schedules = {
        "backup": {"on_calendar": "*-*-* 02:00:00"},
        "incident_overdue": {"enabled": False},
    }
    result = run(params(tmp_path, schedules=schedules), check=False)
    assert [os.path.basename(p) for p in result["written"]] == ["hisops-backup.timer"]
    assert sorted(os.path.basename(p) for p in result["removed"]) == [
        "hisops-incident-overdue.service",
        "hisops-incident-overdue.timer",
    ]
    assert "OnCalendar=*-*-* 02:00:00\n" in unit_text(tmp_path, "hisops-backup.timer")


@pytest.mark.parametrize(
    ("schedules", "field"),
    [
        ({"backup": {"on_calendar": "*-*-* 25:00"}}, "hisops_schedules.backup.on_calendar"),
        ({"restore_drill": {"on_calendar": ""}}, "hisops_schedules.restore_drill.on_calendar"),
        ({"backup": {"enabled": "yes"}}, "hisops_schedules.backup.enabled"),
        ({"backup": {"on_calender": "daily"}}, "hisops_schedules.backup.on_calender"),
        ({"backup": {"playbook": "../etc/x"}}, "hisops_schedules.backup.playbook"),
        ({"Bad-Name": {}}, "hisops_schedules.Bad-Name"),
        (
            {"incident_watch": {"on_calendar": "daily"}},
            "hisops_schedules.incident_watch.on_calendar",
        ),
        ({"compliance": {"command": []}}, "hisops_schedules.compliance.command"),
        ({"new": {"on_calendar": "daily"}}, "hisops_schedules.new"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_before_any_write(
    tmp_path: Path, schedules: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        run(params(tmp_path, schedules=schedules), check=False)
    assert caught.value.field == field
    assert not (tmp_path / "units").exists()


def test_a_bad_time_changes_nothing_already_installed(tmp_path: Path) -> None:
    run(params(tmp_path), check=False)
    before = {p.name: p.read_text() for p in (tmp_path / "units").iterdir()}
    with pytest.raises(InputError):
        run(params(tmp_path, schedules={"compliance": {"on_calendar": "hourly-ish"}}), check=False)
    assert {p.name: p.read_text() for p in (tmp_path / "units").iterdir()} == before


def test_a_unit_copied_by_hand_is_refused_not_overwritten(tmp_path: Path) -> None:
    hand = tmp_path / "units" / "hisops-incident-watch.service"
    hand.parent.mkdir()
    hand.write_text("[Service]\nExecStart=/bin/true\n")
    with pytest.raises(InstallError, match="not installed by hisops"):
        run(params(tmp_path), check=False)
    assert hand.read_text() == "[Service]\nExecStart=/bin/true\n"
    assert os.listdir(tmp_path / "units") == ["hisops-incident-watch.service"]


def test_the_service_units_follow_the_shipped_incident_units(tmp_path: Path) -> None:
    run(params(tmp_path, user="hisops"), check=False)
    ours = unit_text(tmp_path, "hisops-incident-watch.service")
    shipped = (REPO_ROOT / "hisops/incident/systemd/hisops-incident-watch.service").read_text()
    keys = ("Type", "User", "Restart", "RestartSec", "WantedBy", "After", "Wants")
    for key in keys:
        line = next(x for x in shipped.splitlines() if x.startswith(f"{key}="))
        assert line in ours.splitlines(), key
    assert "EnvironmentFile=-/etc/hisops/incident.env" in ours
    assert f"Environment=HISOPS_INCIDENT_DIR={REPO_ROOT}/var/incidents" in ours
    assert ours.startswith(MARKER + "\n")


def test_exec_start_words_survive_systemd_quoting(tmp_path: Path) -> None:
    words = ["/x/ansible-playbook", "/r/p.yml", "-e", '{"a":"b c","pct":"50%","v":"$HOME"}']
    line = " ".join(systemd_word(w) for w in words)
    assert "%%" in line and "$$HOME" in line
    assert exec_words(line) == words
    schedules = {"compliance": {"extra_vars": {"fail_on_drift": True, "note": "a b"}}}
    result = run(params(tmp_path, schedules=schedules), check=False)
    argv = next(s["argv"] for s in result["schedules"] if s["name"] == "compliance")
    exec_line = next(
        x
        for x in unit_text(tmp_path, "hisops-compliance.service").splitlines()
        if x.startswith("ExecStart=")
    )
    assert exec_words(exec_line.removeprefix("ExecStart=")) == argv


def test_verify_refuses_a_unit_systemd_would_half_ignore() -> None:
    with pytest.raises(VerifyError, match="hisops-x.service.*Bogus"):
        verify({"hisops-x.service": "[Service]\nType=oneshot\nExecStart=/bin/true\nBogus=1\n"})
    with pytest.raises(VerifyError, match="not executable"):
        verify({"hisops-y.service": "[Service]\nType=oneshot\nExecStart=/nonexistent/hisops\n"})


def test_cron_export_one_file_with_user_lock_and_environment(tmp_path: Path) -> None:
    cron_file = tmp_path / "cron.d" / "hisops"
    result = run(params(tmp_path, format="cron", cron_file=str(cron_file)), check=False)
    assert result["changed"] and not (tmp_path / "units").exists()
    lines = cron_file.read_text().splitlines()
    assert lines[0] == MARKER
    compliance = next(x for x in lines if x.startswith("15 * * * * hisops "))
    assert f"cd {REPO_ROOT} && " in compliance
    assert "flock -n /run/lock/hisops-compliance.lock" in compliance
    assert compliance.endswith("""playbooks/switch_compliance.yml -e '{"fail_on_drift":true}'""")
    assert any(x.startswith("0 3 11 * * hisops ") and "backup_drill.yml" in x for x in lines)
    tick = next(x for x in lines if x.startswith("* * * * * hisops "))
    assert tick.endswith("/.venv/bin/hisops incident tick")
    assert DAILY or "# not scheduled: playbooks/daily_inspection.yml does not exist yet" in lines
    assert any(x.startswith("0 10 15 1,4,7,10 * hisops ") and "ups_test.yml" in x for x in lines)
    # the line's shell command runs as cron would run it (environment files, env, flock)
    command = tick.split(" hisops ", 1)[1].replace("\\%", "%")
    done = subprocess.run(
        ["sh", "-c", command + " --help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "tick" in done.stdout, done.stderr
    assert (
        run(params(tmp_path, format="cron", cron_file=str(cron_file)), check=False)["changed"]
        is False
    )
    run(params(tmp_path, format="cron", cron_file=str(cron_file), state="absent"), check=False)
    assert not cron_file.exists()


def test_a_time_cron_cannot_say_is_refused_for_cron_naming_the_field(tmp_path: Path) -> None:
    schedules = {"backup": {"on_calendar": "*-*~01 23:00"}}
    assert run(params(tmp_path, schedules=schedules), check=True)["changed"]  # systemd: fine
    with pytest.raises(InputError) as caught:
        run(params(tmp_path, schedules=schedules, format="cron"), check=True)
    assert caught.value.field == "hisops_schedules.backup.on_calendar"
