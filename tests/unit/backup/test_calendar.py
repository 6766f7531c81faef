"""The plan's backup calendar (P6.1-P6.3): validation, the days of every month, and what
is due on a day given what was done and missed before (pure logic)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.backup.calendar import (
    DONE,
    FAILED,
    MISSED,
    TARGETS,
    Event,
    check_target,
    due,
    next_occasions,
    parse_calendar,
    parse_date,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import InputError

PLAN = parse_calendar()


def targets_on(day: str, history=(), cal=PLAN) -> list[str]:
    return [d.target for d in due(cal, date.fromisoformat(day), history)]


def done(target: str, occasion: str, on: str | None = None) -> Event:
    return Event(target, date.fromisoformat(occasion), date.fromisoformat(on or occasion), DONE)


def missed(target: str, occasion: str, on: str | None = None) -> Event:
    return Event(target, date.fromisoformat(occasion), date.fromisoformat(on or occasion), MISSED)


# -- the plan's defaults on the days the issue names ------------------------------------
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2027-03-10", ["local", "offsite"]),
        ("2027-03-20", ["local", "offsite"]),
        ("2027-03-15", ["local", "removable"]),
        ("2027-03-31", ["local", "offsite", "removable"]),  # 31-day month: the 31st is last
        ("2027-03-30", ["local"]),  # ... and its 30th an ordinary day
        ("2027-04-30", ["local", "offsite", "removable"]),  # 30-day month
        ("2027-04-29", ["local"]),
        ("2027-02-28", ["local", "offsite", "removable"]),  # non-leap February
        ("2028-02-28", ["local"]),  # leap February: the 28th is not its last day
        ("2028-02-29", ["local", "offsite", "removable"]),
        ("2027-12-31", ["local", "offsite", "removable"]),  # year end
        ("2027-03-01", ["local"]),
        ("2027-03-11", ["local"]),
        ("2027-03-16", ["local"]),
    ],
)
def test_plan_defaults_on_the_named_days(day, expected):
    assert targets_on(day) == expected


def test_every_day_of_two_years_has_exactly_the_plans_targets():
    """Exhaustive: 2027 and the leap year 2028, day by day, against the plan's words."""
    day = date(2027, 1, 1)
    counts = dict.fromkeys(TARGETS, 0)
    while day.year < 2029:
        last = (day + timedelta(days=1)).month != day.month
        expected = ["local"]
        if day.day in (10, 20) or last:
            expected.append("offsite")
        if day.day == 15 or last:
            expected.append("removable")
        assert targets_on(day.isoformat()) == expected, day
        for target in expected:
            counts[target] += 1
        day += timedelta(days=1)
    assert counts == {"local": 731, "offsite": 72, "removable": 48}


def test_month_view_of_a_leap_february():
    month = PLAN.month(2028, 2)
    assert [d.day for d, t in month.items() if "offsite" in t] == [10, 20, 29]
    assert [d.day for d, t in month.items() if "removable" in t] == [15, 29]
    assert len(month) == 29  # the daily local backup makes every day appear


# -- validation: bad input refused, naming the field ---------------------------------------
@pytest.mark.parametrize(
    ("config", "field", "words"),
    [
        ({"offsite": {"days": [10, 31]}}, "hisops_backup_calendar.offsite.days[1]", "'last'"),
        ({"offsite": {"days": [30]}}, "hisops_backup_calendar.offsite.days[0]", "February"),
        ({"removable": {"days": [29]}}, "hisops_backup_calendar.removable.days[0]", "1 to 28"),
        ({"offsite": {"days": [0]}}, "hisops_backup_calendar.offsite.days[0]", "out of range"),
        ({"offsite": {"days": [32]}}, "hisops_backup_calendar.offsite.days[0]", "out of range"),
        ({"offsite": {"days": [-1]}}, "hisops_backup_calendar.offsite.days[0]", "out of range"),
        ({"offsite": {"days": ["first"]}}, "hisops_backup_calendar.offsite.days[0]", "not a day"),
        ({"offsite": {"days": [True]}}, "hisops_backup_calendar.offsite.days[0]", "not a day"),
        ({"offsite": {"days": [1.5]}}, "hisops_backup_calendar.offsite.days[0]", "not a day"),
        ({"offsite": {"days": [10, "10"]}}, "hisops_backup_calendar.offsite.days[1]", "twice"),
        ({"offsite": {"days": ["last", "LAST"]}}, "hisops_backup_calendar.offsite.days[1]", "twice"),
        ({"tape": {"days": [1]}}, "hisops_backup_calendar.tape", "unknown target"),
        ({"offsite": {"dayz": [1]}}, "hisops_backup_calendar.offsite.dayz", "unknown setting"),
        ({"offsite": {"catch_up": True}}, "hisops_backup_calendar.offsite.days", "required"),
        ({"offsite": {"days": [1], "catch_up": "yes"}}, "hisops_backup_calendar.offsite.catch_up",
         "true or false"),
        ({"offsite": {"days": {"a": 1}}}, "hisops_backup_calendar.offsite.days", "list of days"),
        ({"offsite": 7.0}, "hisops_backup_calendar.offsite", "mapping"),
        (["offsite"], "hisops_backup_calendar", "mapping"),
    ],
)  # fmt: skip
def test_bad_calendar_refused_naming_the_field(config, field, words):
    with pytest.raises(InputError) as caught:
        parse_calendar(config)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_configured_calendar_keeps_the_defaults_of_targets_left_out():
    cal = parse_calendar({"offsite": {"days": [1, "15", "last"]}, "removable": "last"})
    assert cal["offsite"].days == (1, 15, "last")
    assert cal["removable"].days == ("last",)
    assert cal["local"].daily
    assert targets_on("2027-06-15", cal=cal) == ["local", "offsite"]
    assert targets_on("2027-06-30", cal=cal) == ["local", "offsite", "removable"]
    assert parse_calendar({"offsite": {"days": []}})["offsite"].describe() == "never"
    assert targets_on("2027-06-30", cal=parse_calendar({"offsite": []})) == [
        "local",
        "removable",
    ]
    assert cal.as_dict()["local"] == {"days": "daily", "catch_up": True}


