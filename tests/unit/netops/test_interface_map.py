"""Interface mapping for a spare that numbers its ports differently (issue 6, P4.1)."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import spare
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    InputError,
    Refused,
)

GE = [f"GigabitEthernet0/0/{n}" for n in range(1, 49)]
XGE = [f"XGigabitEthernet0/0/{n}" for n in range(1, 5)]
GE_MEMBER1 = [f"GigabitEthernet1/0/{n}" for n in range(1, 49)]
XGE_MEMBER1 = [f"XGigabitEthernet1/0/{n}" for n in range(1, 5)]

BACKUP = """\
sysname AGG-1
#
interface Vlanif99
 ip address 10.10.99.2 255.255.255.0
#
interface MEth0/0/1
#
interface Eth-Trunk1
#
interface GigabitEthernet0/0/1
 port link-type access
 port default vlan 30
#
interface GigabitEthernet0/0/10
 description ward-10
#
interface GigabitEthernet0/0/2
#
interface XGigabitEthernet0/0/1
 port link-type trunk
 port trunk allow-pass vlan 10 30 99
#
interface NULL0
#
return
"""


def test_physical_ports_are_the_ethernet_sections_only():
    assert spare.physical_ports(BACKUP, "huawei") == [
        "GigabitEthernet0/0/1",
        "GigabitEthernet0/0/10",
        "GigabitEthernet0/0/2",
        "XGigabitEthernet0/0/1",
    ]
    ios = "interface Vlan99\n!\ninterface GigabitEthernet0/0\n!\ninterface TenGigabitEthernet1/1/1\n!\n"
    assert spare.physical_ports(ios, "cisco_ios") == [
        "GigabitEthernet0/0",
        "TenGigabitEthernet1/1/1",
    ]


def test_same_numbering_needs_no_map():
    assert spare.map_interfaces("AGG-1", GE + XGE, "SPARE", GE + XGE) == {}


def test_stack_member_1_maps_by_type_and_position():
    mapping = spare.map_interfaces(
        "AGG-1", list(reversed(GE)) + XGE, "SPARE", GE_MEMBER1 + XGE_MEMBER1
    )
    assert len(mapping) == 52
    assert mapping["GigabitEthernet0/0/2"] == "GigabitEthernet1/0/2"
    assert (
        mapping["GigabitEthernet0/0/10"] == "GigabitEthernet1/0/10"
    )  # number order, not text order
    assert mapping["XGigabitEthernet0/0/4"] == "XGigabitEthernet1/0/4"
    assert list(mapping)[:2] == ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2"]


def test_slot_numbered_differently_on_comware():
    theirs = [f"GigabitEthernet1/0/{n}" for n in range(1, 25)] + ["Ten-GigabitEthernet1/0/25"]
    ours = [f"GigabitEthernet2/0/{n}" for n in range(1, 25)] + ["Ten-GigabitEthernet2/0/25"]
    mapping = spare.map_interfaces("AGG-3", theirs, "SPARE", ours)
    assert mapping["Ten-GigabitEthernet1/0/25"] == "Ten-GigabitEthernet2/0/25"
    assert mapping["GigabitEthernet1/0/24"] == "GigabitEthernet2/0/24"


def test_different_port_counts_are_refused_with_each_type():
    with pytest.raises(Refused) as refused:
        spare.map_interfaces("AGG-1", GE + XGE, "SPARE", GE_MEMBER1[:24] + XGE_MEMBER1)
    message = str(refused.value)
    assert "GigabitEthernet: 48 on AGG-1, 24 on SPARE" in message
    assert "XGigabitEthernet" not in message  # that type maps
    assert "give interface_map" in refused.value.hint


def test_an_explicit_map_covers_what_position_cannot():
    theirs = ["GigabitEthernet0/0/1", "GigabitEthernet0/0/2"]
    ours = [f"GigabitEthernet1/0/{n}" for n in range(1, 5)]
    explicit = {
        "GigabitEthernet0/0/1": "GigabitEthernet1/0/3",
        "GigabitEthernet0/0/2": "GigabitEthernet1/0/4",
    }
    assert spare.map_interfaces("AGG-1", theirs, "SPARE", ours, explicit) == explicit


def test_an_explicit_entry_overrides_one_worked_out_and_must_exist():
    explicit = {
        "XGigabitEthernet0/0/1": "XGigabitEthernet1/0/4",
        "XGigabitEthernet0/0/4": "XGigabitEthernet1/0/1",
    }
    mapping = spare.map_interfaces("AGG-1", GE + XGE, "SPARE", GE_MEMBER1 + XGE_MEMBER1, explicit)
    assert mapping["XGigabitEthernet0/0/1"] == "XGigabitEthernet1/0/4"
    assert mapping["XGigabitEthernet0/0/4"] == "XGigabitEthernet1/0/1"
    assert mapping["GigabitEthernet0/0/7"] == "GigabitEthernet1/0/7"
    with pytest.raises(
        InputError, match=r"SPARE has no port XGigabitEthernet9/0/1 \(for XGigabitEthernet0/0/1\)"
    ):
        spare.map_interfaces(
            "AGG-1",
            GE + XGE,
            "SPARE",
            GE_MEMBER1 + XGE_MEMBER1,
            {"XGigabitEthernet0/0/1": "XGigabitEthernet9/0/1"},
        )
    with pytest.raises(
        InputError, match="two ports of AGG-1 map to XGigabitEthernet1/0/2 on SPARE"
    ):
        spare.map_interfaces(
            "AGG-1",
            GE + XGE,
            "SPARE",
            GE_MEMBER1 + XGE_MEMBER1,
            {"XGigabitEthernet0/0/1": "XGigabitEthernet1/0/2"},
        )


def test_render_renames_in_one_pass():
    rotated = {
        "GigabitEthernet0/0/1": "GigabitEthernet0/0/2",
        "GigabitEthernet0/0/2": "GigabitEthernet0/0/10",
        "GigabitEthernet0/0/10": "GigabitEthernet0/0/1",
    }
    text = spare.render_for_spare(BACKUP, "AGG-1", "SPARE", interface_map=rotated)
    sections = [line for line in text.split("\n") if line.startswith("interface GigabitEthernet")]
    assert sections == [
        "interface GigabitEthernet0/0/2",
        "interface GigabitEthernet0/0/1",
        "interface GigabitEthernet0/0/10",
    ]
    assert "interface XGigabitEthernet0/0/1\n" in text  # a longer name holding a mapped one
