# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Servers area of the daily inspection (plan P8.1), run on each server (the DB servers,
the backup host) by ``inspect_servers``: state (uptime, load), memory, disk space, and the
error messages its system log gained since the last inspection.

Runs on the managed host: standard library only (``/proc``, ``os.statvfs``). The log is
read from where the last inspection stopped (offset and inode kept on the host, so a
rotated log is read from its start); lines naming an error are counted and the last few
kept.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Iterable, Mapping, Optional

from ..files import write_atomic
from .findings import Finding

AREA = "servers"
ERROR_WORDS = re.compile(
    r"\b(error|errors|critical|crit|alert|emerg|panic|fatal|failed|failure|segfault|"
    r"oom-killer|out of memory|i/o error|corrupt\w*)\b",
    re.I,
)
DEFAULT_LOGS = ("/var/log/syslog", "/var/log/messages")
DEFAULT_PATHS = ("/", "/var/lib/postgresql", "/var/log", "/srv/backup")


def meminfo(text: str) -> dict[str, int]:
    """``/proc/meminfo`` in bytes."""
    values = {}
    for line in text.splitlines():
        key, _colon, rest = line.partition(":")
        words = rest.split()
        if words and words[0].isdigit():
            values[key.strip()] = int(words[0]) * (1024 if words[1:2] == ["kB"] else 1)
    return values


def disk_usage(paths: Iterable[str]) -> list[dict[str, Any]]:
    """Each existing path's file system: free and total bytes. Paths on one file system
    are each listed (a full disk shows under every path the site named on it)."""
    out = []
    for path in dict.fromkeys(paths):
        try:
            vfs = os.statvfs(path)
        except OSError:
            continue
        total = vfs.f_blocks * vfs.f_frsize
        out.append({"path": path, "free_bytes": vfs.f_bavail * vfs.f_frsize, "total_bytes": total})
    return out


def new_log_lines(path: str, state: Mapping[str, Any], keep: int = 10) -> dict[str, Any]:
    """Error lines added to ``path`` since ``state`` (``{"inode", "offset"}``); the new state."""
    try:
        st = os.stat(path)
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return {"readable": False}
    with handle:
        offset = int(state.get("offset") or 0)
        if state.get("inode") != st.st_ino or offset > st.st_size:
            offset = 0  # rotated or truncated: read the new file from its start
        handle.seek(offset)
        data = handle.read()
    errors = [
        line.strip()[:300]
        for line in data.decode("utf-8", "replace").splitlines()
        if ERROR_WORDS.search(line)
    ]
    return {
        "readable": True,
        "count": len(errors),
        "lines": errors[-keep:],
        "state": {"inode": st.st_ino, "offset": offset + len(data)},
        "since_start": offset == 0,
    }


def read_host(
    paths: Iterable[str], logs: Iterable[str], state_path: str, check_mode: bool
) -> dict[str, Any]:
    """What the host says now (the log offsets saved unless ``check_mode``)."""
    try:
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        with open("/proc/loadavg", encoding="ascii") as handle:
            load = [float(x) for x in handle.read().split()[:3]]
        with open("/proc/meminfo", encoding="ascii") as handle:
            memory = meminfo(handle.read())
    except OSError as exc:
        return {"error": str(exc)}
    try:
        with open(state_path, encoding="utf-8") as handle:
            saved = json.load(handle)
    except (OSError, ValueError):
        saved = {}
    log_reads = {}
    for log in logs:
        read = new_log_lines(log, saved.get(log) or {})
        if read.get("readable"):
            log_reads[log] = read
            saved[log] = read.pop("state")
    offsets_saved = False
    if log_reads and not check_mode:
        try:  # a full disk must not hide the rest of the host's figures
            os.makedirs(os.path.dirname(state_path) or ".", mode=0o700, exist_ok=True)
            write_atomic(state_path, json.dumps(saved))
            offsets_saved = True
        except OSError:
            offsets_saved = False
    return {
        "uptime_s": uptime,
        "load": load,
        "cpus": os.cpu_count() or 1,
        "memory": {
            k: memory.get(k, 0) for k in ("MemTotal", "MemAvailable", "SwapTotal", "SwapFree")
        },
        "disks": disk_usage(paths),
        "logs": log_reads,
        "logs_looked_at": list(logs),
        "log_offsets_saved": offsets_saved,
    }


