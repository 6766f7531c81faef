# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore drill on the controller: which copy to drill (before), and the drill's
record (after), as JSON and HTML and in the state store.

:func:`plan_drill` checks the operator's input first (target, date, port, scratch
directory; a bad one fails naming the field before any host is touched), then reads the
backup history: the target's newest good copy, and the snapshot taken when it was made.
A drill of that very copy from that target that passed on the same day is not run
again (``changed=0``; ``force`` runs it anyway): a drill proves a copy, and a second
proof of the same copy on the same day proves nothing new.

:func:`record_drill` writes every drill, failed ones too: who, when, which copy from
which target, where it was restored, each check and its result, timings, RPO and RTO
(``<report dir>/drills/<drill id>.json`` and ``.html``, ``backup_drill.json``/``.html``
the latest) and the table ``backup_drills`` of the state store. Nothing secret is in it:
the drill uses peer authentication on a socket, no password exists to record.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup import calendar, drill
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.history import History
from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic

try:
    import jinja2

    HAS_JINJA2 = True
except ImportError:  # pragma: no cover - the record says so
    HAS_JINJA2 = False


class NoCopy(BackupError):
    """The history has no good copy on the target to drill."""

    code = "no_copy"


def repo_path_of(target: str, offsite_repo_path: str, drive_mount: str) -> str:
    if target == "removable":
        return drive_mount.rstrip("/") + "/pgbackrest"
    return offsite_repo_path


def plan_drill(params: dict[str, Any], today: Any = None) -> dict[str, Any]:
    target = drill.check_target(params.get("target"))
    on = calendar.parse_date(params.get("date"), "date", today)
    port = drill.check_port(params.get("port"))
    repo_path = repo_path_of(
        target,
        str(params.get("offsite_repo_path") or "/srv/backup/pgbackrest"),
        str(params.get("drive_mount") or "/srv/removable"),
    )
    scratch = drill.check_scratch(params.get("scratch"), repo_path)
    base = {"changed": False, "date": on.isoformat(), "target": target, "port": port,
            "scratch": scratch, "repo_path": repo_path}  # fmt: skip
    if params.get("validate_only"):
        return base
    history = History(params["state_dir"])
    last = history.last_done().get(target)
    if not last or not last.get("label"):
        raise NoCopy(
            f"no copy on target {target} in the backup history to drill: run backup_run on "
            "a day the calendar makes it due first"
        )
    label = drill.check_label(last["label"], "history.label")
    passed = [
        d
        for d in history.drills(on.isoformat(), target)
        if d.get("label") == label and d.get("passed")
    ]
    due = bool(params.get("force")) or not passed
    shot = history.snapshot(label)
    lines = [
        f"drill of {label} ({target}, copy made {last['on']} for {last['occasion']}) from "
        f"{repo_path} onto port {port} in {scratch}"
    ]
    if not shot:
        lines.append(
            "no snapshot was recorded when this copy was taken: the row counts cannot be "
            "compared (the drill will fail that check)"
        )
    if not due:
        lines = [
            f"{label} from {target} was drilled on {on.isoformat()} already "
            f"({passed[-1]['drill_id']}, PASSED): nothing to do (force=true drills it again)"
        ]
    return {**base, "label": label, "copy": last, "snapshot": shot or {}, "due": due,
            "lines": lines}  # fmt: skip


