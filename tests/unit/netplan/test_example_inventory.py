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
    intent = build_intent(
        name,
        PLANNED[name]["hisops_platform"],
        switch,
        GROUP["hisops_vlans"],
        GROUP["hisops_mgmt_vlan"],
        GROUP.get("hisops_acls"),
    )
    assert intent.trunks, name


def test_example_documents_acls_on_every_platform() -> None:
    """The ACL part of the model is shown by example: the core's and each platform's ports."""
    applied: dict[str, set[str]] = {}
    for name, hv in PLANNED.items():
        switch = yaml.safe_load((EXAMPLE / "host_vars" / f"{name}.yml").read_text())[
            "hisops_switch"
        ]
        intent = build_intent(
            name,
            hv["hisops_platform"],
            switch,
            GROUP["hisops_vlans"],
            GROUP["hisops_mgmt_vlan"],
            GROUP["hisops_acls"],
        )
        for binding in intent.acl_bindings:
            applied.setdefault(hv["hisops_platform"], set()).update(
                {binding.inbound, binding.outbound} - {""}
            )
    assert applied == {
        "huawei": {"HIS-DB-PROTECT", "WS-EDGE"},
        "hp_comware": {"WS-EDGE"},
        "cisco_ios": {"WS-EDGE"},
    }