def findings(
    host: str,
    read: Mapping[str, Any],
    low_free_percent: float = 10,
    critical_free_percent: float = 2,
    low_memory_percent: float = 10,
    max_load_per_cpu: float = 2,
) -> list[Finding]:
    """The host's findings from ``read_host``'s dict."""
    if read.get("unreachable") or read.get("error"):
        why = read.get("msg") or read.get("error") or "unreachable"
        return [
            Finding(
                AREA, "host_reachable", "critical", host, f"{host} does not answer: {why}",
                params={"error": str(why)}, suggested_class=1,
                action=f"hisops lab host status  # or check {host}'s power and network",
            )
        ]  # fmt: skip
    out = [
        Finding(
            AREA, "host_reachable", "ok", host,
            f"{host} up {read['uptime_s'] / 86400:.1f} days, load {read['load'][0]:.2f}",
            params={"uptime_s": read["uptime_s"], "load": read["load"],
                    "uptime_days": round(read["uptime_s"] / 86400, 1)},
            value=float(read["uptime_s"]), unit="seconds",
        )
    ]  # fmt: skip
    load, cpus = float(read["load"][1]), int(read.get("cpus") or 1)
    if load > max_load_per_cpu * cpus:
        out.append(
            Finding(
                AREA, "load", "warning", host,
                f"{host}: load {load:.1f} over 5 minutes on {cpus} CPU(s)",
                params={"load": load, "cpus": cpus}, suggested_class=2, value=load,
            )
        )  # fmt: skip
    memory = read.get("memory") or {}
    total, available = memory.get("MemTotal") or 0, memory.get("MemAvailable") or 0
    if total:
        percent = 100.0 * available / total
        low = percent < low_memory_percent
        out.append(
            Finding(
                AREA, "memory", "warning" if low else "ok", host,
                f"{host}: {percent:.0f}% of {total / 2**30:.1f} GiB memory available",
                params={"available_bytes": available, "total_bytes": total,
                        "total_gib": round(total / 2**30, 1)},
                suggested_class=2 if low else None, value=round(percent, 1), unit="percent",
            )
        )  # fmt: skip
    for disk in read.get("disks") or []:
        total = disk["total_bytes"] or 1
        percent = 100.0 * disk["free_bytes"] / total
        severity = (
            "critical"
            if percent < critical_free_percent
            else ("warning" if percent < low_free_percent else "ok")
        )
        out.append(
            Finding(
                AREA, "disk_free", severity, f"{host}:{disk['path']}",
                f"{host}: {disk['path']} {disk['free_bytes'] / 2**30:.2f} GiB free "
                f"({percent:.0f}% of {total / 2**30:.1f} GiB)",
                params={"host": host, **disk, "free_gib": round(disk["free_bytes"] / 2**30, 2),
                        "total_gib": round(total / 2**30, 1)},
                suggested_class={"critical": 1, "warning": 2}.get(severity),
                value=round(percent, 1), unit="percent",
            )
        )  # fmt: skip
    logs = read.get("logs") or {}
    if not logs:
        out.append(
            Finding(
                AREA, "system_log", "unknown", host,
                f"{host}: no system log to read (looked at {', '.join(read.get('logs_looked_at') or [])})",
                params={"looked_at": list(read.get("logs_looked_at") or [])},
            )
        )  # fmt: skip
    for path, log in sorted(logs.items()):
        count = int(log.get("count") or 0)
        out.append(
            Finding(
                AREA, "system_log", "warning" if count else "ok", f"{host}:{path}",
                f"{host}: {count} error message(s) in {path} since the last inspection",
                params={"host": host, "log": path, "lines": list(log.get("lines") or [])[-5:]},
                suggested_class=2 if count else None, value=float(count), unit="errors",
            )
        )  # fmt: skip
    return out


def inspect(
    host: str,
    paths: Optional[Iterable[str]] = None,
    logs: Optional[Iterable[str]] = None,
    state_path: str = "/var/lib/hisops/inspection-logs.json",
    check_mode: bool = False,
    low_free_percent: float = 10,
    max_load_per_cpu: float = 2,
) -> dict[str, Any]:
    read = read_host(paths or DEFAULT_PATHS, logs or DEFAULT_LOGS, state_path, check_mode)
    found = findings(host, read, low_free_percent, max_load_per_cpu=max_load_per_cpu)
    return {
        "host": dict(read),
        "findings": [f.to_dict() for f in found],
    }
