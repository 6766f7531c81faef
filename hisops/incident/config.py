"""The site's incident configuration: the plan's defaults (``site_defaults.yml``) with the
site file's top-level keys over them, validated before anything uses it. Every error
names the key path. Secrets stay out of it: the SMTP password and webhook URLs with their
tokens are named by environment variable (``password_env``, ``url_env``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import IncidentError
from .messages import LANGUAGES
from .model import CLASSES

DEFAULTS = Path(__file__).with_name("site_defaults.yml")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PEAK = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")


def duration(value: Any, field: str) -> timedelta:
    """``30m``, ``3h``, ``2d``, ``5s`` or a number of minutes."""
    if isinstance(value, bool):
        raise IncidentError(field, f"{value!r} is not a duration (30m, 3h, 2d)")
    if isinstance(value, int | float):
        return timedelta(minutes=float(value))
    match = _DURATION.match(str(value))
    if not match:
        raise IncidentError(field, f"{value!r} is not a duration: write 30m, 3h, 2d or 20s")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass
class Stage:
    name: str
    after: timedelta
    departments: dict[str, str]  # department -> offline / manual


@dataclass
class Site:
    raw: dict[str, Any]
    language: str
    tz: ZoneInfo
    departments: dict[str, dict[str, Any]]
    chain: list[str]
    people: list[dict[str, Any]]
    escalation: dict[str, list[str]]
    ack_after: timedelta
    repeat_max: int
    clock_classes: list[str]
    stages: list[Stage]
    holidays: set[str]
    peak_hours: list[tuple[int, int]]  # minutes of the day, start and end
    factor: float
    reentry: list[dict[str, Any]]
    report_due: timedelta
    class2_after: timedelta
    channels: dict[str, Any]
    retry_after: timedelta
    source: str = ""
    webhooks: dict[str, dict[str, str]] = field(default_factory=dict)
    # staff away, major hospital events: (first day, last day, name), days as YYYY-MM-DD
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def department(self, key: str, field: str = "department") -> str:
        if key not in self.departments:
            raise IncidentError(
                field,
                f"{key!r} is not a department of this site; one of {', '.join(self.departments)}"
                " (departments: in the site file)",
            )
        return key

    def dept_name(self, key: str, language: str | None = None) -> str:
        entry = self.departments.get(key, {})
        return str(entry.get(language or self.language) or entry.get("en") or key)

    def people_in(self, role: str) -> list[dict[str, Any]]:
        return [p for p in self.people if p.get("role") == role]

    def person(self, ident: str) -> dict[str, Any] | None:
        for person in self.people:
            if ident in (person.get("id"), person.get("name")):
                return person
        return None

    def next_role(self, role: str) -> str | None:
        if role in self.chain and self.chain.index(role) + 1 < len(self.chain):
            return self.chain[self.chain.index(role) + 1]
        return None


def config_path() -> str:
    from .store import default_dir

    return os.environ.get("HISOPS_INCIDENT_CONFIG") or os.path.join(default_dir(), "site.yml")


def load(path: str | None = None) -> Site:
    """The plan's defaults, then the site file (when it exists) over them."""
    with open(DEFAULTS, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    source = str(DEFAULTS)
    path = path or config_path()
    if path and os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as handle:
                site = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise IncidentError("config", f"cannot read {path}: {exc}") from None
        if not isinstance(site, dict):
            raise IncidentError("config", f"{path} must be a mapping of keys (language, ...)")
        unknown = sorted(set(site) - set(data))
        if unknown:
            raise IncidentError(
                unknown[0], f"unknown key in {path}; known keys: {', '.join(sorted(data))}"
            )
        data.update(site)
        source = path
    return validate(data, source)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise IncidentError(key, f"must be a list, not {type(value).__name__}")
    return value


def validate(data: dict[str, Any], source: str = "") -> Site:
    language = data.get("language")
    if language not in LANGUAGES:
        raise IncidentError("language", f"{language!r}: zh (Chinese) or en")
    try:
        tz = ZoneInfo(str(data.get("timezone")))
    except (ZoneInfoNotFoundError, ValueError):
        raise IncidentError(
            "timezone", f"{data.get('timezone')!r} is not a time zone (e.g. Asia/Shanghai)"
        ) from None
    departments = data.get("departments")
    if not isinstance(departments, dict) or not departments:
        raise IncidentError("departments", "a mapping of department keys to names is required")
    for key, entry in departments.items():
        if not isinstance(entry, dict):
            raise IncidentError(f"departments.{key}", "must be a mapping (zh, en, email, webhook)")
        for channel_key in ("email", "webhook"):
            value = entry.get(channel_key, [])
            if isinstance(value, str):
                entry[channel_key] = [value]
            elif not isinstance(value, list):
                raise IncidentError(f"departments.{key}.{channel_key}", "a name or a list")
    chain = [str(r) for r in _list(data, "chain")]
    people = _list(data, "people")
    ids = set()
    for index, person in enumerate(people):
        where = f"people[{index}]"
        if not isinstance(person, dict) or not person.get("name") or not person.get("role"):
            raise IncidentError(where, "each person needs name and role (and id, email, webhook)")
        person.setdefault("id", person["name"])
        if person["id"] in ids:
            raise IncidentError(f"{where}.id", f"{person['id']!r} is listed twice")
        ids.add(person["id"])
        if isinstance(person.get("webhook"), str):
            person["webhook"] = [person["webhook"]]
        if isinstance(person.get("email"), str):
            person["email"] = [person["email"]]
    roles = {p["role"] for p in people} | set(chain)
    escalation = data.get("escalation") or {}
    if not isinstance(escalation, dict):
        raise IncidentError("escalation", "a mapping from class to the roles told")
    escalation = {str(k): list(v or []) for k, v in escalation.items()}
    for klass, told in escalation.items():
        if klass not in CLASSES:
            raise IncidentError(f"escalation.{klass}", f"not a class; one of {', '.join(CLASSES)}")
        for role in told:
            if role not in roles and role not in departments:
                raise IncidentError(
                    f"escalation.{klass}",
                    f"{role!r} is neither a role in chain/people nor a department",
                )
    clocks = data.get("clocks") or {}
    stages = []
    previous = timedelta(0)
    for index, stage in enumerate(clocks.get("stages") or []):
        where = f"clocks.stages[{index}]"
        if not isinstance(stage, dict) or "name" not in stage or "after" not in stage:
            raise IncidentError(where, "each stage needs name, after and departments")
        after = duration(stage["after"], f"{where}.after")
        if after <= previous:
            raise IncidentError(f"{where}.after", "stages must come in increasing time order")
        previous = after
        depts = stage.get("departments")
        if depts == "all":
            depts = dict.fromkeys(departments, "manual")
        if not isinstance(depts, dict):
            raise IncidentError(f"{where}.departments", "a mapping department: manual|offline")
        for dept, mode in depts.items():
            if dept not in departments:
                raise IncidentError(f"{where}.departments.{dept}", "not a department of the site")
            if mode not in ("manual", "offline"):
                raise IncidentError(f"{where}.departments.{dept}", f"{mode!r}: manual or offline")
        stages.append(Stage(str(stage["name"]), after, dict(depts)))
    clock_classes = [str(c) for c in clocks.get("classes", ["1"])]
    for klass in clock_classes:
        if klass not in CLASSES:
            raise IncidentError("clocks.classes", f"{klass!r} is not a class")
    calendar = data.get("calendar") or {}
    holidays = {str(d) for d in calendar.get("holidays") or []}
    for day in holidays:
        if not re.match(r"^\d{4}-\d\d-\d\d$", day):
            raise IncidentError("calendar.holidays", f"{day!r}: write YYYY-MM-DD")
    peaks = []
    for window in calendar.get("peak_hours") or []:
        match = _PEAK.match(str(window))
        if not match:
            raise IncidentError("calendar.peak_hours", f"{window!r}: write HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        peaks.append((h1 * 60 + m1, h2 * 60 + m2))
    events = []
    for index, event in enumerate(_list(calendar, "events")):
        where = f"calendar.events[{index}]"
        if not isinstance(event, dict) or not event.get("name") or not event.get("from"):
            raise IncidentError(where, "each event needs name and from (and to: YYYY-MM-DD)")
        first, last = str(event["from"]), str(event.get("to") or event["from"])
        for key, day in (("from", first), ("to", last)):
            if not re.match(r"^\d{4}-\d\d-\d\d$", day):
                raise IncidentError(f"{where}.{key}", f"{day!r}: write YYYY-MM-DD")
        if last < first:
            raise IncidentError(f"{where}.to", f"{last} is before {first}")
        events.append((first, last, str(event["name"])))
    factor = float(calendar.get("factor", 1.0))
    if not 0 < factor <= 1:
        raise IncidentError("calendar.factor", f"{factor}: between 0 (excluded) and 1")
    reentry = _list(data, "reentry")
    for index, task in enumerate(reentry):
        if task.get("deadline") not in ("same_day", "next_day"):
            raise IncidentError(f"reentry[{index}].deadline", "same_day or next_day")
        for dept in task.get("departments") or []:
            if dept not in departments:
                raise IncidentError(f"reentry[{index}].departments", f"{dept!r} is not known")
    report = data.get("report") or {}
    channels = data.get("channels") or {}
    smtp = channels.get("smtp") or {}
    if smtp and ("host" not in smtp or "from" not in smtp):
        raise IncidentError("channels.smtp", "needs host and from (port, username, password_env)")
    if "password" in smtp:
        raise IncidentError(
            "channels.smtp.password",
            "no password in the site file: name an environment variable with password_env",
        )
    webhooks = channels.get("webhooks") or {}
    for name, hook in webhooks.items():
        if not isinstance(hook, dict) or not (hook.get("url") or hook.get("url_env")):
            raise IncidentError(f"channels.webhooks.{name}", "needs url_env (or url)")
    for where, entry in [(f"departments.{k}", v) for k, v in departments.items()] + [
        (f"people[{i}]", p) for i, p in enumerate(people)
    ]:
        for hook in entry.get("webhook") or []:
            if hook not in webhooks:
                raise IncidentError(f"{where}.webhook", f"{hook!r} is not in channels.webhooks")
        if entry.get("email") and not smtp:
            raise IncidentError(f"{where}.email", "e-mail needs channels.smtp")
    repeat_max = int(data.get("repeat_max", 3))
    return Site(
        raw=data,
        language=language,
        tz=tz,
        departments=departments,
        chain=chain,
        people=people,
        escalation=escalation,
        ack_after=duration(data.get("ack_after", "10m"), "ack_after"),
        repeat_max=repeat_max,
        clock_classes=clock_classes,
        stages=stages,
        holidays=holidays,
        peak_hours=peaks,
        factor=factor,
        reentry=reentry,
        report_due=duration(report.get("due", "2d"), "report.due"),
        class2_after=duration(report.get("class2_after", "4h"), "report.class2_after"),
        channels=channels,
        retry_after=duration(data.get("retry_after", "1m"), "retry_after"),
        source=source,
        webhooks=webhooks,
        events=events,
    )
