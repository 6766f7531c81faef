"""Classes and escalation (P2, P9.1): who is told for each class, acknowledgement, the
repeat and the next person up when nobody acknowledges; the who-is-who file validated."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
import yaml

from hisops.incident import cli, config, notices, service
from hisops.incident.errors import IncidentError
from hisops.incident.model import suggest_class
from hisops.incident.store import Store

SITE = {
    "language": "en",
    "people": [
        {"id": "li", "name": "李明", "role": "network_admin"},
        {"id": "zhang", "name": "张主任", "role": "it_head"},
        {"id": "wang", "name": "王院长", "role": "leadership"},
    ],
    "ack_after": "10m",
    "repeat_max": 2,
}


@pytest.fixture
def ectx(tmp_path):
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(SITE, allow_unicode=True), encoding="utf-8")
    return service.Context(Store(str(tmp_path / "inc")), config.load(str(path)), "li")


def _sent(ctx, number):
    return [
        (n["key"], n["recipient"])
        for n in service.get(ctx, number)["notices"]
        if n["status"] == "sent"
    ]


def test_each_class_tells_the_plans_people(ectx):
    out = io.StringIO()
    with time_machine.travel("2026-03-02T01:00:00Z", tick=False):
        one = service.open_incident(ectx, title="HIS down", scope="database_server")
        two = service.open_incident(ectx, title="AGG-2 down", scope="switch")
        three = service.open_incident(ectx, title="PC 14", scope="terminal")
        ins = service.open_incident(ectx, title="医保 line down", scope="insurance")
        notices.tick(ectx, out=out)
    assert sorted(r for _, r in _sent(ectx, one)) == ["person:wang", "person:zhang"]
    assert [r for _, r in _sent(ectx, two)] == ["person:zhang"]
    assert _sent(ectx, three) == []
    assert "logged in detail" in service.get(ectx, three)["entries"][1]["text"]
    assert sorted(r for _, r in _sent(ectx, ins)) == ["dept:finance", "dept:insurance_office"]
    assert "[notice #2 -> person:zhang] [class 2" in out.getvalue()


def test_unacknowledged_is_repeated_and_the_next_person_up_told(ectx):
    out = io.StringIO()
    with time_machine.travel("2026-03-02T01:00:00Z", tick=False) as clock:
        number = service.open_incident(ectx, title="AGG-2 down", klass="2")
        notices.tick(ectx, out=out)
        clock.shift(timedelta(minutes=9))
        assert notices.tick(ectx, out=out)["repeated"] == 0
        clock.shift(timedelta(minutes=1))
        counts = notices.tick(ectx, out=out)
        assert counts["repeated"] == 2 and counts["sent"] == 2
        assert notices.tick(ectx, out=out) == {"queued": 0, "sent": 0, "failed": 0, "repeated": 0}
        assert _sent(ectx, number)[1:] == [
            ("escalation:2:it_head#r1", "person:zhang"),
            ("escalation:2:it_head#r1", "person:wang"),
        ]
        # the IT head acknowledges: no more repeats to him; the director was told once
        notices.ack(ectx, number, "zhang")
        clock.shift(timedelta(minutes=10))
        notices.tick(ectx, out=out)
        later = _sent(ectx, number)[3:]
        assert ("escalation:2:it_head#r2", "person:zhang") not in later
        assert later == [("escalation:2:it_head#r2", "person:wang")]
        # repeat_max bounds the repeats
        clock.shift(timedelta(hours=2))
        notices.tick(ectx, out=out)
        notices.tick(ectx, out=out)
        assert len(_sent(ectx, number)) == 4
    assert "reminder 1" in out.getvalue()


def test_ack_for_nobody_is_refused(ectx):
    with time_machine.travel("2026-03-02T01:00:00Z", tick=False):
        number = service.open_incident(ectx, title="PC", klass="3")
        with pytest.raises(IncidentError) as err:
            notices.ack(ectx, number, "zhang")
    assert err.value.field == "person"


def test_the_three_groups_are_shown_by_name(ectx):
    with time_machine.travel("2026-03-02T01:00:00Z", tick=False):
        number = service.open_incident(ectx, title="core down", klass="1")
        before = cli._show(ectx, service.get(ectx, number))
        for person, group in (
            ("李明", "repair"),
            ("华为工程师", "vendor"),
            ("赵老师", "coordination"),
        ):
            service.assign(ectx, number, person, group=group)
        text = cli._show(ectx, service.get(ectx, number))
    assert "repair group: not assigned yet (P9.1: assign 1 NAME --group repair)" in before
    assert "not assigned yet" not in text
    assert "repair group: 李明" in text
    assert "vendor liaison group: 华为工程师" in text
    assert "in-hospital coordination group: 赵老师" in text
    assert "厂商联络组：华为工程师" in cli._show(ectx, service.get(ectx, number), "zh")


def test_suggestion_from_scope_and_symptoms():
    assert suggest_class([], "database_server")[0] == "1"
    assert suggest_class([], "switch")[0] == "2"
    assert suggest_class([], "terminal")[0] == "3"
    assert suggest_class(["network_unreachable", "db_slow"], None)[0] == "1"
    assert suggest_class(["intermittent"], None)[0] is None


BAD_SITES = [
    ({"language": "fr"}, "language"),
    ({"lunch": 1}, "lunch"),
    ({"escalation": {"1": ["janitor"]}}, "escalation.1"),
    ({"escalation": {"7": []}}, "escalation.7"),
    ({"people": [{"name": "x"}]}, "people[0]"),
    (
        {"channels": {"smtp": {"host": "h", "from": "a@b", "password": "s3cret"}}},
        "channels.smtp.password",
    ),
    (
        {"people": [{"name": "张", "role": "it_head", "webhook": "ghost"}]},
        "people[0].webhook",
    ),
    (
        {
            "clocks": {
                "stages": [
                    {"name": "a", "after": "3h", "departments": {}},
                    {"name": "b", "after": "30m", "departments": {}},
                ]
            }
        },
        "clocks.stages[1].after",
    ),
    (
        {
            "clocks": {
                "stages": [{"name": "a", "after": "3h", "departments": {"canteen": "manual"}}]
            }
        },
        "clocks.stages[0].departments.canteen",
    ),
    ({"calendar": {"peak_hours": ["morning"]}}, "calendar.peak_hours"),
    (
        {"calendar": {"events": [{"name": "x", "from": "2026-05-11", "to": "5/12"}]}},
        "calendar.events[0].to",
    ),
    (
        {"calendar": {"events": [{"name": "x", "from": "2026-05-11", "to": "2026-05-01"}]}},
        "calendar.events[0].to",
    ),
    ({"timezone": "Mars/Olympus"}, "timezone"),
]


@pytest.mark.parametrize(("site", "field"), BAD_SITES)
def test_a_bad_site_file_is_refused_naming_the_key(tmp_path, site, field):
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(site), encoding="utf-8")
    with pytest.raises(IncidentError) as err:
        config.load(str(path))
    assert err.value.field == field


def test_the_site_file_example_in_the_docs_is_valid(tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "incidents.md").read_text()
    example = text.split("## The site file")[1].split("```yaml\n")[1].split("```")[0]
    path = tmp_path / "site.yml"
    path.write_text(example, encoding="utf-8")
    site = config.load(str(path))
    assert [s.after for s in site.stages] == [
        timedelta(minutes=30),
        timedelta(hours=6),
        timedelta(hours=24),
    ]
    assert site.next_role("it_head") == "leadership"
    assert site.person("zhang")["email"] == ["zhang@hospital.example"]
