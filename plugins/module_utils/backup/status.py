# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the daily database check (plan P6.4) adds about backups, read on each host:

* free space of the filesystems that matter (PostgreSQL's data, a repository, the WAL
  spool), in bytes and percent;
* the WAL archive's lag from ``pg_stat_archiver``: seconds since the last segment was
  archived, failures since, and (on the primary) how many segments are waiting;
* errors in the PostgreSQL log **since the last check**: the check keeps the log's size it
  read up to in a small state file on the host and reads on from there (from the start
  when the log was rotated or truncated);

and, on the controller, the age of each target's newest copy from the backup history and
whether a calendar day of it is overdue (missed and not caught up).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup import calendar, snapshot
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic

_LEVEL = re.compile(r"\b(ERROR|FATAL|PANIC):")
ARCHIVER_SQL = (
    "SELECT archived_count, coalesce(last_archived_wal, ''), "
    "coalesce(extract(epoch FROM now() - last_archived_time)::bigint::text, ''), failed_count, "
    "coalesce(last_failed_wal, ''), coalesce(extract(epoch FROM now() - last_failed_time)"
    "::bigint::text, ''), CASE WHEN pg_is_in_recovery() THEN '' "
    "ELSE pg_walfile_name(pg_current_wal_lsn()) END FROM pg_stat_archiver"
)


