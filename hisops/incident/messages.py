"""What the system writes in a timeline (the automation's steps, notices sent, escalations,
clocks, attached runs, drills) is stored as a message key and its parameters (migration 3:
``entries.msg`` and ``entries.params``) and rendered in the reader's language: the report,
``show`` and the maintenance log each in theirs. The operator's own words (steps, the
self-test, a reason, a note) stay as typed, and are parameters where a system sentence
wraps them. ``entries.text`` keeps the English rendering for grep and old readers; an
older row without a key (written before migration 3) renders as its text.

Parameters are stored raw (class, department, role and task keys, UTC times, durations in
seconds, nested messages as ``{"msg": key, "params": {...}}``) and turned into words by
their name when rendered (``_value``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import timeutil
from .model import CLASS_NAMES_ZH, CLASSES, SYMPTOMS, SYMPTOMS_ZH

if TYPE_CHECKING:
    from .config import Site

LANGUAGES = ("zh", "en")  # a site's language: every word here and on the console is in both

# Every system sentence, in both languages. ``ENTRY_MESSAGES`` start a timeline entry; the
# others are parts of one (a reason, a result, a word).
CATALOGUE: dict[str, dict[str, str]] = {
    # records (P1)
    "opened": {
        "en": "{class}; reported by {reporter} ({department}): {symptoms}",
        "zh": "{class}；报告人 {reporter}（{department}）；症状：{symptoms}",
    },
    "escalate": {"en": "to {to}: {text}", "zh": "上报{to}：{text}"},
    "assign.responsible": {"en": "{person} is responsible", "zh": "{person} 负责处理"},
    "assign.group": {"en": "{person} joins the {group} group", "zh": "{person} 加入{group}"},
    "class": {"en": "class {old} -> {new}: {reason}", "zh": "等级由{old}改为{new}：{reason}"},
    "estimate": {"en": "recovery expected at {at}", "zh": "预计恢复时间 {at}"},
    "confirmed": {"en": "confirmed by {who}", "zh": "用户确认：{who}"},
    "closed": {"en": "closed", "zh": "已关闭"},
    "run": {
        "en": "playbook {playbook} run {ident}: {status}",
        "zh": "剧本 {playbook} 执行 {ident}：{status}",
    },
    "automation": {"en": "{host}: {task} {verb}", "zh": "{host}：{task} {verb}"},
    "automation.message": {
        "en": "{host}: {task} {verb} ({message})",
        "zh": "{host}：{task} {verb}（{message}）",
    },
    # escalation (P2)
    "notify.told": {
        "en": "{reason}: class {cls} tells {roles}",
        "zh": "{reason}：{cls}故障通知{roles}",
    },
    "notify.nobody": {
        "en": "{reason}: class {cls} tells nobody (logged in detail, P2)",
        "zh": "{reason}：{cls}故障不通知任何人，详细记录（P2）",
    },
    "notify.drill": {
        "en": "{reason}: class {cls} tells nobody: a drill",
        "zh": "{reason}：演练，{cls}故障不通知任何人",
    },
    "notify.repeat": {
        "en": "{recipient} did not acknowledge within {after}: repeated",
        "zh": "{recipient} {after}内未确认：已再次通知",
    },
    "notify.repeat_up": {
        "en": "{recipient} did not acknowledge within {after}: repeated, and {up} told",
        "zh": "{recipient} {after}内未确认：已再次通知，并通知{up}",
    },
    "ack": {"en": "acknowledged by {person}", "zh": "{person} 确认收到"},
    # clocks, notices, recovery (P3)
    "clock": {
        "en": "clock {stage} due at {due} ({why}): {count} departments told",
        "zh": "停机时限 {stage} 于 {due} 到期（{why}）：通知 {count} 个科室",
    },
    "notice.sent": {
        "en": "{notice} to {recipient} by {channel}: sent ({result})",
        "zh": "{notice} 经{channel}发给{recipient}：已发送（{result}）",
    },
    "notice.failed": {
        "en": "{notice} to {recipient} by {channel}: failed ({result}), retried",
        "zh": "{notice} 经{channel}发给{recipient}：发送失败（{result}），将重试",
    },
    "restart": {"en": "told to restart: {departments}", "zh": "已通知重启电脑：{departments}"},
    "reentry.confirmed": {
        "en": "{department}: {task} confirmed",
        "zh": "{department}：{task} 已确认完成",
    },
    "reentry.reminded": {
        "en": "{department}: {task} past its deadline, reminded",
        "zh": "{department}：{task} 已过截止时间，已提醒",
    },
    # the report (P1.5)
    "report.filled": {"en": "filled: {fields}", "zh": "已填写：{fields}"},
    "report.submitted": {"en": "report submitted", "zh": "报告已提交"},
    # drills (P9.2)
    "drill.injected": {"en": "scenario {name}: fault injected", "zh": "场景 {name}：已注入故障"},
    "drill.scored": {
        "en": "scenario {name} ({plan_item}): {seconds} s of {minutes} min: {verdict}",
        "zh": "场景 {name}（{plan_item}）：用时 {seconds} 秒，时限 {minutes} 分钟：{verdict}",
    },
    "drill.finished": {
        "en": "drill finished: {within} of {total} scenarios recovered within the clock",
        "zh": "演练结束：{total} 个场景中 {within} 个在时限内恢复",
    },
    "drill.summary": {
        "en": "{within} of {total} scenarios recovered within the clock",
        "zh": "{total} 个场景中 {within} 个在时限内恢复",
    },
    # parts of an entry
    "drill.title": {
        "en": "Emergency drill ({total} scenarios)",
        "zh": "应急演练（{total} 个场景）",
    },
    "drill.nobody": {"en": "drill (no users involved)", "zh": "演练（无用户参与）"},
    "why.threshold": {"en": "{stage} threshold", "zh": "{stage} 时限"},
    "why.calendar": {
        "en": "{stage} threshold (x{factor}: {slower})",
        "zh": "{stage} 时限（×{factor}：{slower}）",
    },
    "why.event": {
        "en": "{stage} threshold (x{factor}: {event})",
        "zh": "{stage} 时限（×{factor}：{event}）",
    },
    "why.estimate": {
        "en": "{stage}: recovery estimate passes the threshold",
        "zh": "{stage}：预计恢复时间超过时限",
    },
    "result.console": {"en": "printed on the console", "zh": "已在控制台显示"},
    "result.email": {"en": "accepted by {host}", "zh": "{host} 已接收"},
    "result.webhook": {"en": "webhook {name}: HTTP {code}", "zh": "机器人 {name}：HTTP {code}"},
    "channel.error": {"en": "{channel}: {error}", "zh": "{channel}：{error}"},
    "channel.refused": {
        "en": "smtp {host}: refused {addresses}",
        "zh": "邮件服务器 {host} 拒收 {addresses}",
    },
    "channel.env": {
        "en": "webhook {name}: set the environment variable {var}",
        "zh": "机器人 {name}：请设置环境变量 {var}",
    },
    "channel.errcode": {
        "en": "webhook {name}: errcode {code}",
        "zh": "机器人 {name}：错误码 {code}",
    },
    "channel.unknown": {"en": "unknown channel {channel}", "zh": "未知的通道 {channel}"},
    "notice.not_acked": {"en": "not acknowledged: repeated", "zh": "未确认，再次通知"},
    "notice.stale": {
        "en": "the sender stopped mid-send: check with the recipient",
        "zh": "发送中断：请与接收方核实是否收到",
    },
    "status.pending": {"en": "pending", "zh": "待发送"},
    "status.sending": {"en": "sending", "zh": "发送中"},
    "status.sent": {"en": "sent", "zh": "已发送"},
    "status.cancelled": {"en": "cancelled", "zh": "已取消"},
    "status.unknown": {"en": "unknown", "zh": "未知"},
    "word.opened": {"en": "opened", "zh": "登记"},
    "word.reclassified": {"en": "reclassified", "zh": "重新定级"},
    "word.successful": {"en": "successful", "zh": "成功"},
    "word.failed": {"en": "failed", "zh": "失败"},
    "word.changed": {"en": "changed", "zh": "已变更"},
    "word.holiday": {"en": "holiday", "zh": "节假日"},
    "word.peak_hours": {"en": "peak hours", "zh": "高峰时段"},
    "word.within": {"en": "within", "zh": "在时限内"},
    "word.OVER": {"en": "OVER", "zh": "超时"},
    "word.FAILED": {"en": "FAILED", "zh": "失败"},
    "word.all_tasks": {"en": "all tasks", "zh": "全部任务"},
    "word.no_symptom": {"en": "no symptom given", "zh": "未填写症状"},
    "word.console": {"en": "the console", "zh": "控制台"},
    "symptom.drill": {"en": "drill (injected faults)", "zh": "演练（注入故障）"},
    "task.important_data": {
        "en": "re-enter the outage's important data (same day)",
        "zh": "补录停机期间的重要数据（当天）",
    },
    "task.all_data": {"en": "re-enter all of the outage's data", "zh": "补录停机期间的全部数据"},
    "task.pharmacy_reconciliation": {"en": "pharmacy reconciliation", "zh": "药房对账"},
    "group.repair": {"en": "repair", "zh": "抢修组"},
    "group.vendor": {"en": "vendor liaison", "zh": "厂商联络组"},
    "group.coordination": {"en": "in-hospital coordination", "zh": "院内协调组"},
    "role.network_admin": {"en": "the network administrator", "zh": "网络管理员"},
    "role.it_head": {"en": "the IT head", "zh": "信息科主任"},
    "role.leadership": {"en": "the hospital leadership", "zh": "院领导"},
    "field.description": {"en": "description", "zh": "故障描述"},
    "field.handling": {"en": "handling", "zh": "处理情况"},
    "field.timely": {"en": "timely and correct", "zh": "处理是否及时、正确"},
    "field.mistakes": {"en": "mistakes", "zh": "失误"},
    "field.cause": {"en": "cause", "zh": "故障原因"},
    "field.review": {"en": "technical review", "zh": "技术评审"},
    "field.measures": {"en": "preventive measures", "zh": "预防措施"},
    "notice.clock": {"en": "clock {rest}", "zh": "停机通知 {rest}"},
    "notice.escalation": {"en": "escalation {rest}", "zh": "上报 {rest}"},
    "notice.escalate": {"en": "escalation {rest}", "zh": "上报 {rest}"},
    "notice.recovery": {"en": "recovery notice", "zh": "恢复通知"},
    "notice.restart": {"en": "restart notice", "zh": "重启通知"},
    "notice.reentry-overdue": {"en": "re-entry reminder {rest}", "zh": "补录提醒 {rest}"},
}
ENTRY_MESSAGES = frozenset(
    k
    for k in CATALOGUE
    if k.split(".")[0]
    not in (
        "why",
        "result",
        "channel",
        "word",
        "symptom",
        "task",
        "group",
        "role",
        "field",
        "status",
    )
    and k not in ("drill.title", "drill.nobody", "notice.not_acked", "notice.stale")
    and not (k.startswith("notice.") and k not in ("notice.sent", "notice.failed"))
)

# parameters turned into words by their name; any other is shown as stored (operator data)
_CLASS_LONG = ("class",)
_CLASS_SHORT = ("old", "new", "cls")
_TIMES = ("at", "due")
_WHO = ("to", "recipient", "up", "roles", "person")
_WORDS = ("status", "verb", "reason", "slower", "verdict")


@dataclass(frozen=True)
class Message:
    """A system sentence: its catalogue key and raw parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"msg": self.key, "params": _plain(self.params)}

    def text(self, language: str = "en", site: Site | None = None) -> str:
        return render(self.key, _plain(self.params), language, site)


