"""Playbook runs made for an incident (``hisops run --incident ID`` or ``$HISOPS_INCIDENT``):
checked open before the run, the run record in the incident's timeline after it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import service
from .config import load
from .store import Store


def _context() -> service.Context:
    from hisops.runner import operator_name

    return service.Context(store=Store(), site=load(), operator=operator_name())


def check(incident: str) -> None:
    service.check_open(_context(), incident)


def record(incident: str, run: dict[str, Any]) -> None:
    from hisops.runner import read_record

    lines = read_record(Path(run["record"])) if run.get("record") else []
    service.record_run(_context(), incident, {**run, "lines": lines})


# A tick looks at run records this recent for runs made for an incident outside hisops run
# (ansible-playbook with HISOPS_INCIDENT set: the run record's first line names it).
PENDING_WINDOW_S = 7 * 24 * 3600


def attach_pending(ctx: service.Context, record_dir: Path | None = None) -> list[str]:
    """Every finished run whose record names an incident (``incident`` in its
    playbook_start line: HISOPS_INCIDENT was set) put in that incident's timeline, once;
    the records' names put there now. A record naming an unknown or closed incident is
    left alone (hisops run refuses those before the run; a plain run cannot)."""
    import time

    from hisops.runner import read_record, records_dir

    from .errors import IncidentError

    folder = record_dir or records_dir()
    if not folder.is_dir():
        return []
    since = time.time() - PENDING_WINDOW_S
    attached = []
    for path in sorted(folder.glob("*.jsonl")):
        try:
            if path.stat().st_mtime < since:
                continue
            with open(path, encoding="utf-8") as handle:
                first = json.loads(handle.readline() or "{}")
        except (OSError, ValueError):
            continue
        incident = first.get("incident")
        if first.get("event") != "playbook_start" or not incident:
            continue
        lines = read_record(path)
        end = next((x for x in lines if x.get("event") == "playbook_end"), None)
        if end is None:
            continue  # still running: a later tick
        run = {
            "ident": first.get("run_id") or path.stem,
            "playbook": first.get("playbook") or path.stem,
            "status": "failed" if end.get("failed") else "successful",
            "record": str(path),
            "lines": lines,
        }
        try:
            if service.record_run(ctx, incident, run):
                attached.append(path.name)
        except IncidentError:
            continue
    return attached
