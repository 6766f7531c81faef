# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install the schedules (systemd units or one cron file), or remove what was installed.

Order: every input and calendar checked, the units rendered and verified, the directory
read; only then is anything written. A file is written only when its content differs
(atomically: a temporary file renamed over it), so a second run changes nothing. The
files hisops wrote carry ``MARKER``: ``state: absent`` removes those and only those, a
present run removes the ones of schedules no longer wanted, and a file of the same name
that hisops did not write (a unit copied by hand) is refused, never overwritten.
"""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic
from ansible_collections.hisops.emergency.plugins.module_utils.schedules import calendar
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    InputError,
    InstallError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.model import (
    VARIABLE,
    Schedule,
    Settings,
    schedules_from,
    settings_from,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.render import (
    MARKER,
    cron_lines,
    service_unit,
    timer_unit,
    verify,
)

UNIT_SUFFIXES = (".service", ".timer")


def calendars_of(schedules: list[Schedule]) -> dict[str, calendar.Calendar]:
    checked = {}
    for schedule in schedules:
        if schedule.kind == "timer":
            field, expression = f"{VARIABLE}.{schedule.name}.on_calendar", schedule.on_calendar
        elif schedule.cron_calendar:
            field, expression = f"{VARIABLE}.{schedule.name}.cron_calendar", schedule.cron_calendar
        else:
            continue
        checked[schedule.name] = calendar.check(field, expression)
    return checked


def units_of(
    schedules: list[Schedule], calendars: dict[str, calendar.Calendar], settings: Settings
) -> dict[str, str]:
    units = {}
    for schedule in schedules:
        if schedule.pending:
            continue
        base = f"{settings.prefix}{schedule.unit}"
        units[f"{base}.service"] = service_unit(schedule, settings)
        if schedule.kind == "timer":
            units[f"{base}.timer"] = timer_unit(schedule, calendars[schedule.name], settings)
    return units


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"{path}: cannot be read ({exc})") from exc


def _ours(text: str | None) -> bool:
    return text is not None and text.startswith(MARKER + "\n")


def installed(directory: str, prefix: str, cron_file: str = "") -> dict[str, str]:
    """The files hisops wrote: units in ``directory`` (and the cron file), by path."""
    found = {}
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            if name.startswith(prefix) and name.endswith(UNIT_SUFFIXES):
                path = os.path.join(directory, name)
                text = _read(path)
                if _ours(text) and text is not None:
                    found[path] = text
    if cron_file:
        text = _read(cron_file)
        if _ours(text) and text is not None:
            found[cron_file] = text
    return found


def _write(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, exist_ok=True)
        write_atomic(path, text, 0o644)
    except OSError as exc:
        raise InstallError(f"{path}: cannot be written ({exc})") from exc


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise InstallError(f"{path}: cannot be removed ({exc})") from exc


def run(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """The module's one call: validate, render, verify, then write or remove."""
    state = params.get("state") or "present"
    fmt = params.get("format") or "systemd"
    if state not in ("present", "absent"):
        raise InputError("state", f"must be present or absent, not {state!r}")
    if fmt not in ("systemd", "cron"):
        raise InputError("format", f"must be systemd or cron, not {fmt!r}")
    unit_dir = params.get("unit_dir") or "/etc/systemd/system"
    cron_file = params.get("cron_file") or "/etc/cron.d/hisops"
    for field, path in (("unit_dir", unit_dir), ("cron_file", cron_file)):
        if not os.path.isabs(path):
            raise InputError(field, f"must be an absolute path, not {path!r}")
    settings = settings_from(params)
    schedules = schedules_from(params.get("schedules"), settings)
    calendars = calendars_of(schedules)
    desired: dict[str, str] = {}
    warnings: list[str] = []
    cron: list[str] = []
    if fmt == "cron":
        cron = cron_lines(schedules, calendars, settings)
        if state == "present":
            desired[cron_file] = "\n".join(cron)
    else:
        units = units_of(schedules, calendars, settings)
        if params.get("verify", True):
            warnings = verify(units)
        if state == "present":
            desired = {os.path.join(unit_dir, name): text for name, text in units.items()}
    ours = installed(unit_dir, settings.prefix, cron_file if fmt == "cron" else "")
    for path in desired:
        if path not in ours and os.path.lexists(path):
            raise InstallError(
                f"{path} exists and was not installed by hisops (a unit copied by hand?): "
                "remove it, then run again"
            )
    writes = {p: t for p, t in desired.items() if ours.get(p) != t}
    removals = sorted(p for p in ours if p not in desired)
    diff = [
        {"before_header": p, "after_header": p, "before": ours.get(p, ""), "after": t}
        for p, t in sorted(writes.items())
    ] + [{"before_header": p, "after_header": p, "before": ours[p], "after": ""} for p in removals]
    if not check:
        for path, text in sorted(writes.items()):
            _write(path, text)
        for path in removals:
            _remove(path)
    return {
        "changed": bool(writes or removals),
        "state": state,
        "format": fmt,
        "written": sorted(writes),
        "removed": removals,
        "files": sorted(desired),
        "schedules": [_summary(s, calendars.get(s.name), settings) for s in schedules],
        "pending": [{"name": s.name, "reason": s.pending} for s in schedules if s.pending],
        "cron": cron,
        "verify_warnings": warnings,
        "diff": diff,
    }


def _summary(
    schedule: Schedule, checked: calendar.Calendar | None, settings: Settings
) -> dict[str, Any]:
    unit = f"{settings.prefix}{schedule.unit}." + (
        "timer" if schedule.kind == "timer" else "service"
    )
    if schedule.pending:
        line = f"{schedule.name}: pending, {schedule.pending}"
    elif schedule.kind == "service":
        line = f"{unit}: runs all the time"
    else:
        line = f"{unit}: {checked.normalized if checked else schedule.on_calendar}" + (
            f" (next {checked.next_elapse})" if checked and checked.next_elapse else ""
        )
    return {
        "name": schedule.name,
        "kind": schedule.kind,
        "unit": unit,
        "line": line,
        "on_calendar": schedule.on_calendar,
        "normalized": checked.normalized if checked and schedule.kind == "timer" else "",
        "next_elapse": checked.next_elapse if checked and schedule.kind == "timer" else "",
        "argv": schedule.argv,
        "working_directory": settings.root,
        "environment": schedule.environment,
        "pending": schedule.pending,
    }
