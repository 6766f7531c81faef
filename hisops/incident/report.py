"""The written report of P1.5 (class 1, and class 2 that dragged on: due within 2 days of the
recovery), generated from the record: description, the timeline with the automation's
steps, each clock (when it was due, when its notices went out), and the fields people fill
in (handling, timely and correct, mistakes, cause, technical review, preventive measures).
HTML from a Jinja2 template, PDF from the same HTML with WeasyPrint; Chinese or English.
Class 3 gets a maintenance-log entry instead."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2

from . import messages, notices, service, timeutil
from .errors import IncidentError
from .messages import msg
from .model import CLASS_NAMES_ZH, CLASSES, SYMPTOMS, SYMPTOMS_ZH

ON_TIME = timedelta(minutes=2)  # a tick a minute: sent within two of due is on time
REQUIRED = ("cause", "measures")
LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "lang": "zh",
        "title": "信息系统故障报告",
        "drill": "演练",
        "class": "故障等级",
        "occurred": "发生时间",
        "found": "发现时间",
        "reporter": "报告科室/人",
        "symptoms": "症状",
        "responsible": "负责人",
        "groups": "应急小组",
        "recovered": "恢复时间",
        "confirmed": "用户确认",
        "duration": "持续时间",
        "due": "报告截止",
        "description": "故障描述",
        "timeline": "处理过程（原始记录）",
        "clocks": "停机时限与通知",
        "stage": "时限",
        "due_at": "应通知时间",
        "sent_at": "实际通知时间",
        "verdict": "是否及时",
        "on_time": "及时",
        "late": "延迟",
        "not_reached": "恢复前未到时限",
        "not_sent": "未发出",
        "tasks": "数据补录",
        "handling": "处理情况",
        "timely": "处理是否及时、正确",
        "mistakes": "失误",
        "cause": "故障原因",
        "review": "技术评审",
        "measures": "预防措施",
        "unfilled": "（待填写）",
        "group_names": {"repair": "抢修组", "vendor": "厂商联络组", "coordination": "院内协调组"},
        "when": "时间",
        "who": "执行人",
        "what": "内容",
        "department": "科室",
        "deadline": "截止",
        "done": "完成确认",
        "escalations": "上报与通知确认",
        "recipient": "通知对象",
        "acked": "确认收到",
        "kinds": {
            "opened": "登记",
            "step": "处理",
            "check": "检查",
            "diagnosis": "诊断",
            "escalate": "上报",
            "assign": "分工",
            "class": "定级",
            "estimate": "预计恢复",
            "self_test": "信息科自测",
            "confirmed": "用户确认",
            "closed": "关闭",
            "notify": "通知",
            "clock": "停机时限",
            "run": "自动化",
            "automation": "自动化步骤",
            "restart": "重启通知",
            "reentry": "数据补录",
            "report": "报告",
            "ack": "确认",
            "notice": "通知发送",
        },
    },
    "en": {
        "lang": "en",
        "title": "Information system fault report",
        "drill": "DRILL",
        "class": "Class",
        "occurred": "Occurred",
        "found": "Found",
        "reporter": "Reported by",
        "symptoms": "Symptoms",
        "responsible": "Responsible",
        "groups": "Emergency groups",
        "recovered": "Recovered",
        "confirmed": "Users' confirmation",
        "duration": "Duration",
        "due": "Report due",
        "description": "Description",
        "timeline": "Handling (original records)",
        "clocks": "Downtime clocks and notices",
        "stage": "Clock",
        "due_at": "Due",
        "sent_at": "Notices sent",
        "verdict": "Timely",
        "on_time": "on time",
        "late": "late",
        "not_reached": "not reached before recovery",
        "not_sent": "not sent",
        "tasks": "Data re-entry",
        "handling": "Handling",
        "timely": "Timely and correct?",
        "mistakes": "Mistakes",
        "cause": "Cause",
        "review": "Technical review",
        "measures": "Preventive measures",
        "unfilled": "(to be filled in)",
        "group_names": {
            "repair": "repair",
            "vendor": "vendor liaison",
            "coordination": "in-hospital coordination",
        },
        "when": "When",
        "who": "Who",
        "what": "What",
        "department": "Department",
        "deadline": "Deadline",
        "done": "Confirmed",
        "escalations": "Escalations and acknowledgements",
        "recipient": "Told",
        "acked": "Acknowledged",
        "kinds": {},
    },
}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).with_name("templates"))),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _reportable(incident: dict[str, Any]) -> None:
    if incident["class"] == "3":
        raise IncidentError(
            "class",
            f"incident {incident['id']} is class 3: it gets a maintenance-log entry "
            f"(hisops incident maintenance-log {incident['id']}), not a report",
        )


def fill(ctx: service.Context, incident_id: int | str, fields: dict[str, str]) -> None:
    """The fields people write (handling, timely, mistakes, cause, review, measures)."""
    for key in fields:
        if key not in service.REPORT_FIELDS:
            raise IncidentError(
                key, f"not a report field; one of {', '.join(service.REPORT_FIELDS)}"
            )
    with ctx.store.transaction() as conn:
        incident = service._row(conn, incident_id)
        _reportable(incident)
        report = incident["report"]
        if report.get("submitted_at"):
            raise IncidentError("report", "already submitted: add a step instead")
        for key, value in fields.items():
            report[key] = value.strip()
        conn.execute(
            "UPDATE incidents SET report = ? WHERE id = ?",
            (json.dumps(report, ensure_ascii=False), incident["id"]),
        )
        service._entry(
            conn, ctx, incident["id"], "report", msg("report.filled", fields=sorted(fields))
        )


def submit(ctx: service.Context, incident_id: int | str) -> None:
    with ctx.store.transaction() as conn:
        incident = service._row(conn, incident_id)
        _reportable(incident)
        if not incident["recovered_at"]:
            raise IncidentError("self_test", "the report follows the recovery: resolve first")
        report = incident["report"]
        missing = [k for k in REQUIRED if not report.get(k)]
        if missing:
            raise IncidentError(
                missing[0], f"fill it first: report {incident['id']} --set {missing[0]}=..."
            )
        report["submitted_at"] = timeutil.iso(ctx.now())
        report["submitted_by"] = ctx.operator
        conn.execute(
            "UPDATE incidents SET report = ? WHERE id = ?",
            (json.dumps(report, ensure_ascii=False), incident["id"]),
        )
        service._entry(conn, ctx, incident["id"], "report", msg("report.submitted"))


def clock_rows(
    ctx: service.Context, incident: dict[str, Any], labels: dict[str, Any]
) -> list[dict[str, str]]:
    """Each clock: when it was due, when its notices went out, on time or not."""
    if incident["class"] not in ctx.site.clock_classes:
        return []
    tz = ctx.site.tz
    end = timeutil.parse_iso(incident["recovered_at"]) if incident["recovered_at"] else ctx.now()
    rows = []
    for stage, due, reason in notices.stage_due(ctx.site, incident):
        why = reason.text(labels["lang"], ctx.site)
        sent = sorted(
            n["sent_at"]
            for n in incident["notices"]
            if n["key"] == f"clock:{stage.name}" and n["sent_at"]
        )
        if due > end and not sent:
            rows.append(
                {
                    "stage": messages.stage_name(stage.name, labels["lang"], ctx.site),
                    "due": timeutil.local_text(due, tz),
                    "sent": "-",
                    "verdict": labels["not_reached"],
                    "why": why,
                }
            )
            continue
        if not sent:
            rows.append(
                {
                    "stage": messages.stage_name(stage.name, labels["lang"], ctx.site),
                    "due": timeutil.local_text(due, tz),
                    "sent": "-",
                    "verdict": labels["not_sent"],
                    "why": why,
                }
            )
            continue
        first, last = timeutil.parse_iso(sent[0]), timeutil.parse_iso(sent[-1])
        late = last - due
        verdict = (
            labels["on_time"]
            if late <= ON_TIME
            else f"{labels['late']} {_minutes(late, labels['lang'])}"
        )
        shown = timeutil.local_text(first, tz)
        if last != first:
            shown += f" – {timeutil.local_text(last, tz)[11:]}"
        rows.append(
            {
                "stage": messages.stage_name(stage.name, labels["lang"], ctx.site),
                "due": timeutil.local_text(due, tz),
                "sent": shown,
                "verdict": verdict,
                "why": why,
            }
        )
    return rows


def context(
    ctx: service.Context, incident_id: int | str, language: str | None = None
) -> dict[str, Any]:
    incident = service.get(ctx, incident_id)
    _reportable(incident)
    language = language or ctx.site.language
    if language not in LABELS:
        raise IncidentError("language", f"{language!r}: zh or en")
    labels = LABELS[language]
    tz = ctx.site.tz
    lasted = service.age(incident, ctx.now())
    for entry in incident["entries"]:
        entry["shown"] = messages.entry_text(entry, language, ctx.site)
    for task in incident["tasks"]:
        task["shown"] = messages.task_title(task["key"], language, ctx.site)
    return {
        "lang": language,
        "l": labels,
        "incident": incident,
        "class_name": CLASS_NAMES_ZH[incident["class"]]
        if language == "zh"
        else CLASSES[incident["class"]],
        "t": lambda value: timeutil.local_text(value, tz),
        "department": ctx.site.dept_name(incident["department"], language)
        if incident["department"]
        else "-",
        "symptoms": ", ".join(
            (SYMPTOMS_ZH if language == "zh" else SYMPTOMS).get(s, s) for s in incident["symptoms"]
        )
        or "-",
        "duration": _hours_minutes(lasted, language),
        "clocks": clock_rows(ctx, incident, labels),
        "timeline": [e for e in incident["entries"] if e["kind"] != "notice"],
        "escalations": _escalations(incident, tz, language, ctx.site),
        "fields": [
            (k, incident["report"].get(k, "")) for k in service.REPORT_FIELDS if k != "description"
        ],
        "description": incident["report"].get("description")
        or _description(ctx, incident, language),
        "title": messages.incident_title(incident, language, ctx.site),
        "confirmed_by": messages.confirmed_by(incident, language, ctx.site),
        "dept_name": lambda key: ctx.site.dept_name(key, language),
    }


def _description(ctx: service.Context, incident: dict[str, Any], language: str) -> str:
    """The fault as the record tells it, until people write the description."""
    zh = language == "zh"
    symptoms = ("、" if zh else ", ").join(
        (SYMPTOMS_ZH if zh else SYMPTOMS).get(s) or messages.word("symptom", s, language)
        for s in incident["symptoms"]
    )
    tz = ctx.site.tz
    occurred = timeutil.local_text(incident["occurred_at"], tz)
    dept = ctx.site.dept_name(incident["department"], language) if incident["department"] else ""
    title = messages.incident_title(incident, language, ctx.site)
    if zh:
        text = f"{occurred}，{title}"
        text += f"（{dept}{incident['reporter']}报告）" if dept or incident["reporter"] else ""
        text += f"。症状：{symptoms}" if symptoms else ""
        text += f"。{messages.class_name(incident['class'], language)}。"
    else:
        text = f"At {occurred}: {title}"
        if dept or incident["reporter"]:
            text += f" (reported by {incident['reporter'] or '?'}, {dept or '?'})"
        text += f". Symptoms: {symptoms}" if symptoms else ""
        text += f". {messages.class_name(incident['class'], language)}."
    return text


def _minutes(delta: timedelta, language: str) -> str:
    count = int(delta.total_seconds() // 60)
    return f"{count} 分钟" if language == "zh" else f"{count} min"


def _hours_minutes(delta: timedelta, language: str) -> str:
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return (
        f"{hours} 小时 {minutes:02d} 分钟" if language == "zh" else f"{hours} h {minutes:02d} min"
    )


def _escalations(
    incident: dict[str, Any], tz: Any, language: str = "en", site: Any = None
) -> list[dict[str, str]]:
    """Each escalation notice once per recipient and notice: when it went, when acknowledged."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for n in incident["notices"]:
        if n["kind"] != "escalation":
            continue
        row = seen.setdefault(
            (n["key"], n["recipient"]),
            {
                "key": messages.notice_name(n["key"], language, site),
                "recipient": messages.who_name(n["recipient"], language, site),
                "sent": "",
                "acked": "",
            },
        )
        if n["sent_at"] and (not row["sent"] or n["sent_at"] < row["sent"]):
            row["sent"] = n["sent_at"]
        if n["acked_at"]:
            row["acked"] = f"{n['acked_by']} {timeutil.local_text(n['acked_at'], tz)}"
    rows = list(seen.values())
    for row in rows:
        row["sent"] = timeutil.local_text(row["sent"], tz) if row["sent"] else "-"
        row["acked"] = row["acked"] or "-"
    return rows


