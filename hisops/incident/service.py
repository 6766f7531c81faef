"""Every change to an incident: validated first (each refusal names the field), then
written in one transaction with who and when. Reading helpers for list/show/report."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import timeutil
from .config import Site
from .errors import IncidentError
from .messages import Message, msg
from .model import CLOSED, OPEN, RESOLVED, check_class, suggest_class
from .store import Store

GROUPS = ("repair", "vendor", "coordination")  # P9.1: the three groups of a major fault
# the report's fields people write (P1.5); an unwritten description is made from the record
REPORT_FIELDS = ("description", "handling", "timely", "mistakes", "cause", "review", "measures")


@dataclass
class Context:
    store: Store
    site: Site
    operator: str

    def now(self) -> datetime:
        return timeutil.now()

    def when(self, text: str | None, field: str) -> datetime:
        current = self.now()
        return timeutil.parse(text, self.site.tz, field, current) if text else current


def _row(conn: sqlite3.Connection, incident_id: int | str) -> dict[str, Any]:
    try:
        number = int(str(incident_id).lstrip("#"))
    except ValueError:
        raise IncidentError("incident", f"{incident_id!r} is not an incident number") from None
    row = conn.execute("SELECT * FROM incidents WHERE id = ?", (number,)).fetchone()
    if row is None:
        raise IncidentError(
            "incident", f"no incident {number}: 'hisops incident list --all' shows them"
        )
    data = dict(row)
    for key in ("symptoms", "groups", "report"):
        data[key] = json.loads(data[key])
    return data


def _entry(
    conn: sqlite3.Connection,
    ctx: Context,
    incident_id: int,
    kind: str,
    text: str | Message,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
    who: str | None = None,
) -> None:
    """One timeline entry: the operator's words (``text`` a str) as typed, or a system
    sentence (a ``Message``: its key and parameters, and its English text beside them)."""
    current = ctx.now()
    key, params = "", {}
    if isinstance(text, Message):
        key, params = text.key, text.data()["params"]
        text = text.text("en", ctx.site)
    conn.execute(
        "INSERT INTO entries (incident_id, at, recorded_at, who, kind, text, data, msg, params) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            incident_id,
            timeutil.iso(at or current),
            timeutil.iso(current),
            who or ctx.operator,
            kind,
            text,
            json.dumps(data or {}, ensure_ascii=False, sort_keys=True),
            key,
            json.dumps(params, ensure_ascii=False, sort_keys=True),
        ),
    )


def _not_before(moment: datetime, earlier: str, field: str, what: str, ctx: Context) -> None:
    if earlier and moment < timeutil.parse_iso(earlier):
        raise IncidentError(
            field,
            f"{timeutil.local_text(moment, ctx.site.tz)} is before {what} "
            f"({timeutil.local_text(earlier, ctx.site.tz)}): times must be in order",
        )


def _require_open(incident: dict[str, Any], action: str) -> None:
    if incident["state"] == CLOSED:
        raise IncidentError(
            "incident", f"incident {incident['id']} is closed; {action} is for open incidents"
        )


def open_incident(
    ctx: Context,
    *,
    title: str | Message,
    occurred: str | None = None,
    found: str | None = None,
    department: str = "",
    reporter: str = "",
    symptoms: list[str] | None = None,
    scope: str | None = None,
    klass: str | None = None,
    drill: bool = False,
) -> int:
    """P1.2: the record of a fault. Returns its number."""
    system_title = title.data() if isinstance(title, Message) else None
    if isinstance(title, Message):  # a system-written title (a drill's): the site's language
        title = title.text(ctx.site.language, ctx.site)
    if not title.strip():
        raise IncidentError("title", "say in a few words what is wrong")
    symptoms = [s.strip() for s in symptoms or [] if s.strip()]
    if department:
        ctx.site.department(department)
    suggested, why = suggest_class(symptoms, scope)
    if klass is None:
        if suggested is None:
            raise IncidentError("class", f"give --class 1, 2, 3 or insurance ({why})")
        klass = suggested
    klass = check_class(klass)
    found_at = ctx.when(found, "found")
    occurred_at = ctx.when(occurred, "occurred") if occurred else found_at
    if found_at < occurred_at:
        raise IncidentError("found", "the fault was found before it occurred: check the times")
    current = ctx.now()
    with ctx.store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO incidents (title, state, class, scope, symptoms, department, reporter, "
            "occurred_at, found_at, opened_by, opened_at, drill) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                title.strip(),
                OPEN,
                klass,
                scope or "",
                json.dumps(symptoms, ensure_ascii=False),
                department,
                reporter,
                timeutil.iso(occurred_at),
                timeutil.iso(found_at),
                ctx.operator,
                timeutil.iso(current),
                int(drill),
            ),
        )
        number = int(cursor.lastrowid or 0)
        _entry(
            conn,
            ctx,
            number,
            "opened",
            msg(
                "opened",
                **{"class": klass},
                reporter=reporter,
                department=department,
                symptoms=symptoms,
            ),
            at=found_at,
            data={"suggested": suggested, "why": why, "class": klass}
            | ({"title": system_title} if system_title else {}),
        )
        from . import notices

        notices.queue_escalation(conn, ctx, _row(conn, number), reason="opened")
    return number


def add_step(
    ctx: Context,
    incident_id: int | str,
    text: str | Message,
    *,
    kind: str = "step",
    at: str | None = None,
) -> None:
    """P1.3: what was checked and the result, the diagnosis, each step (a ``Message`` when
    the system writes it, as a drill does)."""
    if kind not in ("step", "check", "diagnosis"):
        raise IncidentError("kind", f"{kind!r}: step, check or diagnosis")
    if isinstance(text, str):
        if not text.strip():
            raise IncidentError("text", "say what was done or found")
        text = text.strip()
    moment = ctx.when(at, "at")
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, kind)
        _not_before(moment, incident["occurred_at"], "at", "the fault", ctx)
        _entry(conn, ctx, incident["id"], kind, text, at=moment)


def escalate(ctx: Context, incident_id: int | str, to: str, text: str) -> None:
    """P1.3: who reported, who was told, when, what; the person told acknowledges."""
    if not text.strip():
        raise IncidentError("text", "say what was reported")
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, "escalate")
        person = ctx.site.person(to)
        if person is None and to not in ctx.site.chain:
            known = [p["id"] for p in ctx.site.people] + ctx.site.chain
            raise IncidentError("to", f"{to!r} is not a person or role; one of {', '.join(known)}")
        _entry(
            conn,
            ctx,
            incident["id"],
            "escalate",
            msg("escalate", to=to, text=text.strip()),
            data={"to": to},
        )
        from . import notices

        notices.queue_person_notice(conn, ctx, incident, to, text.strip())


def assign(ctx: Context, incident_id: int | str, person: str, *, group: str | None = None) -> None:
    """The responsible person (P1.3), or a member of one of the three groups (P9.1)."""
    if not person.strip():
        raise IncidentError("person", "name who takes it")
    if group is not None and group not in GROUPS:
        raise IncidentError("group", f"{group!r}: one of {', '.join(GROUPS)}")
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, "assign")
        if group:
            groups = incident["groups"]
            members = groups.setdefault(group, [])
            if person not in members:
                members.append(person)
            conn.execute(
                "UPDATE incidents SET groups = ? WHERE id = ?",
                (json.dumps(groups, ensure_ascii=False), incident["id"]),
            )
            _entry(
                conn, ctx, incident["id"], "assign", msg("assign.group", person=person, group=group)
            )
        else:
            conn.execute("UPDATE incidents SET assignee = ? WHERE id = ?", (person, incident["id"]))
            _entry(conn, ctx, incident["id"], "assign", msg("assign.responsible", person=person))


def reclassify(ctx: Context, incident_id: int | str, klass: str, reason: str) -> None:
    klass = check_class(klass)
    if not reason.strip():
        raise IncidentError("reason", "say why the class changes")
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, "class")
        if incident["class"] == klass:
            raise IncidentError("class", f"incident {incident['id']} is already class {klass}")
        conn.execute("UPDATE incidents SET class = ? WHERE id = ?", (klass, incident["id"]))
        _entry(
            conn,
            ctx,
            incident["id"],
            "class",
            msg("class", old=incident["class"], new=klass, reason=reason.strip()),
            data={"from": incident["class"], "to": klass},
        )
        from . import notices

        notices.queue_escalation(conn, ctx, _row(conn, incident["id"]), reason="reclassified")


def estimate(ctx: Context, incident_id: int | str, recovery: str) -> datetime:
    """The operator's recovery estimate (``+4h`` from now, or a time): a department notice
    goes out as soon as the estimate passes its threshold."""
    from .config import duration

    current = ctx.now()
    text = recovery.strip()
    if text.startswith("+"):
        moment = current + duration(text[1:], "recovery")
    else:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise IncidentError("recovery", f"{text!r}: write +4h or 'YYYY-MM-DD HH:MM'") from None
        moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.site.tz)
    if moment < current:
        raise IncidentError("recovery", "the estimate is in the past: give a time to come")
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, "estimate")
        if incident["recovered_at"]:
            raise IncidentError("recovery", f"incident {incident['id']} has already recovered")
        conn.execute(
            "UPDATE incidents SET recovery_estimate = ?, estimate_at = ? WHERE id = ?",
            (timeutil.iso(moment), timeutil.iso(current), incident["id"]),
        )
        _entry(
            conn,
            ctx,
            incident["id"],
            "estimate",
            msg("estimate", at=timeutil.iso(moment)),
        )
    return moment


def resolve(
    ctx: Context,
    incident_id: int | str,
    *,
    self_test: str | Message | None = None,
    confirmed_by: str | Message | None = None,
    at: str | None = None,
) -> str:
    """P1.4: IT's self-test (the service is back: the clocks stop), then the users'
    confirmation. Returns what was recorded."""
    if not self_test and not confirmed_by:
        raise IncidentError(
            "self_test", "give --self-test 'what IT tested and the result' (then --confirmed-by)"
        )
    moment = ctx.when(at, "at")
    who: str | Message | None = confirmed_by
    if isinstance(confirmed_by, Message):  # a system's (a drill's): the site's language
        confirmed_by = confirmed_by.text(ctx.site.language, ctx.site)
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        _require_open(incident, "resolve")
        _not_before(moment, incident["occurred_at"], "at", "the fault", ctx)
        if self_test:
            if isinstance(self_test, str):
                if not self_test.strip():
                    raise IncidentError("self_test", "say what IT tested and the result")
                self_test = self_test.strip()
            if incident["self_test_at"]:
                raise IncidentError(
                    "self_test", f"already recorded at {incident['self_test_at']}; add a step"
                )
            conn.execute(
                "UPDATE incidents SET self_test_at = ?, recovered_at = ?, state = ? WHERE id = ?",
                (timeutil.iso(moment), timeutil.iso(moment), RESOLVED, incident["id"]),
            )
            _entry(conn, ctx, incident["id"], "self_test", self_test, at=moment)
            from . import notices

            notices.queue_recovery(conn, ctx, _row(conn, incident["id"]), moment)
            if not confirmed_by:
                return "self_test"
            incident = _row(conn, incident["id"])
        if not incident["self_test_at"]:
            raise IncidentError(
                "self_test",
                "the users confirm after IT's self-test: record it first with --self-test",
            )
        if not (confirmed_by or "").strip():
            raise IncidentError("confirmed_by", "name the user who confirmed (and department)")
        _not_before(moment, incident["self_test_at"], "at", "IT's self-test", ctx)
        conn.execute(
            "UPDATE incidents SET confirmed_at = ?, confirmed_by = ? WHERE id = ?",
            (timeutil.iso(moment), (confirmed_by or "").strip(), incident["id"]),
        )
        _entry(
            conn,
            ctx,
            incident["id"],
            "confirmed",
            msg("confirmed", who=who if isinstance(who, Message) else (confirmed_by or "").strip()),
            at=moment,
        )
    return "confirmed"


def close(ctx: Context, incident_id: int | str, note: str | Message = "") -> None:
    """Closed after the users' confirmation; ``note`` the operator's last word (or a
    system ``Message``, as a drill's score)."""
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        if incident["state"] == CLOSED:
            raise IncidentError("incident", f"incident {incident['id']} is already closed")
        if not incident["self_test_at"]:
            raise IncidentError("self_test", "no IT self-test yet: resolve --self-test first")
        if not incident["confirmed_at"]:
            raise IncidentError(
                "confirmed_by",
                "the users have not confirmed: resolve --confirmed-by 'name (department)' first",
            )
        current = ctx.now()
        conn.execute(
            "UPDATE incidents SET state = ?, closed_at = ? WHERE id = ?",
            (CLOSED, timeutil.iso(current), incident["id"]),
        )
        text = note.strip() if isinstance(note, str) else note
        _entry(conn, ctx, incident["id"], "closed", text or msg("closed"))


def record_run(ctx: Context, incident_id: int | str, run: dict[str, Any]) -> bool:
    """A playbook run made for the incident, from its run record: the run and each task
    that changed or failed something, beside the people's entries. Once per run (its
    ``ident``): False when it is in the timeline already."""
    lines = run.get("lines") or []
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        # the same run seen twice: by its record file (hisops run's link and a tick's scan
        # name the same file), else by its id
        key, value = (
            ("record", run.get("record")) if run.get("record") else ("ident", run.get("ident"))
        )
        if (
            value
            and conn.execute(
                "SELECT 1 FROM entries WHERE incident_id = ? AND kind = 'run' "
                f"AND json_extract(data, '$.{key}') = ?",
                (incident["id"], str(value)),
            ).fetchone()
        ):
            return False  # in the timeline already (hisops run's own link, an earlier tick)
        status = run.get("status", "?")
        _entry(
            conn,
            ctx,
            incident["id"],
            "run",
            msg("run", playbook=run.get("playbook"), ident=run.get("ident"), status=status),
            at=_line_time(lines[0]) if lines else None,
            data={k: run.get(k) for k in ("ident", "playbook", "status", "rc", "record")},
            who=(lines[0].get("operator") if lines else None),
        )
        for line in lines:
            if line.get("event") != "task" or not (line.get("changed") or line.get("failed")):
                continue
            verb = "failed" if line.get("failed") else "changed"
            where = {"host": line.get("host"), "task": line.get("task"), "verb": verb}
            text = (
                msg("automation.message", **where, message=str(line["message"])[:200])
                if line.get("message")
                else msg("automation", **where)
            )
            _entry(
                conn,
                ctx,
                incident["id"],
                "automation",
                text,
                at=_line_time(line),
                data={"run_id": line.get("run_id"), "module": line.get("module")},
                who=line.get("operator"),
            )
    return True


def _line_time(line: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(line.get("ts"))).replace(microsecond=0)
    except ValueError:
        return None


def find_open(ctx: Context, title: str, scope: str | None) -> int | None:
    """The number of an incident still open with this title and scope (None: none is): a
    finding seen again by the next daily inspection goes to the incident it opened."""
    with ctx.store.read() as conn:
        row = conn.execute(
            "SELECT id FROM incidents WHERE state = ? AND title = ? AND scope = ? "
            "ORDER BY id LIMIT 1",
            (OPEN, title.strip(), scope or ""),
        ).fetchone()
    return int(row[0]) if row else None


def check_open(ctx: Context, incident_id: int | str) -> dict[str, Any]:
    """An incident a run may be linked to (refused before the run when not open)."""
    with ctx.store.read() as conn:
        incident = _row(conn, incident_id)
    _require_open(incident, "a linked run")
    return incident


def get(ctx: Context, incident_id: int | str) -> dict[str, Any]:
    with ctx.store.read() as conn:
        incident = _row(conn, incident_id)
        incident["entries"] = [
            dict(r) | {"data": json.loads(r["data"]), "params": json.loads(r["params"])}
            for r in conn.execute(
                "SELECT * FROM entries WHERE incident_id = ? ORDER BY at, id", (incident["id"],)
            )
        ]
        incident["notices"] = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM notices WHERE incident_id = ? ORDER BY due_at, id",
                (incident["id"],),
            )
        ]
        incident["tasks"] = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM tasks WHERE incident_id = ? ORDER BY deadline, id",
                (incident["id"],),
            )
        ]
    incident["report_due"] = report_due(ctx.site, incident)
    return incident


