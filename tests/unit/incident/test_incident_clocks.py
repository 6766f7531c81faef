"""The downtime clocks (P3) under a controlled clock: 30 min, 3 h or 6 h, 24 h; the site
calendar and the operator's estimate bring a switch earlier; on recovery "restart when
told" and the re-entry tasks with their deadlines, tracked until confirmed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
import yaml

from hisops.incident import cli, config, notices, service, timeutil
from hisops.incident.errors import IncidentError
from hisops.incident.store import Store

T0 = "2026-03-03T12:00:00Z"  # 20:00 in Asia/Shanghai: no peak hours, no holiday
FIRST = {"outpatient_billing", "registration", "admission", "outpatient_doctors", "pharmacy"}


def _ctx(tmp_path, **site):
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    return service.Context(Store(str(tmp_path / "inc")), config.load(str(path)), "li")


def _clock_notices(ctx, number):
    return [n for n in service.get(ctx, number)["notices"] if n["kind"] == "clock"]


def _by_stage(ctx, number):
    found: dict[str, set[str]] = {}
    for n in _clock_notices(ctx, number):
        found.setdefault(n["key"], set()).add(n["recipient"].split(":")[1])
    return found


@pytest.mark.parametrize("long_after", ["3h", "6h"])
def test_the_plan_clocks_30_minutes_3_or_6_hours_24_hours(tmp_path, long_after):
    defaults = yaml.safe_load(config.DEFAULTS.read_text(encoding="utf-8"))
    stages = defaults["clocks"]["stages"]
    stages[1]["after"] = long_after
    ctx = _ctx(tmp_path, clocks={"classes": ["1"], "stages": stages})
    out = io.StringIO()
    long_hours = int(long_after[0])
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(ctx, title="HIS database down", klass="1")
        clock.shift(timedelta(minutes=29, seconds=59))
        notices.tick(ctx, out=out)
        assert _clock_notices(ctx, number) == []
        clock.shift(timedelta(seconds=1))
        notices.tick(ctx, out=out)
        assert _by_stage(ctx, number) == {"clock:30min": FIRST}
        clock.shift(timedelta(hours=long_hours) - timedelta(minutes=30, seconds=1))
        notices.tick(ctx, out=out)
        assert set(_by_stage(ctx, number)) == {"clock:30min"}
        clock.shift(timedelta(seconds=1))
        notices.tick(ctx, out=out)
        stages_now = _by_stage(ctx, number)
        assert stages_now["clock:long"] == {
            "inpatient_doctors",
            "nurse_stations",
            "inpatient_billing",
            "pharmacy",
            "warehouse",
            "operating_rooms",
            "pacs",
            "lis",
            "emergency_120",
        }
        clock.shift(timedelta(hours=24 - long_hours))
        notices.tick(ctx, out=out)
        notices.tick(ctx, out=out)  # idempotent
        assert _by_stage(ctx, number)["clock:24h"] == set(ctx.site.departments)
    sent = _clock_notices(ctx, number)
    assert all(n["status"] == "sent" for n in sent)
    assert len(sent) == len(FIRST) + 9 + len(ctx.site.departments)  # each exactly once
    due = {n["key"]: n["due_at"] for n in sent}
    assert due == {
        "clock:30min": "2026-03-03T12:30:00Z",
        "clock:long": f"2026-03-03T{12 + long_hours:02d}:00:00Z",
        "clock:24h": "2026-03-04T12:00:00Z",
    }
    for n in sent:
        assert timeutil.parse_iso(n["sent_at"]) - timeutil.parse_iso(n["due_at"]) <= timedelta(
            seconds=30
        )
    text = out.getvalue()
    assert "【停机通知】门诊收费处：请切换到单机版程序" in text
    assert "【停机通知】药房：请转为手工操作" in text
    assert "未经信息科通知，请勿自行操作电脑" in text


def test_clocks_run_only_for_the_classes_configured(tmp_path):
    ctx = _ctx(tmp_path)
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(ctx, title="AGG-2 down", klass="2")
        clock.shift(timedelta(hours=25))
        notices.tick(ctx, out=io.StringIO())
    assert _clock_notices(ctx, number) == []


@pytest.mark.parametrize(
    ("calendar", "start"),
    [
        ({"holidays": ["2026-10-01"], "factor": 0.5}, "2026-10-01T04:00:00Z"),  # 12:00 national day
        ({"peak_hours": ["08:00-11:30"], "factor": 0.5}, "2026-03-03T01:00:00Z"),  # 09:00
        (  # staff away (or a major hospital event): the days it covers
            {
                "events": [{"name": "IT training", "from": "2026-05-11", "to": "2026-05-13"}],
                "factor": 0.5,
            },
            "2026-05-13T12:00:00Z",
        ),
    ],
)
def test_the_calendar_brings_the_switch_earlier(tmp_path, calendar, start):
    ctx = _ctx(tmp_path, calendar=calendar)
    with time_machine.travel(start, tick=False) as clock:
        number = service.open_incident(ctx, title="network down", klass="1")
        clock.shift(timedelta(minutes=15))
        notices.tick(ctx, out=io.StringIO())
    entries = [e for e in service.get(ctx, number)["entries"] if e["kind"] == "clock"]
    assert set(_by_stage(ctx, number)) == {"clock:30min"}
    assert "x0.5" in entries[0]["text"]


def test_an_estimate_past_a_threshold_sends_its_notice_at_once(tmp_path):
    ctx = _ctx(tmp_path)
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(ctx, title="core switch dead", klass="1")
        clock.shift(timedelta(minutes=10))
        service.estimate(ctx, number, "+1h")  # back at 1 h 10: past 30 min, not past 3 h
        notices.tick(ctx, out=io.StringIO())
        assert set(_by_stage(ctx, number)) == {"clock:30min"}
        service.estimate(ctx, number, "+4h")
        notices.tick(ctx, out=io.StringIO())
        assert set(_by_stage(ctx, number)) == {"clock:30min", "clock:long"}
    due = {n["key"]: n["due_at"] for n in _clock_notices(ctx, number)}
    assert due["clock:30min"] == "2026-03-03T12:10:00Z"
    body = next(n["body"] for n in _clock_notices(ctx, number) if n["key"] == "clock:long")
    assert "信息科预计恢复时间" in body


def test_recovery_restart_when_told_and_reentry_tracked_until_confirmed(tmp_path):
    ctx = _ctx(tmp_path)
    out = io.StringIO()
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(ctx, title="HIS down", klass="1")
        clock.shift(timedelta(minutes=31))
        notices.tick(ctx, out=out)
        clock.shift(timedelta(minutes=20))
        service.resolve(ctx, number, self_test="login, billing and a prescription ok")
        notices.tick(ctx, out=out)
        incident = service.get(ctx, number)
        recovery = [n for n in incident["notices"] if n["kind"] == "recovery"]
        assert {n["recipient"].split(":")[1] for n in recovery} == FIRST
        assert all(n["status"] == "sent" for n in recovery)
        tasks = incident["tasks"]
        assert len(tasks) == 2 * len(FIRST) + 1
        pharmacy = {t["key"]: t["deadline"] for t in tasks if t["department"] == "pharmacy"}
        # 20:51 local on 3 March: important data that day, the rest and reconciliation next day
        assert pharmacy == {
            "important_data": "2026-03-03T15:59:59Z",
            "all_data": "2026-03-04T15:59:59Z",
            "pharmacy_reconciliation": "2026-03-04T15:59:59Z",
        }
        notices.confirm_task(ctx, number, "pharmacy", None)
        with pytest.raises(IncidentError) as err:
            notices.confirm_task(ctx, number, "pharmacy", "all_data")
        assert err.value.field == "task"
        clock.shift(timedelta(hours=4))
        # no clock runs after the recovery; an unconfirmed task past its deadline is reminded
        notices.tick(ctx, out=out)
        notices.tick(ctx, out=out)
        assert set(_by_stage(ctx, number)) == {"clock:30min"}
        reminded = [
            n["recipient"] for n in service.get(ctx, number)["notices"] if n["kind"] == "reminder"
        ]
        assert sorted(reminded) == sorted(f"dept:{d}" for d in FIRST - {"pharmacy"})
        shown = cli._show(ctx, service.get(ctx, number), "en")
        shown_zh = cli._show(ctx, service.get(ctx, number))  # the site's language
    assert "请等待信息科通知后再重启电脑" in out.getvalue()
    assert "补录停机期间的重要数据（当天）" in out.getvalue()
    assert (
        "【数据补录提醒】门诊挂号处：补录停机期间的重要数据（当天） 已过截止时间" in out.getvalue()
    )
    assert shown.count("confirmed by li") == 3
    assert "registration       important_data           by 2026-03-03 23:59:59  OVERDUE" in shown
    assert "截止 2026-03-03 23:59:59  已逾期  补录停机期间的重要数据（当天）" in shown_zh
    assert "药房：全部任务 已确认完成" in shown_zh and "pharmacy: all tasks confirmed" in shown
