"""Issue 14 on 21 real lab workstations: a rollback after a stopped canary whose releases
were pruned meanwhile, and a rollout that defers the workstations an isolation cut off (its
own fleet, so it runs beside the other client files)."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.client import sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import ArtifactStore

from .client_workstations import ClientLab, boot

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def client_lab(tmp_path_factory: pytest.TempPathFactory):
    with boot(tmp_path_factory) as lab:
        yield lab


# ---------------------------------------------------------------- issue 14
A, B, C = "3.0.0", "3.1.0", "3.2.0"


def publish(lab: ClientLab, version: str, broken: bool = False) -> None:
    built = sample.build_tarball(version, str(lab.workdir), broken=broken)
    ArtifactStore(str(lab.store)).publish(built, "his-client", version, "tar")


def test_rollback_after_a_canary_stopped_on_a_release_pruned_meanwhile(
    client_lab: ClientLab,
) -> None:
    """Issue 14, bug 1, as a new user meets it: workstations holding older releases (of
    an earlier numbering, 2023.x, sorting above 3.x), A then B rolled out (test group,
    then everyone), C stopped at the canary and put back on B, then a rollback without a
    version: it must reach A everywhere, the canaries included. One workstation lost A's
    release and package meanwhile: A comes from the artifact store, checksummed."""
    lab = client_lab
    limit = "ws_laboratory,ws_radiology"
    groups = lab.groups()
    hosts = groups["ws_laboratory"] + groups["ws_radiology"]
    for host in hosts:
        for old in ("2023.1", "2023.2", "2023.3"):
            lab.fleet.run(host, ["mkdir", "-p", f"/opt/his-client/releases/{old}"])
    for version, broken in ((A, False), (B, False), (C, True)):
        publish(lab, version, broken)
    for version in (A, B):
        tested = lab.run("client_update", version=version, group="client_test")
        assert tested.rc == 0, tested.stdout[-3000:]
        done = lab.run("client_update", limit=limit, version=version)
        assert done.rc == 0, done.stdout[-3000:]
    assert {lab.current(h) for h in hosts} == {B}

    stopped = lab.run(
        "client_update",
        limit=limit,
        version=C,
        skip_test_gate=True,
        skip_test_gate_reason="vendor hotfix, ward lead approved",
    )
    assert stopped.rc != 0 and f"rollout of {C} stopped: canary failed" in stopped.stdout
    canary = set(lab.ledger()["runs"][-1]["canary"])
    assert len(canary) == 2 and {lab.current(h) for h in hosts} == {B}
    for host in canary:  # the state the revert restored points at A: A stays
        assert A in lab.releases(host), (host, lab.releases(host))

    lost = next(h for h in hosts if h not in canary)
    lab.fleet.run(
        lost,
        [
            "/bin/sh",
            "-c",
            f"rm -rf /opt/his-client/releases/{A} /opt/his-client/packages/his-client-{A}.tar.gz",
        ],
    )
    back = lab.run("client_rollback", limit=limit)
    assert back.rc == 0, back.stdout[-3000:]
    assert {h: lab.current(h) for h in hosts} == dict.fromkeys(hosts, A)
    assert A in lab.releases(lost)
    assert lab.ledger()["runs"][-1]["results"] == dict.fromkeys(hosts, "ok")
    assert lab.run("client_rollback", limit=limit).changed_hosts() == set()


def test_a_rollout_defers_isolated_workstations_and_the_audit_brings_them_up_after(
    client_lab: ClientLab,
) -> None:
    """Issue 14: with the pharmacy isolated by hisops (a hold in the deliberate state; its
    workstations cut off), a hospital-wide update does not stop at a pharmacy canary: the
    pharmacy is deferred ("isolated" in the ledger), canaries are picked among reachable
    workstations, every other department gets the update; the rollout is a hold while it
    runs. After the reconnection, client_audit remediate brings the pharmacy up."""
    from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

    lab = client_lab
    groups = lab.groups()
    pharmacy, ward = groups["ws_pharmacy"], groups["ws_inpatient_ward"]
    D = "4.0.0"
    publish(lab, D)
    before = lab.versions()
    state = StateStore(str(lab.workdir / "state"))
    addresses = {h: lab.fleet.specs[h].address for h in pharmacy}
    state.open(
        "isolation",
        "segment:PHARMACY",
        id="iso-pharmacy",
        operator="netops",
        summary="isolate segment PHARMACY",
        # a hold names endpoints by name, IP or MAC: the last one only by its address
        endpoints=[{"name": h} for h in pharmacy[:-1]] + [{"ip": addresses[pharmacy[-1]]}],
    )
    away = ward[0]  # not isolated but not answering: no canary, recorded in its batch
    for host in [*pharmacy, away]:
        lab.fleet.set_reachable(host, False)
    try:
        done = lab.run(
            "client_update",
            version=D,
            batch_size=5,
            max_fail_percent=40,
            skip_test_gate=True,
            skip_test_gate_reason="security fix, CIO approved",
        )
        assert done.rc == 0, done.stdout[-3000:]
        ledger = lab.ledger()
        run = ledger["runs"][-1]
        assert run["outcome"] == "completed"
        assert not set(run["canary"]) & set(pharmacy) and away not in run["canary"]
        assert ward[1] in run["canary"] and len(run["canary"]) == 4
        for host in pharmacy:
            assert run["results"][host] == "isolated" and lab.current(host) == before[host]
            last = ledger["hosts"][host]["history"][-1]
            assert (last["action"], last["result"], last["target"]) == ("update", "isolated", D)
            assert "isolation iso-pharmacy" in last["message"]
        assert run["results"][away] == "unreachable"
        others = [h for h in lab.hosts if h not in pharmacy and h != away]
        assert {lab.current(h) for h in others} == {D}
        rollouts = [h for h in state.history() if h.kind == "rollout"]
        assert rollouts and rollouts[0].state == "closed" and rollouts[0].details["version"] == D
        assert {e["name"] for e in rollouts[0].endpoints} == set(lab.hosts) - set(pharmacy)
        assert set(rollouts[0].details["deferred"]) == set(pharmacy)
        lab.fleet.set_reachable(away, True)

        audit = lab.run("client_audit", remediate=True)  # still isolated: left alone
        assert audit.rc == 0, audit.stdout[-3000:]
        rows = {a["host"]: a for a in audit.report("client-audit.json")["workstations"]}
        assert {rows[h]["state"] for h in pharmacy} == {"isolated"}
        assert {lab.current(h) for h in pharmacy} == {before[h] for h in pharmacy}
        assert lab.current(away) == D  # the one that was away is reconciled
    finally:
        state.close("iso-pharmacy", operator="netops")  # the reconnection
        for host in [*pharmacy, away]:
            lab.fleet.set_reachable(host, True)
    fixed = lab.run("client_audit", remediate=True)
    assert fixed.rc == 0, fixed.stdout[-3000:]
    assert set(lab.versions().values()) == {D}
    for host in pharmacy:
        last = lab.ledger()["hosts"][host]["history"][-1]
        assert (last["action"], last["result"], last["version"]) == ("reconcile", "ok", D)
        assert last["message"].startswith("was behind: deferred by run")


# ---------------------------------------------------------------- issue 16
def test_a_full_disk_fails_the_update_there_and_the_rerun_after_the_clear_brings_it_up(
    client_lab: ClientLab,
) -> None:
    """Issue 16: a workstation whose disk is full (the lab's disk_full fault, the real
    thing: its own filesystem filled, no tmpfs over /opt any more) cannot take a new
    version. The rollout reports it failed there, it keeps running its old version and
    the ledger says so; once the disk has room again, the same command brings it up."""
    lab = client_lab
    old, new = "4.0.0", "5.0.0"
    radiology = lab.groups()["ws_radiology"]
    full = radiology[-1]  # not the department's canary: a canary failure stops everything
    command = {
        "skip_test_gate": True,
        "skip_test_gate_reason": "ward lead approved",
        "max_fail_percent": 50,
    }
    if {lab.current(h) for h in radiology} != {old}:  # this test run alone
        publish(lab, old)
        assert lab.run("client_update", limit="ws_radiology", version=old, **command).rc == 0
    publish(lab, new)
    fault = lab.fleet.fault(full, "disk_full", path="/opt/his-client")
    try:
        assert fault["left_bytes"] == 0
        done = lab.run("client_update", limit="ws_radiology", version=new, **command)
        assert done.rc == 0, done.stdout[-3000:]  # not beyond the threshold: reported
        run = lab.ledger()["runs"][-1]
        assert run["outcome"] == "completed" and full not in run["canary"]
        assert run["results"] == {h: "ok" for h in radiology} | {full: "failed"}
        assert "failed: " in done.stdout and "No space left on device" in done.stdout
        assert lab.current(full) == old and new not in lab.releases(full)
        assert {lab.current(h) for h in radiology if h != full} == {new}
        host = lab.ledger()["hosts"][full]
        last = host["history"][-1]
        assert (host["current"], last["result"], last["target"]) == (old, "failed", new)
        assert "No space left on device" in last["message"]
    finally:
        lab.fleet.clear_fault(full, "disk_full")
    again = lab.run("client_update", limit="ws_radiology", version=new, **command)
    assert again.rc == 0, again.stdout[-3000:]
    assert {lab.current(h) for h in radiology} == {new}
    ledger = lab.ledger()
    assert ledger["runs"][-1]["results"][full] == "ok"
    assert {ledger["hosts"][h]["current"] for h in radiology} == {new}
