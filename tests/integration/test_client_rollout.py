"""Issue 8: HIS client rollout, rollback, audit and ledger against 21 real lab workstations.

One fleet for the module (real sshd per workstation, Ansible as an operator runs it);
the tests build on each other in file order, like the life of a hospital's client:
refusals first (nothing touched), the test gate, a good version everywhere, a second
run and check mode changing nothing, a bad version stopped at the canary, failures
beyond the threshold mid-rollout, an unreachable workstation reconciled, rollbacks.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible_collections.hisops.emergency.plugins.module_utils.client import ledger as ledger_lib
from ansible_collections.hisops.emergency.plugins.module_utils.client import sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import plan_rollout
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import ArtifactStore

from hisops.lab.hosts import HostFleet, HostLabError

from .client_lab import free_octet, workstation_specs
from .playbooks import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab

WORKSTATIONS = 21
GOOD, NEXT, BAD = "2.0.0", "2.1.0", "2.2.0"


class ClientLab:
    def __init__(self, fleet: HostFleet, workdir: Path) -> None:
        self.fleet = fleet
        self.workdir = workdir
        self.inventory = fleet.inventory_file
        self.store = workdir / "artifacts"
        self.ledger_path = workdir / "client" / "ledger.json"
        self.hosts = list(fleet.specs)

    def run(self, playbook: str, check: bool = False, limit: str | None = None,
            **extravars) -> PlaybookRun:
        old = {k: os.environ.get(k) for k in ("HISOPS_ARTIFACT_DIR", "HISOPS_CLIENT_LEDGER")}
        os.environ["HISOPS_ARTIFACT_DIR"] = str(self.store)
        os.environ["HISOPS_CLIENT_LEDGER"] = str(self.ledger_path)
        try:
            return run_playbook(playbook, self.inventory, self.workdir, extravars or None,
                                check=check, limit=limit)
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def current(self, host: str) -> str | None:
        link = self.fleet.path(host, "/opt/his-client/current")
        return os.readlink(link).rsplit("/", 1)[-1] if os.path.islink(link) else None

    def versions(self) -> dict[str, str | None]:
        return {h: self.current(h) for h in self.hosts}

    def releases(self, host: str) -> list[str]:
        path = self.fleet.path(host, "/opt/his-client/releases")
        return sorted(p.name for p in path.iterdir()) if path.is_dir() else []

    def ledger(self) -> dict:
        return json.loads(self.ledger_path.read_text())

    def groups(self) -> dict[str, list[str]]:
        inventory = InventoryManager(loader=DataLoader(), sources=[str(self.inventory)])
        return inventory.get_groups_dict()

    def plan(self, version: str, **kw) -> dict:
        return plan_rollout(store_root=str(self.store), package="his-client", version=version,
                            kind="tar", group="workstations", groups=self.groups(),
                            ledger=self.ledger(), **kw)


@pytest.fixture(scope="module")
def client_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientLab]:
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    state = tmp_path_factory.mktemp("clientfleet")
    fleet = HostFleet(state, workstation_specs(free_octet(), WORKSTATIONS))
    fleet.up()
    lab = ClientLab(fleet, tmp_path_factory.mktemp("clientwork"))
    try:
        # 2.0.0 the way an operator publishes; the others straight into the store (faster)
        done = lab.run("client_publish", version=GOOD, sample=True)
        assert done.rc == 0, done.stdout[-3000:]
        store = ArtifactStore(str(lab.store))
        for version, broken in ((NEXT, False), (BAD, True)):
            built = sample.build_tarball(version, str(lab.workdir), broken=broken)
            store.publish(built, "his-client", version, "tar")
        store.publish(sample.build_deb(NEXT, str(lab.workdir)), "his-client", NEXT, "deb")
        yield lab
    finally:
        fleet.down()


def test_bad_input_is_refused_before_any_workstation_is_touched(client_lab: ClientLab) -> None:
    lab = client_lab
    done = lab.run("client_update", version="9.9.9", group="client_test")
    assert done.rc != 0
    assert "refused before any workstation was touched: version:" in done.stdout, done.stdout[-2000:]
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
    state.open("rollout", "client:client_test", id="rollout-colleague", operator="alice",
               endpoints=[{"name": lab.groups()["client_test"][0]}])
    try:
        busy = lab.run("client_update", version=GOOD, group="client_test")
    finally:
        state.close("rollout-colleague", "alice")
    assert busy.rc != 0 and "rollout rollout-colleague (client:client_test) opened by alice" in busy.stdout
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
    preview = lab.run("client_update", check=True, version=NEXT, skip_test_gate=True,
                      skip_test_gate_reason="preview only")
    assert preview.rc == 0, preview.stdout[-3000:]
    assert len(preview.changed_by("switch, health check")) == WORKSTATIONS
    assert set(lab.versions().values()) == {GOOD}
    assert all(lab.releases(h) == [GOOD] for h in lab.hosts)
    assert lab.ledger_path.read_bytes() == before


def test_a_bad_version_stops_after_the_canary_and_nothing_else_changes(client_lab: ClientLab) -> None:
    lab = client_lab
    canary = set(lab.plan(BAD, skip_test_gate=True, skip_test_gate_reason="x")["canary"])
    assert len(canary) == 5  # one per department
    done = lab.run("client_update", version=BAD, skip_test_gate=True,
                   skip_test_gate_reason="vendor hotfix, ward lead approved")
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


def test_rollback_to_a_named_version_on_a_department_then_to_the_previous(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    pharmacy = set(lab.groups()["ws_pharmacy"])
    done = lab.run("client_rollback", version=GOOD, group="ws_pharmacy")
    assert done.rc == 0, done.stdout[-3000:]
    versions = lab.versions()
    assert {h for h, v in versions.items() if v == GOOD} == pharmacy
    expected = {h: e["expected"] for h, e in lab.ledger()["hosts"].items()}
    assert {h for h, v in expected.items() if v == GOOD} == pharmacy  # the audit follows

    everyone = lab.run("client_rollback")
    assert everyone.rc == 0, everyone.stdout[-3000:]
    assert set(lab.versions().values()) == {GOOD}
    assert lab.run("client_rollback").changed_hosts() == set()
    ledger = lab.ledger()
    assert all(ledger["hosts"][h]["expected"] == GOOD for h in lab.hosts)
    assert ledger_lib.render_html(ledger).count("rollback") >= len(pharmacy)


def test_left_behind_workstation_outside_hisops_is_found(client_lab: ClientLab) -> None:
    lab = client_lab
    host = lab.hosts[-1]
    # someone switched it by hand to the release still on disk
    lab.fleet.run(host, ["ln", "-sfn", f"releases/{NEXT}", "/opt/his-client/current"])
    verdict = {a["host"]: a for a in lab.run("client_audit").report("client-audit.json")["workstations"]}
    assert verdict[host]["state"] == "behind" and verdict[host]["actual"] == NEXT
    assert sum(1 for a in verdict.values() if a["state"] != "current") == 1
    shutil.rmtree(lab.workdir / "reports")


def test_package_mode_a_held_deb_is_switched_and_rolled_back(client_lab: ClientLab) -> None:
    lab = client_lab
    test_hosts = lab.groups()["client_test"]

    def package(host: str) -> str:
        done = lab.fleet.run(host, ["dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}",
                                    "his-client"], check=False)
        return done.stdout.replace(" ", "")

    for version in (GOOD, NEXT):
        done = lab.run("client_update", version=version, group="client_test", client_mode="deb")
        assert done.rc == 0, done.stdout[-3000:]
        assert {package(h) for h in test_hosts} == {f"hi{version}"}  # installed and held
    back = lab.run("client_rollback", group="client_test", client_mode="deb")
    assert back.rc == 0, back.stdout[-3000:]
    assert {package(h) for h in test_hosts} == {f"hi{GOOD}"}


def test_limit_a_rollout_to_one_department_thresholds_counted_within_the_limit(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    groups = lab.groups()
    laboratory, radiology = groups["ws_laboratory"], groups["ws_radiology"]
    before = lab.versions()
    fleet_expected = lab.ledger()["fleet_expected"]
    done = lab.run("client_update", limit="ws_laboratory", version=NEXT)
    assert done.rc == 0, done.stdout[-3000:]
    after = lab.versions()
    assert {h for h in lab.hosts if after[h] != before[h]} == set(laboratory)
    assert {after[h] for h in laboratory} == {NEXT}
    ledger = lab.ledger()
    run = ledger["runs"][-1]
    assert set(run["results"]) == set(laboratory) and run["canary"] == laboratory[:1]
    assert ledger["fleet_expected"] == fleet_expected  # a limited run sets no fleet-wide version
    assert {h for h, e in ledger["hosts"].items() if e["expected"] == NEXT} >= set(laboratory)

    # 4 radiology workstations: canary ris-01, batches of 2; one failing of 2 = 50% > 40%
    canary, first, second = radiology[0], radiology[1:3], radiology[3:]
    failing = first[1]
    lab.fleet.run(failing, ["/bin/sh", "-c", f"echo {NEXT} > /etc/his-client/fail-health"])
    try:
        halted = lab.run("client_update", limit="ws_radiology", version=NEXT, batch_size=2,
                         max_fail_percent=40)
    finally:
        lab.fleet.run(failing, ["rm", "-f", "/etc/his-client/fail-health"])
    assert halted.rc != 0 and "batch failed on" in halted.stdout, halted.stdout[-3000:]
    assert "(50.0% of 2)" in halted.stdout
    run = lab.ledger()["runs"][-1]
    assert set(run["results"]) == set(radiology)
    assert run["results"][canary] == "reverted" and run["results"][first[0]] == "reverted"
    assert run["results"][failing] == "rolled_back"
    assert all(run["results"][h] == "skipped" for h in second)
    assert lab.versions() == after  # every radiology workstation back, nothing else moved


def test_limit_a_rollback_to_one_workstation_and_an_audit_to_a_department(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    laboratory = lab.groups()["ws_laboratory"]
    one = laboratory[0]
    before = lab.versions()
    done = lab.run("client_rollback", limit=one)
    assert done.rc == 0, done.stdout[-3000:]
    after = lab.versions()
    assert after[one] == GOOD and {h for h in lab.hosts if after[h] != before[h]} == {one}
    assert lab.ledger()["runs"][-1]["results"] == {one: "ok"}
    assert done.changed_by("this workstation is back") == {one}

    audit = lab.run("client_audit", limit="ws_laboratory")
    assert audit.rc == 0, audit.stdout[-3000:]
    rows = {a["host"]: a for a in audit.report("client-audit.json")["workstations"]}
    assert set(rows) == set(laboratory)
    assert rows[one]["expected"] == GOOD and rows[one]["state"] == "current"
    assert {rows[h]["state"] for h in laboratory} == {"current"}


def test_a_workstation_unreachable_during_a_fleet_rollback_is_recorded_not_skipped(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    laboratory = lab.groups()["ws_laboratory"]
    away, others = laboratory[1], laboratory[2:]
    lab.fleet.set_reachable(away, False)
    try:
        done = lab.run("client_rollback", limit="ws_laboratory")
    finally:
        lab.fleet.set_reachable(away, True)
    assert done.rc != 0 and done.failed_hosts() == {away}, done.stdout[-3000:]
    assert "not rolled back (unreachable)" in done.stdout
    ledger = lab.ledger()
    assert ledger["runs"][-1]["results"][away] == "unreachable"
    last = ledger["hosts"][away]["history"][-1]
    assert (last["action"], last["result"]) == ("rollback", "unreachable")
    assert lab.current(away) == NEXT
    assert all(lab.current(h) == GOOD for h in others)
    again = lab.run("client_rollback", limit="ws_laboratory")  # it is back: reconciled
    assert again.rc == 0, again.stdout[-3000:]
    assert again.changed_by("this workstation is back") == {away}
    assert lab.current(away) == GOOD


def test_remediate_leaves_a_workstation_whose_expected_version_failed_there_alone(
    client_lab: ClientLab,
) -> None:
    lab = client_lab
    radiology = lab.groups()["ws_radiology"]
    failing = radiology[2]  # in the first batch after the canary: 1 of 2 is within 100%
    lab.fleet.run(failing, ["/bin/sh", "-c", f"echo {NEXT} > /etc/his-client/fail-health"])
    try:
        done = lab.run("client_update", limit="ws_radiology", version=NEXT, batch_size=2,
                       max_fail_percent=100)
        assert done.rc == 0, done.stdout[-3000:]
        fixed = lab.run("client_audit", limit="ws_radiology", remediate=True)
    finally:
        lab.fleet.run(failing, ["rm", "-f", "/etc/his-client/fail-health"])
    assert fixed.rc == 0, fixed.stdout[-3000:]
    rows = {a["host"]: a for a in fixed.report("client-audit.json")["workstations"]}
    assert (rows[failing]["state"], rows[failing]["remediation"]) == ("rolled_back", "attention")
    assert lab.current(failing) == GOOD  # not tried again: NEXT itself failed there
    run = lab.ledger()["runs"][-1]
    assert run["remediated"] == {}
    assert run["attention"][failing].startswith(f"needs attention: {NEXT} itself failed")
    assert lab.ledger()["hosts"][failing]["history"][-1]["action"] == "update"
    assert {lab.current(h) for h in radiology if h != failing} == {NEXT}


# ---------------------------------------------------------------- issue 14
A, B, C = "3.0.0", "3.1.0", "3.2.0"


def publish(lab: ClientLab, version: str, broken: bool = False) -> None:
    built = sample.build_tarball(version, str(lab.workdir), broken=broken)
    ArtifactStore(str(lab.store)).publish(built, "his-client", version, "tar")


def test_rollback_after_a_canary_stopped_on_a_release_pruned_meanwhile(client_lab: ClientLab) -> None:
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

    stopped = lab.run("client_update", limit=limit, version=C, skip_test_gate=True,
                      skip_test_gate_reason="vendor hotfix, ward lead approved")
    assert stopped.rc != 0 and f"rollout of {C} stopped: canary failed" in stopped.stdout
    canary = set(lab.ledger()["runs"][-1]["canary"])
    assert len(canary) == 2 and {lab.current(h) for h in hosts} == {B}
    for host in canary:  # the state the revert restored points at A: A stays
        assert A in lab.releases(host), (host, lab.releases(host))

    lost = next(h for h in hosts if h not in canary)
    lab.fleet.run(lost, ["/bin/sh", "-c", f"rm -rf /opt/his-client/releases/{A} "
                         f"/opt/his-client/packages/his-client-{A}.tar.gz"])
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
    state.open("isolation", "segment:PHARMACY", id="iso-pharmacy", operator="netops",
               summary="isolate segment PHARMACY",
               # a hold names endpoints by name, IP or MAC: the last one only by its address
               endpoints=[{"name": h} for h in pharmacy[:-1]] + [{"ip": addresses[pharmacy[-1]]}])
    away = ward[0]  # not isolated but not answering: no canary, recorded in its batch
    for host in [*pharmacy, away]:
        lab.fleet.set_reachable(host, False)
    try:
        done = lab.run("client_update", version=D, batch_size=5, max_fail_percent=40,
                       skip_test_gate=True, skip_test_gate_reason="security fix, CIO approved")
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
