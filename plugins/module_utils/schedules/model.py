# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hospital's schedules (``hisops_schedules``): the plan's defaults, validated.

A schedule is either a timer (``on_calendar``: a systemd calendar expression) starting a
one-shot service, or a long-running service (``kind: service``, the incident clocks). What
it runs is a playbook of the collection (``playbook``, run with ansible-playbook from the
checkout, ``extra_vars`` passed as JSON) or a command of the virtualenv (``command``, an
argument list whose first word is a program of ``<venv>/bin`` or an absolute path).
A playbook that does not exist (a site's own schedule naming a playbook not in this
checkout) is a *pending* schedule: reported, not installed, until the playbook lands.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    InputError,
)

VARIABLE = "hisops_schedules"

# Plan P4.3/P6.4/P8.1 daily checks, the users' scheduled compliance check, P6.1-P6.3 backup
# calendar, P6.5 monthly restore drill, P8.2 quarterly UPS test, P2/P3 incident clocks.
DEFAULT_SCHEDULES: dict[str, dict[str, Any]] = {
    "daily_inspection": {
        "description": "Daily inspection: network, addresses, database, servers, "
        "workstations, insurance interface, UPS (plan P4.3, P6.4, P8.1)",
        "playbook": "daily_inspection",
        "on_calendar": "*-*-* 07:00:00",
    },
    "compliance": {
        "description": "Scheduled compliance check: unexplained drift fails the run and sends "
        "a notice; open isolations, fences and vendor windows are expected (plan P4.3)",
        "playbook": "switch_compliance",
        "extra_vars": {"fail_on_drift": True},
        "on_calendar": "*-*-* *:15:00",
        # the notice goes through the incident channels: their site file and secrets
        "environment": {"HISOPS_INCIDENT_DIR": "{root}/var/incidents"},
        "environment_files": ["/etc/hisops/incident.env"],
    },
    "backup": {
        "description": "Backups the calendar makes due today (plan P6.1-P6.3)",
        "playbook": "backup_run",
        "on_calendar": "*-*-* 01:30:00",
    },
    "restore_drill": {
        "description": "Monthly restore drill of the newest off-site copy (plan P6.5)",
        "playbook": "backup_drill",
        # the 11th: the day after the calendar's first off-site copy of the month
        "on_calendar": "*-*-11 03:00:00",
    },
    "ups_test": {
        "description": "Quarterly UPS battery test (plan P8.2)",
        "playbook": "ups_test",
        # a working day's morning, people on site if the load drops
        "on_calendar": "*-01,04,07,10-15 10:00:00",
    },
    "incident_watch": {
        "description": "hisops incident clocks and notices (emergency plan P2/P3)",
        "kind": "service",
        "command": ["hisops", "incident", "watch", "--interval", "20"],
        "environment": {"HISOPS_INCIDENT_DIR": "{root}/var/incidents"},
        "environment_files": ["/etc/hisops/incident.env"],
        # cron has no services: the same clocks one tick a minute
        "cron_calendar": "*-*-* *:*:00",
        "cron_command": ["hisops", "incident", "tick"],
    },
    "incident_overdue": {
        "description": "hisops incident reports overdue (emergency plan P1.5)",
        "command": ["hisops", "incident", "overdue"],
        "environment": {"HISOPS_INCIDENT_DIR": "{root}/var/incidents"},
        "environment_files": ["/etc/hisops/incident.env"],
        "on_calendar": "*-*-* 08:00:00",
    },
}