def _drill_id(on: str, target: str, label: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{on}-{target}-{label}-{stamp}"


def build_record(params: dict[str, Any]) -> dict[str, Any]:
    plan = params.get("plan") or {}
    result = params.get("result") or {}
    on, target, label = plan.get("date"), plan.get("target"), plan.get("label")
    if not (on and target and label):
        raise InputError("plan", "the drill's plan (date, target, label) is required")
    checks = result.get("checks") or []
    if result.get("failed") or result.get("unreachable"):
        checks = [
            *checks,
            {"name": "drill", "ok": False, "detail": str(result.get("msg") or "failed")},
        ]
    passed = (
        bool(result.get("passed")) and not result.get("failed") and not result.get("unreachable")
    )
    shot = plan.get("snapshot") or {}
    record = {
        "drill_id": _drill_id(str(on), str(target), str(label)),
        "date": on,
        "operator": params.get("operator") or "",
        "started_at": result.get("started_at"),
        "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": target,
        "label": label,
        "copy": plan.get("copy") or {},
        "backup_host": params.get("backup_host") or "",
        "repo_path": plan.get("repo_path"),
        "restored_to": result.get("restored_to") or "",
        "snapshot": {k: shot.get(k) for k in ("lsn", "data_time", "taken_on", "taken_at", "exact")},
        "checks": [{k: c.get(k) for k in ("name", "ok", "detail", "files")} for c in checks],
        "timings": result.get("timings") or {},
        "rto_s": result.get("rto_s"),
        "rpo": result.get("rpo") or {},
        "scratch_removed": result.get("scratch_removed"),
        "passed": passed,
    }
    failed = [c for c in record["checks"] if not c["ok"]]
    if passed:
        record["summary"] = (
            f"PASSED: {label} from {target} restored and proven in {record['rto_s']} s (RTO); "
            f"data from {record['rpo'].get('data_from')}"
        )
    else:
        record["summary"] = "FAILED: " + "; ".join(
            f"{c['name']}: {str(c['detail']).splitlines()[0] if c['detail'] else ''}"
            for c in failed
        )
    return record


def record_drill(params: dict[str, Any], check: bool) -> dict[str, Any]:
    record = build_record(params)
    if check:
        said = (params.get("result") or {}).get("message") or "the drill"
        return {"changed": False, "record": record, "paths": {}, "passed": record["passed"],
                "lines": [f"check mode: {said}; its record would be written"]}  # fmt: skip
    directory = str(params.get("report_dir") or "")
    if not directory.startswith("/"):
        raise InputError("report_dir", f"{directory!r} must be an absolute directory")
    paths = write_record(record, directory)
    History(params["state_dir"]).record_drill(record)
    return {"changed": True, "record": record, "paths": paths, "passed": record["passed"],
            "lines": [record["summary"], f"drill record: {paths['json']}"]}  # fmt: skip


def write_record(record: dict[str, Any], directory: str) -> dict[str, str]:
    drills = os.path.join(directory, "drills")
    os.makedirs(drills, mode=0o750, exist_ok=True)
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    html = render_html(record)
    paths: dict[str, str] = {}
    for path, content in (
        (os.path.join(drills, record["drill_id"] + ".json"), text),
        (os.path.join(drills, record["drill_id"] + ".html"), html),
        (os.path.join(directory, "backup_drill.json"), text),
        (os.path.join(directory, "backup_drill.html"), html),
    ):
        write_atomic(path, content, 0o640)
        paths.setdefault("json" if path.endswith(".json") else "html", path)
    return paths


HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Restore drill {{ r.drill_id }}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
td, th { border: 1px solid #999; padding: .3em .6em; text-align: left; vertical-align: top; }
.ok { color: #060; font-weight: bold; } .bad { color: #a00; font-weight: bold; }
pre { white-space: pre-wrap; margin: 0; }
</style></head><body>
<h1>Restore drill (plan P6.5): <span class="{{ 'ok' if r.passed else 'bad' }}">{{
  'PASSED' if r.passed else 'FAILED' }}</span></h1>
<p>{{ r.summary }}</p>
<table>
<tr><th>drill</th><td>{{ r.drill_id }}</td></tr>
<tr><th>who</th><td>{{ r.operator }}</td></tr>
<tr><th>when</th><td>{{ r.date }} (started {{ r.started_at }}, recorded {{ r.recorded_at }})</td></tr>
<tr><th>copy</th><td>{{ r.label }} from target {{ r.target }} ({{ r.repo_path }} on {{ r.backup_host }}),
 made {{ r.copy.on }} for the calendar day {{ r.copy.occasion }}</td></tr>
<tr><th>restored to</th><td>{{ r.restored_to }} on {{ r.backup_host }}; removed afterwards:
 {{ r.scratch_removed }}</td></tr>
<tr><th>snapshot</th><td>WAL {{ r.snapshot.lsn }} on the {{ r.snapshot.taken_on }}
 (data of {{ r.snapshot.data_time }})</td></tr>
<tr><th>RTO</th><td>{{ r.rto_s }} s (restore + start)</td></tr>
<tr><th>RPO</th><td>data from {{ r.rpo.data_from }} ({{ r.rpo.seconds_before_drill }} s before the drill)</td></tr>
</table>
<h2>Checks</h2>
<table><tr><th>check</th><th>result</th><th>detail</th></tr>
{% for c in r.checks %}<tr><td>{{ c.name }}</td>
<td class="{{ 'ok' if c.ok else 'bad' }}">{{ 'ok' if c.ok else 'FAILED' }}</td>
<td><pre>{{ c.detail }}</pre>{% if c.files %}files: {{ c.files | join(', ') }}{% endif %}</td></tr>
{% endfor %}</table>
<h2>Timings (s)</h2>
<table>{% for k, v in r.timings | dictsort %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
</body></html>
"""


def render_html(record: dict[str, Any]) -> str:
    if not HAS_JINJA2:
        raise BackupError("cannot render the drill's HTML record: jinja2 is not installed")
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(HTML).render(r=record)
