"""Pure logic of the network emergency actions: names, port facts, targets, plans, records."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.facts import normalise_mac
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netops import isolate, names, network
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    InputError,
    TransactionError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import (
    Store,
    new_id,
)

CORE = """\
sysname CORE-1
#
acl number 3999
 rule 5 deny ip source 10.10.10.104 0
 rule 4000 permit ip
#
interface Vlanif10
 ip address 10.10.10.1 255.255.255.0
 traffic-filter inbound acl 3999
#
interface Vlanif30
 ip address 10.10.30.1 255.255.255.0
#
interface Vlanif40
 ip address 10.10.40.1 255.255.255.0
 traffic-filter inbound acl 3001
#
interface GigabitEthernet1/0/1
 port link-type access
 port default vlan 100
#
interface XGigabitEthernet2/0/0
 port link-type trunk
 port trunk allow-pass vlan 10 30 99
#
interface XGigabitEthernet2/0/1
 port link-type trunk
 port trunk allow-pass vlan 20 to 40 99
 shutdown
#
return
"""

IOS = """\
interface GigabitEthernet1/0/1
 switchport access vlan 60
 switchport mode access
!
interface TenGigabitEthernet1/1/1
 switchport mode trunk
!
interface TenGigabitEthernet1/1/2
 switchport trunk allowed vlan 60,99
 switchport mode trunk
