"""The plan's schedules as AWX schedules (RRULE strings).

The times are the schedules role's (plugins/module_utils/schedules/model.py
DEFAULT_SCHEDULES: systemd calendar expressions). AWX takes one ``DTSTART;TZID=...`` and
RRULEs with an INTERVAL (awx/api/serializers.py SchedulePreviewSerializer.validate_rrule);
releases before 21 refused several days of month in one rule, and a 31st is skipped by
months without one. So a calendar with several days becomes one schedule per day, and
the month's last day is ``BYMONTHDAY=-1`` (RFC 5545: counted from the month's end).
The time of day is DTSTART's (RFC 5545: what a rule leaves out comes from DTSTART), as the
rules AWX's own schedule editor writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the forms the plan's calendars use: [*-][MM[,MM...]|*]-DD[,DD...]|*|~01 HH|*:MM:SS
CALENDAR = re.compile(
    r"^\*-(?P<month>\*|[0-9,]+)-(?P<day>\*|~01|[0-9,]+) (?P<hour>\*|\d{1,2}):(?P<minute>\d{2}):00$"
)
LAST = "last"


class CalendarError(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field


@dataclass(frozen=True)
class AwxRule:
    suffix: str  # "" or the day it is for ("10", "last"): the schedule's name suffix
    rrule: str


def _dtstart(start: str, timezone: str, hour: int, minute: int) -> str:
    return f"DTSTART;TZID={timezone}:{start}T{hour:02d}{minute:02d}00"


def rules_for_days(
    days: list[int | str], hour: int, minute: int, *, timezone: str, start: str,
    months: list[int] | None = None,
) -> list[AwxRule]:  # fmt: skip
    """One rule per day of month (a number 1-28, or 'last' for the month's last day)."""
    rules = []
    by_month = f";BYMONTH={','.join(str(m) for m in months)}" if months else ""
    for day in days:
        if day == LAST:
            monthday, suffix = -1, "last"
        elif isinstance(day, int) and 1 <= day <= 28:
            monthday, suffix = day, str(day)
        else:
            raise CalendarError("days", f"{day!r}: a day is 1 to 28 or 'last'")
        rules.append(
            AwxRule(
                suffix,
                f"{_dtstart(start, timezone, hour, minute)} RRULE:FREQ=MONTHLY;INTERVAL=1"
                f"{by_month};BYMONTHDAY={monthday}",
            )
        )
    return rules


def rules_for_calendar(field: str, on_calendar: str, *, timezone: str, start: str) -> list[AwxRule]:
    """A schedules-role calendar expression as AWX rules (one per day of month)."""
    match = CALENDAR.match(on_calendar.strip())
    if not match:
        raise CalendarError(field, f"{on_calendar!r} is not a calendar AWX rules are made from")
    month, day, hour, minute = (match.group(k) for k in ("month", "day", "hour", "minute"))
    minute_value = int(minute)
    if hour == "*":
        if (month, day) != ("*", "*"):
            raise CalendarError(field, "an hourly calendar runs every day of every month")
        return [
            AwxRule(
                "",
                f"{_dtstart(start, timezone, 0, minute_value)} RRULE:FREQ=HOURLY;INTERVAL=1",
            )
        ]
    hour_value = int(hour)
    if not 0 <= hour_value <= 23 or not 0 <= minute_value <= 59:
        raise CalendarError(field, f"{on_calendar!r}: no such time")
    months = None if month == "*" else [int(m) for m in month.split(",")]
    if day == "*":
        if months:
            raise CalendarError(field, "a daily calendar in some months only is not planned")
        return [
            AwxRule(
                "",
                f"{_dtstart(start, timezone, hour_value, minute_value)} RRULE:FREQ=DAILY;"
                "INTERVAL=1",
            )
        ]
    days: list[int | str] = [LAST] if day == "~01" else [int(d) for d in day.split(",")]
    try:
        return rules_for_days(
            days, hour_value, minute_value, timezone=timezone, start=start, months=months
        )
    except CalendarError as error:
        raise CalendarError(field, str(error)) from None
