"""Merge mode (replace: false) removes nothing the plan lacks, yet rewrites a plan ACL in order."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    PushRequest,
    plan_commands,
)

RUNNING_IOS = """\
vlan 10
 name OUTPATIENT
!
vlan 77
 name HANDMADE
!
ip access-list extended HIS-DB-PROTECT
 10 permit tcp 10.10.10.0 0.0.0.255 host 10.10.100.10 eq 5432
 20 deny ip any any
ip access-list extended OLD-ACL
 10 deny ip any any
!
"""
INTENDED_IOS = """\
vlan 10
 name OUTPATIENT
!
ip access-list extended HIS-DB-PROTECT
 permit icmp any any
 permit tcp 10.10.10.0 0.0.0.255 host 10.10.100.10 eq 5432
 deny ip any any
!
"""


def plan(running: str, intended: str, platform: str, replace: bool) -> list[str]:
    request = PushRequest(intended=intended, features=["vlans", "acl"], replace=replace)
    return plan_commands(running, request, platform)


def test_ios_merge_edits_the_plan_acl_in_place_and_removes_nothing_else() -> None:
    """IOS XE prints sequence numbers: the missing entry is inserted before entry 10 by
    number; the ACL is never removed (it would be undefined while it is entered again)."""
    merge = plan(RUNNING_IOS, INTENDED_IOS, "cisco_ios", replace=False)
    assert "no vlan 77" not in merge and "no ip access-list extended OLD-ACL" not in merge
    assert not any(c.startswith("no ip access-list extended HIS-DB-PROTECT") for c in merge)
    start = merge.index("ip access-list extended HIS-DB-PROTECT")
    assert merge[start + 1 : start + 3] == ["5 permit icmp any any", "exit"]
    full = plan(RUNNING_IOS, INTENDED_IOS, "cisco_ios", replace=True)
    assert "no vlan 77" in full and "no ip access-list extended OLD-ACL" in full
    assert not any(c.startswith("no ip access-list extended HIS-DB-PROTECT") for c in full)


def test_ios_merge_keeps_the_removal_of_an_entry_the_plan_acl_lacks() -> None:
    """An extra entry inside a plan ACL goes in merge mode too: the plan's ACL is ordered."""
    running = RUNNING_IOS.replace(
        " 20 deny ip any any", " 15 permit udp any any\n 20 deny ip any any"
    )
    merge = plan(running, INTENDED_IOS, "cisco_ios", replace=False)
    start = merge.index("ip access-list extended HIS-DB-PROTECT")
    assert merge[start + 1 : start + 4] == ["no 15", "5 permit icmp any any", "exit"]


RUNNING_VRP = """\
vlan batch 10 77
#
acl name HIS-DB-PROTECT 3001
 rule 5 permit tcp source 10.10.10.0 0.0.0.255 destination 10.10.100.10 0 destination-port eq 5432
 rule 10 permit icmp
 rule 15 deny ip
#
"""
INTENDED_VRP = """\
vlan batch 10
#
acl name HIS-DB-PROTECT 3001
 rule 5 permit tcp source 10.10.10.0 0.0.0.255 destination 10.10.100.10 0 destination-port eq 5432
 rule 10 permit udp destination-port eq 53
 rule 15 deny ip
#
"""


def test_vrp_merge_replaces_a_changed_rule_by_id_and_keeps_the_extra_vlan() -> None:
    merge = plan(RUNNING_VRP, INTENDED_VRP, "huawei", replace=False)
    assert not any(c.startswith("undo vlan") for c in merge), merge
    assert merge.index("undo rule 10") < merge.index("rule 10 permit udp destination-port eq 53")
    full = plan(RUNNING_VRP, INTENDED_VRP, "huawei", replace=True)
    assert any(c.startswith("undo vlan") and "77" in c for c in full), full
