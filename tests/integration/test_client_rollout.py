"""Issue 8: HIS client rollout and audit against 21 real lab workstations.

One fleet for the module (real sshd per workstation, Ansible as an operator runs it);
the tests build on each other in file order, like the life of a hospital's client:
refusals first (nothing touched), the test gate, a good version everywhere, a second
run and check mode changing nothing, a bad version stopped at the canary, failures
beyond the threshold mid-rollout, an unreachable workstation reconciled. Rollbacks are in
test_client_rollback.py, issue 14's sequences in test_client_deliberate.py (own fleets,
run side by side).
"""

from __future__ import annotations

import pytest

from .client_workstations import BAD, GOOD, NEXT, WORKSTATIONS, ClientLab, boot

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def client_lab(tmp_path_factory: pytest.TempPathFactory):
    with boot(tmp_path_factory) as lab:
        yield lab


def test_bad_input_is_refused_before_any_workstation_is_touched(client_lab: ClientLab) -> None:
    lab = client_lab
    done = lab.run("client_update", version="9.9.9", group="client_test")
    assert done.rc != 0
    assert "refused before any workstation was touched: version:" in done.stdout, done.stdout[
        -2000:
    ]
    # a corrupted package: one byte changed after it entered the store
    package = lab.store / "his-client" / f"his-client-{GOOD}.tar.gz"
    saved = package.read_bytes()
    package.write_bytes(saved[:-40] + bytes([saved[-40] ^ 0xFF]) + saved[-39:])
    try:
        done = lab.run("client_update", version=GOOD, group="client_test")
    finally:
        package.write_bytes(saved)
    assert done.rc != 0 and "does not match" in done.stdout and "corrupted" in done.stdout
    unknown = lab.run("client_rollback", group="ws_nowhere")
    assert unknown.rc != 0 and "group: unknown group 'ws_nowhere'" in unknown.stdout
    # a colleague's rollout to some of the same workstations is in progress (issue 14)
    from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

    state = StateStore(str(lab.workdir / "state"))
    state.open(
        "rollout",
        "client:client_test",
        id="rollout-colleague",
        operator="alice",
        endpoints=[{"name": lab.groups()["client_test"][0]}],
    )
    try:
        busy = lab.run("client_update", version=GOOD, group="client_test")
    finally:
        state.close("rollout-colleague", "alice")
    assert (
        busy.rc != 0
        and "rollout rollout-colleague (client:client_test) opened by alice" in busy.stdout
    )
    assert lab.versions() == dict.fromkeys(lab.hosts)
    assert all(lab.releases(h) == [] for h in lab.hosts)


def test_test_gate_then_a_good_version_reaches_every_workstation(client_lab: ClientLab) -> None:
    lab = client_lab
    refused = lab.run("client_update", version=GOOD)
    assert refused.rc != 0 and "has not passed on the test group client_test" in refused.stdout
    assert lab.versions() == dict.fromkeys(lab.hosts)

    tested = lab.run("client_update", version=GOOD, group="client_test")
    assert tested.rc == 0, tested.stdout[-3000:]
    test_hosts = set(lab.groups()["client_test"])
    assert {h for h, v in lab.versions().items() if v == GOOD} == test_hosts

    done = lab.run("client_update", version=GOOD, batch_size=6)
    assert done.rc == 0, done.stdout[-3000:]
    assert set(lab.versions().values()) == {GOOD}
    ledger = lab.ledger()
    assert ledger["fleet_expected"] == GOOD
    for host in lab.hosts:
        entry = ledger["hosts"][host]
        assert entry["known_good"] == GOOD and entry["expected"] == GOOD
        assert entry["history"][-1]["result"] == "ok" and entry["history"][-1]["by"]
    assert (lab.workdir / "reports" / "client-ledger.html").read_text().count("<tr class=") == 21


def test_a_second_run_changes_nothing(client_lab: ClientLab) -> None:
    before = client_lab.ledger_path.read_bytes()
    again = client_lab.run("client_update", version=GOOD, batch_size=6)
    assert again.rc == 0, again.stdout[-3000:]
    assert again.changed_hosts() == set(), again.stats
    assert client_lab.ledger_path.read_bytes() == before


def test_check_mode_changes_nothing(client_lab: ClientLab) -> None:
    lab = client_lab
    before = lab.ledger_path.read_bytes()
    preview = lab.run(
        "client_update",
        check=True,
        version=NEXT,
        skip_test_gate=True,
        skip_test_gate_reason="preview only",
    )
    assert preview.rc == 0, preview.stdout[-3000:]
    assert len(preview.changed_by("switch, health check")) == WORKSTATIONS
    assert set(lab.versions().values()) == {GOOD}
    assert all(lab.releases(h) == [GOOD] for h in lab.hosts)
    assert lab.ledger_path.read_bytes() == before


