"""The network area's judgement (plan P4.3) on what a switch read returned."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.hisops.emergency.plugins.module_utils.inspection import network
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.compliance import compare

READ = {
    "model": "S5735-L48T4X-A1",
    "firmware": "S5735 V200R022C00SPC500",
    "interfaces": {"GE0/0/1": "up", "GE0/0/2": "up", "GE0/0/3": "down"},
    "config_sha256": "x",
}
HELD = [{"kind": "isolation", "id": "iso-7", "summary": "pharmacy"}]
DRIFT = {
    "compliant": False,
    "features": {
        "vlans": {"compliant": True, "missing": [], "extra": []},
        "interfaces": {
            "compliant": False,
            "missing": ["interface GE0/0/5: port default vlan 30"],
            "extra": ["interface GE0/0/5: shutdown"],
        },
    },
}


def by_check(findings):
    return {(f.check, f.subject): f for f in findings}


def test_unreachable_switch_is_critical_and_still_judged_for_its_backup() -> None:
    found = network.switch_findings(
        "CORE-1", "core", {}, {"failed": True, "msg": "CORE-1: timed out"}, 2.0, 24, None
    )
    checks = by_check(found)
    reach = checks[("switch_reachable", "CORE-1")]
    assert reach.severity == "critical" and reach.suggested_class == 1
    assert "timed out" in reach.message
    assert checks[("backup_age", "CORE-1")].severity == "ok"
    spare = network.switch_findings(
        "SPARE-1", "spare", {}, {"failed": True, "msg": "x"}, 1, 24, None
    )
    assert by_check(spare)[("switch_reachable", "SPARE-1")].severity == "warning"


def test_model_and_firmware_as_recorded_leading_zeros_are_one_release() -> None:
    same = network.switch_findings(
        "AGG-4", "aggregation", {"model": "C9300-48T", "firmware": "17.09.04a"},
        {**READ, "model": "C9300-48T", "firmware": "17.9.4a"}, 1, 24, None,
    )  # fmt: skip
    assert by_check(same)[("model_firmware", "AGG-4")].severity == "ok"
    other = network.switch_findings(
        "ACC-1", "access", {"model": "S5735-L48T4X-A1", "firmware": "V200R021C00SPC100"},
        READ, 1, 24, None,
    )  # fmt: skip
    finding = by_check(other)[("model_firmware", "ACC-1")]
    assert finding.severity == "warning" and "V200R021C00SPC100" in finding.message


def test_interfaces_gone_down_since_the_last_run() -> None:
    before = {"GE0/0/1": "up", "GE0/0/2": "UP", "GE0/0/3": "down", "Gi1/0/4": "connected"}
    now = {"GE0/0/1": "*down", "GE0/0/2": "up", "GE0/0/3": "up"}
    assert network.interfaces_gone_down(before, now) == [
        ("GE0/0/1", "up", "*down"),
        ("Gi1/0/4", "connected", "absent"),
    ]
    found = network.switch_findings(
        "ACC-1", "access", {}, READ, 1, 24, {"GE0/0/2": "up", "GE0/0/1": "up", "GE0/0/3": "up"}
    )
    down = [f for f in found if f.check == "interface_down"]
    assert [f.subject for f in down] == ["ACC-1:GE0/0/3"]
    assert down[0].severity == "warning" and down[0].params["now"] == "down"
    # the first run has nothing to compare with
    assert not [f for f in network.switch_findings("ACC-1", "access", {}, READ, 1, 24, None)
                if f.check == "interface_down"]  # fmt: skip


def test_interface_states_kept_between_runs(tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "interfaces.json")
    assert network.load_previous(path) == {}
    network.save_states(path, {"ACC-1": {"GE0/0/1": "up"}}, "2026-12-06T07:00:00Z")
    assert network.load_previous(path) == {"ACC-1": {"GE0/0/1": "up"}}


def test_drift_unexplained_is_a_warning_deliberate_lines_are_expected_with_their_id() -> None:
    plain = network.compliance_findings("CORE-1", DRIFT)
    assert [(f.check, f.severity) for f in plain] == [("compliance_drift", "warning")]
    assert plain[0].params["features"] == ["interfaces"]
    assert plain[0].value == 2.0
    held = dict(
        DRIFT,
        compliant=True,
        features={"interfaces": {"compliant": True, "missing": [], "extra": []}},
        expected=[{"kind": "isolation", "id": "iso-7", "lines": ["+ interface GE0/0/5: shutdown"]}],
    )
    found = network.compliance_findings("CORE-1", held)
    assert [(f.check, f.severity) for f in found] == [
        ("compliance_expected", "ok"),
        ("compliance", "ok"),
    ]
    assert found[0].expected == {"kind": "isolation", "id": "iso-7"}
    assert "iso-7" in found[0].message


def test_an_isolated_core_is_expected_not_drift() -> None:
    """netplan's deliberate compliance on a real VRP configuration: the isolation's gateway
    shutdown is expected with its id; a line nobody explains stays drift."""
    from ansible_collections.hisops.emergency.plugins.module_utils.netplan import (
        compliance_deliberate as deliberate,
    )

    intended = "vlan batch 10 30\n#\ninterface Vlanif30\n ip address 10.10.30.1 255.255.255.0\n#\n"
    running = intended.replace(
        " ip address 10.10.30.1 255.255.255.0\n",
        " ip address 10.10.30.1 255.255.255.0\n shutdown\n",
    )
    record = {
        "id": "iso-9",
        "state": "open",
        "devices": {"CORE-1": {"platform": "huawei", "before": intended, "after": running}},
    }
    change = deliberate.from_isolation(record, "CORE-1")
    assert change is not None
    report = deliberate.check("CORE-1", running, intended, "huawei", [change], ["vlans", "vlanif"])
    found = network.compliance_findings("CORE-1", report.to_dict())
    assert [(f.check, f.severity) for f in found] == [
        ("compliance_expected", "ok"),
        ("compliance", "ok"),
    ]
    assert found[0].expected == {"kind": "isolation", "id": "iso-9"}
    drifted = running.replace("vlan batch 10 30", "vlan batch 10 30 40")
    report = deliberate.check("CORE-1", drifted, intended, "huawei", [change], ["vlans", "vlanif"])
    checks = [
        (f.check, f.severity) for f in network.compliance_findings("CORE-1", report.to_dict())
    ]
    assert ("compliance_drift", "warning") in checks and ("compliance_expected", "ok") in checks


def test_compliance_of_a_real_report_compliant_and_drifted() -> None:
    intended = "vlan batch 10 20\n#\ninterface Vlanif10\n description OPD\n#\n"
    same = compare(intended, intended, "huawei", ["vlans"]).to_dict()
    assert network.compliance_findings("X", same)[0].severity == "ok"
    drifted = compare("vlan batch 10\n#\n", intended, "huawei", ["vlans"]).to_dict()
    assert network.compliance_findings("X", drifted)[0].check == "compliance_drift"


def test_backup_age_and_spare_readiness() -> None:
    old = by_check(network.switch_findings("ACC-1", "access", {}, READ, 30.0, 24, None))
    assert old[("backup_age", "ACC-1")].severity == "warning"
    assert old[("backup_age", "ACC-1")].action == "hisops run switch_backup -l ACC-1"
    none = by_check(network.switch_findings("ACC-1", "access", {}, READ, None, 24, None))
    assert none[("backup_age", "ACC-1")].severity == "warning"
    spare = network.spare_findings(
        {
            "devices": {
                "ACC-1": {"ready": True, "spare": "SPARE-1"},
                "CORE-1": {
                    "ready": False,
                    "spare": "",
                    "spare_problem": "no spare of the same model",
                },
            }
        }
    )
    assert [(f.subject, f.severity) for f in spare] == [("ACC-1", "ok"), ("CORE-1", "warning")]
    assert "no spare of the same model" in spare[1].message
