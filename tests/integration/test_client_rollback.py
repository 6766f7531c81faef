"""Issue 8: HIS client rollbacks, package mode and --limit against 21 real lab workstations.

The fleet starts where a hospital's does after two releases: GOOD then NEXT on the test
group and then everywhere (previous GOOD, current NEXT); the tests build on each other in
file order: a rollback to a named version on a department then to the previous, a
workstation switched by hand found, held .debs, a rollout, a rollback and an audit limited
to a department, an unreachable workstation during a rollback, remediate leaving alone a
workstation whose version failed there.
"""

from __future__ import annotations

import shutil

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.client import ledger as ledger_lib

from .client_workstations import GOOD, NEXT, ClientLab, boot

pytestmark = pytest.mark.lab


def _two_releases(lab: ClientLab) -> None:
    for version in (GOOD, NEXT):
        for group in ("client_test", "workstations"):
            done = lab.run("client_update", version=version, group=group, batch_size=10)
            assert done.rc == 0, done.stdout[-3000:]
    assert set(lab.versions().values()) == {NEXT}


@pytest.fixture(scope="module")
def client_lab(tmp_path_factory: pytest.TempPathFactory):
    with boot(tmp_path_factory, _two_releases) as lab:
        yield lab


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
    verdict = {
        a["host"]: a for a in lab.run("client_audit").report("client-audit.json")["workstations"]
    }
    assert verdict[host]["state"] == "behind" and verdict[host]["actual"] == NEXT
    assert sum(1 for a in verdict.values() if a["state"] != "current") == 1
    shutil.rmtree(lab.workdir / "reports")


def test_package_mode_a_held_deb_is_switched_and_rolled_back(client_lab: ClientLab) -> None:
    lab = client_lab
    test_hosts = lab.groups()["client_test"]

    def package(host: str) -> str:
        done = lab.fleet.run(
            host,
            ["dpkg-query", "-W", "-f=${db:Status-Abbrev}${Version}", "his-client"],
            check=False,
        )
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
        halted = lab.run(
            "client_update", limit="ws_radiology", version=NEXT, batch_size=2, max_fail_percent=40
        )
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
        done = lab.run(
            "client_update", limit="ws_radiology", version=NEXT, batch_size=2, max_fail_percent=100
        )
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