def disk_free(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Free space of each path's filesystem (a path not there yet: its nearest parent)."""
    found = []
    for path in paths:
        probe = path
        while probe and not os.path.exists(probe):
            probe = os.path.dirname(probe.rstrip("/")) or "/"
        stat = os.statvfs(probe or "/")
        total, free = stat.f_blocks * stat.f_frsize, stat.f_bavail * stat.f_frsize
        found.append({"path": path, "free_bytes": free, "total_bytes": total,
                      "free_percent": round(100.0 * free / total, 1) if total else 0.0})  # fmt: skip
    return found


def segment_number(name: str) -> int | None:
    """The position of a WAL segment file (timeline left out), 16 MB segments."""
    if not re.match(r"^[0-9A-F]{24}$", name or ""):
        return None
    return int(name[8:16], 16) * 0x100 + int(name[16:24], 16)


def archive_lag(row: list[str]) -> dict[str, Any]:
    """``pg_stat_archiver`` (``ARCHIVER_SQL``'s row) in words and numbers."""
    archived, last_wal, since, failed, failed_wal, failed_since, current = row
    lag: dict[str, Any] = {
        "archived_count": int(archived or 0),
        "last_archived_wal": last_wal or None,
        "seconds_since_archived": int(since) if since else None,
        "failed_count": int(failed or 0),
        "last_failed_wal": failed_wal or None,
        "seconds_since_failed": int(failed_since) if failed_since else None,
    }
    done, now = segment_number(last_wal), segment_number(current)
    # the segment being written is not waiting: the ones before it, after the last archived
    lag["segments_waiting"] = (
        max(0, now - done - 1) if done is not None and now is not None else None
    )
    failing = lag["seconds_since_failed"] is not None and (
        lag["seconds_since_archived"] is None
        or lag["seconds_since_failed"] < lag["seconds_since_archived"]
    )
    lag["failing"] = bool(failing)
    return lag


def log_errors(log_path: str, state_path: str, check: bool, keep: int = 10) -> dict[str, Any]:
    """ERROR, FATAL and PANIC lines of the log since the last check (the offset kept in
    ``state_path``; not moved in check mode)."""
    try:
        with open(state_path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {}
    try:
        size = os.path.getsize(log_path)
    except OSError:
        return {"log": log_path, "readable": False, "counts": {}, "lines": [], "since": None}
    offset = int(state.get("offset") or 0) if state.get("log") == log_path else 0
    rotated = offset > size
    if rotated:
        offset = 0
    counts: dict[str, int] = {}
    lines: list[str] = []
    with open(log_path, "rb") as handle:
        handle.seek(offset)
        for raw in handle:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            match = _LEVEL.search(line)
            if match:
                counts[match.group(1)] = counts.get(match.group(1), 0) + 1
                lines.append(line[:500])
        end = handle.tell()
    result = {"log": log_path, "readable": True, "counts": counts, "lines": lines[-keep:],
              "since": state.get("at") if not rotated else None, "rotated": rotated}  # fmt: skip
    if not check:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_atomic(state_path, json.dumps({"log": log_path, "offset": end, "at": now}))
    return result


def host_status(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """Free space, archive lag (when ``archiver``) and log errors of one host."""
    paths = [str(p) for p in params.get("paths") or []]
    for index, path in enumerate(paths):
        if not path.startswith("/"):
            raise InputError(f"paths[{index}]", f"{path!r} must be an absolute path")
    result: dict[str, Any] = {"changed": False, "free": disk_free(paths)}
    if params.get("archiver"):
        try:
            result["archive"] = archive_lag(snapshot.psql("postgres", ARCHIVER_SQL)[0])
        except BackupError as exc:
            result["archive"] = {"error": str(exc)}
    log_path = str(params.get("log") or "")
    if log_path:
        state_path = str(params.get("log_state") or "/var/lib/postgresql/.hisops-log-check")
        result["log_errors"] = log_errors(log_path, state_path, check)
    return result


def backup_ages(
    cal: calendar.Calendar, on: date, events: list[calendar.Event], last_done: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Per target, its newest copy's day and age in days, and an overdue calendar day (a
    miss not caught up: due today for an earlier occasion)."""
    overdue = {d.target: d for d in calendar.due(cal, on, events) if d.catch_up}
    ages: dict[str, dict[str, Any]] = {}
    for target in calendar.TARGETS:
        last = last_done.get(target) or {}
        day = date.fromisoformat(last["on"]) if last.get("on") else None
        late = overdue.get(target)
        ages[target] = {
            "last_copy": last.get("on"),
            "label": last.get("label") or None,
            "age_days": (on - day).days if day else None,
            "overdue_since": late.occasion.isoformat() if late else None,
        }
    return ages


def _gib(value: int) -> str:
    return f"{value / 2**30:.1f} GiB"


def _host_lines(name: str, read: dict[str, Any], low_free_percent: float) -> tuple[list, list]:
    """One host's figures in plain language, and its warnings."""
    lines: list[str] = []
    warnings: list[str] = []
    for free in read.get("free") or []:
        lines.append(f"{name}: {free['path']} {_gib(free['free_bytes'])} free of "
                     f"{_gib(free['total_bytes'])} ({free['free_percent']}%)")  # fmt: skip
        if free["free_percent"] < low_free_percent:
            warnings.append(f"{name}: only {free['free_percent']}% free on {free['path']}")
    archive = read.get("archive")
    if archive and archive.get("error"):
        lines.append(f"{name}: WAL archive not read: {archive['error']}")
    elif archive and archive.get("archived_count"):
        waiting = archive.get("segments_waiting")
        lines.append(
            f"{name}: WAL archive: last segment {archive['last_archived_wal']} archived "
            f"{archive['seconds_since_archived']} s ago"
            + (f", {waiting} waiting" if waiting is not None else "")
            + f", {archive['failed_count']} failed attempts"
        )
    elif archive:
        lines.append(f"{name}: WAL archive: nothing archived from this node (a standby, or "
                     f"archiving not on), {archive.get('failed_count', 0)} failed attempts")  # fmt: skip
    if archive and archive.get("failing"):
        warnings.append(f"{name}: WAL archiving is FAILING (last failed "
                        f"{archive['last_failed_wal']}, {archive['seconds_since_failed']} s ago)")  # fmt: skip
    errors = read.get("log_errors")
    if errors and errors.get("readable"):
        counts = errors.get("counts") or {}
        since = errors.get("since") or "the start of the log"
        if counts:
            summary = ", ".join(f"{n} {level}" for level, n in sorted(counts.items()))
            lines.append(f"{name}: PostgreSQL log since {since}: {summary}")
            lines.extend(f"{name}:   {line}" for line in errors.get("lines") or [])
        else:
            lines.append(f"{name}: PostgreSQL log since {since}: no errors")
    elif errors:
        lines.append(f"{name}: PostgreSQL log {errors.get('log')} not readable")
    return lines, warnings


def _seconds_since(stamp: str | None, now: datetime) -> int | None:
    if not stamp:
        return None
    at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return int((now - at).total_seconds())


def status_report(
    params: dict[str, Any], check: bool, now: datetime | None = None
) -> dict[str, Any]:
    """The backup part of the daily check on the controller: each host's figures (the
    ``backup_status`` results of a loop, by ``item``), the backup age per target from the
    history, in plain language and as JSON (``report``; not written in check mode)."""
    # imported here: the history (sqlite3, the state store) is controller-side only
    from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History

    cal = calendar.parse_calendar(params.get("calendar"), "hisops_backup_calendar")
    on = calendar.parse_date(params.get("date"), "date")
    low = float(params.get("low_free_percent") or 10)
    now = now or datetime.now(timezone.utc)
    history = History(str(params.get("state_dir") or ""))
    last_done = history.last_done()
    ages = backup_ages(cal, on, history.events(), last_done)
    lines: list[str] = []
    warnings: list[str] = []
    for target, age in ages.items():
        done = last_done.get(target) or {}
        age["recorded_s_ago"] = _seconds_since(done.get("recorded_at"), now)
        if age["last_copy"] is None:
            lines.append(f"backup age: {target}: no copy in the history")
        else:
            lines.append(f"backup age: {target}: {age['age_days']} days (made {age['last_copy']}"
                         + (f", {age['label']}" if age["label"] else "") + ")")  # fmt: skip
        if age["overdue_since"]:
            warnings.append(f"backup age: {target}: the copy due on {age['overdue_since']} "
                            "is not made yet")  # fmt: skip
    hosts: dict[str, dict[str, Any]] = {}
    for index, read in enumerate(params.get("hosts") or []):
        if not isinstance(read, dict) or not read.get("item"):
            raise InputError(f"hosts[{index}]", "each entry is a backup_status result of a loop "
                             "over the hosts (with its item)")  # fmt: skip
        name = str(read["item"])
        if read.get("unreachable") or read.get("failed"):
            why = "unreachable" if read.get("unreachable") else str(read.get("msg") or "failed")
            hosts[name] = {"read": False, "error": why}
            warnings.append(f"{name}: backup figures not read: {why}")
            continue
        hosts[name] = {k: read[k] for k in ("free", "archive", "log_errors") if k in read}
        host_lines, host_warnings = _host_lines(name, read, low)
        lines.extend(host_lines)
        warnings.extend(host_warnings)
    result = {"changed": False, "date": on.isoformat(), "ages": ages, "hosts": hosts,
              "lines": lines + [f"WARNING: {w}" for w in warnings], "warnings": warnings}  # fmt: skip
    path = str(params.get("report") or "")
    if path and not check:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        write_atomic(
            path, json.dumps({k: v for k, v in result.items() if k != "changed"}, indent=2)
        )
    return result
