# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's backup calendar (P6.1-P6.3) and what is due on a given day.

Three targets, each with the days of the month it is due on:

* ``local``: the daily backup to the database server's own disk (P6.1);
* ``offsite``: a copy on the off-site backup machine on the 10th, the 20th and the last
  day of every month (P6.2);
* ``removable``: a copy on the removable drive mid-month (the 15th) and at month end
  (P6.3).

A day is a number from 1 to 28 (every month has it) or ``"last"``; 29, 30 and 31 are
refused, since February has no 30th and half the months no 31st: a calendar that says
"the 31st" means "the last day" and must say so. ``"daily"`` is every day.

:func:`due` answers "what is due on day D, given what was done and missed before": a
target is due when its latest calendar day on or before D (its *occasion*) has no
successful copy made on or after it. So a copy missed because its target was away is
caught up on the next run that can reach it (and the miss stays recorded), and a second
run on the same day finds nothing left to do.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError

TARGETS = ("local", "offsite", "removable")
LAST = "last"
DAILY = "daily"
DONE, MISSED, FAILED = "done", "missed", "failed"
STATUSES = (DONE, MISSED, FAILED)
DEFAULT_CALENDAR: dict[str, dict[str, Any]] = {
    "local": {"days": DAILY},
    "offsite": {"days": [10, 20, LAST]},
    "removable": {"days": [15, LAST]},
}
_KEYS = ("days", "catch_up")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def last_day(year: int, month: int) -> int:
    return _stdcal.monthrange(year, month)[1]


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class Schedule:
    """When one target is due: every day, or on these days of every month."""

    target: str
    daily: bool = False
    days: tuple[int | str, ...] = ()
    catch_up: bool = True

    def days_in(self, year: int, month: int) -> list[int]:
        """The concrete days of that month this target is due on, in order."""
        end = last_day(year, month)
        if self.daily:
            return list(range(1, end + 1))
        return sorted({end if d == LAST else int(d) for d in self.days})

    def is_due_on(self, day: date) -> bool:
        return day.day in self.days_in(day.year, day.month)

    def last_occasion(self, on: date) -> date | None:
        """The latest day on or before ``on`` this target is due (None: never)."""
        if self.daily:
            return on
        for delta in (0, -1):
            year, month = _shift_month(on.year, on.month, delta)
            days = [d for d in self.days_in(year, month) if delta or d <= on.day]
            if days:
                return date(year, month, days[-1])
        return None

    def next_occasion(self, after: date) -> date | None:
        """The first day after ``after`` this target is due (None: never)."""
        for delta in (0, 1):
            year, month = _shift_month(after.year, after.month, delta)
            days = [d for d in self.days_in(year, month) if delta or d > after.day]
            if days:
                return date(year, month, days[0])
        return None

    def describe(self) -> str:
        if self.daily:
            return "every day"
        if not self.days:
            return "never"
        return "on " + ", ".join(str(d) for d in self.days) + " of every month"


@dataclass(frozen=True)
class Calendar:
    schedules: dict[str, Schedule]

    def __getitem__(self, target: str) -> Schedule:
        return self.schedules[target]

    def month(self, year: int, month: int) -> dict[date, list[str]]:
        """Every day of that month with the targets due on it (days with none left out)."""
        plan: dict[date, list[str]] = {}
        for target in TARGETS:
            for day in self.schedules[target].days_in(year, month):
                plan.setdefault(date(year, month, day), []).append(target)
        return dict(sorted(plan.items()))

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {
            t: {"days": DAILY if s.daily else list(s.days), "catch_up": s.catch_up}
            for t, s in self.schedules.items()
        }


def _day(value: Any, where: str) -> int | str:
    if isinstance(value, bool):
        raise InputError(where, f"{value!r} is not a day (a number from 1 to 28, or 'last')")
    if isinstance(value, str):
        text = value.strip().lower()
        if text == LAST:
            return LAST
        if not text.isdigit():
            raise InputError(where, f"{value!r} is not a day (a number from 1 to 28, or 'last')")
        value = int(text)
    if not isinstance(value, int):
        raise InputError(where, f"{value!r} is not a day (a number from 1 to 28, or 'last')")
    if value < 1 or value > 31:
        raise InputError(where, f"{value} is out of range (a day is 1 to 28, or 'last')")
    if value > 28:
        raise InputError(
            where,
            f"{value} is not a day of every month (February has 28 or 29 days, April, June, "
            "September and November 30): write 'last' for the month's last day, "
            "or a day from 1 to 28",
        )
    return value


