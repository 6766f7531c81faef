"""Notices (P2 escalation, P3 clocks, recovery): queued once per incident, key, recipient
and channel (a UNIQUE row: a second tick queues nothing), then sent. A row is claimed
(committed) before it is sent, so two ticks never send it twice; a failed send goes back
to pending with its error and is retried after ``retry_after``, doubled after each failure
up to ``RETRY_CAP`` (a robot whose URL is never set is tried every half hour, not every
minute, and its timeline does not fill with failures); a claim older than five
minutes (the sender died mid-send) is left as ``unknown`` for a person to check, never
resent blindly. Every delivery lands in the incident's timeline with its result."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from . import channels, timeutil
from .messages import Message, msg, task_title
from .model import CLASS_NAMES_ZH, CLASSES, SYMPTOMS, SYMPTOMS_ZH

if TYPE_CHECKING:
    from .config import Site
    from .service import Context

TEMPLATES = Path(__file__).with_name("templates")
STALE_CLAIM = timedelta(minutes=5)
RETRY_CAP = timedelta(minutes=30)
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    autoescape=False,
)


def render(site: Site, kind: str, **values: Any) -> tuple[str, str]:
    """(subject, body) of ``templates/<language>/<kind>.j2``: its first line is the subject."""
    text = _env.get_template(f"{site.language}/{kind}.j2").render(**values)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def _targets(site: Site, entry: dict[str, Any]) -> list[str]:
    found = ["console"] if site.channels.get("console", True) else []
    found += [f"email:{a}" for a in entry.get("email") or []]
    found += [f"webhook:{w}" for w in entry.get("webhook") or []]
    return found or ["console"]


def _insert(
    conn: sqlite3.Connection,
    incident_id: int,
    key: str,
    kind: str,
    recipient: str,
    targets: list[str],
    due: datetime,
    subject: str,
    body: str,
    current: datetime,
) -> int:
    added = 0
    for channel in targets:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO notices (incident_id, key, kind, recipient, channel, due_at, "
            "subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                incident_id,
                key,
                kind,
                recipient,
                channel,
                timeutil.iso(due),
                subject,
                body,
                timeutil.iso(current),
            ),
        )
        added += cursor.rowcount
    return added


def _common(site: Site, incident: dict[str, Any]) -> dict[str, Any]:
    return {
        "incident": incident,
        "class_zh": CLASS_NAMES_ZH[incident["class"]],
        "class_en": CLASSES[incident["class"]],
        "occurred": timeutil.local_text(incident["occurred_at"], site.tz),
        "found": timeutil.local_text(incident["found_at"], site.tz),
        "department": site.dept_name(incident["department"]) if incident["department"] else "",
        "symptoms": ", ".join(
            (SYMPTOMS_ZH if site.language == "zh" else SYMPTOMS).get(s, s)
            for s in incident["symptoms"]
        )
        or "-",
    }


def _people(site: Site, who: str) -> list[tuple[str, dict[str, Any], str]]:
    """(recipient, entry, display name) for a person id/name or a role."""
    person = site.person(who)
    if person:
        return [(f"person:{person['id']}", person, str(person["name"]))]
    members = site.people_in(who)
    if members:
        return [(f"person:{p['id']}", p, str(p["name"])) for p in members]
    if who in site.departments:
        return [(f"dept:{who}", site.departments[who], site.dept_name(who))]
    return [(f"role:{who}", {}, who)]


def _queue_to(
    conn: sqlite3.Connection,
    ctx: Context,
    incident: dict[str, Any],
    who: str,
    key: str,
    text: str = "",
    repeat: int = 0,
) -> int:
    current = ctx.now()
    added = 0
    for recipient, entry, name in _people(ctx.site, who):
        subject, body = render(
            ctx.site,
            "escalation",
            **_common(ctx.site, incident),
            recipient_name=name,
            person_id=recipient.split(":", 1)[1],
            text=text,
            repeat=repeat,
        )
        added += _insert(
            conn,
            incident["id"],
            key,
            "escalation",
            recipient,
            _targets(ctx.site, entry),
            current,
            subject,
            body,
            current,
        )
    return added


def queue_escalation(
    conn: sqlite3.Connection, ctx: Context, incident: dict[str, Any], reason: str
) -> None:
    """P2: class 1 tells the IT head and the leadership at once, class 2 the IT head,
    insurance finance and the insurance office; class 3 is logged in detail only."""
    roles = [] if incident["drill"] else ctx.site.escalation.get(incident["class"], [])
    for role in roles:
        _queue_to(conn, ctx, incident, role, f"escalation:{incident['class']}:{role}")
    from .service import _entry

    key = "notify.told" if roles else ("notify.drill" if incident["drill"] else "notify.nobody")
    told = {"roles": roles} if roles else {}
    _entry(
        conn, ctx, incident["id"], "notify", msg(key, reason=reason, cls=incident["class"], **told)
    )


def queue_person_notice(
    conn: sqlite3.Connection, ctx: Context, incident: dict[str, Any], who: str, text: str
) -> None:
    count = conn.execute(
        "SELECT COUNT(*) FROM entries WHERE incident_id = ? AND kind = 'escalate'",
        (incident["id"],),
    ).fetchone()[0]
    _queue_to(conn, ctx, incident, who, f"escalate:{count}:{who}", text=text)


def ack(ctx: Context, incident_id: int | str, person: str | None = None) -> int:
    """Acknowledge the escalations sent to ``person`` (all of the incident's when None)."""
    from .errors import IncidentError
    from .service import _entry, _row

    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        query = (
            "UPDATE notices SET acked_at = ?, acked_by = ? WHERE incident_id = ? "
            "AND kind = 'escalation' AND acked_at = ''"
        )
        args: list[Any] = [timeutil.iso(ctx.now()), ctx.operator, incident["id"]]
        if person:
            found = ctx.site.person(person)
            recipient = f"person:{found['id']}" if found else f"role:{person}"
            query += " AND recipient = ?"
            args.append(recipient)
        changed = conn.execute(query, args).rowcount
        if not changed:
            raise IncidentError("person", "no unacknowledged notice to acknowledge for that person")
        _entry(conn, ctx, incident["id"], "ack", msg("ack", person=person or ctx.operator))
    return changed


# -- the downtime clocks (P3) -------------------------------------------------------------
def slower_recovery(site: Site, start: datetime) -> str:
    """Why recovery is expected slower at ``start`` ('' when it is not): ``holiday``,
    ``peak_hours`` or ``event:<name>`` (staff away, a major hospital event) in the site
    calendar (P2: weigh holidays, peak patient volume, staff away and major events)."""
    local = start.astimezone(site.tz)
    day = local.strftime("%Y-%m-%d")
    if day in site.holidays:
        return "holiday"
    for first, last, name in site.events:
        if first <= day <= last:
            return f"event:{name}"
    minute = local.hour * 60 + local.minute
    for begin, end in site.peak_hours:
        if begin <= minute < end:
            return "peak_hours"
    return ""


def stage_due(site: Site, incident: dict[str, Any]) -> list[tuple[Any, datetime, Message]]:
    """Each stage's due time: the threshold after the outage's start (shortened by the
    calendar's factor on a holiday or in peak hours), or the moment the operator's recovery
    estimate passed it, whichever is earlier. (stage, due, why)."""
    start = timeutil.parse_iso(incident["occurred_at"])
    slower = slower_recovery(site, start)
    factor = site.factor if slower else 1.0
    estimate = incident.get("recovery_estimate") or ""
    result = []
    for stage in site.stages:
        due = start + stage.after * factor
        if slower.startswith("event:"):
            why = msg("why.event", stage=stage.name, factor=factor, event=slower[6:])
        elif slower:
            why = msg("why.calendar", stage=stage.name, factor=factor, slower=slower)
        else:
            why = msg("why.threshold", stage=stage.name)
        if estimate and timeutil.parse_iso(estimate) > due:
            given = timeutil.parse_iso(incident["estimate_at"])
            if given < due:
                due, why = given, msg("why.estimate", stage=stage.name)
        result.append((stage, due.replace(microsecond=0), why))
    return result


def queue_clocks(conn: sqlite3.Connection, ctx: Context, incident: dict[str, Any]) -> int:
    if incident["class"] not in ctx.site.clock_classes or incident["recovered_at"]:
        return 0
    if incident["drill"]:  # a drill is scored against the clocks, it tells no department
        return 0
    current = ctx.now()
    added = 0
    start = timeutil.parse_iso(incident["occurred_at"])
    for stage, due, why in stage_due(ctx.site, incident):
        if due > current:
            continue
        key = f"clock:{stage.name}"
        if conn.execute(
            "SELECT 1 FROM notices WHERE incident_id = ? AND key = ? LIMIT 1",
            (incident["id"], key),
        ).fetchone():
            continue
        for dept, mode in stage.departments.items():
            subject, body = render(
                ctx.site,
                "clock",
                incident=incident,
                dept_name=ctx.site.dept_name(dept),
                mode=mode,
                start=timeutil.local_text(start, ctx.site.tz),
                elapsed=_elapsed(current - start, ctx.site.language),
                switch_at=timeutil.local_text(due, ctx.site.tz),
                estimate=timeutil.local_text(incident["recovery_estimate"], ctx.site.tz)
                if incident["recovery_estimate"]
                else "",
                sent=timeutil.local_text(current, ctx.site.tz),
            )
            added += _insert(
                conn,
                incident["id"],
                key,
                "clock",
                f"dept:{dept}",
                _targets(ctx.site, ctx.site.departments[dept]),
                due,
                subject,
                body,
                current,
            )
        from .service import _entry

        _entry(
            conn,
            ctx,
            incident["id"],
            "clock",
            msg(
                "clock",
                stage=stage.name,
                due=timeutil.iso(due),
                why=why,
                count=len(stage.departments),
            ),
            who="hisops",
            data={"stage": stage.name, "due": timeutil.iso(due)},
        )
    return added


def _elapsed(delta: timedelta, language: str) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if language == "zh":
        return f"{hours}小时{minutes}分钟" if hours else f"{minutes}分钟"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _end_of_day(moment: datetime, site: Site, days: int) -> datetime:
    local = moment.astimezone(site.tz) + timedelta(days=days)
    return local.replace(hour=23, minute=59, second=59, microsecond=0)


def queue_recovery(
    conn: sqlite3.Connection, ctx: Context, incident: dict[str, Any], moment: datetime
) -> None:
    """On recovery: clock notices not sent yet are cancelled; every department a clock
    told gets "restart when told" and its re-entry tasks with deadlines (P3)."""
    conn.execute(
        "UPDATE notices SET status = 'cancelled' WHERE incident_id = ? AND kind = 'clock' "
        "AND status = 'pending'",
        (incident["id"],),
    )
    depts = [
        r[0].split(":", 1)[1]
        for r in conn.execute(
            "SELECT DISTINCT recipient FROM notices WHERE incident_id = ? AND kind = 'clock' "
            "AND status != 'cancelled' ORDER BY recipient",
            (incident["id"],),
        )
    ]
    current = ctx.now()
    for dept in depts:
        tasks = []
        for task in ctx.site.reentry:
            if task.get("departments") and dept not in task["departments"]:
                continue
            deadline = _end_of_day(moment, ctx.site, 0 if task["deadline"] == "same_day" else 1)
            title = task_title(task["key"], ctx.site.language, ctx.site)
            conn.execute(
                "INSERT OR IGNORE INTO tasks (incident_id, key, department, title, deadline, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    incident["id"],
                    task["key"],
                    dept,
                    title,
                    timeutil.iso(deadline),
                    timeutil.iso(current),
                ),
            )
            tasks.append({"title": title, "deadline": timeutil.local_text(deadline, ctx.site.tz)})
        subject, body = render(
            ctx.site,
            "recovery",
            incident=incident,
            dept_name=ctx.site.dept_name(dept),
            recovered=timeutil.local_text(moment, ctx.site.tz),
            tasks=tasks,
            sent=timeutil.local_text(current, ctx.site.tz),
        )
        _insert(
            conn,
            incident["id"],
            "recovery",
            "recovery",
            f"dept:{dept}",
            _targets(ctx.site, ctx.site.departments[dept]),
            current,
            subject,
            body,
            current,
        )