!
"""

VLANS = [
    {
        "id": 10,
        "name": "OUTPATIENT",
        "department": "outpatient",
        "subnet": "10.10.10.0/24",
        "gateway": "10.10.10.1",
    },
    {"id": 99, "name": "MGMT", "subnet": "10.10.99.0/24"},
]


def inventory() -> network.Inventory:
    params = DeviceParams("CORE-1", "huawei", "127.0.0.1", "u", "p")
    return network.Inventory(
        {"CORE-1": network.Switch("CORE-1", params, "core", "10.10.99.1")},
        VLANS,
        99,
        [{"name": "opd-1", "mac": "5254.000a.0001", "ip": "10.10.10.101", "vlan": 10}],
        "10.10.99.250",
    )


def view(config: str, platform: str = "huawei") -> network.SwitchView:
    v = network.SwitchView(
        switch=network.Switch("CORE-1", DeviceParams("CORE-1", platform, "h", "u", "p"), "core"),
        config=config,
    )
    v.ports = names.ports(config, platform)
    return v


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("XGE2/0/0", "XGigabitEthernet2/0/0"),
        ("GE1/0/1", "GigabitEthernet1/0/1"),
        ("Te1/1/1", "TenGigabitEthernet1/1/1"),
        ("Gi1/0/1", "GigabitEthernet1/0/1"),
        ("XGE1/0/25", "Ten-GigabitEthernet1/0/25"),
        ("GigabitEthernet1/0/1", "GigabitEthernet1/0/1"),
    ],
)
def test_abbreviated_ports_map_to_configured_names(short, full):
    configured = [
        "GigabitEthernet1/0/1",
        "XGigabitEthernet2/0/0",
        "TenGigabitEthernet1/1/1",
        "Ten-GigabitEthernet1/0/25",
    ]
    assert names.full_interface(short, configured) == full


def test_port_facts_per_platform():
    vrp = names.ports(CORE, "huawei")
    assert vrp["XGigabitEthernet2/0/0"].trunk and vrp["XGigabitEthernet2/0/0"].vlans == {10, 30, 99}
    assert (
        vrp["XGigabitEthernet2/0/1"].vlans == set(range(20, 41)) | {99}
        and vrp["XGigabitEthernet2/0/1"].shutdown
    )
    assert not vrp["GigabitEthernet1/0/1"].trunk and vrp["GigabitEthernet1/0/1"].vlans == {100}
    ios = names.ports(IOS, "cisco_ios")
    assert ios["TenGigabitEthernet1/1/1"].vlans == set(range(1, 4095))  # no list: every VLAN
    assert ios["TenGigabitEthernet1/1/2"].vlans == {60, 99}
    assert ios["GigabitEthernet1/0/1"].vlans == {60}


def test_mac_forms():
    assert (
        normalise_mac("5254-000A-0001") == normalise_mac("52:54:00:0a:00:01") == "52:54:00:0a:00:01"
    )
    for bad in ("52:54:00:0a:00", "zz:54:00:0a:00:01", ""):
        with pytest.raises(ValueError):
            normalise_mac(bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segment": "77"}, "segment: VLAN '77' is not in the plan"),
        ({"host": "52:54:00:0a:00"}, "host: '52:54:00:0a:00' is a malformed MAC address"),
        ({"host": "opd-1"}, "host: 'opd-1' is neither an IPv4 address nor a MAC address"),
        ({"host": "fe80::1"}, "only IPv4"),
        ({"port": "CORE-1"}, "port: 'CORE-1' is not SWITCH:INTERFACE"),
        ({"port": "NOPE:Gi1/0/1"}, "port: switch 'NOPE' is not in the inventory"),
        ({}, "exactly one of segment, host or port"),
    ],
)
def test_bad_targets_name_the_field(kwargs, message):
    with pytest.raises(InputError, match=message):
        isolate.parse_target(inventory(), **kwargs)


def test_targets_resolve():
    inv = inventory()
    assert isolate.parse_target(inv, segment="outpatient").vlan["id"] == 10
    assert isolate.parse_target(inv, host="5254000A0001").mac == "52:54:00:0a:00:01"
    assert isolate.parse_target(inv, port="CORE-1:XGE2/0/0").key == "port:CORE-1:XGE2/0/0"


def test_segment_plan_shuts_gateway_and_trims_trunks_with_exact_inverse():
    inv = inventory()
    plan = isolate.plan_segment(
        inv, isolate.parse_target(inv, segment="10"), {"CORE-1": view(CORE)}
    )
    change = plan.changes["CORE-1"]
    assert change.commands == [
        "interface Vlanif10",
        "shutdown",
        "quit",
        "interface XGigabitEthernet2/0/0",
        "undo port trunk allow-pass vlan 10",
        "quit",
    ]
    assert change.inverse == [
        "interface XGigabitEthernet2/0/0",
        "port trunk allow-pass vlan 10",
        "quit",
        "interface Vlanif10",
        "undo shutdown",
        "quit",
    ]
    assert [e["name"] for e in plan.blast_radius["endpoints"]] == ["opd-1"]  # known, not seen


def test_segment_plan_refuses_management_vlan():
    inv = inventory()
    plan = isolate.plan_segment(
        inv, isolate.parse_target(inv, segment="MGMT"), {"CORE-1": view(CORE)}
    )
    assert any("management VLAN" in r for r in plan.refusals)


def test_host_block_adds_a_rule_to_an_existing_isolation_acl():
    blocks = isolate._acl_commands(view(CORE), 10, "10.10.10.103", 3999)
    assert blocks == [
        (
            ["acl number 3999", "rule 10 deny ip source 10.10.10.103 0", "quit"],
            ["acl number 3999", "undo rule 10", "quit"],
        )
    ]
    assert isolate._acl_commands(view(CORE), 10, "10.10.10.104", 3999) == []  # already blocked


def test_host_block_creates_acl_and_binds_it():
    without_acl = CORE.replace(
        " rule 5 deny ip source 10.10.10.104 0\n rule 4000 permit ip\n", ""
    ).replace("acl number 3999\n", "")
    blocks = isolate._acl_commands(view(without_acl), 30, "10.10.30.101", 3999)
    assert blocks == [
        (
            [
                "acl number 3999",
                "rule 5 deny ip source 10.10.30.101 0",
                "rule 4000 permit ip",
                "quit",
            ],
            ["undo acl number 3999"],
        ),
        (
            ["interface Vlanif30", "traffic-filter inbound acl 3999", "quit"],
            ["interface Vlanif30", "undo traffic-filter inbound acl 3999", "quit"],
        ),
    ]
    change = isolate.DeviceChange("CORE-1", "huawei", blocks)
    assert change.inverse == [
        "interface Vlanif30",
        "undo traffic-filter inbound acl 3999",
        "quit",
        "undo acl number 3999",
    ]  # unbind before the ACL goes


def test_host_block_refuses_a_gateway_with_another_filter():
    with pytest.raises(InputError, match="already filters inbound"):
        isolate._acl_commands(view(CORE), 40, "10.10.40.101", 3999)


def test_store_ids_and_records(tmp_path):
    store = Store(str(tmp_path))
    with pytest.raises(InputError, match="isolation_id: 'x' is not an isolation id"):
        store.load("x")
    missing = new_id()
    with pytest.raises(TransactionError, match=f"no isolation {missing}"):
        store.load(missing)
    record = {"id": new_id(), "state": "open", "key": "segment:10", "devices": {}}
    store.save(record)
    assert store.find_open("segment:10")["id"] == record["id"]
    record["state"] = "closed"
    store.save(record)
    assert store.find_open("segment:10") is None and len(store.records()) == 1


def _fence_record(store: Store, **extra) -> str:
    record = {
        "id": new_id(),
        "state": "open",
        "kind": "host",
        "target": "10.10.100.11",
        "key": "host:10.10.100.11",
        "fence_of": "his-db-1",
        "devices": {"CORE-1": {}},
        "opened_ns": 1,
        **extra,
    }
    store.save(record)
    return record["id"]


def test_a_database_fence_is_not_reconnected_whole_by_hand(tmp_path) -> None:
    from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import reconnect

    store = Store(str(tmp_path))
    ident = _fence_record(store, quarantine={"switch": "CORE-1", "port": "GigabitEthernet1/0/1"})
    with pytest.raises(TransactionError, match="split brain") as refused:
        reconnect(store, ident, {}, "dba", cleanup_by="dba", cleanup_scan="clean")
    assert "playbooks/db_rejoin.yml" in str(refused.value)
    # a fence proof alone is not enough: the port must have come up behind the filter first
    with pytest.raises(TransactionError, match="split brain"):
        reconnect(
            store, ident, {}, "dba", cleanup_by="dba", cleanup_scan="clean", fence_proof="ssh"
        )
    assert store.load(ident)["state"] == "open"


def test_the_port_stage_needs_a_quarantined_isolation(tmp_path) -> None:
    from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import reconnect

    store = Store(str(tmp_path))
    ident = _fence_record(store)
    with pytest.raises(InputError, match="no quarantine filter"):
        reconnect(store, ident, {}, "dba", cleanup_by="dba", cleanup_scan="clean", stage="port")
    with pytest.raises(InputError, match="stage: 'half'"):
        reconnect(store, ident, {}, "dba", stage="half")


def test_bringing_a_port_up_removes_only_its_shutdown_line() -> None:
    from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import (
        _without_shutdown,
    )

    config = (
        "interface GigabitEthernet1/0/1\n shutdown\n traffic-filter inbound acl 3998\n#\n"
        "interface GigabitEthernet1/0/2\n shutdown\n#\n"
    )
    assert _without_shutdown(config, "GigabitEthernet1/0/1") == (
        "interface GigabitEthernet1/0/1\n traffic-filter inbound acl 3998\n#\n"
        "interface GigabitEthernet1/0/2\n shutdown\n#\n"
    )


def test_rule_bodies_read_alike_with_numbers_or_padding():
    """IOS XE prints `` 10 deny ip host ...``, classic IOS `` deny   ip host ...``: the
    isolation finds its rule in either and does not add it twice."""
    for printed in ("10 deny ip host 10.10.30.101 any", "deny   ip host 10.10.30.101 any"):
        assert isolate._rule_body(printed) == "deny ip host 10.10.30.101 any"
    assert isolate._rule_body("rule 5 deny ip source 10.10.30.101 0") == (
        "deny ip source 10.10.30.101 0"
    )
