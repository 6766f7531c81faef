"""``hisops incident`` from the command line (in process): the operator's path through a
fault, refusals with exit 2 naming the field, restart when told, a plain run record
attached, and a notice whose sender died mid-send left for a person, never resent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from hisops import cli
from hisops.incident import config, notices, service
from hisops.incident.store import Store

T0 = "2026-03-03T12:00:00Z"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HISOPS_INCIDENT_DIR", str(tmp_path / "inc"))
    monkeypatch.setenv("HISOPS_INCIDENT_CONFIG", str(tmp_path / "none.yml"))
    monkeypatch.setenv("HISOPS_OPERATOR", "li")
    # tick scans run records for runs made for an incident: this test's, not the repo's
    monkeypatch.setenv("HISOPS_RUN_RECORD_DIR", str(tmp_path / "records"))
    return service.Context(Store(str(tmp_path / "inc")), config.load("/none"), "li")


def test_a_fault_from_open_to_close_on_the_command_line(env, capsys):
    with time_machine.travel(T0, tick=False) as clock:
        assert (
            cli.main(["incident", "open", "HIS down", "--scope", "server", "--occurred=-5m"]) == 0
        )
        assert "incident 1 opened: class 1" in capsys.readouterr().out
        clock.shift(timedelta(minutes=26))
        assert cli.main(["incident", "tick"]) == 0
        assert "【停机通知】门诊收费处" in capsys.readouterr().out
        assert cli.main(["incident", "restart", "1"]) == 2
        assert "restart: self_test:" in capsys.readouterr().err
        assert cli.main(["incident", "resolve", "1", "--self-test", "ok"]) == 0
        assert cli.main(["incident", "restart", "1"]) == 0
        out = capsys.readouterr().out
        assert "【系统恢复通知】药房" in out and "【重启通知】药房：现在可以重启电脑" in out
        assert cli.main(["incident", "restart", "1"]) == 0  # told once, not twice
        assert "重启通知" not in capsys.readouterr().out
        assert cli.main(["incident", "close", "1"]) == 2
        assert "confirmed_by:" in capsys.readouterr().err
        assert cli.main(["incident", "resolve", "1", "--confirmed-by", "护士长 刘"]) == 0
        assert cli.main(["incident", "close", "1"]) == 0
        capsys.readouterr()
        assert cli.main(["incident", "show", "1", "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "closed"
    assert [e["kind"] for e in shown["entries"]][-3:] == ["restart", "confirmed", "closed"]


def test_refusals_exit_2_and_name_the_field(env, capsys):
    with time_machine.travel(T0, tick=False):
        assert cli.main(["incident", "open", "x", "--class", "9"]) == 2
        err = capsys.readouterr().err
        assert "class: '9' is not a class" in err and "nothing was written" in err
        assert cli.main(["incident", "step", "7", "checked"]) == 2
        assert "incident: no incident 7" in capsys.readouterr().err
        assert cli.main(["incident", "open", "x", "--class", "1", "--department", "zoo"]) == 2
        assert "department: 'zoo'" in capsys.readouterr().err
    assert service.listing(env, include_closed=True) == []


def test_a_plain_run_record_is_attached(env, tmp_path, capsys):
    record = tmp_path / "20260303T120100Z-isolate-abc123.jsonl"
    lines = [
        {
            "ts": "2026-03-03T12:01:00+00:00",
            "event": "playbook_start",
            "operator": "wu",
            "run_id": "abc123",
            "playbook": "isolate.yml",
        },
        {
            "ts": "2026-03-03T12:01:05+00:00",
            "event": "task",
            "operator": "wu",
            "host": "CORE-1",
            "task": "shut Gi0/7",
            "changed": True,
            "failed": False,
        },
        {"ts": "2026-03-03T12:01:09+00:00", "event": "playbook_end", "failed": False},
    ]
    record.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with time_machine.travel(T0, tick=False):
        number = service.open_incident(env, title="virus on PC 7", klass="3")
        assert cli.main(["incident", "attach", str(number), str(record)]) == 0
        assert cli.main(["incident", "attach", str(number), str(tmp_path / "nope.jsonl")]) == 2
    entries = service.get(env, number)["entries"]
    assert [e["text"] for e in entries if e["kind"] in ("run", "automation")] == [
        "playbook isolate.yml run abc123: successful",
        "CORE-1: shut Gi0/7 changed",
    ]
    assert "record: no run record" in capsys.readouterr().err


def test_a_sender_killed_mid_send_leaves_the_notice_unknown_not_resent(env, capsys):
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(env, title="AGG-2", klass="2")
        with env.store.transaction() as conn:  # as a sender that died after its claim
            conn.execute("UPDATE notices SET status = 'sending', claimed_at = ?", (T0,))
        clock.shift(timedelta(minutes=4))
        assert notices.tick(env)["sent"] == 0
        assert service.get(env, number)["notices"][0]["status"] == "sending"
        clock.shift(timedelta(minutes=2))
        assert notices.tick(env)["sent"] == 0
    notice = service.get(env, number)["notices"][0]
    assert notice["status"] == "unknown" and "check with the recipient" in notice["last_error"]


def test_a_relative_time_with_a_leading_minus_is_a_value_not_an_option(env, capsys):
    """--occurred -40m as the help shows it (argparse alone reads -40m as an option)."""
    with time_machine.travel(T0, tick=False):
        assert (
            cli.main(["incident", "open", "HIS down", "--scope", "server", "--occurred", "-40m"])
            == 0
        )
        capsys.readouterr()
        assert cli.main(["incident", "show", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["occurred_at"].startswith("2026-03-03T11:20")


def test_a_channel_that_keeps_failing_is_retried_less_and_less_often(tmp_path, monkeypatch):
    """retry_after doubled after each failure, at most every 30 min: a robot whose URL was
    never set is tried 6 times in the first hour (not 60), each failure in the timeline."""
    import io

    import yaml

    monkeypatch.delenv("HISOPS_TEST_UNSET_URL", raising=False)
    site = {
        "people": [{"id": "zhang", "name": "张主任", "role": "it_head", "webhook": "office"}],
        "channels": {
            "console": False,
            "webhooks": {"office": {"url_env": "HISOPS_TEST_UNSET_URL"}},
        },
    }
    path = tmp_path / "site.yml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    ctx = service.Context(Store(str(tmp_path / "inc")), config.load(str(path)), "li")
    with time_machine.travel(T0, tick=False) as clock:
        number = service.open_incident(ctx, title="AGG-2", klass="2")
        for _ in range(60):  # a tick a minute for an hour (the timer)
            notices.tick(ctx, out=io.StringIO())
            clock.shift(timedelta(minutes=1))
    (notice,) = service.get(ctx, number)["notices"]
    assert notice["status"] == "pending" and notice["attempts"] == 6
    assert "HISOPS_TEST_UNSET_URL" in notice["last_error"]
    failed = [e for e in service.get(ctx, number)["entries"] if e["msg"] == "notice.failed"]
    assert [e["at"][11:16] for e in failed] == [
        "12:00",
        "12:01",
        "12:03",
        "12:07",
        "12:15",
        "12:31",
    ]


def test_reuse_open_keeps_the_incident_a_finding_opened(env, capsys):
    """The daily inspection opens with --reuse-open: the same critical finding the next day
    goes to the incident still open, a new title or a closed one opens another."""
    with time_machine.travel(T0, tick=False):
        title = "Daily inspection: ACC-3 does not answer"
        assert cli.main(["incident", "open", title, "--class", "2", "--reuse-open"]) == 0
        assert "incident 1 opened" in capsys.readouterr().out
        assert cli.main(["incident", "open", title, "--class", "2", "--reuse-open"]) == 0
        assert "incident 1 is still open" in capsys.readouterr().out
        assert (
            cli.main(
                ["incident", "open", "Daily inspection: AGG-1 down", "--class", "2", "--reuse-open"]
            )
            == 0
        )
        assert "incident 2 opened" in capsys.readouterr().out
        assert cli.main(["incident", "open", title, "--class", "2"]) == 0  # without the flag
        assert "incident 3 opened" in capsys.readouterr().out
        assert [i["id"] for i in service.listing(env)] == [1, 2, 3]