def msg(key: str, **params: Any) -> Message:
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in the catalogue")
    return Message(key, params)


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.data()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _join(items: list[str], language: str) -> str:
    return ("、" if language == "zh" else ", ").join(items)


def _word(value: Any, prefix: str, language: str) -> str | None:
    entry = CATALOGUE.get(f"{prefix}.{value}")
    return entry[language] if entry else None


def _who(value: str, language: str, site: Site | None) -> str:
    kind, sep, ident = str(value).partition(":")
    if not sep:
        kind, ident = "", str(value)
    if site is not None and kind in ("", "person"):
        person = site.person(ident)
        if person:
            return str(person["name"])
    if site is not None and kind in ("", "dept") and ident in site.departments:
        return site.dept_name(ident, language)
    return _word(ident, "role", language) or ident


def _duration(seconds: float, language: str) -> str:
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if language == "zh":
        parts = [f"{hours}小时" if hours else "", f"{minutes}分钟" if minutes else ""]
        return "".join(parts) + (f"{rest}秒" if rest or not any(parts) else "")
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) + (f" {rest} s" if rest or not any(parts) else "")


def _notice(key: str, language: str, site: Site | None = None) -> str:
    kind, _, rest = str(key).partition(":")
    if kind == "clock":
        rest = stage_name(rest, language, site)
    entry = CATALOGUE.get(f"notice.{kind}")
    return entry[language].format(rest=rest).strip() if entry else str(key)


