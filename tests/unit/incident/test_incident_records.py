"""The fault record (P1): who and when on every entry, steps in order, P1.4's self-test then
users' confirmation; bad input refused naming the field, with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hisops.incident import service, timeutil
from hisops.incident.errors import IncidentError

T0 = "2026-03-02T01:00:00Z"  # 09:00 in the plan's default time zone (Asia/Shanghai)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_open_records_the_plan_fields_who_and_when(ctx, clock, monkeypatch):
    clock.shift(timedelta(minutes=20))
    number = service.open_incident(
        ctx,
        title="HIS cannot be entered",
        occurred="09:05",
        found="09:12",
        department="pharmacy",
        reporter="王药师",
        symptoms=["cannot_enter", "db_slow"],
        scope="database_server",
    )
    incident = service.get(ctx, number)
    assert incident["class"] == "1"  # suggested from the scope: a database server
    assert incident["occurred_at"] == "2026-03-02T01:05:00Z"
    assert incident["found_at"] == "2026-03-02T01:12:00Z"
    assert (incident["department"], incident["reporter"]) == ("pharmacy", "王药师")
    assert incident["opened_by"] == "alice"
    opened = incident["entries"][0]
    assert (opened["kind"], opened["who"], opened["at"]) == (
        "opened",
        "alice",
        incident["found_at"],
    )
    assert opened["recorded_at"] == "2026-03-02T01:20:00Z"
    # class 1: the IT head and the leadership are told at once (P2)
    told = {n["recipient"] for n in incident["notices"] if n["kind"] == "escalation"}
    assert told == {"role:it_head", "role:leadership"}


def test_the_operator_decides_the_class_and_reclassifies_with_a_reason(ctx, clock):
    number = service.open_incident(ctx, title="AGG-2 down", scope="switch", klass="3")
    assert service.get(ctx, number)["class"] == "3"  # the suggestion (2) is only that
    with pytest.raises(IncidentError) as err:
        service.reclassify(ctx, number, "2", reason=" ")
    assert err.value.field == "reason"
    service.reclassify(ctx, number, "2", reason="the whole second floor is affected")
    incident = service.get(ctx, number)
    assert incident["class"] == "2"
    assert any("3 -> 2" in e["text"] for e in incident["entries"] if e["kind"] == "class")
    assert {n["recipient"] for n in incident["notices"]} == {"role:it_head"}


def test_steps_assignments_and_the_three_groups(ctx, clock):
    number = service.open_incident(ctx, title="backbone fibre cut", klass="1")
    clock.shift(timedelta(minutes=5))
    service.assign(ctx, number, "李工")
    service.assign(ctx, number, "李工", group="repair")
    service.assign(ctx, number, "张工", group="vendor")
    service.assign(ctx, number, "赵老师", group="coordination")
    service.add_step(ctx, number, "CORE-1 uplink down", kind="check")
    service.add_step(ctx, number, "fibre between buildings A and B cut", kind="diagnosis")
    incident = service.get(ctx, number)
    assert incident["assignee"] == "李工"
    assert incident["groups"] == {
        "repair": ["李工"],
        "vendor": ["张工"],
        "coordination": ["赵老师"],
    }
    kinds = [e["kind"] for e in incident["entries"]]
    assert kinds.count("assign") == 4 and "check" in kinds and "diagnosis" in kinds
    assert all(e["who"] for e in incident["entries"])


def test_resolve_is_self_test_then_users_then_close(ctx, clock):
    number = service.open_incident(ctx, title="one terminal", klass="3")
    with pytest.raises(IncidentError) as err:
        service.resolve(ctx, number, confirmed_by="护士长 (内科)")
    assert err.value.field == "self_test"
    with pytest.raises(IncidentError) as err:
        service.close(ctx, number)
    assert err.value.field == "self_test"
    clock.shift(timedelta(minutes=30))
    assert service.resolve(ctx, number, self_test="client reinstalled, login ok") == "self_test"
    with pytest.raises(IncidentError) as err:
        service.close(ctx, number)
    assert err.value.field == "confirmed_by"
    assert service.resolve(ctx, number, confirmed_by="护士长 (内科)") == "confirmed"
    service.close(ctx, number)
    incident = service.get(ctx, number)
    assert incident["state"] == "closed"
    assert incident["recovered_at"] == "2026-03-02T01:30:00Z"
    assert [e["kind"] for e in incident["entries"]][-3:] == ["self_test", "confirmed", "closed"]


BAD = [
    ("class", dict(title="x", klass="4")),
    ("department", dict(title="x", klass="1", department="canteen")),
    ("found", dict(title="x", klass="1", found="+5m")),
    ("found", dict(title="x", klass="1", found="2026-03-02 09:30")),  # in the future
    ("found", dict(title="x", klass="1", occurred="08:50", found="08:40")),  # out of order
    ("class", dict(title="x")),  # no class and nothing to suggest one from
    ("scope", dict(title="x", scope="galaxy")),
    ("title", dict(title=" ", klass="1")),
]


@pytest.mark.parametrize(("field", "kwargs"), BAD)
def test_bad_open_is_refused_naming_the_field_and_writes_nothing(dump, ctx, clock, field, kwargs):
    service.open_incident(ctx, title="an earlier one", klass="3")
    before = dump(ctx)
    with pytest.raises(IncidentError) as err:
        service.open_incident(ctx, **kwargs)
    assert err.value.field == field
    assert dump(ctx) == before


def test_bad_changes_are_refused_and_write_nothing(dump, ctx, clock):
    number = service.open_incident(ctx, title="x", klass="2", occurred="08:30")
    before = dump(ctx)
    cases = [
        ("incident", lambda: service.add_step(ctx, 99, "text")),
        ("incident", lambda: service.add_step(ctx, "abc", "text")),
        ("at", lambda: service.add_step(ctx, number, "text", at="08:00")),  # before the fault
        ("at", lambda: service.add_step(ctx, number, "text", at="09:30")),  # future
        ("class", lambda: service.reclassify(ctx, number, "five", "why")),
        ("group", lambda: service.assign(ctx, number, "李工", group="catering")),
        ("to", lambda: service.escalate(ctx, number, "nobody", "text")),
        ("at", lambda: service.resolve(ctx, number, self_test="ok", at="08:00")),
        ("recovery", lambda: service.estimate(ctx, number, "2026-03-01 08:00")),
    ]
    for field, call in cases:
        with pytest.raises(IncidentError) as err:
            call()
        assert err.value.field == field, (field, str(err.value))
        assert dump(ctx) == before, field


def test_a_run_record_lands_in_the_timeline(ctx, clock):
    number = service.open_incident(ctx, title="HIS slow", klass="2")
    lines = [
        {"ts": "2026-03-02T01:00:10.123+00:00", "event": "playbook_start", "operator": "bob"},
        {
            "ts": "2026-03-02T01:00:20.000+00:00",
            "event": "task",
            "operator": "bob",
            "host": "CORE-1",
            "task": "isolate 10.10.40.101",
            "changed": True,
            "failed": False,
            "run_id": "r1",
        },
        {"event": "task", "task": "read facts", "changed": False, "failed": False, "ts": T0},
        {
            "ts": "2026-03-02T01:00:30.000+00:00",
            "event": "task",
            "host": "AGG-2",
            "task": "shut port",
            "changed": False,
            "failed": True,
            "message": "timeout",
        },
    ]
    run = {"ident": "r1", "playbook": "isolate.yml", "status": "failed", "rc": 2, "lines": lines}
    service.record_run(ctx, number, run)
    entries = service.get(ctx, number)["entries"]
    auto = [e for e in entries if e["kind"] in ("run", "automation")]
    assert [e["text"] for e in auto] == [
        "playbook isolate.yml run r1: failed",
        "CORE-1: isolate 10.10.40.101 changed",
        "AGG-2: shut port failed (timeout)",
    ]
    assert auto[0]["who"] == "bob" and auto[1]["at"] == "2026-03-02T01:00:20Z"


def test_times_people_type(site, clock):
    now = timeutil.now()
    assert timeutil.iso(timeutil.parse("08:45", site.tz, "at")) == "2026-03-02T00:45:00Z"
    assert timeutil.parse("20m ago", site.tz, "at") == now - timedelta(minutes=20)
    assert timeutil.parse("-1h", site.tz, "at") == now - timedelta(hours=1)
    assert timeutil.iso(timeutil.parse("2026-03-02T00:30:00Z", site.tz, "at")) == (
        "2026-03-02T00:30:00Z"
    )
    with pytest.raises(IncidentError, match="not a time") as err:
        timeutil.parse("yesterday-ish", site.tz, "occurred")
    assert err.value.field == "occurred"


def test_the_api_opens_an_incident_once_for_a_finding_seen_again(tmp_path, clock):
    """hisops.incident.api.open_incident, as the daily inspection calls it: the class
    suggested from the scope, its people queued, the same open finding not opened twice."""
    from hisops.incident import api

    store = str(tmp_path / "inc")
    first = api.open_incident(store, None, "database_server", "DB-1 disk 97 %", "inspection")
    again = api.open_incident(store, None, "database_server", "DB-1 disk 97 %", "inspection")
    incident = api.get_incident(store, first)
    assert (incident["class"], incident["opened_by"]) == ("1", "inspection")
    assert {n["recipient"] for n in incident["notices"]} == {"role:it_head", "role:leadership"}
    assert {n["status"] for n in incident["notices"]} == {"pending"}  # the tick sends them
    other = api.open_incident(store, "2", "switch", "AGG-3 down", "inspection", send=True)
    assert first == again and other != first
    assert {n["status"] for n in api.get_incident(store, other)["notices"]} == {"sent"}
    with pytest.raises(IncidentError) as err:
        api.open_incident(store, "7", None, "x", "inspection")
    assert err.value.field == "class"
