"""The VLAN plan is validated before anything renders, naming the bad field."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import (
    PlanError,
    build_intent,
)

VLANS = [
    {
        "id": 10,
        "name": "OUTPATIENT",
        "department": "outpatient",
        "subnet": "10.10.10.0/24",
        "gateway": "10.10.10.1",
        "dhcp_relay": ["10.10.100.5"],
    },
    {"id": 30, "name": "PHARMACY", "subnet": "10.10.30.0/24", "gateway": "10.10.30.1"},
    {"id": 99, "name": "MGMT", "subnet": "10.10.99.0/24", "gateway": "10.10.99.1"},
    {"id": 100, "name": "SERVERS", "subnet": "10.10.100.0/24", "gateway": "10.10.100.1"},
]
AGG = {
    "role": "aggregation",
    "trunks": [
        {"interface": "XGigabitEthernet0/0/1", "vlans": "10,30,99", "description": "uplink"}
    ],
    "access_ports": [{"interface": "GigabitEthernet0/0/1", "vlan": 30, "description": "pharm-01"}],
    "mgmt": {"ip": "10.10.99.11/24"},
}


def intent(switch=None, vlans=None, platform="huawei", mgmt_vlan=99):
    return build_intent(
        "AGG-1",
        platform,
        copy.deepcopy(AGG if switch is None else switch),
        copy.deepcopy(VLANS if vlans is None else vlans),
        mgmt_vlan,
    )


def problems(**kwargs) -> dict[str, str]:
    with pytest.raises(PlanError) as info:
        intent(**kwargs)
    return dict(info.value.problems)


def test_aggregation_intent_is_expanded() -> None:
    result = intent()
    assert result.vlan_ids == [10, 30, 99]
    assert result.trunks[0].vlans == [10, 30, 99]
    assert result.trunks[0].vlans_vrp == "10 30 99"
    assert result.gateways == []
    assert result.management.ip == "10.10.99.11"
    assert result.management.mask == "255.255.255.0"
    assert result.management.gateway == "10.10.99.1"


def test_core_gets_a_gateway_per_vlan() -> None:
    core = {"role": "core", "trunks": [{"interface": "XGigabitEthernet2/0/0", "vlans": "all"}]}
    result = intent(switch=core)
    assert [g.vlan for g in result.gateways] == [10, 30, 99, 100]
    assert result.gateways[0].dhcp_relay == ["10.10.100.5"]
    assert result.vlan_ids == [10, 30, 99, 100]


def test_duplicate_vlan_id_is_named() -> None:
    vlans = [*VLANS, {"id": 30, "name": "DUP"}]
    assert problems(vlans=vlans) == {"hisops_vlans[4].id": "VLAN 30 is defined twice"}


@pytest.mark.parametrize("vid", [0, 4095])
def test_vlan_id_outside_range(vid: int) -> None:
    vlans = [*VLANS, {"id": vid, "name": "BAD"}]
    assert "outside 1-4094" in problems(vlans=vlans)["hisops_vlans[4].id"]


def test_overlapping_subnets() -> None:
    vlans = [*VLANS, {"id": 31, "name": "OVERLAP", "subnet": "10.10.30.128/25"}]
    assert (
        "overlaps 10.10.30.0/24 of hisops_vlans[1]"
        in problems(vlans=vlans)["hisops_vlans[4].subnet"]
    )


def test_gateway_outside_subnet() -> None:
    vlans = copy.deepcopy(VLANS)
    vlans[1]["gateway"] = "10.10.31.1"
    assert problems(vlans=vlans) == {
        "hisops_vlans[1].gateway": "10.10.31.1 is not a host address of 10.10.30.0/24"
    }


def test_trunk_carrying_undefined_vlan() -> None:
    switch = copy.deepcopy(AGG)
    switch["trunks"][0]["vlans"] = [10, 30, 55, 56]
    assert problems(switch=switch) == {
        "hisops_switch.trunks[0].vlans": "VLAN(s) 55,56 are not in hisops_vlans"
    }


@pytest.mark.parametrize(
    ("platform", "name"),
    [
        ("huawei", "Gi0/0/1"),
        ("huawei", "GigabitEthernet1/0/1/7"),
        ("hp_comware", "TenGigabitEthernet1/0/25"),
        ("cisco_ios", "XGigabitEthernet0/0/1"),
    ],
)
def test_interface_name_the_platform_lacks(platform: str, name: str) -> None:
    switch = copy.deepcopy(AGG)
    switch["access_ports"][0]["interface"] = name
    switch["trunks"] = []
    found = problems(switch=switch, platform=platform)
    assert (
        f"{name!r} is not an interface name of {platform}"
        in found["hisops_switch.access_ports[0].interface"]
    )


def test_vlan_name_the_platform_rejects() -> None:
    vlans = copy.deepcopy(VLANS)
    vlans[0]["name"] = "X" * 32
    assert "huawei takes at most 31" in problems(vlans=vlans)["hisops_vlans[0].name"]
    vlans[0]["name"] = "OUT PATIENT?"
    assert "no blanks" in problems(vlans=vlans)["hisops_vlans[0].name"]


def test_every_problem_is_reported_at_once() -> None:
    vlans = [*VLANS, {"id": 10, "name": "DUP"}, {"id": 5000, "name": "BIG"}]
    switch = copy.deepcopy(AGG)
    switch["role"] = "distribution"
    found = problems(vlans=vlans, switch=switch)
    assert set(found) == {"hisops_vlans[4].id", "hisops_vlans[5].id", "hisops_switch.role"}


def test_management_address_outside_its_subnet() -> None:
    switch = copy.deepcopy(AGG)
    switch["mgmt"] = {"ip": "10.10.98.11/24"}
    assert "outside the management subnet" in problems(switch=switch)["hisops_switch.mgmt.ip"]


def test_port_configured_twice() -> None:
    switch = copy.deepcopy(AGG)
    switch["access_ports"].append({"interface": "XGigabitEthernet0/0/1", "vlan": 10})
    assert (
        "already configured" in problems(switch=switch)["hisops_switch.access_ports[1].interface"]
    )
