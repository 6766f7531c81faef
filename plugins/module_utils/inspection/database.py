# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database area of the daily inspection (plan P6.4), as findings.

The figures are read by the db_status role's own modules (``db_node_info`` on each node,
``db_ha_verdict``'s go/no-go, ``backup_status`` on the DB servers and the backup host and
``backup_status_report``'s backup ages): this module only judges what they returned, so
the inspection and ``playbooks/db_status.yml`` never disagree.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from .findings import Finding

AREA = "database"


# The verdict's warnings (pgha.verdict.wal_warnings, degrade_warnings) are sentences; these
# read their kind and figures back, so the sheet can say them in the site's language
# (tests/unit/inspection/test_localized_zh.py feeds them pgha's own sentences).
WARNINGS = (
    ("slot_lost", r"^slot (?P<slot>\S+) on (?P<node>\S+) is LOST: the WAL (?P<standby>.+?) needs"),
    ("slot_unreserved", r"^slot (?P<slot>\S+) on (?P<node>\S+) holds (?P<held>.+?), past its "
     r"bound of (?P<bound>.+?): the next checkpoint removes WAL (?P<standby>.+?) needs"),
    ("slot_filling", r"^slot (?P<slot>\S+) on (?P<node>\S+) holds (?P<held>.+?) of WAL, "
     r"(?P<percent>\d+)% of its bound of (?P<bound>.+?) \(max_slot_wal_keep_size\): "
     r"bring (?P<standby>.+?) back"),
    ("slot_unbounded", r"^slot (?P<slot>\S+) on (?P<node>\S+) is inactive and holds "
     r"(?P<held>.+?) WITHOUT BOUND"),
    ("degraded", r"^DEGRADED: (?P<node>\S+) runs async since (?P<since>.+?) \((?P<reason>.*)\); "
     r"commits"),
    ("stalled", r"^STALLED: (?P<node>\S+) is in strict sync mode and (?P<reason>.+?); bring"),
    ("degrade_silent", r"^the sync-degrade service of (?P<node>\S+) has not written its record "
     r"for (?P<age_s>\d+) s"),
)  # fmt: skip


def warning_params(text: str) -> dict[str, str]:
    """``{"kind", <figures>}`` of a verdict warning; ``{}`` for a sentence not known."""
    for kind, pattern in WARNINGS:
        match = re.match(pattern, text, re.S)
        if match:
            return {"kind": kind, **match.groupdict()}
    return {}


def verdict_findings(verdict: Mapping[str, Any], max_lag_seconds: float) -> list[Finding]:
    """The pair: every node answers and has its role, a primary exists, standby lag,
    switchover/failover go/no-go, and the verdict's warnings (WAL held back, a degrade)."""
    out: list[Finding] = []
    for node in verdict.get("nodes") or []:
        name, role = str(node.get("name")), str(node.get("role", "unreachable"))
        if role == "unreachable":
            out.append(
                Finding(
                    AREA, "db_node", "critical", name,
                    f"{name} does not answer: {node.get('error', '')}".rstrip(": "),
                    params={"role": role, "error": node.get("error", "")}, suggested_class=1,
                    action="hisops run db_status",
                )
            )  # fmt: skip
        elif role == "stopped":
            out.append(
                Finding(
                    AREA, "db_node", "critical", name, f"{name}: PostgreSQL is stopped",
                    params={"role": role}, suggested_class=1, action="hisops run db_status",
                )
            )  # fmt: skip
        else:
            out.append(
                Finding(AREA, "db_node", "ok", name, f"{name} is {role}", params={"role": role})
            )
    primaries = [
        str(n.get("name")) for n in verdict.get("nodes") or [] if n.get("role") == "primary"
    ]
    if not verdict.get("primary") and len(primaries) > 1:
        out.append(
            Finding(
                AREA, "db_primary", "critical", "pair",
                f"{' and '.join(primaries)} are all primaries: not a pair (standby never built, "
                "or both written to after a failover)",
                params={"primaries": primaries}, suggested_class=1,
                action="hisops run db_status",
            )
        )  # fmt: skip
    elif not verdict.get("primary"):
        out.append(
            Finding(
                AREA, "db_primary", "critical", "pair", "no primary: the HIS database is not writable",
                suggested_class=1, action="hisops run db_failover",
            )
        )  # fmt: skip
    standbys = list(verdict.get("standbys") or [])
    if verdict.get("primary") and not standbys:
        out.append(
            Finding(
                AREA, "db_standby", "warning", "pair", "no standby: the primary runs alone",
                suggested_class=2, action="hisops run db_rejoin",
            )
        )  # fmt: skip
    for name, lag in sorted((verdict.get("lag") or {}).items()):
        seconds = lag.get("seconds")
        late = seconds is not None and float(seconds) > max_lag_seconds
        out.append(
            Finding(
                AREA,
                "replication_lag",
                "warning" if late else "ok",
                name,
                f"{name} lags {lag.get('human') or lag.get('bytes')} behind the primary"
                + (f" ({seconds:.0f} s, more than {max_lag_seconds:g} s)" if late else ""),
                params={
                    "bytes": lag.get("bytes"),
                    "seconds": seconds,
                    "human": lag.get("human"),
                    "max_seconds": max_lag_seconds,
                },
                suggested_class=2 if late else None,
                value=float(seconds) if seconds is not None else None,
                unit="seconds",
            )
        )
    for operation in ("switchover", "failover"):
        decision = verdict.get(operation) or {}
        go = bool(decision.get("go"))
        out.append(
            Finding(
                AREA,
                f"{operation}_go",
                "ok" if go else "warning",
                "pair",
                f"{operation}: {'go' if go else 'no-go'}: {decision.get('summary', '')}".rstrip(
                    ": "
                ),
                params={
                    "reasons": list(decision.get("reasons") or []),
                    "primary": verdict.get("primary"),
                    "standbys": standbys,
                },
                suggested_class=None if go else 2,
            )
        )
    for text in verdict.get("warnings") or []:
        out.append(
            Finding(
                AREA, "db_warning", "warning", "pair", str(text),
                params=warning_params(str(text)), suggested_class=2,
            )
        )  # fmt: skip
    return out