def _schedule(target: str, value: Any, where: str) -> Schedule:
    if isinstance(value, (str, list, tuple)):
        value = {"days": value}
    if not isinstance(value, Mapping):
        raise InputError(where, f"must be a mapping with 'days', got {type(value).__name__}")
    unknown = sorted(set(value) - set(_KEYS))
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", f"unknown setting (known: {', '.join(_KEYS)})")
    if "days" not in value:
        raise InputError(f"{where}.days", "is required ('daily', or a list of days)")
    catch_up = value.get("catch_up", True)
    if not isinstance(catch_up, bool):
        raise InputError(f"{where}.catch_up", f"{catch_up!r} is not true or false")
    days = value["days"]
    if isinstance(days, str) and days.strip().lower() == DAILY:
        return Schedule(target, daily=True, catch_up=catch_up)
    if isinstance(days, (str, int)):
        days = [days]
    if not isinstance(days, (list, tuple)):
        raise InputError(f"{where}.days", "must be 'daily' or a list of days (1-28, 'last')")
    parsed: list[int | str] = []
    for index, item in enumerate(days):
        day = _day(item, f"{where}.days[{index}]")
        if day in parsed:
            raise InputError(f"{where}.days[{index}]", f"{day} is listed twice")
        parsed.append(day)
    return Schedule(target, days=tuple(parsed), catch_up=catch_up)


def parse_calendar(data: Any = None, field: str = "hisops_backup_calendar") -> Calendar:
    """The calendar from configuration (targets left out keep the plan's defaults)."""
    if data is None or data == {} or data == "":
        data = {}
    if not isinstance(data, Mapping):
        raise InputError(field, f"must be a mapping of target to days, got {type(data).__name__}")
    for key in data:
        if key not in TARGETS:
            raise InputError(f"{field}.{key}", f"unknown target (known: {', '.join(TARGETS)})")
    schedules = {
        target: _schedule(target, data.get(target, DEFAULT_CALENDAR[target]), f"{field}.{target}")
        for target in TARGETS
    }
    return Calendar(schedules)


def parse_date(value: Any, field: str = "date", today: date | None = None) -> date:
    """``YYYY-MM-DD`` (or empty / ``today``: today's date)."""
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    if text in ("", "today"):
        return today or date.today()
    if not _ISO.match(text):
        raise InputError(field, f"{value!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(field, f"{value!r} is not a date: {exc}") from None


def check_target(value: Any, field: str = "target") -> str:
    if value not in TARGETS:
        raise InputError(field, f"unknown target {value!r} (known: {', '.join(TARGETS)})")
    return str(value)


@dataclass(frozen=True)
class Event:
    """One thing the history knows: a target's copy for an occasion done, missed or
    failed on a day (``on``)."""

    target: str
    occasion: date
    on: date
    status: str
    detail: str = ""


@dataclass(frozen=True)
class Due:
    """A target to copy today, for its occasion (today's, or an earlier one missed)."""

    target: str
    occasion: date
    on: date
    missed_on: tuple[date, ...] = field(default_factory=tuple)

    @property
    def catch_up(self) -> bool:
        return self.occasion < self.on

    def describe(self) -> str:
        text = f"{self.target} for {self.occasion.isoformat()}"
        if self.catch_up:
            text += " (catch-up"
            if self.missed_on:
                text += ": missed on " + ", ".join(d.isoformat() for d in self.missed_on)
            text += ")"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "occasion": self.occasion.isoformat(),
            "catch_up": self.catch_up,
            "missed_on": [d.isoformat() for d in self.missed_on],
        }


def due(cal: Calendar, on: date, history: Iterable[Event] = ()) -> list[Due]:
    """What is due on ``on``, in the order it must be done (local, offsite, removable).

    Only history up to ``on`` counts (asking about an earlier day gives that day's
    answer). Occasions before the first recorded run are not caught up: with no history,
    only the day's own calendar is due.
    """
    events = [e for e in history if e.on <= on]
    start = min((e.on for e in events), default=on)
    found: list[Due] = []
    for target in TARGETS:
        schedule = cal[target]
        occasion = schedule.last_occasion(on)
        if occasion is None or occasion < start:
            continue
        if occasion < on and not schedule.catch_up:
            continue
        mine = [e for e in events if e.target == target]
        if any(e.status == DONE and e.on >= occasion for e in mine):
            continue
        missed = tuple(sorted({e.on for e in mine if e.status != DONE and e.occasion == occasion}))
        found.append(Due(target, occasion, on, missed))
    return found


def next_occasions(cal: Calendar, on: date) -> dict[str, str | None]:
    """Each target's next calendar day after ``on`` (ISO), for the run's report."""
    result: dict[str, str | None] = {}
    for target in TARGETS:
        nxt = cal[target].next_occasion(on)
        result[target] = nxt.isoformat() if nxt else None
    return result
