# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Calendar expressions: checked by systemd itself, and their cron equivalent.

``systemd-analyze calendar`` (no systemd as PID 1 needed) parses an expression exactly as
the timer will, and gives its normalized form (``[weekdays ]Y-M-D H:M:S[ zone]``), from
which the cron fields are read. What cron cannot say (seconds, years, the last day of a
month, a time zone, a weekday *and* a day of the month: cron ORs the two where systemd ANDs
them) is refused naming the field, never approximated.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    InputError,
    ScheduleError,
)

WEEKDAYS = {"Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6, "Sun": 7}
NORMALIZED = re.compile(
    r"^(?:(?P<dow>[A-Za-z.,]+) )?(?P<year>[^-\s]+)-(?P<month>[^-~\s]+)(?P<sep>[-~])"
    r"(?P<day>\S+) (?P<hour>[^:\s]+):(?P<minute>[^:\s]+):(?P<second>\S+?)(?: (?P<zone>\S+))?$"
)
FIELD_LIMITS = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12)}


@dataclass
class Calendar:
    expression: str
    normalized: str
    next_elapse: str


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze") or (
        "/usr/bin/systemd-analyze" if os.path.exists("/usr/bin/systemd-analyze") else ""
    )
    if not path:
        raise ScheduleError(
            "systemd-analyze not found: install the Debian package systemd "
            "(it checks the calendars and units; systemd need not be running)"
        )
    return path


def check(field: str, expression: str) -> Calendar:
    """The expression as systemd reads it, or InputError naming ``field``."""
    result = subprocess.run(
        [systemd_analyze(), "calendar", expression],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""},
        check=False,
    )
    if result.returncode != 0:
        said = (result.stderr or result.stdout).strip().splitlines()
        raise InputError(
            field,
            f"{expression!r} is not a systemd calendar expression"
            + (f" ({said[-1]})" if said else ""),
        )
    values = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.strip().partition(": ")
        if sep:
            values[key] = value.strip()
    return Calendar(
        expression=expression,
        normalized=values.get("Normalized form", expression),
        next_elapse=values.get("Next elapse", ""),
    )


def _number(field: str, name: str, text: str) -> int:
    low, high = FIELD_LIMITS[name]
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(field, f"{name} {text!r} has no cron equivalent")
    return int(text)


def _cron_item(field: str, name: str, item: str) -> str:
    if item == "*":
        return "*"
    start, _slash, step = item.partition("/")
    first, dots, last = start.partition("..")
    if first == "*":
        text = "*"
    else:
        text = str(_number(field, name, first))
        if dots:
            text += f"-{_number(field, name, last)}"
        elif step:
            text += f"-{FIELD_LIMITS[name][1]}"
    if step:
        if not step.isdigit() or int(step) == 0:
            raise InputError(field, f"{name} step {step!r} has no cron equivalent")
        text += f"/{int(step)}"
    return text


def _cron_field(field: str, name: str, value: str) -> str:
    return ",".join(_cron_item(field, name, item) for item in value.split(","))


def _cron_weekdays(field: str, value: str) -> str:
    items = []
    for item in value.split(","):
        first, dots, last = item.partition("..")
        if first not in WEEKDAYS or (dots and last not in WEEKDAYS):
            raise InputError(field, f"weekday {item!r} has no cron equivalent")
        items.append(f"{WEEKDAYS[first]}-{WEEKDAYS[last]}" if dots else str(WEEKDAYS[first]))
    return ",".join(items)


def cron_fields(field: str, calendar: Calendar) -> str:
    """``minute hour day month weekday`` for a checked calendar, or InputError naming it."""
    match = NORMALIZED.match(calendar.normalized)
    if not match:
        raise InputError(field, f"{calendar.normalized!r} has no cron equivalent")
    parts = match.groupdict()
    if parts["zone"]:
        raise InputError(field, "a time zone has no cron equivalent (cron runs in the system's)")
    if parts["year"] != "*":
        raise InputError(field, "a year has no cron equivalent")
    if parts["sep"] == "~":
        raise InputError(field, "a day counted from the month's end has no cron equivalent")
    if parts["second"] not in ("0", "00"):
        raise InputError(field, "seconds other than 00 have no cron equivalent")
    if parts["dow"] and parts["day"] != "*":
        raise InputError(
            field,
            "a weekday and a day of the month together: cron would run on either, "
            "systemd only when both hold",
        )
    return " ".join(
        [
            _cron_field(field, "minute", parts["minute"]),
            _cron_field(field, "hour", parts["hour"]),
            _cron_field(field, "day", parts["day"]),
            _cron_field(field, "month", parts["month"]),
            _cron_weekdays(field, parts["dow"]) if parts["dow"] else "*",
        ]
    )
