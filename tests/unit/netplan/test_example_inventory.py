"""The example inventory documents the data model: it must itself be a valid plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import build_intent

EXAMPLE = Path(__file__).resolve().parents[3] / "inventories" / "example"
HOSTS = yaml.safe_load((EXAMPLE / "hosts.yml").read_text())
GROUP = yaml.safe_load((EXAMPLE / "group_vars" / "all.yml").read_text())
PLANNED = {
    name: hv
    for role in ("core", "aggregation", "access")
    for name, hv in HOSTS["all"]["children"]["switches"]["children"][role]["hosts"].items()
}


@pytest.mark.parametrize("name", sorted(PLANNED))
def test_example_switch_is_a_valid_plan(name: str) -> None:
    switch = yaml.safe_load((EXAMPLE / "host_vars" / f"{name}.yml").read_text())["hisops_switch"]
    intent = build_intent(name, PLANNED[name]["hisops_platform"], switch,
                          GROUP["hisops_vlans"], GROUP["hisops_mgmt_vlan"])
    assert intent.trunks, name