def render_html(ctx: service.Context, incident_id: int | str, language: str | None = None) -> str:
    return _env.get_template("report.html.j2").render(**context(ctx, incident_id, language))


def render_pdf(html: str) -> bytes:
    try:
        import weasyprint  # type: ignore[import-untyped]
    except ImportError:
        raise IncidentError(
            "pdf", "WeasyPrint is not installed: source scripts/bootstrap.sh installs it"
        ) from None
    return bytes(weasyprint.HTML(string=html).write_pdf())


MAINTENANCE = {
    "en": {
        "title": "maintenance log — incident {id}: {title}",
        "department": "department",
        "reporter": "reported by",
        "occurred": "occurred",
        "found": "found",
        "recovered": "recovered",
        "symptoms": "symptoms",
        "handled": "handled by",
    },
    "zh": {
        "title": "维护日志 — 故障 {id}：{title}",
        "department": "科室",
        "reporter": "报告人",
        "occurred": "发生",
        "found": "发现",
        "recovered": "恢复",
        "symptoms": "症状",
        "handled": "处理人",
    },
}
LOG_KINDS = ("step", "check", "diagnosis", "self_test", "confirmed", "automation", "run")


def maintenance_log(
    ctx: service.Context, incident_id: int | str, language: str | None = None
) -> str:
    """P1.5 for class 3: a full maintenance-log entry from the record, in ``language``
    (the site's by default)."""
    incident = service.get(ctx, incident_id)
    if incident["class"] != "3":
        raise IncidentError(
            "class", f"incident {incident['id']} is class {incident['class']}: it gets a report"
        )
    language = language or ctx.site.language
    if language not in LABELS:
        raise IncidentError("language", f"{language!r}: zh or en")
    words = MAINTENANCE[language]
    kinds = LABELS[language]["kinds"]
    tz = ctx.site.tz
    sep = "；" if language == "zh" else "; "
    colon = "：" if language == "zh" else ": "
    dept = ctx.site.dept_name(incident["department"], language) if incident["department"] else "-"
    symptoms = SYMPTOMS_ZH if language == "zh" else SYMPTOMS
    lines = [
        words["title"].format(
            id=incident["id"], title=messages.incident_title(incident, language, ctx.site)
        ),
        f"  {words['department']}{colon}{dept}{sep}{words['reporter']}{colon}"
        f"{incident['reporter'] or '-'}",
        f"  {words['occurred']} {timeutil.local_text(incident['occurred_at'], tz)}{sep}"
        f"{words['found']} {timeutil.local_text(incident['found_at'], tz)}{sep}"
        f"{words['recovered']} {timeutil.local_text(incident['recovered_at'], tz)}",
        f"  {words['symptoms']}{colon}"
        f"{', '.join(symptoms.get(s, s) for s in incident['symptoms']) or '-'}",
        f"  {words['handled']}{colon}{incident['assignee'] or incident['opened_by']}",
    ]
    for entry in incident["entries"]:
        if entry["kind"] in LOG_KINDS:
            lines.append(
                f"  {timeutil.local_text(entry['at'], tz)} {entry['who']}: "
                f"[{kinds.get(entry['kind'], entry['kind'])}] "
                f"{messages.entry_text(entry, language, ctx.site)}"
            )
    return "\n".join(lines) + "\n"
