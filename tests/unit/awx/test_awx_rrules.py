"""The schedules as AWX RRULEs (issue 21), expanded with dateutil's rrule over a year.

AWX parses a schedule's rrule with dateutil (awx/main/models/schedules.py
Schedule.rrulestr) after validate_rrule's checks (awx/api/serializers.py, AWX 24.6.1:
DTSTART with a time zone, INTERVAL in every rule, no SECONDLY, no BYDAY with a number,
COUNT <= 999, not COUNT and UNTIL, no EXDATE/RDATE); releases before 21 refused more than
one BYMONTHDAY value and more than one RULE, so every rule here has one of each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dateutil import rrule

from hisops.awx import export, rrules

REPO_ROOT = Path(__file__).resolve().parents[3]
TZ = ZoneInfo("Asia/Shanghai")
LEAP_YEAR = 2028


def awx_rrule_errors(value: str) -> list[str]:
    """validate_rrule's checks (AWX 24.6.1), and the one-value BYMONTHDAY of older ones."""
    errors = []
    dtstarts = re.findall(r".*?(DTSTART(;[^:]+)?\:[0-9]+T[0-9]+Z?)", value)
    if not dtstarts:
        errors.append("Valid DTSTART required")
    if re.findall(r".*?(DTSTART:[0-9]+T[0-9]+) ", value):
        errors.append("DTSTART cannot be a naive datetime")
    if len(dtstarts) > 1:
        errors.append("Multiple DTSTART is not supported")
    rules = re.findall(r".*?(RULE\:[^\s]*)", value)
    if len(rules) != 1:
        errors.append("one RRULE per schedule")
    for rule in rules:
        if "interval" not in rule.lower():
            errors.append("INTERVAL required in rrule")
        if "secondly" in rule.lower():
            errors.append("SECONDLY is not supported")
        if re.match(r".*?BYDAY[\:\=][0-9]+[a-zA-Z]{2}", rule):
            errors.append("BYDAY with numeric prefix not supported")
        if "COUNT" in rule and "UNTIL" in rule:
            errors.append("RRULE may not contain both COUNT and UNTIL")
        monthdays = re.search(r"BYMONTHDAY=([^;]+)", rule)
        if monthdays and "," in monthdays.group(1):
            errors.append("several BYMONTHDAY values in one rule")
    for word in ("exdate:", "rdate:"):
        if word in value.lower():
            errors.append(f"{word} not allowed")
    # awx/main/models/schedules.py Schedule.rrulestr: dateutil, forceset, a zoned DTSTART
    parsed = rrule.rrulestr(value, forceset=True)
    if any(r._dtstart is None or r._dtstart.tzinfo is None for r in parsed._rrule):
        errors.append("A valid TZID must be provided")
    return errors


def expand(value: str, year: int) -> list[dt.datetime]:
    rule = rrule.rrulestr(value, forceset=True)
    return rule.between(
        dt.datetime(year, 1, 1, tzinfo=TZ), dt.datetime(year + 1, 1, 1, tzinfo=TZ), inc=True
    )


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    [play] = yaml.safe_load((REPO_ROOT / "awx" / "configure.yml").read_text())
    return {
        t["awx.awx.schedule"]["name"]: t["awx.awx.schedule"]["rrule"]
        for t in play["tasks"]
        if "awx.awx.schedule" in t
    }


def test_generated_schedules_pass_awxs_checks_and_run_when_the_plan_says(generated) -> None:
    for name, value in generated.items():
        assert awx_rrule_errors(value) == [], name
        assert rrule.rrulestr(value, forceset=True)[0] < dt.datetime(2026, 1, 1, tzinfo=TZ)
    restore = expand(generated["hisops restore_drill day 11"], LEAP_YEAR)
    assert [(d.month, d.day, d.hour, d.minute) for d in restore] == [
        (m, 11, 3, 0) for m in range(1, 13)
    ]
    backup = expand(generated["hisops backup"], LEAP_YEAR)
    assert len(backup) == 366 and {(d.hour, d.minute) for d in backup} == {(1, 30)}
    compliance = expand(generated["hisops compliance"], LEAP_YEAR)
    assert len(compliance) == 366 * 24 and {d.minute for d in compliance} == {15}
    assert all(d.tzinfo is not None and d.utcoffset() == dt.timedelta(hours=8) for d in backup)
    if (REPO_ROOT / "playbooks" / "daily_inspection.yml").is_file():
        inspection = expand(generated["hisops daily_inspection"], LEAP_YEAR)
        assert len(inspection) == 366 and {(d.hour, d.minute) for d in inspection} == {(7, 0)}


@pytest.mark.parametrize(("year", "february"), [(2027, 28), (LEAP_YEAR, 29)])
def test_offsite_days_10_20_and_last_one_rule_each(year: int, february: int) -> None:
    """The backup calendar's off-site days (10th, 20th, last: module_utils/backup)."""
    from ansible_collections.hisops.emergency.plugins.module_utils.backup import calendar

    days = calendar.DEFAULT_CALENDAR["offsite"]["days"]
    rules = rrules.rules_for_days(days, 1, 30, timezone="Asia/Shanghai", start="20270101")
    assert [r.suffix for r in rules] == ["10", "20", "last"]
    runs: list[dt.datetime] = []
    for rule in rules:
        assert awx_rrule_errors(rule.rrule) == []
        runs += expand(rule.rrule, year)
    by_month = Counter(d.month for d in runs)
    assert by_month == dict.fromkeys(range(1, 13), 3)
    last = sorted(d.date() for d in runs if d.day not in (10, 20))
    assert last[1] == dt.date(year, 2, february)
    assert [d.day for d in last] == [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert all(calendar.parse_calendar().schedules["offsite"].is_due_on(d.date()) for d in runs)


def test_a_31st_would_skip_short_months_hence_bymonthday_minus_one() -> None:
    value = "DTSTART;TZID=Asia/Shanghai:20270101T013000 RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=31"
    assert len(expand(value, LEAP_YEAR)) == 7


def test_calendars_rrules_cannot_say_are_refused_naming_the_field() -> None:
    with pytest.raises(rrules.CalendarError) as error:
        rrules.rules_for_calendar("hisops_schedules.x.on_calendar", "Mon *-*-* 07:00:00",
                                  timezone="UTC", start="20270101")  # fmt: skip
    assert error.value.field == "hisops_schedules.x.on_calendar"
    with pytest.raises(rrules.CalendarError, match="days"):
        rrules.rules_for_days([30], 1, 0, timezone="UTC", start="20270101")
    split = rrules.rules_for_calendar("f", "*-*-10,20 01:30:00", timezone="UTC", start="20270101")
    assert [r.suffix for r in split] == ["10", "20"]
    quarterly = rrules.rules_for_calendar(
        "f", "*-01,04,07,10-15 10:00:00", timezone="UTC", start="20270101"
    )
    assert [(d.month, d.day) for d in expand(quarterly[0].rrule, 2027)] == [
        (1, 15), (4, 15), (7, 15), (10, 15)
    ]  # fmt: skip


def test_schedules_follow_the_schedules_roles_times() -> None:
    tasks = {s["name"]: s for s in export.schedules(REPO_ROOT)}
    assert tasks["hisops compliance"]["extra_data"] == {"fail_on_drift": True}
    assert tasks["hisops compliance"]["unified_job_template"] == "hisops switch_compliance"
    assert tasks["hisops backup"]["unified_job_template"] == "hisops backup_run"
