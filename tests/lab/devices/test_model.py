"""The configuration model the data plane reads: VLAN lists, ports, ACLs, time ranges."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from hisops.lab.devices.model import (
    AbsoluteRange,
    Acl,
    AclRule,
    DeviceConfig,
    Interface,
    LinkType,
    Packet,
    PeriodicRange,
    TimeRange,
    VlanIf,
    VlanListError,
    format_vlan_list_ios,
    format_vlan_list_vrp,
    parse_vlan_list_ios,
    parse_vlan_list_vrp,
)

MONDAY_10 = datetime(2026, 11, 23, 10, 0)
SUNDAY_10 = datetime(2026, 11, 22, 10, 0)


@pytest.mark.parametrize(
    ("vrp", "ios", "vlans"),
    [
        ("10", "10", {10}),
        ("10 20 to 23", "10,20-23", {10, 20, 21, 22, 23}),
        ("1 2 4094", "1,2,4094", {1, 2, 4094}),
    ],
)
def test_vlan_lists_both_ways(vrp: str, ios: str, vlans: set[int]) -> None:
    assert parse_vlan_list_vrp(vrp) == vlans
    assert parse_vlan_list_ios(ios) == vlans
    assert format_vlan_list_vrp(vlans) == vrp
    assert format_vlan_list_ios(vlans) == ios


@pytest.mark.parametrize("bad", ["0", "4095", "10 to", "20 to 10", "x", ""])
def test_bad_vrp_vlan_lists(bad: str) -> None:
    with pytest.raises(VlanListError):
        parse_vlan_list_vrp(bad)


@pytest.mark.parametrize("bad", ["0", "10-", "30-20", "a,b", "1,,2"])
def test_bad_ios_vlan_lists(bad: str) -> None:
    with pytest.raises(VlanListError):
        parse_vlan_list_ios(bad)


def test_port_vlans() -> None:
    access = Interface("Gi0/1", pvid=10)
    assert access.carried_vlans() == {10} and access.untagged_vlan() == 10
    trunk = Interface("Gi0/2", link_type=LinkType.TRUNK, pvid=99, allowed_vlans={10, 20})
    assert trunk.carries(20) and not trunk.carries(30)
    assert trunk.untagged_vlan() is None  # native VLAN not allowed: untagged frames drop
    hybrid = Interface(
        "Gi0/3", link_type=LinkType.HYBRID, pvid=30, allowed_vlans={10}, untagged_vlans={30}
    )
    assert hybrid.carried_vlans() == {10, 30} and hybrid.untagged_vlan() == 30


def test_vlanif_up_needs_a_carrying_up_port() -> None:
    cfg = DeviceConfig("X")
    cfg.vlans[10] = type(cfg.vlans[1])(10)
    cfg.interfaces["Gi0/1"] = Interface("Gi0/1", pvid=10)
    cfg.vlanifs[10] = VlanIf(10, ip="10.10.10.1", mask="255.255.255.0")
    assert cfg.vlanif_up(10, {"Gi0/1": True})
    assert not cfg.vlanif_up(10, {"Gi0/1": False})
    cfg.interfaces["Gi0/1"].shutdown = True
    assert not cfg.vlanif_up(10, {"Gi0/1": True})


def test_time_range_semantics() -> None:
    work = TimeRange("work", periodic=[PeriodicRange(frozenset(range(5)), time(8), time(18))])
    assert work.active(MONDAY_10) and not work.active(SUNDAY_10)
    work.absolute.append(AbsoluteRange(datetime(2027, 1, 1), None))
    assert not work.active(MONDAY_10)  # periodic AND absolute


def test_acl_first_match_time_ranges_and_platform_default() -> None:
    cfg = DeviceConfig("X")
    cfg.time_ranges["work"] = TimeRange(
        "work", periodic=[PeriodicRange(frozenset(range(5)), time(8), time(18))]
    )
    cfg.acls["3000"] = Acl(
        "3000",
        "advanced",
        [
            AclRule(5, "deny", "tcp", destination="10.0.0.10", destination_port=1521,
                    time_range="work"),
            AclRule(10, "permit", "ip", source="10.10.0.0", source_wildcard="0.0.255.255"),
        ],
    )  # fmt: skip
    db = Packet("10.10.10.20", "10.0.0.10", "tcp", None, 1521)
    assert not cfg.acl_permits("3000", db, MONDAY_10)
    assert cfg.acl_permits("3000", db, SUNDAY_10)  # the time range is inactive
    outsider = Packet("10.20.0.1", "10.0.0.10", "udp", None, 53)
    assert cfg.acl_permits("3000", outsider, MONDAY_10)  # VRP/Comware: unmatched permits
    cfg.acl_default_permit = False
    assert not cfg.acl_permits("3000", outsider, MONDAY_10)  # IOS: implicit deny
    assert cfg.acl_permits("9999", outsider, MONDAY_10)  # applied but undefined: permit all
    assert cfg.acl_permits(None, outsider, MONDAY_10)