def queue_restart(ctx: Context, incident_id: int | str) -> int:
    """IT's word that the departments told to stop may restart their computers (P3: they
    restart when told). Once per department."""
    from .errors import IncidentError
    from .service import _entry, _row

    current = ctx.now()
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        if not incident["recovered_at"]:
            raise IncidentError(
                "self_test", "the departments restart after the recovery: resolve --self-test first"
            )
        depts = [
            r[0].split(":", 1)[1]
            for r in conn.execute(
                "SELECT DISTINCT recipient FROM notices WHERE incident_id = ? AND kind = 'recovery'"
                " ORDER BY recipient",
                (incident["id"],),
            )
        ]
        if not depts:
            raise IncidentError("incident", "no department was told to stop: nobody to tell")
        added = 0
        for dept in depts:
            subject, body = render(
                ctx.site,
                "restart",
                incident=incident,
                dept_name=ctx.site.dept_name(dept),
                sent=timeutil.local_text(current, ctx.site.tz),
            )
            added += _insert(
                conn,
                incident["id"],
                "restart",
                "restart",
                f"dept:{dept}",
                _targets(ctx.site, ctx.site.departments[dept]),
                current,
                subject,
                body,
                current,
            )
        _entry(conn, ctx, incident["id"], "restart", msg("restart", departments=depts))
    return added


