"""Pure logic of vendor access windows and spare swaps: windows, commands, renders."""

from __future__ import annotations

from datetime import datetime

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netops import spare, vendor
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import InputError

VRP = """\
sysname AGG-1
#
interface Vlanif99
 ip address 10.10.99.2 255.255.255.0
#
user-interface vty 0 4
 authentication-mode aaa
 protocol inbound ssh
#
return
"""


def request(**kw) -> vendor.VendorRequest:
    base = {
        "vendor_ip": "203.0.113.7",
        "minutes": 30,
        "approved_by": "head of IT",
        "mgmt_subnet": "10.10.99.0/24",
        "controller_ip": "10.10.99.250",
    }
    base.update(kw)
    r = vendor.VendorRequest(**base)
    r.validate()
    return r


def test_window_covers_at_least_the_minutes_asked():
    start, end = vendor.window(datetime(2026, 11, 22, 22, 28, 45), 1)
    assert (start, end) == (datetime(2026, 11, 22, 22, 28), datetime(2026, 11, 22, 22, 30))
    start, end = vendor.window(datetime(2026, 11, 22, 23, 50, 0), 30)
    assert end == datetime(2026, 11, 23, 0, 20)  # across midnight


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"vendor_ip": "10.10.300.1"}, "vendor_ip: '10.10.300.1' is not an IPv4 address"),
        ({"minutes": 0}, "minutes: 0 must be between 1 and 1440"),
        ({"approved_by": " "}, "approved_by"),
        ({"mgmt_subnet": "nope"}, "mgmt_subnet"),
    ],
)
def test_bad_requests_name_the_field(kw, message):
    with pytest.raises(InputError, match=message):
        request(**kw)


def test_open_creates_the_vty_acl_with_management_and_controller():
    r = request()
    start, end = datetime(2026, 11, 22, 22, 0), datetime(2026, 11, 22, 22, 30)
    blocks, created = vendor.plan_open(VRP, "huawei", r, start, end)
    commands = [c for b, _inverse in blocks for c in b]
    assert created
    # The controller sits in the management subnet: no rule of its own.
    assert commands == [
        "time-range HISOPS-VENDOR-203-0-113-7 from 22:00 2026/11/22 to 22:30 2026/11/22",
        "acl number 3998",
        "rule 1 permit ip source 203.0.113.7 0 time-range HISOPS-VENDOR-203-0-113-7",
        "rule 100 permit ip source 10.10.99.0 0.0.0.255",
        "quit",
        "user-interface vty 0 4",
        "acl 3998 inbound",
        "quit",
    ]
    opened = VRP.replace(" protocol inbound ssh", " acl 3998 inbound\n protocol inbound ssh") + (
        "time-range HISOPS-VENDOR-203-0-113-7 from 22:00 2026/11/22 to 22:30 2026/11/22\n#\n"
        "acl number 3998\n rule 1 permit ip source 203.0.113.7 0 time-range HISOPS-VENDOR-203-0-113-7\n"
        " rule 100 permit ip source 10.10.99.0 0.0.0.255\n#\n"
    )
    again, _created = vendor.plan_open(opened, "huawei", r, start, end)
    assert again == []  # idempotent
    close = vendor.plan_close(opened, "huawei", r, created_acl=True)
    assert close == [
        "user-interface vty 0 4",
        "undo acl inbound",
        "quit",
        "undo acl number 3998",
        "undo time-range HISOPS-VENDOR-203-0-113-7",
    ]


def test_cisco_window_uses_an_extended_acl_on_both_vty_ranges():
    r = request(controller_ip="192.0.2.10")
    config = "hostname AGG-4\n!\nline vty 0 4\n login local\nline vty 5 15\n login local\n!\nend\n"
    blocks, created = vendor.plan_open(
        config, "cisco_ios", r, datetime(2026, 1, 5, 9, 0), datetime(2026, 1, 5, 9, 30)
    )
    commands = [c for b, _inverse in blocks for c in b]
    assert "absolute start 09:00 05 January 2026 end 09:30 05 January 2026" in commands
    assert "1 permit ip host 203.0.113.7 any time-range HISOPS-VENDOR-203-0-113-7" in commands
    assert "101 permit ip host 192.0.2.10 any" in commands  # controller outside the subnet
    assert commands.count("access-class HISOPS-VTY-3998 in") == 2 and created


COMWARE7 = """\
 sysname AGG-3
#
 ssh server enable
#
line vty 0 63
 authentication-mode scheme
 user-role network-operator
#
return
"""


