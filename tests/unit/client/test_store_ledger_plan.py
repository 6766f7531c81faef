"""Artifact store (checksums), ledger (records, audit verdicts, HTML) and rollout plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.client import ledger, sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import (
    ChecksumMismatch,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import (
    batch_verdict,
    plan_rollout,
)
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import (
    ArtifactStore,
    version_key,
)

GROUPS = {
    "all": ["a1", "a2", "a3", "b1", "b2", "c1", "db"],
    "workstations": ["a1", "a2", "a3", "b1", "b2", "c1"],
    "ws_a": ["a1", "a2", "a3"],
    "ws_b": ["b1", "b2"],
    "ws_c": ["c1"],
    "client_test": ["a1"],
    "db_servers": ["db"],
}


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    st = ArtifactStore(str(tmp_path / "artifacts"))
    build = tmp_path / "build"
    build.mkdir()
    for version in ("2.0.0", "2.1.0"):
        st.publish(sample.build_tarball(version, str(build)), "his-client", version, "tar")
    return st


def test_publish_is_idempotent_and_versions_are_immutable(tmp_path, store):
    build = tmp_path / "build"
    again = store.publish(str(build / "his-client-2.0.0.tar.gz"), "his-client", "2.0.0", "tar")
    assert again["changed"] is False
    other = sample.build_tarball("2.0.0", str(tmp_path), broken=True)
    with pytest.raises(InputError, match="immutable"):
        store.publish(other, "his-client", "2.0.0", "tar")
    assert store.versions("his-client") == ["2.0.0", "2.1.0"]


def test_resolve_verifies_checksum(store):
    art = store.resolve("his-client", "2.1.0")
    Path(art.path).write_bytes(Path(art.path).read_bytes() + b"junk")
    with pytest.raises(ChecksumMismatch, match="corrupted"):
        store.resolve("his-client", "2.1.0")
    with pytest.raises(InputError, match="not in the artifact store.*2.0.0"):
        store.resolve("his-client", "7.7.7")


def test_version_sort_is_numeric():
    assert sorted(["2.10.0", "2.9.1", "10.0"], key=version_key) == ["2.9.1", "2.10.0", "10.0"]


def plan(store, ledger_data=None, **kw):
    args = dict(
        store_root=store.root,
        package="his-client",
        version="2.1.0",
        kind="tar",
        group="workstations",
        groups=GROUPS,
        ledger=ledger_data or ledger.empty_ledger(),
    )
    args.update(kw)
    return plan_rollout(**args)


def test_gate_refuses_until_the_test_group_passed(store):
    with pytest.raises(InputError, match="^version: 2.1.0 has not passed on the test group"):
        plan(store)
    data = ledger.empty_ledger()
    ledger.record(
        data,
        [{"host": "a1", "action": "update", "version": "2.1.0", "result": "ok"}],
        {"run_id": "r1"},
    )
    result = plan(store, data, batch_size=2)
    assert result["canary"] == ["a1", "b1", "c1"]
    assert result["batches"] == [["a2", "a3"], ["b2"]]
    assert result["artifact"]["sha256"] == store.resolve("his-client", "2.1.0").sha256


def test_gate_skip_needs_a_reason_and_bad_groups_are_named(store):
    with pytest.raises(InputError, match="^skip_test_gate_reason:"):
        plan(store, skip_test_gate=True)
    assert plan(store, skip_test_gate=True, skip_test_gate_reason="CVE fix")["test_gate"]["skipped"]
    with pytest.raises(InputError, match="^group: unknown group 'ws_nowhere'"):
        plan(store, group="ws_nowhere")
    with pytest.raises(InputError, match="^group: .*not workstations: db"):
        plan(store, group="all_servers", groups={**GROUPS, "all_servers": ["db"]})
    with pytest.raises(InputError, match="^version: .*not in the artifact store"):
        plan(store, version="3.0.0", group="client_test")


def test_batch_verdict_canary_tolerates_nothing():
    outcomes = [{"host": "a", "result": "ok"}, {"host": "b", "result": "unreachable"}]
    assert batch_verdict(outcomes, 60, canary=True)["halt"] is True
    assert batch_verdict(outcomes, 60, canary=False)["halt"] is False
    assert batch_verdict(outcomes, 40, canary=False)["halt"] is True


def test_ledger_known_good_and_audit_states(tmp_path):
    led = ledger.Ledger(str(tmp_path / "ledger.json"))
    with led.update() as data:
        ledger.record(
            data,
            [
                {
                    "host": "a",
                    "action": "update",
                    "from": "1",
                    "version": "2",
                    "target": "2",
                    "result": "ok",
                    "expected": "2",
                },
                {
                    "host": "b",
                    "action": "update",
                    "from": "1",
                    "version": "1",
                    "target": "2",
                    "result": "rolled_back",
                    "expected": "2",
                },
                {
                    "host": "c",
                    "action": "update",
                    "from": "1",
                    "version": None,
                    "target": "2",
                    "result": "unreachable",
                    "expected": "2",
                },
            ],
            {"run_id": "r1", "operator": "nurse-it"},
        )
    data = led.read()
    assert data["hosts"]["a"]["known_good"] == "2" and data["hosts"]["b"]["known_good"] is None
    assert data["hosts"]["a"]["history"][0]["by"] == "nurse-it"
    states = {
        h: ledger.classify(data, h, actual, reach, True)["state"]
        for h, actual, reach in (("a", "2", True), ("b", "1", True), ("c", "1", False))
    }
    assert states == {"a": "current", "b": "rolled_back", "c": "offline"}
    returned = ledger.classify(data, "c", "1", True, True)
    assert returned["state"] == "behind" and "unreachable during run r1" in returned["reason"]
    assert ledger.classify(data, "a", "2", True, False)["state"] == "failed"
    paths = ledger.write_reports(data, str(tmp_path / "rep"))
    assert "nurse-it" in Path(paths["html"]).read_text()


def test_ledger_and_audit_html_show_each_workstation_escaped(tmp_path):
    data = {"hosts": {}, "runs": []}
    ledger.record(
        data,
        [
            {
                "host": "ws<1>",
                "action": "update",
                "from": "1",
                "version": "2",
                "result": "failed",
                "message": "<script>alert(1)</script>",
            },
            {"host": "ws2", "action": "update", "from": "1", "version": "2", "result": "ok"},
        ],
        {"run_id": "r&1", "operator": "nurse-it"},
    )
    ledger.add_run(
        data,
        {
            "playbook": "client_update",
            "version": "2",
            "outcome": "stopped",
            "run_id": "r&1",
            "operator": "nurse-it",
            "at": "t",
            "fleet_expected": "2",
        },
    )
    audit = [
        ledger.classify(data, h, actual, True, True) for h, actual in (("ws<1>", "1"), ("ws2", "2"))
    ]
    paths = ledger.write_reports(data, str(tmp_path), audit=audit)
    page = Path(paths["html"]).read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<tr class=") == 2
    assert (
        "<tr class='failed'><td>ws&lt;1&gt;</td>" in page and "<tr class='ok'><td>ws2</td>" in page
    )
    assert (
        "<td>r&amp;1</td><td>nurse-it</td><td>client_update</td><td>2</td><td>stopped</td>" in page
    )
    report = Path(paths["audit_html"]).read_text()
    assert [a["state"] for a in audit] == ["failed", "current"]
    assert ": current 1, failed 1</p>" in report  # the counts, by state
    assert report.index("ws&lt;1&gt;") < report.index("ws2")  # not current first


def test_ledger_check_mode_writes_nothing(tmp_path):
    led = ledger.Ledger(str(tmp_path / "ledger.json"))
    with led.update(check_mode=True) as data:
        ledger.record(data, [{"host": "a", "action": "update", "version": "2", "result": "ok"}], {})
    assert not Path(led.path).exists()
    with pytest.raises(InputError, match="result"):
        ledger.record(
            ledger.empty_ledger(), [{"host": "a", "action": "update", "result": "meh"}], {}
        )


def test_remediation_per_audit_state(tmp_path):
    """remediate=true: update the ones behind, retry a failure only with another version,
    wait for offline ones, and name why a person must look at the rest."""
    data = ledger.empty_ledger()
    ledger.record(
        data,
        [
            {
                "host": "behind",
                "action": "update",
                "version": None,
                "target": "2",
                "result": "unreachable",
                "expected": "2",
            },
            {
                "host": "rolled",
                "action": "update",
                "from": "1",
                "version": "1",
                "target": "2",
                "result": "rolled_back",
                "expected": "2",
            },
            {
                "host": "failed-same",
                "action": "update",
                "from": "1",
                "version": "1",
                "target": "2",
                "result": "failed",
                "message": "dpkg: error",
                "expected": "2",
            },
            {
                "host": "failed-other",
                "action": "update",
                "from": "1",
                "version": "1",
                "target": "3",
                "result": "failed",
                "message": "disk full",
            },
            {
                "host": "failed-other",
                "action": "rollback",
                "version": "1",
                "target": "1",
                "result": "ok",
                "expected": "2",
            },
            {
                "host": "failed-other",
                "action": "update",
                "from": "1",
                "version": "1",
                "target": "3",
                "result": "failed",
                "message": "disk full",
            },
            {
                "host": "unhealthy",
                "action": "update",
                "from": "1",
                "version": "2",
                "target": "2",
                "result": "ok",
                "expected": "2",
            },
        ],
        {"run_id": "r1"},
    )

    def verdict(host, actual, reachable=True, healthy=True):
        return ledger.classify(data, host, actual, reachable, healthy)

    got = {
        "behind": verdict("behind", "1"),
        "offline": verdict("behind", None, reachable=False),
        "rolled": verdict("rolled", "1"),
        "failed-same": verdict("failed-same", "1"),
        "failed-other": verdict("failed-other", "1"),
        "unhealthy": verdict("unhealthy", "2", healthy=False),
        "current": verdict("unhealthy", "2"),
    }
    assert {h: (v["state"], v["remediation"]) for h, v in got.items()} == {
        "behind": ("behind", "update"),
        "offline": ("offline", "wait"),
        "rolled": ("rolled_back", "attention"),
        "failed-same": ("failed", "attention"),
        "failed-other": ("failed", "update"),
        "unhealthy": ("failed", "attention"),
        "current": ("current", "none"),
    }
    assert got["behind"]["remediation_reason"].startswith(
        "was behind: was unreachable during run r1"
    )
    assert "2 itself failed its health check here" in got["rolled"]["remediation_reason"]
    assert (
        "2 failed here (dpkg: error); not tried again" in got["failed-same"]["remediation_reason"]
    )
    assert got["failed-other"]["remediation_reason"].startswith(
        "retry: the last update (to 3) failed, 2 has not failed here"
    )


def test_isolated_workstations_are_deferred_and_canaries_answer(store):
    """Issue 14: a rollout defers what an open isolation cut off and picks its canaries
    among workstations that answer; an unreachable one stays in its batch."""
    asked = []

    def probe(hosts):
        asked.append(list(hosts))
        return [h for h in hosts if h != "a1"]

    plan = plan_rollout(
        store_root=store.root,
        package="his-client",
        version="2.0.0",
        kind="tar",
        group="workstations",
        groups=GROUPS,
        ledger=ledger.empty_ledger(),
        skip_test_gate=True,
        skip_test_gate_reason="x",
        batch_size=2,
        isolated={"b1": "isolation iso-1 (segment:B)", "b2": "isolation iso-1 (segment:B)"},
        probe=probe,
    )
    assert plan["deferred"] == {
        "b1": "isolation iso-1 (segment:B)",
        "b2": "isolation iso-1 (segment:B)",
    }
    assert plan["canary"] == ["a2", "c1"] and plan["unreachable"] == ["a1"]
    assert asked == [["a1", "c1"], ["a2"]]  # one round, then the next candidate of ws_a
    assert plan["rest"] == ["a1", "a3"] and plan["batches"] == [["a1", "a3"]]
    audit = plan_rollout(
        store_root=store.root,
        package="his-client",
        version=None,
        kind="tar",
        group="workstations",
        groups=GROUPS,
        ledger=ledger.empty_ledger(),
        purpose="audit",
        isolated={"c1": "isolation iso-2"},
    )
    assert audit["deferred"] == {"c1": "isolation iso-2"}


def test_an_isolated_workstation_is_left_alone_then_brought_up_after_the_reconnection():
    data = ledger.empty_ledger()
    ledger.record(
        data,
        [
            {
                "host": "p1",
                "action": "update",
                "target": "2",
                "result": "isolated",
                "message": "deferred: isolation iso-1 (segment:PHARMACY)",
                "expected": "2",
            }
        ],
        {"run_id": "r9"},
    )
    held = ledger.classify(data, "p1", "1", True, True, isolated="isolation iso-1 (segment:30)")
    assert (held["state"], held["remediation"]) == ("isolated", "wait")
    assert ledger.classify(data, "p1", None, False, None, isolated="iso-1")["state"] == "isolated"
    after = ledger.classify(data, "p1", "1", True, True)
    assert (after["state"], after["remediation"]) == ("behind", "update")
    assert after["reason"].startswith("deferred by run r9") and "iso-1" in after["reason"]


def test_the_rollout_is_a_hold_while_it_runs(tmp_path):
    from ansible_collections.hisops.emergency.plugins.module_utils.client.hold import (
        isolated_workstations,
    )
    from ansible_collections.hisops.emergency.plugins.module_utils.state.holds import (
        HoldInputError,
        set_hold,
    )
    from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

    def rollout_hold(state_dir, state, hold_id, group="", version="", hosts=(), details=None, **kw):
        return set_hold(
            state_dir,
            state,
            hold_id,
            kind="rollout",
            key=f"client:{group or 'workstations'}",
            endpoints=hosts,
            details=dict(details or {}, version=version, group=group),
            **kw,
        )

    state_dir = str(tmp_path / "state")
    StateStore(state_dir).open(
        "isolation",
        "segment:30",
        id="iso-1",
        operator="netops",
        endpoints=[{"name": "pharm-01"}, {"ip": "10.10.30.102"}],
    )
    found = isolated_workstations(
        state_dir, {"pharm-01": [], "pharm-02": ["10.10.30.102"], "opd-01": ["10.10.10.101"]}
    )
    assert set(found) == {"pharm-01", "pharm-02"} and "iso-1" in found["pharm-02"]

    preview = rollout_hold(state_dir, "open", "rollout-r1", check_mode=True)
    assert preview["changed"] and StateStore(state_dir).get("rollout-r1") is None
    opened = rollout_hold(
        state_dir,
        "open",
        "rollout-r1",
        operator="it",
        group="workstations",
        version="2.1.0",
        hosts=["opd-01"],
        details={"canary": ["opd-01"]},
    )
    assert (opened["changed"], opened["before"], opened["after"]) == (True, "absent", "open")
    active = StateStore(state_dir).active(kind="rollout")
    assert [h.id for h in active] == ["rollout-r1"] and active[0].endpoints == [{"name": "opd-01"}]
    assert rollout_hold(state_dir, "open", "rollout-r1")["changed"] is False
    assert rollout_hold(state_dir, "closed", "rollout-r1", operator="it")["changed"] is True
    assert StateStore(state_dir).active(kind="rollout") == []
    assert rollout_hold(state_dir, "closed", "rollout-r1")["changed"] is False
    with pytest.raises(HoldInputError, match="^id: hold iso-1 is a isolation"):
        rollout_hold(state_dir, "closed", "iso-1")
