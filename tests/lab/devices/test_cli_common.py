"""Abbreviations and undo/no forms typed the way engineers type them, on all platforms."""

from __future__ import annotations

from ntc_templates.parse import parse_output

from .conftest import Lab


def test_huawei_abbreviations() -> None:
    lab = Lab("huawei")
    assert lab.run("dis cur").startswith("!Software Version")
    lab.run("sys", "int g0/0/4", "shut")
    assert lab.device.running.interfaces["GigabitEthernet0/0/4"].shutdown
    lab.run("undo shut")
    assert not lab.device.running.interfaces["GigabitEthernet0/0/4"].shutdown
    lab.run("dis this")
    assert lab.run("dis this").startswith("#\ninterface GigabitEthernet0/0/4")


def test_comware_abbreviations() -> None:
    lab = Lab("hp_comware")
    assert lab.run("dis cu").startswith("#\n version")
    lab.run("sys", "int ge1/0/4", "des to-printer", "undo des")
    assert lab.device.running.interfaces["GigabitEthernet1/0/4"].description == ""
    assert "% Ambiguous command" in lab.run("dis s")


def test_cisco_abbreviations() -> None:
    lab = Lab("cisco_ios")
    assert lab.run("sh run").startswith("Building configuration...")
    lab.run("conf t", "int g1/0/4", "shut", "no shut", "desc printer", "end")
    intf = lab.device.running.interfaces["GigabitEthernet1/0/4"]
    assert not intf.shutdown and intf.description == "printer"
    assert lab.run("wr") == "Building configuration...\n[OK]"
    lab.run("conf t")
    assert lab.run("do sh vlan br").splitlines()[1].startswith("VLAN Name")
    assert lab.session.prompt() == "AGG-CISCO-1(config)#"


def test_cisco_access_vlan_is_created_on_demand() -> None:
    lab = Lab("cisco_ios")
    out = lab.config("int g1/0/5", "switchport access vlan 66")
    assert 66 in lab.device.running.vlans
    assert lab.device.running.interfaces["GigabitEthernet1/0/5"].pvid == 66
    assert out == ""


def test_huawei_refuses_access_vlan_that_does_not_exist() -> None:
    lab = Lab("huawei")
    lab.run("sys", "int g0/0/5", "port link-type access")
    assert lab.run("port default vlan 66") == "Error: The VLAN does not exist."
    lab.run("port link-type trunk")
    assert lab.run("port default vlan 1") == "Error: The port is not an access port."


def test_output_filters() -> None:
    cisco = Lab("cisco_ios")
    section = cisco.run("show running-config | section interface Vlan100")
    assert section == "interface Vlan100\n ip address 10.0.100.3 255.255.255.0"
    huawei = Lab("huawei")
    begin = huawei.run("display current-configuration | begin interface Vlanif100")
    assert begin.startswith("interface Vlanif100\n ip address 10.0.100.1 255.255.255.0\n#")
    assert "sysname" not in huawei.run("display current-configuration | exclude sysname")


def test_cisco_interface_range() -> None:
    lab = Lab("cisco_ios")
    lab.run("conf t", "vlan 30", "interface range gi1/0/3 - 5, Gi1/0/7")
    assert lab.session.prompt() == "AGG-CISCO-1(config-if-range)#"
    lab.run("switchport access vlan 30", "switchport mode access", "shutdown", "end")
    running = lab.device.running.interfaces
    assert [n for n, i in running.items() if i.pvid == 30] == [
        "GigabitEthernet1/0/3",
        "GigabitEthernet1/0/4",
        "GigabitEthernet1/0/5",
        "GigabitEthernet1/0/7",
    ]
    assert running["GigabitEthernet1/0/7"].shutdown and not running["GigabitEthernet1/0/6"].shutdown


def test_views_survive_changes_from_another_session() -> None:
    lab = Lab("huawei")
    other = lab.device.open_session("admin")
    lab.run("sys", "vlan 10", "acl 3000")
    other.handle("sys")
    other.handle("undo acl 3000")
    lab.run("rule permit ip")
    assert lab.device.running.acls["3000"].rules[0].action == "permit"

    cisco = Lab("cisco_ios")
    cisco.run("conf t", "archive", "path flash:archive", "end")
    cisco.run("configure terminal revert timer 5", "ip access-list extended E1")
    cisco.device.revert_now()  # the running configuration is replaced under the view
    cisco.run("permit ip any any")
    assert cisco.device.running.acls["E1"].rules[0].action == "permit"