def _channel(value: str, language: str) -> str:
    kind, _, target = str(value).partition(":")
    if kind == "console":
        return CATALOGUE["word.console"][language]
    name = {"email": ("e-mail", "邮件"), "webhook": ("webhook", "机器人")}.get(kind)
    if name is None:
        return str(value)
    return f"{name[language == 'zh']} {target}"


def _value(name: str, value: Any, language: str, site: Site | None) -> str:
    if isinstance(value, Message):
        return value.text(language, site)
    if isinstance(value, dict) and "msg" in value:
        return render(str(value["msg"]), value.get("params") or {}, language, site)
    if value is None or value == "":
        if name == "task":
            return CATALOGUE["word.all_tasks"][language]
        if name == "symptoms":
            return CATALOGUE["word.no_symptom"][language]
        return "?"
    if name in _CLASS_LONG:
        return (
            CLASSES.get(value, value)
            if language == "en"
            else f"{CLASS_NAMES_ZH.get(value, value)}故障（{_ZH_SCOPE.get(value, '')}）"
        )
    if name in _CLASS_SHORT:
        return str(value) if language == "en" else CLASS_NAMES_ZH.get(value, str(value))
    if name == "stage":
        return stage_name(str(value), language, site)
    if name in _TIMES and site is not None:
        return timeutil.local_text(str(value), site.tz)
    if name in ("department", "departments"):
        names = [site.dept_name(d, language) if site else d for d in _as_list(value)]
        return _join(names, language)
    if name in _WHO:
        return _join([_who(v, language, site) for v in _as_list(value)], language)
    if name == "symptoms":
        table = SYMPTOMS_ZH if language == "zh" else SYMPTOMS
        return _join(
            [table.get(s) or _word(s, "symptom", language) or s for s in _as_list(value)],
            language,
        )
    if name == "group":
        return _word(value, "group", language) or str(value)
    if name == "task":
        return _task_title(str(value), language, site)
    if name == "fields":
        return _join([_word(f, "field", language) or f for f in _as_list(value)], language)
    if name == "after":
        return _duration(float(value), language)
    if name == "notice":
        return _notice(value, language, site)
    if name == "channel":
        return _channel(value, language)
    if name in _WORDS:
        return _word(value, "word", language) or str(value)
    return str(value)


