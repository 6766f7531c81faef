"""Calendar expressions of the schedules: checked by systemd-analyze calendar (bad ones
refused naming the field) and their cron equivalent, refused where cron cannot say it."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.calendar import (
    check,
    cron_fields,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import InputError

FIELD = "hisops_schedules.backup.on_calendar"


def test_a_good_expression_is_normalized_with_its_next_run() -> None:
    calendar = check(FIELD, "daily")
    assert calendar.normalized == "*-*-* 00:00:00"
    assert calendar.next_elapse


@pytest.mark.parametrize("expression", ["*-*-* 25:00", "Mon..Fry 07:00", "every day", "*-13-01"])
def test_a_bad_expression_is_refused_naming_the_field(expression: str) -> None:
    with pytest.raises(InputError) as caught:
        check(FIELD, expression)
    assert caught.value.field == FIELD
    assert str(caught.value).startswith(f"{FIELD}: {expression!r} is not a systemd calendar")


@pytest.mark.parametrize(
    ("expression", "cron"),
    [
        ("*-*-* 07:00:00", "0 7 * * *"),
        ("*-*-* *:15:00", "15 * * * *"),
        ("*-*-11 03:00:00", "0 3 11 * *"),
        ("*-01,04,07,10-15 10:00:00", "0 10 15 1,4,7,10 *"),
        ("quarterly", "0 0 1 1,4,7,10 *"),
        ("Mon..Fri 07:30", "30 7 * * 1-5"),
        ("Sat,Sun 22:00", "0 22 * * 6,7"),
        ("*:0/15", "0-59/15 * * * *"),
        ("*-*-* 08..18:00:00", "0 8-18 * * *"),
        ("minutely", "* * * * *"),
    ],
)
def test_cron_fields(expression: str, cron: str) -> None:
    assert cron_fields(FIELD, check(FIELD, expression)) == cron


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("*-*-* 07:00:30", "seconds"),
        ("2027-*-* 07:00", "a year"),
        ("*-*~01 23:00", "month's end"),
        ("Mon *-*-01 07:00", "cron would run on either"),
        ("*-*-* 07:00 Europe/Berlin", "time zone"),
    ],
)
def test_what_cron_cannot_say_is_refused_naming_the_field(expression: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        cron_fields(FIELD, check(FIELD, expression))
    assert caught.value.field == FIELD
    assert reason in caught.value.reason