KEYS = {
    "enabled",
    "description",
    "kind",
    "playbook",
    "extra_vars",
    "command",
    "on_calendar",
    "persistent",
    "environment",
    "environment_files",
    "cron_calendar",
    "cron_command",
}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
PLAYBOOK = re.compile(r"^[a-z][a-z0-9_]*$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Settings:
    """Where the hisops checkout lives on the controller and who runs the schedules."""

    root: str
    venv: str
    user: str = "hisops"
    inventory: str = ""
    environment_file: str = "/etc/hisops/schedules.env"
    prefix: str = "hisops-"


@dataclass
class Schedule:
    name: str
    description: str
    kind: str  # "timer" or "service"
    argv: list[str]
    on_calendar: str = ""
    persistent: bool = True
    playbook: str = ""
    pending: str = ""  # why it is not installed (a playbook that does not exist yet)
    environment: dict[str, str] = field(default_factory=dict)
    environment_files: list[str] = field(default_factory=list)
    cron_calendar: str = ""
    cron_argv: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.name.replace("_", "-")


def settings_from(params: dict[str, Any]) -> Settings:
    root = params.get("root") or ""
    if not root or not os.path.isabs(root):
        raise InputError("root", f"the hisops checkout must be an absolute path, not {root!r}")
    if not os.path.isdir(root):
        raise InputError("root", f"{root} is not a directory (the hisops checkout)")
    venv = params.get("venv") or os.path.join(root, ".venv")
    if not os.path.isabs(venv):
        raise InputError("venv", f"must be an absolute path, not {venv!r}")
    user = params.get("user") or "hisops"
    if not re.match(r"^[a-z_][a-z0-9_-]*$", user):
        raise InputError("user", f"{user!r} is not a user name")
    return Settings(
        root=os.path.normpath(root),
        venv=os.path.normpath(venv),
        user=user,
        inventory=params.get("inventory") or "",
        environment_file=params.get("environment_file") or "/etc/hisops/schedules.env",
    )


def merged(overrides: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The plan's defaults with the site's ``hisops_schedules`` over them, key by key."""
    result = copy.deepcopy(DEFAULT_SCHEDULES)
    if overrides is None:
        return result
    if not isinstance(overrides, dict):
        raise InputError(VARIABLE, "must be a mapping of schedule name to its settings")
    for name, entry in overrides.items():
        where = f"{VARIABLE}.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            raise InputError(where, "a schedule name is lower case letters, digits and _")
        if entry is None:
            entry = {}
        if not isinstance(entry, dict):
            raise InputError(where, "must be a mapping (enabled, on_calendar, playbook, ...)")
        base = result.setdefault(name, {})
        if "playbook" in entry or "command" in entry:
            base.pop("playbook", None)
            base.pop("command", None)
            base.pop("extra_vars", None)
        base.update(copy.deepcopy(entry))
    return result


def _str(where: str, value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InputError(where, f"must be a non-empty string, not {value!r}")
    if "\n" in value:
        raise InputError(where, "must be one line")
    return value


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(where, f"must be true or false, not {value!r}")
    return value


def _argv(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InputError(where, "must be a non-empty list of words (the program, its arguments)")
    for index, word in enumerate(value):
        _str(f"{where}[{index}]", word)
    return list(value)


def _program(settings: Settings, argv: list[str]) -> list[str]:
    program = argv[0]
    if not os.path.isabs(program):
        program = os.path.join(settings.venv, "bin", program)
    return [program, *argv[1:]]


def _playbook_argv(settings: Settings, playbook: str, extra_vars: dict[str, Any]) -> list[str]:
    import json

    argv = [
        os.path.join(settings.venv, "bin", "ansible-playbook"),
        os.path.join(settings.root, "playbooks", f"{playbook}.yml"),
    ]
    if settings.inventory:
        argv += ["-i", settings.inventory]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars, sort_keys=True, separators=(",", ":"))]
    return argv


def schedules_from(overrides: dict[str, Any] | None, settings: Settings) -> list[Schedule]:
    """Every enabled schedule, validated (calendars are checked by ``calendar``)."""
    schedules = []
    for name, entry in sorted(merged(overrides).items()):
        where = f"{VARIABLE}.{name}"
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise InputError(f"{where}.{unknown[0]}", f"unknown setting (known: {sorted(KEYS)})")
        if not _bool(f"{where}.enabled", entry.get("enabled", True)):
            continue
        kind = entry.get("kind", "timer")
        if kind not in ("timer", "service"):
            raise InputError(f"{where}.kind", f"must be timer or service, not {kind!r}")
        description = _str(f"{where}.description", entry.get("description") or name)
        has_playbook, has_command = "playbook" in entry, "command" in entry
        if has_playbook == has_command:
            raise InputError(where, "needs exactly one of playbook or command")
        pending = ""
        playbook = ""
        if has_playbook:
            playbook = _str(f"{where}.playbook", entry["playbook"])
            if not PLAYBOOK.match(playbook):
                raise InputError(f"{where}.playbook", f"{playbook!r} is not a playbook name")
            extra_vars = entry.get("extra_vars") or {}
            if not isinstance(extra_vars, dict):
                raise InputError(f"{where}.extra_vars", "must be a mapping")
            argv = _playbook_argv(settings, playbook, extra_vars)
            if not os.path.isfile(argv[1]):
                pending = f"playbooks/{playbook}.yml does not exist yet"
        else:
            if "extra_vars" in entry:
                raise InputError(f"{where}.extra_vars", "only for a playbook")
            argv = _program(settings, _argv(f"{where}.command", entry["command"]))
        on_calendar = entry.get("on_calendar") or ""
        if kind == "timer":
            on_calendar = _str(f"{where}.on_calendar", on_calendar)
        elif on_calendar:
            raise InputError(f"{where}.on_calendar", "a service runs all the time: no calendar")
        environment = entry.get("environment") or {}
        if not isinstance(environment, dict):
            raise InputError(f"{where}.environment", "must be a mapping of variable to value")
        env: dict[str, str] = {}
        for key, value in environment.items():
            if not isinstance(key, str) or not ENV_NAME.match(key):
                raise InputError(f"{where}.environment", f"{key!r} is not a variable name")
            env[key] = _str(f"{where}.environment.{key}", str(value), empty=True).replace(
                "{root}", settings.root
            )
        files = entry.get("environment_files") or []
        if not isinstance(files, list):
            raise InputError(f"{where}.environment_files", "must be a list of paths")
        for index, path in enumerate(files):
            if not isinstance(path, str) or not os.path.isabs(path):
                raise InputError(f"{where}.environment_files[{index}]", "must be an absolute path")
        cron_calendar = entry.get("cron_calendar") or ""
        if cron_calendar:
            _str(f"{where}.cron_calendar", cron_calendar)
        cron_argv: list[str] = []
        if "cron_command" in entry:
            cron_argv = _program(settings, _argv(f"{where}.cron_command", entry["cron_command"]))
        schedules.append(
            Schedule(
                name=name,
                description=description,
                kind=kind,
                argv=argv,
                on_calendar=on_calendar,
                persistent=_bool(f"{where}.persistent", entry.get("persistent", True)),
                playbook=playbook,
                pending=pending,
                environment=env,
                environment_files=[settings.environment_file, *files],
                cron_calendar=cron_calendar,
                cron_argv=cron_argv,
            )
        )
    return schedules