@pytest.mark.parametrize("text", ["2027-02-30", "2027-2-3", "28/02/2027", "tomorrow", "2027-13-01"])
def test_bad_date_refused_naming_the_field(text):
    with pytest.raises(InputError) as caught:
        parse_date(text)
    assert caught.value.field == "date"


def test_date_default_is_today():
    assert parse_date("", today=date(2027, 5, 5)) == date(2027, 5, 5)
    assert parse_date("today", today=date(2027, 5, 5)) == date(2027, 5, 5)
    assert parse_date("2028-02-29") == date(2028, 2, 29)


def test_unknown_target_refused():
    assert check_target("offsite") == "offsite"
    with pytest.raises(InputError, match="target: unknown target 'tape'"):
        check_target("tape")


# -- history: idempotent within a day, catching up a miss ---------------------------------
def test_second_run_on_the_same_day_finds_nothing_due():
    history = [done("local", "2027-03-10"), done("offsite", "2027-03-10")]
    assert targets_on("2027-03-10", history) == []
    assert targets_on("2027-03-11", history) == ["local"]


def test_missed_offsite_day_is_caught_up_the_next_day_and_the_miss_named():
    history = [done("local", "2027-03-09"), done("local", "2027-03-10"),
               missed("offsite", "2027-03-10")]  # fmt: skip
    found = due(PLAN, date(2027, 3, 11), history)
    assert [d.target for d in found] == ["local", "offsite"]
    offsite = found[1]
    assert offsite.occasion == date(2027, 3, 10) and offsite.catch_up
    assert offsite.missed_on == (date(2027, 3, 10),)
    assert "catch-up: missed on 2027-03-10" in offsite.describe()
    # caught up on the 11th: nothing more until the 20th
    history += [done("local", "2027-03-11"), done("offsite", "2027-03-10", "2027-03-11")]
    assert targets_on("2027-03-11", history) == []
    assert targets_on("2027-03-12", history) == ["local"]
    # the 15th's removable copy never made: still owed on the 20th
    assert targets_on("2027-03-20", history) == ["local", "offsite", "removable"]
    history.append(done("removable", "2027-03-15"))
    assert targets_on("2027-03-20", history) == ["local", "offsite"]


def test_a_miss_stays_due_until_done_and_a_failure_counts_as_a_miss():
    history = [done("local", "2027-03-14"), missed("removable", "2027-03-15"),
               Event("removable", date(2027, 3, 15), date(2027, 3, 16), FAILED, "I/O error")]  # fmt: skip
    found = due(PLAN, date(2027, 3, 18), history)
    assert [(d.target, d.occasion.day, [m.day for m in d.missed_on]) for d in found] == [
        ("local", 18, []),
        ("removable", 15, [15, 16]),
    ]


def test_a_miss_older_than_the_next_occasion_is_covered_by_one_copy():
    history = [missed("offsite", "2027-03-10"), done("removable", "2027-03-15"),
               missed("offsite", "2027-03-20")]  # fmt: skip
    found = due(PLAN, date(2027, 3, 21), history)
    assert [(d.target, d.occasion.day) for d in found] == [("local", 21), ("offsite", 20)]


def test_no_history_catches_nothing_up():
    """A fresh installation asked about the 12th has no miss to catch up."""
    assert targets_on("2027-03-12") == ["local"]


def test_history_after_the_day_asked_about_is_ignored():
    history = [done("local", "2027-03-10"), done("offsite", "2027-03-10"),
               done("offsite", "2027-03-20")]  # fmt: skip
    assert targets_on("2027-03-10", history) == []
    assert targets_on("2027-03-09", [done("local", "2027-03-01")] + history) == ["local"]


def test_month_end_miss_caught_up_in_the_next_month():
    history = [done("local", "2027-02-27"), missed("offsite", "2027-02-28"),
               missed("removable", "2027-02-28")]  # fmt: skip
    found = due(PLAN, date(2027, 3, 1), history)
    assert [(d.target, d.occasion) for d in found] == [
        ("local", date(2027, 3, 1)),
        ("offsite", date(2027, 2, 28)),
        ("removable", date(2027, 2, 28)),
    ]


def test_a_target_without_catch_up_just_misses():
    cal = parse_calendar({"removable": {"days": [15, "last"], "catch_up": False}})
    history = [missed("removable", "2027-03-15")]
    assert targets_on("2027-03-16", history, cal) == ["local"]


def test_next_occasions():
    assert next_occasions(PLAN, date(2028, 2, 20)) == {
        "local": "2028-02-21",
        "offsite": "2028-02-29",
        "removable": "2028-02-29",
    }
    assert next_occasions(PLAN, date(2027, 12, 31))["offsite"] == "2028-01-10"