def test_configuration_of_one_interface() -> None:
    huawei = Lab("huawei")
    huawei.config("interface GigabitEthernet0/0/2", "description PC-1")
    assert huawei.run("display current-configuration interface GigabitEthernet0/0/2") == (
        "#\ninterface GigabitEthernet0/0/2\n description PC-1\n#\nreturn"
    )
    cisco = Lab("cisco_ios")
    cisco.config("interface Gi1/0/2", "description PC-1")
    text = cisco.run("show running-config interface GigabitEthernet1/0/2")
    assert text.endswith("!\ninterface GigabitEthernet1/0/2\n description PC-1\nend")
    comware = Lab("hp_comware")
    assert comware.run("dis cur int ge1/0/3") == "#\ninterface GigabitEthernet1/0/3\n#\nreturn"


def test_time_range_displays() -> None:
    huawei = Lab("huawei")  # the fake clock is Monday 10:30
    huawei.config("time-range work 08:00 to 18:00 working-day")
    assert huawei.run("display time-range all") == (
        "Current time is 10:30:00 11-23-2026 Monday\n\n"
        "Time-range : work ( Active )\n 08:00 to 18:00 working-day"
    )
    cisco = Lab("cisco_ios")
    cisco.config("time-range NIGHT", "periodic daily 22:00 to 23:59")
    assert cisco.run("show time-range") == (
        "time-range entry: NIGHT (inactive)\n   periodic daily 22:00 to 23:59"
    )


def test_pasted_comment_lines_are_ignored() -> None:
    huawei = Lab("huawei")
    assert huawei.run("sys", "#", "sysname PASTED", "#") == ""
    assert huawei.device.running.hostname == "PASTED"
    cisco = Lab("cisco_ios")
    assert cisco.run("conf t", "!", "hostname PASTED", "!") == ""
    assert cisco.device.running.hostname == "PASTED"


def test_erase_saved_configuration_boots_factory_staged() -> None:
    for platform, erase, answer in (
        ("huawei", "reset saved-configuration", "y"),
        ("hp_comware", "reset saved-configuration", "y"),
        ("cisco_ios", "erase startup-config", ""),
    ):
        lab = Lab(platform, boot_seconds=5)
        lab.config("vlan 10")
        lab.device.save()
        assert lab.run(erase).endswith(("[Y/N]:", "[confirm]"))
        lab.run(answer)
        assert 10 in lab.device.running.vlans and 10 not in lab.device.saved.vlans
        lab.device.reboot()
        assert lab.host.reboots == [5.0]
        assert list(lab.device.running.vlans) == [1, 100]  # management VLAN from the spec
        assert lab.device.check_login("admin", "Admin@123")


def test_mac_table_lookups_find_the_port() -> None:
    huawei = Lab("huawei")
    for command in (
        "display mac-address 0025-9e80-2494",
        "display mac-address vlan 10",
        "display mac-address GigabitEthernet0/0/2",
    ):
        rows = parse_output(platform="huawei_vrp", command=command, data=huawei.run(command))
        assert [r["destination_port"] for r in rows] == ["GE0/0/2"], command
    assert "Total items displayed = 0" in huawei.run("display mac-address vlan 20")
    assert "Wrong parameter" in huawei.run("display mac-address nonsense")

    comware = Lab("hp_comware")
    out = comware.run("display mac-address interface GigabitEthernet1/0/2")
    rows = parse_output(platform="hp_comware", command="display mac-address", data=out)
    assert rows[0]["interface"] == "GE1/0/2"
    assert comware.run("display mac-address vlan 30").count("\n") == 0  # header only

    cisco = Lab("cisco_ios")
    out = cisco.run("show mac address-table address 0025.9e80.2494")
    rows = parse_output(platform="cisco_ios", command="show mac address-table", data=out)
    assert rows[0]["destination_port"] == ["Gi1/0/2"]
    arp = cisco.run("show ip arp 10.10.10.20")
    assert len(arp.splitlines()) == 2 and "0025.9e80.2494" in arp
