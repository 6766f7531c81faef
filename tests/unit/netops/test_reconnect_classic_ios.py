"""Classic IOS (15.x) prints ACL entries without sequence numbers. When the first of two
host blocks on one gateway reconnects, the ACL and its binding are handed to the other
isolation, but its own deny entry is not: it goes with it. Read by number only, the deny
entry of a classic IOS configuration was handed over too, the reconnect then proved
against the wrong lines and stayed half done ("- ... / deny ip host 10.10.60.104 any").
The canonical form reads IOS-XE's entries without their numbers too: the same case."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import (
    _handed_effect,
    effect,
)

BEFORE = """\
hostname ACC-3
!
interface Vlan60
 ip address 10.10.60.2 255.255.255.0
!
end"""
AFTER = """\
hostname ACC-3
!
interface Vlan60
 ip address 10.10.60.2 255.255.255.0
 ip access-group HISOPS-ISOLATE-3999 in
!
ip access-list extended HISOPS-ISOLATE-3999
 deny   ip host 10.10.60.104 any
 permit ip any any
!
end"""
HEADER = "ip access-list extended HISOPS-ISOLATE-3999"
HANDOVER = {
    "lines": [
        "interface Vlan60",
        "no ip access-group HISOPS-ISOLATE-3999 in",
        "exit",
        f"no {HEADER}",
    ]
}


def _device(after: str) -> dict:
    return {"platform": "cisco_ios", "before": BEFORE, "after": after, "commands": []}


@pytest.mark.parametrize(
    "after",
    [AFTER, AFTER.replace(" deny   ip", " 5 deny ip").replace(" permit", " 4000 permit")],
    ids=["classic IOS, no numbers", "IOS-XE, numbered"],
)
def test_the_deny_entry_stays_with_its_isolation(after: str) -> None:
    device = _device(after)
    mine = effect(device)
    assert (HEADER, "deny ip host 10.10.60.104 any") in mine
    assert dict(_handed_effect(device, HANDOVER, mine)) == {
        (HEADER, "permit ip any any"): 1,
        ("interface Vlan60", "ip access-group HISOPS-ISOLATE-3999 in"): 1,
    }
