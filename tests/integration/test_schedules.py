"""playbooks/schedules.yml on the controller itself (localhost, connection local) into a
temporary unit directory: check mode writes nothing, the first run writes the units, the
second changes nothing, each unit's command runs (there is no systemd here: ExecStart is
run directly, in the unit's directory and environment, with a harmless --syntax-check or
--help), and state=absent removes exactly what was installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ansible_collections.hisops.emergency.plugins.module_utils.schedules.render import exec_words

from .playbooks import REPO_ROOT, run_playbook

LOCALHOST = Path("localhost,")
UNITS = sorted(
    [
        f"hisops-{t}.{k}"
        for t in (
            "backup",
            "compliance",
            "daily-inspection",
            "incident-overdue",
            "restore-drill",
            "ups-test",
        )
        for k in ("service", "timer")
    ]
    + ["hisops-incident-watch.service"]
)


def unit_settings(path: Path) -> tuple[list[str], str, dict[str, str]]:
    argv: list[str] = []
    cwd = ""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            argv = exec_words(value)
        elif key == "WorkingDirectory":
            cwd = value
        elif key == "Environment":
            name, _, setting = exec_words(value)[0].partition("=")
            env[name] = setting
    return argv, cwd, env


def test_schedules_playbook_installs_runs_and_removes(tmp_path: Path) -> None:
    units = tmp_path / "units"
    extravars = {"unit_dir": str(units)}
    preview = run_playbook("schedules", LOCALHOST, tmp_path, extravars, check=True, diff=True)
    assert preview.rc == 0, preview.stdout
    assert preview.changed_hosts() == {"localhost"}
    assert "+OnCalendar=*-*-* *:15:00" in preview.stdout
    assert not units.exists()

    first = run_playbook("schedules", LOCALHOST, tmp_path, extravars)
    assert first.rc == 0, first.stdout
    assert sorted(os.listdir(units)) == UNITS
    # playbooks/daily_inspection.yml exists (issue 20): installed, no longer pending
    assert (REPO_ROOT / "playbooks" / "daily_inspection.yml").exists()
    assert "daily_inspection: pending" not in first.stdout
    again = run_playbook("schedules", LOCALHOST, tmp_path, extravars)
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout

    for service in sorted(units.glob("*.service")):
        argv, cwd, env = unit_settings(service)
        harmless = "--syntax-check" if argv[0].endswith("/ansible-playbook") else "--help"
        env = {**os.environ, **env, "HISOPS_RUN_RECORD_DIR": str(tmp_path / "unit-records")}
        done = subprocess.run(
            [*argv, harmless], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{service.name}: {argv}: {done.stdout}{done.stderr}"

    gone = run_playbook("schedules", LOCALHOST, tmp_path, {**extravars, "state": "absent"})
    assert gone.rc == 0 and gone.changed_hosts() == {"localhost"}, gone.stdout
    assert os.listdir(units) == []
