"""ACLs of the VLAN plan: validated with it, before anything renders, naming the bad field."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import (
    PlanError,
    build_intent,
)

VLANS = [
    {"id": 10, "name": "OUTPATIENT", "subnet": "10.10.10.0/24", "gateway": "10.10.10.1"},
    {"id": 99, "name": "MGMT", "subnet": "10.10.99.0/24", "gateway": "10.10.99.1"},
    {"id": 100, "name": "SERVERS", "subnet": "10.10.100.0/24", "gateway": "10.10.100.1"},
]
ACLS = [
    {
        "name": "HIS-DB-PROTECT",
        "number": 3001,
        "description": "HIS database port only",
        "rules": [
            {
                "action": "permit",
                "protocol": "ip",
                "source": "10.10.99.0/24",
                "destination": "10.10.100.0/24",
            },
            {
                "action": "permit",
                "protocol": "tcp",
                "source": "10.10.10.0/24",
                "destination": "host 10.10.100.11",
                "port": 5432,
            },
            {"action": "deny", "protocol": "ip", "source": "any", "destination": "10.10.100.0/24"},
        ],
    },
    {
        "name": "WS-EDGE",
        "number": 3010,
        "rules": [
            {"action": "deny", "protocol": "tcp", "destination": "any", "port": 445},
            {"action": "permit", "protocol": "ip"},
        ],
    },
]
CORE = {
    "role": "core",
    "trunks": [{"interface": "XGigabitEthernet2/0/0", "vlans": "10,99"}],
    "access_ports": [
        {"interface": "GigabitEthernet1/0/1", "vlan": 100},
        {"interface": "GigabitEthernet1/0/2", "vlan": 10},
    ],
    "mgmt": {"ip": "10.10.99.1/24"},
    "acls": [
        {"acl": "HIS-DB-PROTECT", "vlan": 100, "direction": "outbound"},
        {"acl": "WS-EDGE", "interfaces": ["GigabitEthernet1/0/2"], "direction": "inbound"},
    ],
}
PORTS = {
    "huawei": ("XGigabitEthernet2/0/0", "GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "hp_comware": ("Ten-GigabitEthernet1/0/25", "GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
    "cisco_ios": ("TenGigabitEthernet1/1/1", "GigabitEthernet1/0/1", "GigabitEthernet1/0/2"),
}


def core_for(platform: str) -> dict:
    switch = copy.deepcopy(CORE)
    trunk, server, workstation = PORTS[platform]
    switch["trunks"][0]["interface"] = trunk
    switch["access_ports"][0]["interface"] = server
    switch["access_ports"][1]["interface"] = workstation
    switch["acls"][1]["interfaces"] = [workstation]
    return switch


def intent(acls=None, switch=None, platform="huawei"):
    return build_intent(
        "CORE-1",
        platform,
        copy.deepcopy(switch or core_for(platform)),
        copy.deepcopy(VLANS),
        99,
        copy.deepcopy(ACLS if acls is None else acls),
    )


def problems(**kwargs) -> dict[str, str]:
    with pytest.raises(PlanError) as info:
        intent(**kwargs)
    return dict(info.value.problems)


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios"])
def test_acls_and_where_they_apply_are_expanded(platform: str) -> None:
    result = intent(platform=platform)
    assert [a.name for a in result.acls] == ["HIS-DB-PROTECT", "WS-EDGE"]
    rules = result.acls[0].rules
    assert (rules[0].source.address, rules[0].source.wildcard) == ("10.10.99.0", "0.0.0.255")
    assert rules[1].destination.host and rules[1].destination.address == "10.10.100.11"
    assert rules[1].port == 5432 and rules[2].source.any
    bindings = result.to_dict()["acl_bindings"]
    assert bindings[0] == {
        "vlan": 100,
        "interface": "",
        "inbound": "",
        "outbound": "HIS-DB-PROTECT",
        "inbound_number": None,
        "outbound_number": 3001,
    }
    assert bindings[1]["interface"] == PORTS[platform][2] and bindings[1]["inbound"] == "WS-EDGE"


def test_a_switch_gets_only_the_acls_it_applies() -> None:
    switch = core_for("huawei")
    switch["acls"] = switch["acls"][1:]
    assert [a.name for a in intent(switch=switch).acls] == ["WS-EDGE"]
    switch.pop("acls")
    assert intent(switch=switch).acls == []


def acls_with(index: int, **changes) -> list[dict]:
    acls = copy.deepcopy(ACLS)
    acls[index].update(changes)
    return acls


def rule_with(**changes) -> list[dict]:
    acls = copy.deepcopy(ACLS)
    acls[0]["rules"][1].update(changes)
    return acls


BAD_ACLS = {
    "duplicate name": (
        acls_with(1, name="HIS-DB-PROTECT"),
        "hisops_acls[1].name",
        "ACL HIS-DB-PROTECT is defined twice",
    ),
    "duplicate number": (
        acls_with(1, number=3001),
        "hisops_acls[1].number",
        "3001 is already the number of ACL HIS-DB-PROTECT",
    ),
    "number outside the advanced range": (
        acls_with(0, number=2001),
        "hisops_acls[0].number",
        "2001 is outside 3000-3999 (advanced ACLs of huawei and hp_comware)",
    ),
    "name the platforms reject": (acls_with(0, name="HIS DB"), "hisops_acls[0].name", None),
    "unknown key": (acls_with(0, rulez=[]), "hisops_acls[0].rulez", None),
    "no rules": (
        acls_with(0, rules=[]),
        "hisops_acls[0].rules",
        "must be a non-empty list of rules",
    ),
    "bad CIDR": (rule_with(source="10.10.10.1/24"), "hisops_acls[0].rules[1].source", None),
    "port without tcp/udp": (
        rule_with(protocol="icmp"),
        "hisops_acls[0].rules[1].port",
        "a port needs protocol tcp or udp, not icmp",
    ),
    "port out of range": (
        rule_with(port=70000),
        "hisops_acls[0].rules[1].port",
        "70000 is not a port number 1-65535",
    ),
    "unknown action": (
        rule_with(action="allow"),
        "hisops_acls[0].rules[1].action",
        "'allow' is not permit or deny",
    ),
    "unknown protocol": (rule_with(protocol="sctp"), "hisops_acls[0].rules[1].protocol", None),
    "misspelt rule key": (rule_with(dport=5432), "hisops_acls[0].rules[1].dport", None),
}


@pytest.mark.parametrize("case", sorted(BAD_ACLS))
def test_bad_acl_is_named(case: str) -> None:
    acls, path, reason = BAD_ACLS[case]
    found = problems(acls=acls)
    assert path in found, found
    if reason:
        assert found[path] == reason


def switch_with(index: int | None = None, **changes) -> dict:
    switch = core_for("huawei")
    if index is None:
        switch["acls"].append(changes)
    else:
        switch["acls"][index].update(changes)
    return switch


BAD_APPLICATIONS = {
    "unknown ACL": (
        switch_with(0, acl="HIS-DB"),
        "hisops_switch.acls[0].acl",
        "'HIS-DB' is not an ACL of hisops_acls",
    ),
    "VLAN without a gateway interface here": (
        switch_with(0, vlan=30),
        "hisops_switch.acls[0].vlan",
        "30: this switch has no gateway interface in that VLAN (it has: 10, 99, 100)",
    ),
    "port the switch's plan does not have": (
        switch_with(1, interfaces=["GigabitEthernet1/0/9"]),
        "hisops_switch.acls[1].interfaces[0]",
        "'GigabitEthernet1/0/9' is not a port of this switch's plan (trunks, access_ports)",
    ),
    "interface name of another platform": (
        switch_with(1, interfaces=["Gi1/0/2"]),
        "hisops_switch.acls[1].interfaces[0]",
        None,
    ),
    "bad direction": (
        switch_with(0, direction="in"),
        "hisops_switch.acls[0].direction",
        "'in' is not inbound or outbound",
    ),
    "two ACLs in one direction": (
        switch_with(None, acl="WS-EDGE", vlan=100, direction="outbound"),
        "hisops_switch.acls[2].vlan",
        "already has an outbound ACL at hisops_switch.acls[0].vlan",
    ),
    "both vlan and interfaces": (
        switch_with(0, interfaces=["GigabitEthernet1/0/2"]),
        "hisops_switch.acls[0]",
        "give either vlan (its gateway interface) or interfaces",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_APPLICATIONS))
def test_bad_application_is_named(case: str) -> None:
    switch, path, reason = BAD_APPLICATIONS[case]
    found = problems(switch=switch)
    assert path in found, found
    if reason:
        assert found[path] == reason


def test_an_acl_applied_on_vrp_or_comware_needs_a_number() -> None:
    acls = copy.deepcopy(ACLS)
    del acls[0]["number"]
    for platform in ("huawei", "hp_comware"):
        found = problems(acls=acls, platform=platform)
        assert found["hisops_acls[0].number"] == (
            f"ACL HIS-DB-PROTECT is applied on a {platform} switch: it needs a number 3000-3999"
        )
    assert intent(acls=acls, platform="cisco_ios").acls[0].number is None  # IOS uses the name


def test_cisco_port_acls_filter_inbound_only() -> None:
    switch = core_for("cisco_ios")
    switch["acls"][1]["direction"] = "outbound"
    found = problems(switch=switch, platform="cisco_ios")
    assert "inbound only" in found["hisops_switch.acls[1].direction"]
    switch["acls"][1]["direction"] = "inbound"
    switch["acls"][0]["direction"] = "outbound"  # on an SVI, outbound is fine
    assert intent(switch=switch, platform="cisco_ios").acl_bindings[0].outbound == "HIS-DB-PROTECT"


def test_every_problem_is_reported_at_once() -> None:
    acls = rule_with(protocol="icmp", source="10.10.10.0/33")
    switch = switch_with(0, acl="NOPE")
    with pytest.raises(PlanError) as info:
        intent(acls=acls, switch=switch)
    paths = {path for path, _reason in info.value.problems}
    assert {
        "hisops_acls[0].rules[1].port",
        "hisops_acls[0].rules[1].source",
        "hisops_switch.acls[0].acl",
    } <= paths
    assert "nothing was touched" in str(info.value)