def test_comware7_window_binds_the_login_acl_in_system_view():
    """Comware 7: ``ssh server acl N`` in system view (HPE 12900E Security CR), not Comware
    5's ``acl N inbound`` under the VTY lines; closing unbinds it with ``undo ssh server acl``."""
    r = request()
    start, end = datetime(2026, 11, 22, 22, 0), datetime(2026, 11, 22, 22, 30)
    blocks, created = vendor.plan_open(COMWARE7, "hp_comware", r, start, end)
    assert created and blocks[-1] == (["ssh server acl 3998"], ["undo ssh server acl"])
    commands = [c for b, _inverse in blocks for c in b]
    assert not any(c.startswith(("line vty", "acl 3998 inbound")) for c in commands)
    assert vendor.window_sections(commands) == [
        "acl advanced 3998",
        "ssh server acl",
        "time-range HISOPS-VENDOR-203-0-113-7",
    ]
    opened = COMWARE7.replace(" ssh server enable", " ssh server enable\n ssh server acl 3998") + (
        "time-range HISOPS-VENDOR-203-0-113-7 from 22:00 11/22/2026 to 22:30 11/22/2026\n#\n"
        "acl advanced 3998\n rule 1 permit ip source 203.0.113.7 0 time-range "
        "HISOPS-VENDOR-203-0-113-7\n rule 100 permit ip source 10.10.99.0 0.0.0.255\n#\n"
    )
    assert vendor.vty_acl(opened, "hp_comware") == "3998"
    assert vendor.plan_open(opened, "hp_comware", r, start, end)[0] == []  # idempotent
    assert vendor.plan_close(opened, "hp_comware", r, created_acl=True) == [
        "undo ssh server acl",
        "undo acl advanced 3998",
        "undo time-range HISOPS-VENDOR-203-0-113-7",
    ]


def test_spare_render_drops_masked_lines_and_can_keep_its_own_identity():
    backup = (
        "sysname AGG-1\n local-user admin password irreversible-cipher <masked>\n"
        "interface Vlanif99\n ip address 10.10.99.2 255.255.255.0\ninterface GigabitEthernet0/0/1\n"
    )
    kept = spare.render_for_spare(backup, "AGG-1", "SPARE-S5735")
    assert "<masked>" not in kept and "sysname AGG-1" in kept and "10.10.99.2" in kept
    own = spare.render_for_spare(
        backup,
        "AGG-1",
        "SPARE-S5735",
        keep_identity=False,
        spare_mgmt_ip="10.10.99.10",
        failed_mgmt_ip="10.10.99.2",
        interface_map={"GigabitEthernet0/0/1": "GigabitEthernet1/0/1"},
    )
    assert "sysname SPARE-S5735" in own and "ip address 10.10.99.10 " in own
    assert "interface GigabitEthernet1/0/1" in own


def test_spare_differences():
    assert (
        spare.differences(
            {"model": "S5735-S48T4X", "firmware": "V200R022C00SPC500"},
            {"model": "S5735-S48T4X", "firmware": "S5735 V200R022C00SPC500"},
        )
        == []
    )
    assert spare.differences(
        {"model": "S5560X-30C-EI", "firmware": "7.1.070, Release 6616"},
        {"model": "S5735-S48T4X", "firmware": "S5735 V200R022C00SPC500"},
    ) == [
        "model: S5560X-30C-EI here, S5735-S48T4X on the spare",
        "firmware: 7.1.070, Release 6616 here, S5735 V200R022C00SPC500 on the spare",
    ]


def test_the_management_address_change_is_found_for_the_swap_to_make_last() -> None:
    _address_change = spare._address_change  # noqa: N806 - the private helper under test
    intended = (
        "sysname AGG-1\n#\ninterface Vlanif99\n ip address 10.10.99.2 255.255.255.0\n#\n"
        "interface GigabitEthernet0/0/1\n description ward\n#\n"
    )
    own = "sysname SPARE\n#\ninterface Vlanif99\n ip address 10.10.99.10 255.255.255.0\n#\n"
    assert _address_change(intended, own, "10.10.99.2") == (
        "interface Vlanif99",
        " ip address 10.10.99.2 255.255.255.0",
        " ip address 10.10.99.10 255.255.255.0",
    )
    assert _address_change(intended, intended, "10.10.99.2") is None  # already there
    assert _address_change(intended, own, "") is None  # the failed unit's address is not known
    assert _address_change(intended, "sysname SPARE\n#\n", "10.10.99.2") is None  # no address there


def test_closing_a_window_in_an_existing_ios_acl_removes_its_entry_by_number_or_text():
    """IOS XE prints the entry's number (``no 1``); classic IOS prints none, and the entry
    goes by its text (``no permit ip host ...``), never a bare ``no permit``."""
    r = request()
    rule = f"permit ip host 203.0.113.7 any time-range {r.window_name}"
    base = "line vty 0 4\n access-class OPS in\n!\nip access-list extended OPS\n"
    for body, removal in ((f" 1 {rule}\n", "no 1"), (f" {rule}\n", f"no {rule}")):
        config = base + body + " 10 permit ip 10.10.99.0 0.0.0.255 any\n!\n"
        close = vendor.plan_close(config, "cisco_ios", r, created_acl=False)
        assert close[:3] == ["ip access-list extended OPS", removal, "exit"], close
