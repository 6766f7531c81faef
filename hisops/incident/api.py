"""The incident store for other parts of hisops (the daily inspection opening an incident for
a critical finding): plain functions, stable names, the same checks as the CLI (an
``IncidentError`` naming the field, nothing written)."""

from __future__ import annotations

import io
from typing import Any

from . import notices, service
from .config import load
from .store import Store


def open_incident(
    store_path: str | None,
    class_: str | None,
    scope: str | None,
    summary: str,
    opened_by: str,
    *,
    symptoms: list[str] | None = None,
    department: str = "",
    reporter: str = "",
    occurred: str | None = None,
    config_path: str | None = None,
    reuse_open: bool = True,
    send: bool = False,
) -> int:
    """Open an incident as ``hisops incident open`` does and return its number.

    ``store_path``: the store's folder (None: ``$HISOPS_INCIDENT_DIR`` or var/incidents);
    ``class_``: 1, 2, 3 or insurance (None: suggested from ``scope``, e.g. database_server
    -> 1, switch -> 2, terminal -> 3); ``summary``: the title; ``opened_by``: who (the
    inspection's name) on the record. The class's people are queued at once (P2: class 1
    the IT head and the leadership); the clock tick (``watch`` or the timer) sends them,
    ``send=True`` sends now (console lines discarded). With ``reuse_open`` an incident
    still open with the same summary and scope is returned instead of a second one (a
    finding seen again by the next inspection)."""
    ctx = service.Context(store=Store(store_path), site=load(config_path), operator=opened_by)
    if reuse_open:
        found = service.find_open(ctx, summary, scope)
        if found is not None:
            return found
    number = service.open_incident(
        ctx,
        title=summary,
        occurred=occurred,
        department=department,
        reporter=reporter,
        symptoms=symptoms,
        scope=scope,
        klass=class_,
    )
    if send:
        notices.tick(ctx, out=io.StringIO())
    return number


def get_incident(
    store_path: str | None, number: int, config_path: str | None = None
) -> dict[str, Any]:
    """An incident with its entries, notices and tasks (as ``show --json``)."""
    ctx = service.Context(store=Store(store_path), site=load(config_path), operator="api")
    return service.get(ctx, number)
