"""Issue 16: the guarded automatic degrade of a synchronous pair (pure decision and the
service's file handling, no server): drop to async only after the sync standby has been
gone for degrade_after_s, back to sync once it has streamed for restore_after_s, never in
strict mode, and the record db_status and the failover's verdict read."""

from __future__ import annotations

import json

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import degrade
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.degrade import (
    DegradeConfig,
    Degrader,
    Observation,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.state import NodeState
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import (
    assess,
    describe,
)


def cfg(**kw) -> DegradeConfig:
    return DegradeConfig.from_dict({"node": "his-db-1", "peer": "his-db-2", **kw})


def streaming(t: float) -> Observation:
    return Observation(primary=True, peer_state="streaming", peer_reply=f"reply {t}")


GONE = Observation(primary=True)


def run(decider: Degrader, timeline: list[tuple[float, Observation]]) -> list[tuple[float, str]]:
    done = []
    for t, obs in timeline:
        action = decider.decide(obs, t)
        if action:
            decider.applied(action)
            done.append((t, action))
    return done


def test_degrades_only_after_the_standby_is_gone_for_degrade_after_s():
    d = Degrader(cfg(degrade_after_s=5))
    timeline = [(t / 10, streaming(t / 10)) for t in range(0, 20)]  # 2 s streaming
    timeline += [(2 + t / 10, GONE) for t in range(0, 80)]  # then gone
    assert run(d, timeline) == [(pytest.approx(6.9), "degrade")]  # last seen 1.9 + 5


def test_a_short_blip_does_not_degrade():
    d = Degrader(cfg(degrade_after_s=5))
    timeline = [(0, streaming(0)), (1, GONE), (4, GONE), (5, streaming(5)), (9, GONE)]
    assert run(d, timeline) == []


def test_a_silent_standby_is_gone_even_while_its_row_says_streaming():
    """A cut network keeps the walsender's row until wal_sender_timeout (60 s); the
    standby's replies (every second) stop: silent for longer than SILENCE_S is gone."""
    d = Degrader(cfg(degrade_after_s=2))
    frozen = Observation(primary=True, peer_state="streaming", peer_reply="same")
    timeline = [(t / 10, frozen) for t in range(0, 60)]
    [(when, action)] = run(d, timeline)
    assert action == "degrade" and when == pytest.approx(degrade.SILENCE_S - 0.1 + 2, abs=0.11)


def test_catchup_is_not_streaming():
    d = Degrader(cfg(degrade_after_s=1))
    catchup = Observation(primary=True, peer_state="catchup", peer_reply="r")
    assert run(d, [(0, streaming(0)), (0.5, catchup), (1.1, catchup)]) == [(1.1, "degrade")]


def test_restores_once_the_standby_has_streamed_for_restore_after_s():
    d = Degrader(cfg(degrade_after_s=1, restore_after_s=1))
    timeline = [(0, GONE), (1.0, GONE), (2, streaming(2)), (2.5, streaming(2.5))]
    timeline += [(2.7, GONE), (3, streaming(3)), (3.9, streaming(3.9)), (4.0, streaming(4))]
    assert run(d, timeline) == [(1.0, "degrade"), (4.0, "restore")]
    assert d.degraded is False


def test_strict_never_degrades_and_async_removes_a_leftover_override():
    strict = Degrader(cfg(mode="strict", degrade_after_s=1))
    assert run(strict, [(0, GONE), (100, GONE)]) == []
    leftover = Degrader(cfg(mode="async"), degraded=True)
    assert run(leftover, [(0, GONE)]) == [(0, "restore")]


def test_a_node_that_became_a_standby_drops_its_override():
    d = Degrader(cfg(), degraded=True)
    assert d.decide(Observation(primary=False), 0) == "restore"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mode": "lax"}, "mode"),
        ({"degrade_after_s": 0.1}, "degrade_after_s"),
        ({"degrade_after_s": "soon"}, "config"),
        ({"restore_after_s": -1}, "restore_after_s"),
        ({"poll_s": 9}, "poll_s"),
        ({"peer": "his-db-1"}, "peer"),
        ({"peer": ""}, "peer"),
        ({"pg_cluster": "main; rm"}, "pg_cluster"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(data, field):
    with pytest.raises(InputError) as err:
        cfg(**data)
    assert err.value.field == field


class FakeConn:
    """Stands in for the local server's connection (the SQL is exercised on the lab)."""

    def __init__(self):
        self.reloads = 0
        self.closed = False

    def execute(self, sql, params=None):
        if "pg_reload_conf" in sql:
            self.reloads += 1
        return self


def service(tmp_path, monkeypatch, **kw) -> degrade.Service:
    monkeypatch.setattr(degrade, "override_path", lambda v, c: str(tmp_path / "override.conf"))
    monkeypatch.setattr(degrade, "record_path", lambda v, c: str(tmp_path / "record.json"))
    monkeypatch.setattr(DegradeConfig, "log_file", property(lambda self: str(tmp_path / "log")))
    svc = degrade.Service(cfg(**kw))
    svc._conn = FakeConn()
    return svc


def test_the_service_writes_the_override_records_and_restores(tmp_path, monkeypatch):
    svc = service(tmp_path, monkeypatch, degrade_after_s=1)
    svc.decider.last_alive = 0.0
    svc.degrade(GONE, 1.2)
    override = (tmp_path / "override.conf").read_text()
    assert "synchronous_standby_names = ''" in override
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["state"] == "degraded" and record["degrades"] == 1
    assert record["last_stall_s"] == 1.2 and "his-db-2 gone" in record["reason"]
    assert "DEGRADED to async" in (tmp_path / "log").read_text()
    # a restarted service finds the override and keeps the degraded state and its count
    again = service(tmp_path, monkeypatch)
    assert again.decider.degraded and again.record.state == "degraded"
    again.restore(streaming(5))
    assert not (tmp_path / "override.conf").exists() and again._conn.reloads == 1
    record = degrade.read_record(str(tmp_path / "record.json"))
    assert record["state"] == "sync" and record["degrades"] == 1 and record["age_s"] < 5


def primary_node(record) -> NodeState:
    return NodeState(name="his-db-1", role="primary", timeline=1, lsn="0/5000000", degrade=record)


def test_db_status_says_degraded_and_a_failover_knows():
    record = {"state": "degraded", "mode": "sync", "since": "2026-12-06T07:00:00Z",
              "reason": "sync standby his-db-2 gone", "degrades": 1, "age_s": 1}  # fmt: skip
    standby = NodeState(name="his-db-2", role="stopped", cluster_state="in archive recovery")
    verdict = assess([primary_node(record), standby]).as_dict()
    lines = describe(verdict)
    assert "DEGRADED to async since 2026-12-06T07:00:00Z" in lines[0]
    assert any(line.startswith("WARNING: DEGRADED: his-db-1 runs async") for line in lines)
    # the primary crashed while degraded: the standby is promoted - loss is not excluded
    crashed = NodeState(name="his-db-1", role="stopped", cluster_state="in production",
                        degrade=record)  # fmt: skip
    cand = NodeState(name="his-db-2", role="standby", receive_lsn="0/4000000", timeline=1)
    verdict = assess([crashed, cand]).as_dict()
    assert verdict["needs_accept_data_loss"]
    assert "the pair was DEGRADED to async by his-db-1" in verdict["failover"]["summary"]


def test_a_stale_record_says_the_service_is_not_running():
    record = {"state": "sync", "mode": "sync", "age_s": 120}
    standby = NodeState(name="his-db-2", role="stopped", cluster_state="in archive recovery")
    warnings = assess([primary_node(record), standby]).as_dict()["warnings"]
    assert any("has not written its record for 120 s" in w for w in warnings)


def test_the_service_refuses_a_bad_settings_file_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "sync-degrade.json"
    bad.write_text(json.dumps({"node": "his-db-1", "peer": "his-db-2", "mode": "lax"}))
    assert degrade.main(["degrade", str(bad)]) == 2
    assert "mode: 'lax': choose one of" in capsys.readouterr().err
    assert degrade.main(["degrade"]) == 2


def test_strict_mode_records_the_stall_and_db_status_says_it(tmp_path, monkeypatch):
    svc = service(tmp_path, monkeypatch, mode="strict", degrade_after_s=1)
    svc.decider.last_alive = 0.0
    gone = Observation(primary=True, waiting=3)
    assert svc.steady_state(gone, 0.5) == "strict"
    assert svc.steady_state(gone, 2.0) == "stalled"
    assert "3 commit(s) waiting (strict: no degrade)" in svc.record.reason
    record = {"state": "stalled", "mode": "strict", "since": "t", "reason": svc.record.reason}
    standby = NodeState(name="his-db-2", role="stopped", cluster_state="in archive recovery")
    verdict = assess([primary_node(record), standby]).as_dict()
    assert verdict["warnings"][0].startswith("STALLED: his-db-1 is in strict sync mode")
    assert "STALLED since t" in describe(verdict)[0]