_ZH_SCOPE = {
    "1": "全院：网络瘫痪",
    "2": "区域：交换机、部分网络或数据库",
    "3": "单点：单台终端",
    "insurance": "医保线路或终端：财务科、医保办协调",
}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _task_title(key: str, language: str, site: Site | None) -> str:
    """A re-entry task's title: the site's own for that language, else the catalogue's."""
    for task in site.reentry if site else []:
        if task.get("key") == key and task.get(language):
            return str(task[language])
    return _word(key, "task", language) or key


def render(key: str, params: dict[str, Any], language: str, site: Site | None = None) -> str:
    values = {name: _value(name, value, language, site) for name, value in params.items()}
    return CATALOGUE[key][language].format_map(values)


def entry_text(entry: dict[str, Any], language: str, site: Site | None = None) -> str:
    """A timeline entry in ``language``: a system entry from its key, an operator's (or an
    older row's, written before the keys) as stored."""
    key = entry.get("msg") or ""
    if not key or key not in CATALOGUE:
        return str(entry.get("text", ""))
    params = entry.get("params") or {}
    if isinstance(params, str):
        params = json.loads(params)
    try:
        return render(key, params, language, site)
    except (KeyError, IndexError, ValueError):
        return str(entry.get("text", ""))


def task_title(key: str, language: str, site: Site | None = None) -> str:
    return _task_title(key, language, site)


def notice_name(key: str, language: str, site: Site | None = None) -> str:
    """A notice's key (``clock:30min``, ``escalation:1:it_head#r1``) for people."""
    return _notice(key, language, site)


def who_name(recipient: str, language: str, site: Site | None = None) -> str:
    """``person:zhang``, ``role:it_head`` or ``dept:pharmacy`` as a name."""
    return _who(recipient, language, site)


def class_name(klass: str, language: str) -> str:
    """A class with what it means (``class 1 (whole hospital ...)``, ``一类故障（全院 ...）``)."""
    return _value("class", klass, language, None)


def stage_name(name: str, language: str, site: Site | None = None) -> str:
    """A clock stage by its threshold (``30分钟``, ``3 h``): the site's names (``30min``,
    ``long``) are keys, not words."""
    for stage in site.stages if site else []:
        if stage.name == name:
            return _duration(stage.after.total_seconds(), language)
    return name


def word(prefix: str, value: str, language: str) -> str:
    """A catalogue word (``status.sent``, ``group.repair``) in ``language``, else the value."""
    return _word(value, prefix, language) or value


def param_text(name: str, value: Any, language: str, site: Site | None = None) -> str:
    """One stored parameter in words (a nested message rendered)."""
    return _value(name, value, language, site)


def incident_title(incident: dict[str, Any], language: str, site: Site | None = None) -> str:
    """The incident's title: a system-written one (a drill's, kept in its opening entry) in
    ``language``, a person's as typed."""
    for entry in incident.get("entries") or []:
        if entry.get("kind") == "opened" and isinstance(entry.get("data", {}).get("title"), dict):
            return param_text("title", entry["data"]["title"], language, site)
    return str(incident["title"])


def confirmed_by(incident: dict[str, Any], language: str, site: Site | None = None) -> str:
    """Who confirmed for the users: a system's word (a drill's) in ``language``."""
    for entry in reversed(incident.get("entries") or []):
        if entry.get("msg") == "confirmed":
            return param_text("who", (entry.get("params") or {}).get("who"), language, site)
    return str(incident.get("confirmed_by") or "")
