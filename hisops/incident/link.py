"""Playbook runs made for an incident (``hisops run --incident ID`` or ``$HISOPS_INCIDENT``):
checked open before the run, the run record in the incident's timeline after it."""

from __future__ import annotations

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