def confirm_task(ctx: Context, incident_id: int | str, department: str, key: str | None) -> int:
    from .errors import IncidentError
    from .service import _entry, _row

    ctx.site.department(department)
    with ctx.store.transaction() as conn:
        incident = _row(conn, incident_id)
        query = (
            "UPDATE tasks SET confirmed_at = ?, confirmed_by = ? WHERE incident_id = ? "
            "AND department = ? AND confirmed_at = ''"
        )
        args: list[Any] = [timeutil.iso(ctx.now()), ctx.operator, incident["id"], department]
        if key:
            query += " AND key = ?"
            args.append(key)
        changed = conn.execute(query, args).rowcount
        if not changed:
            raise IncidentError(
                "task", f"no open re-entry task {key or ''} for {department} on this incident"
            )
        _entry(
            conn,
            ctx,
            incident["id"],
            "reentry",
            msg("reentry.confirmed", department=department, task=key or ""),
        )
    return changed


# -- the tick ------------------------------------------------------------------------------
def tick(ctx: Context, send: bool = True, out: Any = None) -> dict[str, int]:
    """One pass: clocks due are queued, unacknowledged escalations repeated one up, due
    notices sent. Idempotent: a second pass at the same moment does nothing."""
    from .service import _row

    counts = {"queued": 0, "sent": 0, "failed": 0, "repeated": 0}
    with ctx.store.transaction() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM incidents WHERE state = 'open'")]
        for number in ids:
            incident = _row(conn, number)
            counts["queued"] += queue_clocks(conn, ctx, incident)
            counts["repeated"] += _repeat_unacked(conn, ctx, incident)
        counts["queued"] += _remind_overdue_tasks(conn, ctx)
    if send:
        sent, failed = deliver(ctx, out=out)
        counts["sent"], counts["failed"] = sent, failed
    return counts


