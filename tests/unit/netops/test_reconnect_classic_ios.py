"""Classic IOS (15.x) prints ACL entries without sequence numbers. When the first of two
host blocks on one gateway reconnects, the ACL and its binding are handed to the other
isolation, but its own deny entry is not: it goes with it. Read by number only, the deny
entry of a classic IOS configuration was handed over too, the reconnect then proved
against the wrong lines and stayed half done ("- ... / deny ip host 10.10.60.104 any").
The canonical form reads IOS-XE's entries without their numbers too: the same case.
Also: the next entry of a classic IOS isolation ACL numbered from ``show ip access-lists``
and before the closing permit, and an entry removed by its text where no numbers print."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams
from ansible_collections.hisops.emergency.plugins.module_utils.netops import (
    isolate,
    names,
    network,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    Refused,
    TransactionError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import (
    _handed_effect,
    effect,
    replayable,
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


# -- removing an entry: by its text where the configuration prints no numbers --------------
SECOND = AFTER.replace(
    " deny   ip host 10.10.60.104 any\n",
    " deny   ip host 10.10.60.104 any\n deny   ip host 10.10.60.105 any\n",
)
COMMANDS = [HEADER, "10 deny ip host 10.10.60.105 any", "exit"]
REMOVAL = [HEADER, "no 10", "exit"]


def test_an_entry_is_removed_by_its_text_where_no_numbers_are_printed() -> None:
    """IOS 15.x saves no numbers: after a reload the entries are 10, 20, 30 and ``no 10``
    would remove the first host's entry, not this one."""
    sent = replayable(REMOVAL, "cisco_ios", SECOND, COMMANDS, "iso-2 on ACC-3")
    assert sent == [HEADER, "no deny ip host 10.10.60.105 any", "exit"]


def test_by_number_where_the_configuration_prints_numbers() -> None:
    numbered = SECOND.replace(" deny   ip host 10.10.60.104", " 5 deny ip host 10.10.60.104")
    numbered = numbered.replace(" deny   ip host 10.10.60.105", " 10 deny ip host 10.10.60.105")
    numbered = numbered.replace(" permit ip any any", " 4000 permit ip any any")
    assert replayable(REMOVAL, "cisco_ios", numbered, COMMANDS, "iso-2 on ACC-3") == REMOVAL


def test_an_entry_the_record_does_not_describe_is_refused() -> None:
    with pytest.raises(TransactionError) as refused:
        replayable(REMOVAL, "cisco_ios", SECOND, [], "iso-2 on ACC-3")
    assert str(refused.value).startswith(f"isolation_id: iso-2 on ACC-3: '{HEADER}' prints no")
    assert "'no 10'" in str(refused.value) and "nothing was changed" in refused.value.hint


# -- numbering the next entry on a classic IOS gateway (netops/network.py, isolate.py) -----
def _gateway(numbered: str) -> network.SwitchView:
    switch = network.Switch("ACC-3", DeviceParams("ACC-3", "cisco_ios", "h", "u", "p"), "core")
    view = network.SwitchView(switch=switch, config=SECOND, numbered=numbered)
    view.ports = names.ports(SECOND, "cisco_ios")
    return view


def _numbered(first: int, second: int, closing: int) -> str:
    return (
        SECOND.replace(" deny   ip host 10.10.60.104", f" {first} deny ip host 10.10.60.104")
        .replace(" deny   ip host 10.10.60.105", f" {second} deny ip host 10.10.60.105")
        .replace(" permit ip any any", f" {closing} permit ip any any")
    )


def test_the_next_entry_is_numbered_from_what_show_ip_access_lists_says() -> None:
    """The view's ``numbered`` (``show ip access-lists`` written in), not the printed
    configuration (no numbers: 5 again, a duplicate); before the closing permit, wherever a
    reload put it (30 here: a 35 would never match)."""
    assert _gateway("").acl_config == SECOND
    blocks = isolate._acl_commands(_gateway(_numbered(10, 20, 30)), 60, "10.10.60.106", 3999)
    assert blocks == [
        ([HEADER, "25 deny ip host 10.10.60.106 any", "exit"], [HEADER, "no 25", "exit"])
    ]
    blocks = isolate._acl_commands(_gateway(_numbered(5, 10, 4000)), 60, "10.10.60.106", 3999)
    assert blocks[0][0][1] == "15 deny ip host 10.10.60.106 any"


def test_no_free_number_before_the_permit_is_refused() -> None:
    with pytest.raises(
        Refused, match=r"no free number before its closing 'permit ip any any' \(3\)"
    ):
        isolate._acl_commands(_gateway(_numbered(1, 2, 3)), 60, "10.10.60.106", 3999)
