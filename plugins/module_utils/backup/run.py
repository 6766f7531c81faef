# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One ``backup_run``: what is due on the day (before), and what each copy came to (after).

:func:`plan_run` validates everything the run will use (calendar, date, the pair's
roles, the layout) before any host is touched, and reads the history to say what is due.
:func:`outcomes` turns the results of the role's tasks into history events (done,
missed: the target was away, failed: it was there and the copy failed) and alerts.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup import (
    calendar,
    retention,
    status,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History
from ansible_collections.hisops.emergency.plugins.module_utils.backup.pgbackrest import (
    layout_from,
)

TARGET_WORDS = {
    "local": "daily backup to the DB server's own disk",
    "offsite": "off-site copy on the backup host",
    "removable": "copy on the removable drive",
}
# Bumped when the role's setup changes, so every host is set up again (see layout_hash).
SETUP_REVISION = 3
# what a module's failure ``reason`` means: the target was away (a miss, caught up later)
AWAY_REASONS = ("drive_absent", "unreachable")


def pair_roles(nodes: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The primary and the standby (None when no node runs as one) of the pair."""
    if not isinstance(nodes, list) or not nodes:
        raise InputError("nodes", "the states of the pair's nodes are required")
    primaries = [n for n in nodes if n.get("role") == "primary"]
    standbys = [n for n in nodes if n.get("role") == "standby"]
    if len(primaries) != 1:
        found = ", ".join(f"{n.get('name')}={n.get('role')}" for n in nodes)
        raise InputError(
            "nodes",
            f"the pair needs exactly one primary to back up, found {len(primaries)} ({found})",
        )
    return primaries[0], (standbys[0] if standbys else None)


def plan_run(params: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    cal = calendar.parse_calendar(params.get("calendar"), "hisops_backup_calendar")
    on = calendar.parse_date(params.get("date"), "date", today)
    kept = retention.parse_retention(params.get("retention"), "hisops_backup_retention")
    if params.get("validate_only"):
        # the run's first step: the operator's input checked before any host is read
        return {"changed": False, "date": on.isoformat(), "calendar": cal.as_dict(),
                "retention": kept.as_dict()}  # fmt: skip
    primary, standby = pair_roles(params.get("nodes") or [])
    addresses = params.get("addresses") or {}

    def host(node: dict[str, Any] | None) -> dict[str, str] | None:
        if node is None:
            return None
        name = str(node.get("name"))
        return {"name": name, "address": str(addresses.get(name) or "")}

    layout_params = dict(params.get("layout") or {})
    layout_params.update(
        local_retention_full=kept.local_full,
        primary=host(primary),
        standby=host(standby),
        backup_host={
            "name": params.get("backup_host") or "",
            "address": str(addresses.get(params.get("backup_host") or "") or ""),
        },
    )
    layout = layout_from(layout_params)
    history = History(params["state_dir"])
    events = history.events()
    found = calendar.due(cal, on, events)
    last_done = history.last_done()
    return {
        "changed": False,
        "date": on.isoformat(),
        "due": [d.as_dict() for d in found],
        "due_targets": [d.target for d in found],
        "lines": [f"due: {TARGET_WORDS[d.target]} ({d.describe()})" for d in found]
        or [f"nothing due on {on.isoformat()}"],
        "next": calendar.next_occasions(cal, on),
        "calendar": cal.as_dict(),
        "retention": kept.as_dict(),
        # the calendar day each off-site copy was made for: what retention goes by
        "offsite_occasions": history.occasions("offsite"),
        "layout": layout.as_dict(),
        # each host keeps the hash of the layout it was set up for: setup is skipped while
        # every host has it (a run costs a few tasks less), redone when anything changes
        "layout_hash": hashlib.sha256(
            json.dumps([layout.as_dict(), SETUP_REVISION], sort_keys=True).encode()
        ).hexdigest()[:16],
        "local_host": layout.local_host.name,
        "from_standby": layout.standby is not None,
        "last_done": last_done,
        # the daily check's (P6.4) backup age per target, and a calendar day overdue
        "ages": status.backup_ages(cal, on, events, last_done),
    }


def _outcome(result: dict[str, Any] | None) -> tuple[str, str, str]:
    """(status, detail, label) of one registered task result."""
    if not result or result.get("skipped"):
        return calendar.MISSED, "not attempted (an earlier step failed)", ""
    if result.get("unreachable"):
        msg = str(result.get("msg", ""))
        why = msg.rsplit("reached over ssh: ", maxsplit=1)[-1]
        return calendar.MISSED, f"its host is unreachable ({why[:300]})", ""
    if result.get("failed"):
        reason = str(result.get("reason") or "")
        status = calendar.MISSED if reason in AWAY_REASONS else calendar.FAILED
        return status, str(result.get("msg", "failed"))[:800], ""
    return calendar.DONE, str(result.get("message", "")), str(result.get("label") or "")


def outcomes(
    due: list[dict[str, Any]], results: dict[str, Any], check: bool = False
) -> dict[str, Any]:
    """History events and alerts for the day's due copies from the tasks' results (in
    check mode, what the run would do)."""
    events, alerts, lines = [], [], []
    would = "WOULD BE " if check else ""
    for item in due:
        target = calendar.check_target(item.get("target"), "due.target")
        status, detail, label = _outcome(results.get(target))
        events.append(
            {"target": target, "occasion": item["occasion"], "status": status,
             "detail": detail, "label": label}
        )  # fmt: skip
        what = f"{TARGET_WORDS[target]} for {item['occasion']}"
        if status == calendar.DONE:
            verb = "would be done" if check else "done"
            lines.append(f"{verb}: {what}" + (f" ({detail})" if detail else ""))
        elif status == calendar.MISSED:
            alerts.append(
                f"ALERT: {what} {would}MISSED: {detail}. It is due again at the next run "
                "that can reach the target" + ("." if check else " (the miss is recorded).")
            )
        else:
            alerts.append(f"ALERT: {what} {would}FAILED: {detail}. Earlier copies are untouched.")
    return {"events": events, "alerts": alerts, "lines": lines + alerts}


def record_run(params: dict[str, Any], check: bool) -> dict[str, Any]:
    """Record the run's events (not in check mode); changed when an event is new."""
    on = calendar.parse_date(params.get("date"), "date")
    found = outcomes(params.get("due") or [], params.get("results") or {}, check)
    expired = params.get("retention") or {}
    if expired.get("failed"):
        found["alerts"].append(
            "ALERT: retention of the off-site copies FAILED: "
            f"{str(expired.get('msg', 'failed'))[:600]}. Nothing else is removed; "
            "it runs again after the next off-site copy."
        )
        found["lines"].append(found["alerts"][-1])
    elif expired.get("removed"):
        found["lines"].append(
            "retention: removed off-site copies " + ", ".join(expired["removed"])
            + (" (archive copies kept: " + ", ".join(expired.get("archive") or []) + ")"
               if expired.get("archive") else "")
        )  # fmt: skip
    history = History(params["state_dir"])
    if check:
        return {"changed": bool(found["events"]), "recorded": [], **found}
    recorded = history.record(params["run_id"], on, found["events"])
    shot = params.get("snapshot") or {}
    label = str(shot.get("label") or "")
    data = shot.get("data") or {}
    if label and data.get("tables") is not None and not data.get("failed"):
        keep = ("database", "taken_on", "lsn", "data_time", "taken_at", "exact", "tables")
        history.record_snapshot(label, "offsite", params["run_id"], {k: data.get(k) for k in keep})
    elif label and (data.get("failed") or data.get("unreachable")):
        found["alerts"].append(
            f"ALERT: the HIS tables could not be counted for the off-site copy {label}: "
            f"{str(data.get('msg'))[:400]}. Its restore drill cannot compare row counts."
        )
        found["lines"].append(found["alerts"][-1])
    history.record_run(
        params["run_id"],
        on,
        params.get("operator") or "",
        {
            "events": found["events"],
            "alerts": found["alerts"],
            "expired": list(expired.get("removed") or []) if not expired.get("failed") else [],
        },
    )
    return {"changed": bool(recorded), "recorded": recorded, **found}