def listing(ctx: Context, include_closed: bool = False) -> list[dict[str, Any]]:
    """Open and resolved incidents, and closed ones whose report is overdue (all with
    ``include_closed``)."""
    with ctx.store.read() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM incidents ORDER BY id")]
    found = [get(ctx, i) for i in ids]
    if not include_closed:
        found = [i for i in found if i["state"] != CLOSED or overdue(ctx, i)]
    return found


def report_due(site: Site, incident: dict[str, Any]) -> str:
    """P1.5: class 1, and class 2 that lasted longer than ``report.class2_after``: the
    written report is due ``report.due`` (2 days) after the recovery. '' when none is."""
    if incident["class"] not in ("1", "2") or not incident["recovered_at"]:
        return ""
    recovered = timeutil.parse_iso(incident["recovered_at"])
    if incident["class"] == "2":
        lasted = recovered - timeutil.parse_iso(incident["occurred_at"])
        if lasted <= site.class2_after:
            return ""
    return timeutil.iso(recovered + site.report_due)


def overdue(ctx: Context, incident: dict[str, Any]) -> bool:
    due = incident.get("report_due") or report_due(ctx.site, incident)
    if not due or incident["report"].get("submitted_at"):
        return False
    return ctx.now() > timeutil.parse_iso(due)


def age(incident: dict[str, Any], current: datetime) -> timedelta:
    end = incident["recovered_at"]
    stop = timeutil.parse_iso(end) if end else current
    return stop - timeutil.parse_iso(incident["occurred_at"])
