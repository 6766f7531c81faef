"""Fleet validation and rendering of the intended configurations (vlan_plan's logic)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.render import (
    FleetPlanError,
    SwitchPlan,
    render_all,
    validate_all,
)

from hisops.lab import vlanplan
from hisops.lab.topology import load_topology

TEMPLATES = Path(__file__).resolve().parents[3] / "roles" / "switch_intended" / "templates"
FEATURES = ["vlans", "vlanif", "interfaces", "acl", "management"]


@pytest.fixture(scope="module")
def plans() -> list[SwitchPlan]:
    topology = load_topology()
    group = vlanplan.group_vars(topology)
    switches = vlanplan.switch_vars(topology)
    return [
        SwitchPlan(
            name,
            name,
            device.platform,
            switches[name]["hisops_switch"],
            group["hisops_vlans"],
            group["hisops_mgmt_vlan"],
            group.get("hisops_acls"),
        )
        for name, device in topology.devices.items()
        if device.role != "spare"
    ]


def test_every_switch_of_the_hospital_validates_and_renders(plans, tmp_path: Path) -> None:
    intents = validate_all(plans)
    assert sorted(intents) == sorted(p.name for p in plans)
    written = render_all(intents, str(TEMPLATES), str(tmp_path), FEATURES)
    assert all(w.changed for w in written.values())
    core = (tmp_path / "CORE-1" / "intended.cfg").read_text()
    assert "sysname CORE-1" in core and core.endswith("\n")
    assert oct(os.stat(tmp_path / "CORE-1" / "intended.cfg").st_mode & 0o777) == "0o640"

    again = render_all(intents, str(TEMPLATES), str(tmp_path), FEATURES)
    assert not any(w.changed for w in again.values()), "a second render must change nothing"


def test_check_mode_writes_nothing(plans, tmp_path: Path) -> None:
    written = render_all(
        validate_all(plans[:2]), str(TEMPLATES), str(tmp_path), FEATURES, check_mode=True
    )
    assert all(w.changed for w in written.values())
    assert list(tmp_path.iterdir()) == []


def test_a_shared_problem_is_reported_once_naming_the_switches(plans, tmp_path: Path) -> None:
    broken = copy.deepcopy(plans)
    for plan in broken:
        plan.vlans = plan.vlans + [{"id": 4095, "name": "BIG"}]
    broken[1].switch = dict(
        broken[1].switch, trunks=[dict(broken[1].switch["trunks"][0], vlans=[555])]
    )
    with pytest.raises(FleetPlanError) as caught:
        validate_all(broken)
    text = str(caught.value)
    assert "nothing was rendered or sent" in text
    big = [p for p in caught.value.problems if "4095" in p[1]]
    assert len(big) == 1 and big[0][2] == [p.name for p in broken]
    assert f"and {len(broken) - 5} more]" in text
    trunk = [p for p in caught.value.problems if p[0] == "hisops_switch.trunks[0].vlans"]
    assert trunk == [
        ("hisops_switch.trunks[0].vlans", "VLAN(s) 555 are not in hisops_vlans", [broken[1].name])
    ]


def test_a_host_name_that_is_no_folder_name_is_refused(plans, tmp_path: Path) -> None:
    intents = validate_all(plans[:1])
    with pytest.raises(ValueError, match=r"hosts: \.\./x cannot be a folder name"):
        render_all({"../x": next(iter(intents.values()))}, str(TEMPLATES), str(tmp_path), FEATURES)
    assert list(tmp_path.iterdir()) == []