def _remind_overdue_tasks(conn: sqlite3.Connection, ctx: Context) -> int:
    """A re-entry task past its deadline and not confirmed: its department is reminded,
    once (P3: tracked until each is confirmed; ``show`` flags it OVERDUE meanwhile)."""
    from .service import _entry, _row

    current = ctx.now()
    added = 0
    rows = conn.execute(
        "SELECT * FROM tasks WHERE confirmed_at = '' AND deadline < ? ORDER BY id",
        (timeutil.iso(current),),
    ).fetchall()
    for task in rows:
        key = f"reentry-overdue:{task['key']}"
        recipient = f"dept:{task['department']}"
        if conn.execute(
            "SELECT 1 FROM notices WHERE incident_id = ? AND key = ? AND recipient = ?",
            (task["incident_id"], key, recipient),
        ).fetchone():
            continue
        incident = _row(conn, task["incident_id"])
        subject, body = render(
            ctx.site,
            "reentry_overdue",
            incident=incident,
            dept_name=ctx.site.dept_name(task["department"]),
            task=dict(task),
            deadline=timeutil.local_text(task["deadline"], ctx.site.tz),
            sent=timeutil.local_text(current, ctx.site.tz),
        )
        entry = ctx.site.departments.get(task["department"], {})
        added += _insert(
            conn,
            task["incident_id"],
            key,
            "reminder",
            recipient,
            _targets(ctx.site, entry),
            current,
            subject,
            body,
            current,
        )
        _entry(
            conn,
            ctx,
            task["incident_id"],
            "reentry",
            msg("reentry.reminded", department=task["department"], task=task["key"]),
            who="hisops",
        )
    return added


