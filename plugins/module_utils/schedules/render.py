# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Units and cron lines for the schedules, and ``systemd-analyze verify`` on the units.

Every file starts with ``MARKER``: the install reads it to know which files it wrote, so
removing the schedules removes exactly those. The service units follow the ones hisops
ships for the incident clocks (hisops/incident/systemd/): same user, working directory,
environment and environment files.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile

from ansible_collections.hisops.emergency.plugins.module_utils.schedules.calendar import (
    Calendar,
    cron_fields,
    systemd_analyze,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    ScheduleError,
    VerifyError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.model import (
    VARIABLE,
    Schedule,
    Settings,
)

MARKER = "# Installed by hisops.emergency.schedules (playbooks/schedules.yml): do not edit"
SAFE_WORD = re.compile(r"^[A-Za-z0-9_@+=:,./-]+$")


def systemd_word(word: str) -> str:
    """One word of ExecStart as systemd splits it (specifiers and variables escaped)."""
    word = word.replace("%", "%%").replace("$", "$$")
    if SAFE_WORD.match(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exec_words(line: str) -> list[str]:
    """The words of an ExecStart= value as rendered here (the inverse of systemd_word)."""
    return [w.replace("%%", "%").replace("$$", "$") for w in shlex.split(line)]


def service_unit(schedule: Schedule, settings: Settings) -> str:
    lines = [
        MARKER,
        f"# {VARIABLE}.{schedule.name}",
        "[Unit]",
        f"Description={schedule.description}",
    ]
    if schedule.kind == "service":
        lines += ["After=network-online.target", "Wants=network-online.target"]
    lines += [
        "",
        "[Service]",
        f"Type={'simple' if schedule.kind == 'service' else 'oneshot'}",
        f"User={settings.user}",
        f"WorkingDirectory={settings.root}",
        f"Environment=HISOPS_OPERATOR={settings.prefix}{schedule.unit}",
    ]
    for key, value in sorted(schedule.environment.items()):
        lines.append("Environment=" + systemd_word(f"{key}={value}"))
    lines += [f"EnvironmentFile=-{path}" for path in schedule.environment_files]
    lines.append("ExecStart=" + " ".join(systemd_word(w) for w in schedule.argv))
    if schedule.kind == "service":
        lines += ["Restart=always", "RestartSec=5", "", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def timer_unit(schedule: Schedule, calendar: Calendar, settings: Settings) -> str:
    return (
        "\n".join(
            [
                MARKER,
                f"# {VARIABLE}.{schedule.name}.on_calendar: {calendar.normalized}",
                "[Unit]",
                f"Description={schedule.description} (timer)",
                "",
                "[Timer]",
                f"OnCalendar={schedule.on_calendar}",
                f"Persistent={'true' if schedule.persistent else 'false'}",
                f"Unit={settings.prefix}{schedule.unit}.service",
                "",
                "[Install]",
                "WantedBy=timers.target",
            ]
        )
        + "\n"
    )


def cron_command(schedule: Schedule, settings: Settings, argv: list[str]) -> str:
    """The shell command of a cron line: the service's directory, environment and lock."""
    parts = [f"cd {shlex.quote(settings.root)}", "set -a"]
    for path in schedule.environment_files:
        parts.append(f"{{ [ ! -r {shlex.quote(path)} ] || . {shlex.quote(path)}; }}")
    parts.append("set +a")
    env = {"HISOPS_OPERATOR": f"{settings.prefix}{schedule.unit}", **schedule.environment}
    words = ["exec", "env", *(f"{k}={v}" for k, v in env.items())]
    # systemd never starts a service still running: flock -n does the same for cron
    words += ["flock", "-n", f"/run/lock/{settings.prefix}{schedule.unit}.lock", *argv]
    parts.append(" ".join(shlex.quote(w) for w in words))
    # cron turns an unescaped % into a newline
    return " && ".join(parts).replace("%", "\\%")


def cron_lines(
    schedules: list[Schedule], calendars: dict[str, Calendar], settings: Settings
) -> list[str]:
    """/etc/cron.d lines (with the user field), one per schedule, each after a comment."""
    lines = [MARKER, "SHELL=/bin/sh", "PATH=/usr/local/bin:/usr/bin:/bin"]
    for schedule in schedules:
        lines.append(f"# {schedule.name}: {schedule.description}")
        if schedule.pending:
            lines.append(f"# not scheduled: {schedule.pending}")
            continue
        calendar = calendars.get(schedule.name)
        argv = schedule.argv
        if schedule.kind == "service":
            if not schedule.cron_argv or schedule.name not in calendars:
                lines.append("# not scheduled: a service, and no cron_command/cron_calendar")
                continue
            argv = schedule.cron_argv
        field = f"{VARIABLE}.{schedule.name}." + (
            "cron_calendar" if schedule.kind == "service" else "on_calendar"
        )
        if calendar is None:
            raise ScheduleError(f"{field}: not checked")
        lines.append(
            f"{cron_fields(field, calendar)} {settings.user} "
            f"{cron_command(schedule, settings, argv)}"
        )
    return [*lines, ""]


def verify(units: dict[str, str]) -> list[str]:
    """``systemd-analyze verify`` on the units, written to a scratch directory first.

    Returns its warnings; VerifyError for an error, or any warning naming one of the units
    (an unknown key is only a warning for systemd, but a unit doing less than it says)."""
    with tempfile.TemporaryDirectory(prefix="hisops-units-") as scratch:
        paths = []
        for name, text in sorted(units.items()):
            path = os.path.join(scratch, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            paths.append(path)
        if not paths:
            return []
        result = subprocess.run(
            [systemd_analyze(), "verify", "--man=no", *paths],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""},
            check=False,
        )
        said = [
            line.replace(scratch + os.sep, "")
            for line in (result.stderr + result.stdout).splitlines()
            if line.strip()
        ]
    faults = [line for line in said if any(name in line for name in units)]
    if result.returncode != 0 or faults:
        raise VerifyError("systemd-analyze verify: " + "; ".join(faults or said or ["failed"]))
    return said