def backup_findings(report: Mapping[str, Any], max_age_days: Mapping[str, float]) -> list[Finding]:
    """``backup_status_report``: backup age per target, free space and PostgreSQL log
    errors per host (since the last check), a host not read."""
    out: list[Finding] = []
    for target, age in sorted((report.get("ages") or {}).items()):
        days = age.get("age_days")
        limit = max_age_days.get(target)
        if days is None:
            severity, text = "warning", f"backup {target}: no copy in the history"
        elif age.get("overdue_since") or (limit is not None and days > limit):
            severity = "warning"
            text = f"backup {target}: newest copy {days} day(s) old" + (
                f", the copy due on {age['overdue_since']} is not made"
                if age.get("overdue_since")
                else ""
            )
        else:
            severity, text = "ok", f"backup {target}: newest copy {days} day(s) old"
        out.append(
            Finding(
                AREA, "backup_age", severity, target, text, params=dict(age),
                suggested_class=2 if severity != "ok" else None,
                action="hisops run backup_run" if severity != "ok" else "",
                value=float(days) if days is not None else None, unit="days",
            )
        )  # fmt: skip
    for host, read in sorted((report.get("hosts") or {}).items()):
        if read.get("read") is False:
            out.append(
                Finding(
                    AREA, "backup_figures", "critical", host,
                    f"{host}: backup figures not read: {read.get('error', '')}",
                    params={"error": read.get("error", "")}, suggested_class=2,
                )
            )  # fmt: skip
            continue
        errors = read.get("log_errors") or {}
        counts = errors.get("counts") or {}
        total = sum(int(v) for v in counts.values())
        if errors and not errors.get("readable", True):
            out.append(
                Finding(
                    AREA,
                    "postgresql_log",
                    "unknown",
                    host,
                    f"{host}: PostgreSQL log {errors.get('log')} not readable",
                    params={"log": errors.get("log")},
                )  # fmt: skip
            )
        elif errors:
            severe = bool(counts.get("PANIC") or counts.get("FATAL"))
            out.append(
                Finding(
                    AREA,
                    "postgresql_log",
                    ("critical" if counts.get("PANIC") else "warning") if total else "ok",
                    host,
                    f"{host}: {total} error(s) in the PostgreSQL log since the last inspection"
                    + (
                        f" ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"
                        if total
                        else ""
                    ),
                    params={"counts": dict(counts), "lines": list(errors.get("lines") or [])[-5:]},
                    suggested_class=(1 if severe else 2) if total else None,
                    value=float(total),
                    unit="errors",
                )
            )
    return out


def findings(
    verdict: Optional[Mapping[str, Any]],
    backup: Optional[Mapping[str, Any]],
    max_lag_seconds: float = 60,
    max_backup_days: Optional[Mapping[str, float]] = None,
) -> dict[str, Any]:
    out: list[Finding] = []
    if verdict is None:
        out.append(Finding(AREA, "db_status", "unknown", "pair", "the pair's status was not read"))
    else:
        out.extend(verdict_findings(verdict, max_lag_seconds))
    if backup is not None:
        out.extend(backup_findings(backup, max_backup_days or {}))
    return {
        "findings": [f.to_dict() for f in out],
        "checked": len((verdict or {}).get("nodes") or []),
    }