def _repeat_unacked(conn: sqlite3.Connection, ctx: Context, incident: dict[str, Any]) -> int:
    current = ctx.now()
    limit = timeutil.iso(current - ctx.site.ack_after)
    rows = conn.execute(
        "SELECT key, recipient, MIN(sent_at) AS sent_at FROM notices WHERE incident_id = ? "
        "AND kind = 'escalation' AND acked_at = '' AND status = 'sent' "
        "GROUP BY key, recipient HAVING MIN(sent_at) <= ?",
        (incident["id"], limit),
    ).fetchall()
    added = 0
    told_up: set[str] = set()  # one word to the next role up per pass, however many repeats
    for row in rows:
        base, _, tail = row["key"].partition("#r")
        repeat = int(tail or 0) + 1
        if repeat > ctx.site.repeat_max:
            continue
        key = f"{base}#r{repeat}"
        if conn.execute(
            "SELECT 1 FROM notices WHERE incident_id = ? AND key = ? AND recipient = ?",
            (incident["id"], key, row["recipient"]),
        ).fetchone():
            continue
        kind, _, ident = row["recipient"].partition(":")
        person = ctx.site.person(ident) if kind == "person" else None
        role = person["role"] if person else ident
        text = msg("notice.not_acked").text(ctx.site.language, ctx.site)
        added += _queue_to(conn, ctx, incident, ident, key, text=text, repeat=repeat)
        up = ctx.site.next_role(str(role))
        if up in told_up:
            up = None
        if up:
            told_up.add(up)
            added += _queue_to(conn, ctx, incident, up, key, text=text, repeat=repeat)
        from .service import _entry

        _entry(
            conn,
            ctx,
            incident["id"],
            "notify",
            msg(
                "notify.repeat_up" if up else "notify.repeat",
                recipient=row["recipient"],
                after=ctx.site.ack_after,
                **({"up": up} if up else {}),
            ),
            who="hisops",
        )
        # the older notice needs no repeat of its own any more
        conn.execute(
            "UPDATE notices SET acked_by = 'superseded' WHERE incident_id = ? AND key = ? "
            "AND recipient = ?",
            (incident["id"], row["key"], row["recipient"]),
        )
    return added


def deliver(ctx: Context, out: Any = None) -> tuple[int, int]:
    """Send every notice due now, each claimed first so no two senders send it twice."""
    import sys

    out = out or sys.stdout
    current = ctx.now()
    sent = failed = 0
    with ctx.store.transaction() as conn:
        conn.execute(
            "UPDATE notices SET status = 'unknown', last_error = ? "
            "WHERE status = 'sending' AND claimed_at < ?",
            (msg("notice.stale").text("en"), timeutil.iso(current - STALE_CLAIM)),
        )
        rows = [
            dict(r)
            for r in conn.execute(
                "SELECT * FROM notices WHERE status = 'pending' AND due_at <= ? "
                "AND (next_try_at = '' OR next_try_at <= ?) ORDER BY due_at, id",
                (timeutil.iso(current), timeutil.iso(current)),
            )
        ]
        for row in rows:
            conn.execute(
                "UPDATE notices SET status = 'sending', claimed_at = ? WHERE id = ?",
                (timeutil.iso(current), row["id"]),
            )
    for row in rows:
        try:
            result = _send(ctx.site, row, out)
        except channels.ChannelError as exc:
            failed += 1
            _finish(ctx, row, ok=False, result=exc.message)
        else:
            sent += 1
            _finish(ctx, row, ok=True, result=result)
    return sent, failed


def _send(site: Site, row: dict[str, Any], out: Any) -> Message:
    channel, _, target = row["channel"].partition(":")
    if channel == "console":
        out.write(f"[notice #{row['incident_id']} -> {row['recipient']}] {row['subject']}\n")
        out.write(row["body"] + "\n")
        out.flush()
        return msg("result.console")
    if channel == "email":
        return channels.send_email(site.channels["smtp"], target, row["subject"], row["body"])
    if channel == "webhook":
        return channels.send_webhook(site.webhooks, target, row["subject"], row["body"])
    raise channels.ChannelError(msg("channel.unknown", channel=channel))


def _backoff(site: Site, row: dict[str, Any]) -> timedelta:
    """The wait before the next try: ``retry_after``, doubled after each failure, capped."""
    return min(
        site.retry_after * 2 ** min(int(row["attempts"]), 16), max(RETRY_CAP, site.retry_after)
    )


def _finish(ctx: Context, row: dict[str, Any], ok: bool, result: Message) -> None:
    from .service import _entry

    current = ctx.now()
    with ctx.store.transaction() as conn:
        if ok:
            conn.execute(
                "UPDATE notices SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = '' WHERE id = ?",
                (timeutil.iso(current), row["id"]),
            )
        else:
            conn.execute(
                "UPDATE notices SET status = 'pending', attempts = attempts + 1, last_error = ?, "
                "next_try_at = ? WHERE id = ?",
                (result.text("en"), timeutil.iso(current + _backoff(ctx.site, row)), row["id"]),
            )
        _entry(
            conn,
            ctx,
            row["incident_id"],
            "notice",
            msg(
                "notice.sent" if ok else "notice.failed",
                notice=row["key"],
                recipient=row["recipient"],
                channel=row["channel"],
                result=result,
            ),
            who="hisops",
            data={"notice": row["id"], "ok": ok},
        )
