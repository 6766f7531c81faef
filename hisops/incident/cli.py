"""``hisops incident ...``: the fault record (P1), classes and escalation (P2), the
downtime clocks (P3), the report (P1.5). Each refusal names the field and writes nothing."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import notices, service, timeutil
from .config import load
from .errors import IncidentError
from .model import CLASSES, SYMPTOMS, SYMPTOMS_ZH
from .store import Store


def context(args: argparse.Namespace) -> service.Context:
    from hisops.runner import operator_name

    return service.Context(
        store=Store(getattr(args, "incident_dir", None)),
        site=load(getattr(args, "config", None)),
        operator=operator_name(),
    )


SHOW = {
    "en": {
        "drill": "DRILL",
        "state": "state",
        "occurred": "occurred",
        "found": "found",
        "reported": "reported by",
        "symptoms": "symptoms",
        "responsible": "responsible",
        "group": "{name} group",
        "estimate": "recovery expected",
        "recovered": "recovered",
        "confirmed": "users confirmed",
        "due": "report due",
        "overdue": "OVERDUE",
        "timeline": "timeline",
        "notices": "notices",
        "tasks": "re-entry tasks",
        "acked": "acked by",
        "by": "by",
        "done": "confirmed by",
        "open": "open",
        "no_group": "{name} group: not assigned yet (P9.1: assign {id} NAME --group {key})",
    },
    "zh": {
        "drill": "演练",
        "state": "状态",
        "occurred": "发生",
        "found": "发现",
        "reported": "报告",
        "symptoms": "症状",
        "responsible": "负责人",
        "group": "{name}",
        "estimate": "预计恢复",
        "recovered": "恢复",
        "confirmed": "用户确认",
        "due": "报告截止",
        "overdue": "已逾期",
        "timeline": "处理过程",
        "notices": "通知",
        "tasks": "数据补录",
        "acked": "确认人",
        "by": "截止",
        "done": "确认人",
        "open": "未完成",
        "no_group": "{name}：尚未指定（P9.1：assign {id} 姓名 --group {key}）",
    },
}
STATES_ZH = {"open": "处理中", "resolved": "已恢复", "closed": "已关闭"}


def _show(ctx: service.Context, incident: dict[str, Any], language: str | None = None) -> str:
    """The incident for a person, in ``language`` (the site's by default): the system's
    entries in that language, the operator's as typed."""
    from .messages import (
        CATALOGUE,
        class_name,
        confirmed_by,
        entry_text,
        incident_title,
        notice_name,
        param_text,
        task_title,
        word,
    )
    from .report import LABELS

    language = language or ctx.site.language
    kinds = LABELS[language]["kinds"]
    w = SHOW[language]
    zh = language == "zh"
    tz = ctx.site.tz
    sep, colon = ("；", "：") if zh else ("; ", ": ")
    state = STATES_ZH.get(incident["state"], incident["state"]) if zh else incident["state"]
    klass = (
        f"{class_name(incident['class'], language)}{sep}{w['state']}{colon if zh else ' '}{state}"
    )
    symptoms = SYMPTOMS_ZH if zh else SYMPTOMS
    dept = ctx.site.dept_name(incident["department"], language) if incident["department"] else "?"
    lines = [
        f"#{incident['id']} {incident_title(incident, language, ctx.site)}"
        + (f"  [{w['drill']}]" if incident["drill"] else ""),
        f"  {klass}",
        f"  {w['occurred']} {timeutil.local_text(incident['occurred_at'], tz)}, "
        f"{w['found']} {timeutil.local_text(incident['found_at'], tz)}, "
        f"{w['reported']} {incident['reporter'] or '?'} ({dept})",
        f"  {w['symptoms']}{colon}"
        + (
            ", ".join(
                symptoms.get(s) or CATALOGUE.get(f"symptom.{s}", {}).get(language) or s
                for s in incident["symptoms"]
            )
            or "-"
        ),
        f"  {w['responsible']}{colon}{incident['assignee'] or '-'}",
    ]
    for group in service.GROUPS:
        name = CATALOGUE[f"group.{group}"][language]
        if incident["groups"].get(group):
            lines.append(
                f"  {w['group'].format(name=name)}{colon}{', '.join(incident['groups'][group])}"
            )
        elif incident["class"] == "1" and not incident["drill"] and incident["state"] == "open":
            # P9.1: a major fault has its three groups, by name
            hint = w["no_group"].format(name=name, key=group, id=incident["id"])
            lines.append(f"  {hint}")
    if incident["recovery_estimate"]:
        lines.append(f"  {w['estimate']} {timeutil.local_text(incident['recovery_estimate'], tz)}")
    if incident["recovered_at"]:
        lines.append(f"  {w['recovered']} {timeutil.local_text(incident['recovered_at'], tz)}")
    if incident["confirmed_at"]:
        lines.append(f"  {w['confirmed']}{colon}{confirmed_by(incident, language, ctx.site)}")
    if incident["report_due"]:
        flag = f" {w['overdue']}" if service.overdue(ctx, incident) else ""
        lines.append(f"  {w['due']} {timeutil.local_text(incident['report_due'], tz)}{flag}")
    lines.append(f"  {w['timeline']}{colon.strip()}")
    for entry in incident["entries"]:
        lines.append(
            f"    {timeutil.local_text(entry['at'], tz)}  {entry['who']:<10} "
            f"{kinds.get(entry['kind'], entry['kind']):<10} {entry_text(entry, language, ctx.site)}"
        )
    if incident["notices"]:
        lines.append(f"  {w['notices']}{colon.strip()}")
        errors = {  # a failed send's error in this language, from its timeline entry
            e["data"]["notice"]: param_text("result", e["params"].get("result"), language, ctx.site)
            for e in incident["entries"]
            if e.get("msg") == "notice.failed" and "notice" in e["data"]
        }
        for n in incident["notices"]:
            ack = f" {w['acked']} {n['acked_by']}" if n["acked_at"] else ""
            error = n["last_error"]
            if error and n["status"] == "unknown":
                error = CATALOGUE["notice.stale"][language]
            elif error:
                error = errors.get(n["id"], error)
            lines.append(
                f"    {n['id']:>4} {notice_name(n['key'], language, ctx.site):<22} {param_text('recipient', n['recipient'], language, ctx.site):<24} "
                f"{param_text('channel', n['channel'], language):<26} {timeutil.local_text(n['due_at'], tz)} "
                f"{word('status', n['status'], language)}"
                + (f" {timeutil.local_text(n['sent_at'], tz)}" if n["sent_at"] else "")
                + (f" ({error})" if error else "")
                + ack
            )
    if incident["tasks"]:
        lines.append(f"  {w['tasks']}{colon.strip()}")
        for t in incident["tasks"]:
            done = (
                f"{w['done']} {t['confirmed_by']}"
                if t["confirmed_at"]
                else (w["overdue"] if timeutil.parse_iso(t["deadline"]) < ctx.now() else w["open"])
            )
            lines.append(
                f"    {t['department']:<18} {t['key']:<24} "
                f"{w['by']} {timeutil.local_text(t['deadline'], tz)}  {done}"
                + (f"  {task_title(t['key'], language, ctx.site)}" if zh else "")
            )
    return "\n".join(lines)


def cmd(args: argparse.Namespace) -> int:
    try:
        return int(_dispatch(args) or 0)
    except IncidentError as exc:
        print(f"hisops incident {args.action}: {exc} (nothing was written)", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    action = args.action
    if action == "backup":
        store = Store(args.incident_dir)
        print(f"backup of {store.path} in {store.backup(args.target)}")
        return 0
    ctx = context(args)
    if action == "open":
        again = service.find_open(ctx, args.title, args.scope) if args.reuse_open else None
        if again is not None:
            print(f"incident {again} is still open with this title and scope: nothing opened")
            return 0
        number = service.open_incident(
            ctx,
            title=args.title,
            occurred=args.occurred,
            found=args.found,
            department=args.department or "",
            reporter=args.reporter or "",
            symptoms=args.symptom,
            scope=args.scope,
            klass=args.klass,
            drill=args.drill,
        )
        incident = service.get(ctx, number)
        print(f"incident {number} opened: {CLASSES[incident['class']]}")
        print(f"  {incident['entries'][0]['data'].get('why', '')}")
        notices.tick(ctx)
        return 0
    if action == "step":
        service.add_step(ctx, args.id, args.text, kind=args.kind, at=args.at)
    elif action == "escalate":
        service.escalate(ctx, args.id, args.to, args.text)
        notices.deliver(ctx)
    elif action == "assign":
        service.assign(ctx, args.id, args.person, group=args.group)
    elif action == "class":
        service.reclassify(ctx, args.id, args.klass, args.reason)
        notices.deliver(ctx)
    elif action == "estimate":
        moment = service.estimate(ctx, args.id, args.recovery)
        print(f"recovery expected at {timeutil.local_text(moment, ctx.site.tz)}")
        notices.tick(ctx)
    elif action == "resolve":
        what = service.resolve(
            ctx, args.id, self_test=args.self_test, confirmed_by=args.confirmed_by, at=args.at
        )
        print(
            "IT self-test recorded: the service is back, the clocks stop; "
            "now the users confirm: resolve --confirmed-by 'name (department)'"
            if what == "self_test"
            else "users' confirmation recorded: close it with 'hisops incident close'"
        )
        notices.deliver(ctx)
    elif action == "close":
        service.close(ctx, args.id, args.note or "")
    elif action == "ack":
        count = notices.ack(ctx, args.id, args.person)
        print(f"{count} notice(s) acknowledged")
    elif action == "restart":
        notices.queue_restart(ctx, args.id)
        notices.deliver(ctx)
    elif action == "attach":
        from pathlib import Path

        from hisops.runner import read_record

        path = Path(args.record)
        if not path.is_file():
            raise IncidentError("record", f"no run record {path} (var/records/*.jsonl)")
        lines = read_record(path)
        start = next((x for x in lines if x.get("event") == "playbook_start"), {})
        end = next((x for x in lines if x.get("event") == "playbook_end"), {})
        service.record_run(
            ctx,
            args.id,
            {
                "ident": start.get("run_id") or path.stem,
                "playbook": start.get("playbook") or path.stem,
                "status": "failed" if end.get("failed") else ("successful" if end else "?"),
                "record": str(path),
                "lines": lines,
            },
        )
        print(f"run record {path.name} in incident {args.id}'s timeline")
    elif action == "reentry":
        notices.confirm_task(ctx, args.id, args.department, args.task)
    elif action == "tick":
        counts = _tick(ctx)
        if args.json:
            print(json.dumps(counts))
        return 1 if counts["failed"] else 0
    elif action == "watch":
        return _watch(ctx, args.interval, args.once)
    elif action == "list":
        found = service.listing(ctx, include_closed=args.all)
        if args.json:
            print(json.dumps(found, indent=2, ensure_ascii=False, default=str))
            return 0
        if not found:
            print("no open incident")
        for incident in found:
            age = service.age(incident, ctx.now())
            flag = "  REPORT OVERDUE" if service.overdue(ctx, incident) else ""
            print(
                f"#{incident['id']:<4} class {incident['class']:<9} {incident['state']:<8} "
                f"{int(age.total_seconds() // 60):>5} min  {incident['title']}"
                + ("  [DRILL]" if incident["drill"] else "")
                + flag
            )
        return 0
    elif action == "show":
        incident = service.get(ctx, args.id)
        if args.json:
            print(json.dumps(incident, indent=2, ensure_ascii=False, default=str))
        else:
            print(_show(ctx, incident, args.language))
        return 0
    elif action == "report":
        return _report(ctx, args)
    elif action == "maintenance-log":
        from . import report

        print(report.maintenance_log(ctx, args.id, args.language), end="")
        return 0
    elif action == "overdue":
        return main_overdue_check(ctx)
    return 0


def main_overdue_check(ctx: service.Context) -> int:
    """``hisops incident overdue``: 1 when a report is overdue (for scheduled checks)."""
    late = [i for i in service.listing(ctx, include_closed=True) if service.overdue(ctx, i)]
    for incident in late:
        print(
            f"#{incident['id']} report overdue since "
            f"{timeutil.local_text(incident['report_due'], ctx.site.tz)}: {incident['title']}"
        )
    if not late:
        print("no report overdue")
    return 1 if late else 0


def _report(ctx: service.Context, args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import report

    fields = {}
    for pair in args.set:
        key, sep, value = pair.partition("=")
        if not sep:
            raise IncidentError("set", f"{pair!r}: write field=text (e.g. cause=...)")
        fields[key.strip()] = value
    if fields:
        report.fill(ctx, args.id, fields)
    if args.submit:
        report.submit(ctx, args.id)
    html = report.render_html(ctx, args.id, args.language)
    if args.html:
        Path(args.html).write_text(html, encoding="utf-8")
        print(f"report (HTML): {args.html}")
    if args.pdf:
        Path(args.pdf).write_bytes(report.render_pdf(html))
        print(f"report (PDF): {args.pdf}")
    incident = service.get(ctx, args.id)
    due = incident["report_due"]
    state = "submitted" if incident["report"].get("submitted_at") else "not submitted"
    print(
        f"incident {incident['id']}: report {state}"
        + (f", due {timeutil.local_text(due, ctx.site.tz)}" if due else "")
        + (" OVERDUE" if service.overdue(ctx, incident) else "")
    )
    return 0


def _tick(ctx: Any) -> dict[str, int]:
    """One pass: runs made for an incident outside hisops run (HISOPS_INCIDENT set on a
    plain ansible-playbook) put in its timeline, then the clocks and notices."""
    from . import link

    attached = link.attach_pending(ctx)
    counts = dict(notices.tick(ctx))
    counts["runs_attached"] = len(attached)
    return counts


def _watch(ctx: service.Context, interval: float, once: bool) -> int:
    """The clocks without a person watching: a tick every ``interval`` seconds. SIGTERM
    (systemctl stop) and SIGINT end it between two ticks, never in the middle of a send."""
    import signal
    import threading

    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    print(f"hisops incident watch: a tick every {interval:g} s (store {ctx.store.path})")
    sys.stdout.flush()
    while not stop.is_set():
        try:
            counts = _tick(ctx)
        except IncidentError as exc:
            print(f"hisops incident watch: {exc}", file=sys.stderr)
        else:
            if any(counts.values()):
                print(f"{timeutil.iso(ctx.now())} {json.dumps(counts)}")
                sys.stdout.flush()
        if once:
            break
        stop.wait(interval)
    print("hisops incident watch: stopped")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "incident",
        help="fault records, classes and escalation, the downtime clocks and notices (P1-P3)",
        description="The emergency plan's fault record: open, record steps, escalate, resolve, "
        "close; the downtime clocks and department notices run from tick or watch.",
    )
    parser.add_argument("--incident-dir", help="default: $HISOPS_INCIDENT_DIR or var/incidents")
    parser.add_argument(
        "--config", help="site file (default: $HISOPS_INCIDENT_CONFIG or <dir>/site.yml)"
    )
    parser.set_defaults(func=cmd)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    p = actions.add_parser("open", help="record a fault (P1.2)")
    p.add_argument("title", help="what is wrong, in a few words")
    p.add_argument("--class", dest="klass", help="1, 2, 3 or insurance (else suggested)")
    p.add_argument("--scope", help="what failed: hospital, database_server, switch, terminal, ...")
    p.add_argument(
        "--symptom", action="append", default=[], help=f"{', '.join(SYMPTOMS)} or free text"
    )
    p.add_argument("--department", help="the reporting department (a key of the site file)")
    p.add_argument("--reporter", help="who reported it")
    p.add_argument("--occurred", help="when it began (HH:MM, 'YYYY-MM-DD HH:MM', -20m)")
    p.add_argument("--found", help="when it was found (default now)")
    p.add_argument("--drill", action="store_true", help="a drill, not a real fault")
    p.add_argument(
        "--reuse-open",
        action="store_true",
        help="an incident still open with the same title and scope is kept, none opened "
        "(the daily inspection's finding seen again)",
    )

    p = actions.add_parser("step", help="record a step, a check and its result, or the diagnosis")
    p.add_argument("id")
    p.add_argument("text")
    p.add_argument("--kind", default="step", choices=["step", "check", "diagnosis"])
    p.add_argument("--at", help="when it was done (default now)")

    p = actions.add_parser("escalate", help="tell someone (recorded, to be acknowledged)")
    p.add_argument("id")
    p.add_argument("--to", required=True, help="a person (id or name) or a role")
    p.add_argument("text")

    p = actions.add_parser("assign", help="the responsible person, or a group member (P9.1)")
    p.add_argument("id")
    p.add_argument("person")
    p.add_argument("--group", choices=list(service.GROUPS))

    p = actions.add_parser("class", help="reclassify, with the reason")
    p.add_argument("id")
    p.add_argument("klass", metavar="CLASS")
    p.add_argument("--reason", required=True)

    p = actions.add_parser("estimate", help="the expected recovery (+4h or a time)")
    p.add_argument("id")
    p.add_argument("recovery")

    p = actions.add_parser("resolve", help="IT's self-test, then the users' confirmation (P1.4)")
    p.add_argument("id")
    p.add_argument("--self-test", help="what IT tested and the result")
    p.add_argument("--confirmed-by", help="the user who confirmed, and the department")
    p.add_argument("--at", help="when (default now)")

    p = actions.add_parser("close", help="close after the users' confirmation")
    p.add_argument("id")
    p.add_argument("--note")

    p = actions.add_parser("ack", help="acknowledge escalation notices")
    p.add_argument("id")
    p.add_argument("--person", help="whose notices (default all of the incident's)")

    p = actions.add_parser("reentry", help="confirm a department's re-entry task(s) after recovery")
    p.add_argument("id")
    p.add_argument("--department", required=True)
    p.add_argument("--task", help="important_data, all_data, pharmacy_reconciliation (default all)")

    p = actions.add_parser("restart", help="tell the departments told to stop: restart now")
    p.add_argument("id")

    p = actions.add_parser(
        "attach", help="put a run record (a plain ansible-playbook run) in the timeline"
    )
    p.add_argument("id")
    p.add_argument("record", help="var/records/<stamp>-<playbook>-<run id>.jsonl")

    p = actions.add_parser("tick", help="one pass of the clocks and notices (for a timer)")
    p.add_argument("--json", action="store_true")

    p = actions.add_parser("watch", help="the clocks and notices as a long-running service")
    p.add_argument("--interval", type=float, default=20.0, help="seconds between ticks")
    p.add_argument("--once", action="store_true", help=argparse.SUPPRESS)

    p = actions.add_parser("list", help="open incidents (and closed ones with a report overdue)")
    p.add_argument("--all", action="store_true")
    p.add_argument("--json", action="store_true")

    p = actions.add_parser("show", help="an incident with its timeline, notices and tasks")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--language", choices=["zh", "en"], help="default: the site's")

    p = actions.add_parser("report", help="the written report (P1.5): fill, submit, HTML/PDF")
    p.add_argument("id")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=TEXT",
        help=f"fill a field: {', '.join(service.REPORT_FIELDS)}",
    )
    p.add_argument("--submit", action="store_true", help="the report is done (cause, measures)")
    p.add_argument("--html", help="write the report as HTML here")
    p.add_argument("--pdf", help="write the report as PDF here")
    p.add_argument("--language", choices=["zh", "en"], help="default: the site's")

    p = actions.add_parser("maintenance-log", help="class 3: the maintenance-log entry (P1.5)")
    p.add_argument("id")
    p.add_argument("--language", choices=["zh", "en"], help="default: the site's")

    actions.add_parser("overdue", help="exit 1 when a report is overdue (for scheduled checks)")

    p = actions.add_parser("backup", help="a consistent copy of the store (SQLite backup API)")
    p.add_argument(
        "target", help="a new file, or a folder (existing, or ending in /) for a dated file"
    )