def test_a_bad_version_stops_after_the_canary_and_nothing_else_changes(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    canary = set(lab.plan(BAD, skip_test_gate=True, skip_test_gate_reason="x")["canary"])
    assert len(canary) == 5  # one per department
    done = lab.run(
        "client_update",
        version=BAD,
        skip_test_gate=True,
        skip_test_gate_reason="vendor hotfix, ward lead approved",
    )
    assert done.rc != 0 and f"rollout of {BAD} stopped: canary failed" in done.stdout
    assert set(lab.versions().values()) == {GOOD}
    ledger = lab.ledger()
    run = ledger["runs"][-1]
    assert run["outcome"] == "halted" and set(run["canary"]) == canary
    for host in lab.hosts:
        last = ledger["hosts"][host]["history"][-1]
        if host in canary:
            assert (last["result"], last["version"], last["target"]) == ("rolled_back", GOOD, BAD)
            assert "health check failed" in last["message"]
            assert BAD in lab.releases(host)
        else:
            assert last["target"] == GOOD, "a workstation outside the canary was touched"
            assert lab.releases(host) == [GOOD]
            assert run["results"][host] == "skipped"
        assert ledger["hosts"][host]["expected"] == GOOD


def test_failures_beyond_the_threshold_put_every_switched_workstation_back(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    tested = lab.run("client_update", version=NEXT, group="client_test")
    assert tested.rc == 0, tested.stdout[-3000:]
    plan = lab.plan(NEXT, batch_size=4, max_fail_percent=25)
    first, second, *later = plan["batches"]
    failing = second[:2]  # 2 of 4 = 50% > 25%
    for host in failing:
        lab.fleet.run(host, ["/bin/sh", "-c", f"echo {NEXT} > /etc/his-client/fail-health"])
    try:
        done = lab.run("client_update", version=NEXT, batch_size=4, max_fail_percent=25)
    finally:
        for host in failing:
            lab.fleet.run(host, ["rm", "-f", "/etc/his-client/fail-health"])
    assert done.rc != 0 and "batch failed on" in done.stdout, done.stdout[-3000:]
    test_hosts = set(lab.groups()["client_test"])
    versions = lab.versions()
    assert {h for h, v in versions.items() if v == NEXT} == test_hosts
    ledger = lab.ledger()
    run = ledger["runs"][-1]
    switched = (set(plan["canary"]) | set(first) | set(second)) - test_hosts - set(failing)
    for host in switched:
        assert run["results"][host] == "reverted", host
        assert ledger["hosts"][host]["history"][-1]["action"] == "revert"
    for host in failing:
        assert run["results"][host] == "rolled_back"
    for host in (h for batch in later for h in batch):
        assert run["results"][host] == "skipped" and NEXT not in lab.releases(host)


def test_an_unreachable_workstation_is_reported_and_reconciled_when_it_returns(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    plan = lab.plan(NEXT, batch_size=5)
    away = plan["batches"][1][0]  # 1 of 5 = 20%, not above the threshold
    lab.fleet.set_reachable(away, False)
    try:
        done = lab.run("client_update", version=NEXT, batch_size=5)
        assert done.rc == 0, done.stdout[-3000:]
        assert lab.ledger()["runs"][-1]["results"][away] == "unreachable"
        audit = lab.run("client_audit")
        assert audit.rc == 0, audit.stdout[-3000:]
        offline = audit.report("client-audit.json")
        states = {a["host"]: a["state"] for a in offline["workstations"]}
        assert states[away] == "offline"
        assert {s for h, s in states.items() if h != away} == {"current"}
    finally:
        lab.fleet.set_reachable(away, True)
    assert lab.current(away) == GOOD
    fixed = lab.run("client_audit", remediate=True)
    assert fixed.rc == 0, fixed.stdout[-3000:]
    assert set(lab.versions().values()) == {NEXT}
    last = lab.ledger()["hosts"][away]["history"][-1]
    assert (last["action"], last["result"], last["version"]) == ("reconcile", "ok", NEXT)
    assert last["message"].startswith("was behind: was unreachable during run")
    assert {a["state"] for a in fixed.report("client-audit.json")["workstations"]} == {"current"}
    assert lab.ledger()["runs"][-1]["remediated"] == {away: verdict_reason(lab, away)}


def verdict_reason(lab: ClientLab, host: str) -> str:
    return lab.ledger()["hosts"][host]["history"][-1]["message"].removeprefix("was behind: ")
