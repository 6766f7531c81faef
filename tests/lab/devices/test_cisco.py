"""Cisco IOS engine: CLI text, state, revert timer, reloads, ntc-templates parsing."""

from __future__ import annotations

import pytest
from ntc_templates.parse import parse_output

from hisops.lab.devices import make_device
from hisops.lab.devices.model import LinkType, Packet

from .conftest import SPECS, Lab

SETUP = (
    "vlan 10",
    "name OUTPATIENT",
    "vlan 20",
    "name PHARMACY",
    "interface GigabitEthernet1/0/1",
    "description uplink-to-CORE",
    "switchport trunk allowed vlan 10,20",
    "switchport mode trunk",
    "int gi1/0/2",
    "switchport access vlan 10",
    "switchport mode access",
    "description REG-PC-01",
    "int Gi1/0/3",
    "shutdown",
    "ip access-list extended HIS-DB",
    "deny tcp any host 10.0.0.10 eq 1521",
    "permit ip any any",
    "access-list 10 permit 10.1.1.0 0.0.0.255",
    "interface Vlan10",
    "ip address 10.10.10.1 255.255.255.0",
    "ip helper-address 10.0.0.5",
    "ip access-group HIS-DB in",
    "ip route 0.0.0.0 0.0.0.0 10.0.100.254",
    "archive",
    "path flash:archive",
)


def parse(lab: Lab, command: str) -> list[dict]:
    return parse_output(platform="cisco_ios", command=command, data=lab.run(command))


@pytest.fixture
def configured(cisco: Lab) -> Lab:
    cisco.config(*SETUP)
    return cisco


def test_prompts_modes_and_enable() -> None:
    lab = Lab("cisco_ios")
    assert lab.session.prompt() == "AGG-CISCO-1#"  # privilege 15 lands in enable mode
    lab.run("configure terminal")
    assert lab.session.prompt() == "AGG-CISCO-1(config)#"
    lab.run("interface GigabitEthernet1/0/1")
    assert lab.session.prompt() == "AGG-CISCO-1(config-if)#"
    lab.run("vlan 10")
    assert lab.session.prompt() == "AGG-CISCO-1(config-vlan)#"
    lab.run("ip access-list extended X")
    assert lab.session.prompt() == "AGG-CISCO-1(config-ext-nacl)#"
    lab.run("exit")
    assert lab.session.prompt() == "AGG-CISCO-1(config)#"
    lab.run("end")
    assert lab.session.prompt() == "AGG-CISCO-1#"

    viewer = lab.device.open_session("viewer")
    assert viewer.prompt() == "AGG-CISCO-1>"
    assert viewer.handle("enable").output == "Password: "
    assert viewer.prompt() == ""
    viewer.handle("En@ble123")
    assert viewer.prompt() == "AGG-CISCO-1#"


def test_errors(cisco: Lab) -> None:
    assert cisco.run("show foo") == " " * 17 + "^\n% Invalid input detected at '^' marker.\n"
    assert cisco.run("show") == "% Incomplete command.\n"
    assert cisco.run("sh i") == '% Ambiguous command:  "sh i"'
    assert "Unknown command or computer name" in cisco.run("foo")
    cisco.run("conf t")
    assert cisco.run("vlan 5000").endswith("% Invalid input detected at '^' marker.\n")


def test_running_config(configured: Lab) -> None:
    text = configured.run("show running-config")
    assert text.startswith("Building configuration...\n\nCurrent configuration : ")
    assert "\nhostname AGG-CISCO-1\n" in text
    assert "vlan 10\n name OUTPATIENT\n!" in text
    assert (
        "interface GigabitEthernet1/0/1\n description uplink-to-CORE\n"
        " switchport trunk allowed vlan 10,20\n switchport mode trunk\n!" in text
    )
    assert (
        "interface GigabitEthernet1/0/2\n description REG-PC-01\n switchport access vlan 10\n"
        " switchport mode access\n!" in text
    )
    assert (
        "interface Vlan10\n ip address 10.10.10.1 255.255.255.0\n ip helper-address 10.0.0.5\n"
        " ip access-group HIS-DB in\n!" in text
    )
    # IOS 15.2 (classic): no sequence numbers, deny padded to the width of permit, as the
    # older releases print it (docs/fidelity.md, ACL text).
    assert (
        "ip access-list extended HIS-DB\n deny   tcp any host 10.0.0.10 eq 1521\n"
        " permit ip any any\n" in text
    )
    assert "access-list 10 permit 10.1.1.0 0.0.0.255\n" in text
    assert "username admin privilege 15 secret 9 $9$" in text and "Admin@123" not in text
    assert text.endswith("\nend")
    sh = configured.run("show running-config | include ^interface")
    assert sh.splitlines()[0] == "interface GigabitEthernet1/0/1"


def test_no_forms_and_trunk_edits(configured: Lab) -> None:
    configured.config(
        "interface GigabitEthernet1/0/1",
        "switchport trunk allowed vlan remove 20",
        "switchport trunk allowed vlan add 30",
        "int Gi1/0/3",
        "no shutdown",
        "no vlan 20",
        "interface Vlan10",
        "no ip access-group HIS-DB in",
    )
    running = configured.device.running
    assert running.interfaces["GigabitEthernet1/0/1"].allowed_vlans == {10, 30}
    assert not running.interfaces["GigabitEthernet1/0/3"].shutdown
    assert 20 not in running.vlans and running.vlanifs[10].acl_in is None


def test_show_version_inventory(configured: Lab) -> None:
    version = parse(configured, "show version")[0]
    assert version["version"] == "15.2(7)E4"
    assert version["hostname"] == "AGG-CISCO-1"
    assert version["hardware"] == ["WS-C2960X-48FPD-L"]
    assert version["serial"] == ["FOC2231X0AB"]
    assert version["mac_address"] == ["70:DB:98:AA:BB:00"]
    inventory = parse(configured, "show inventory")
    assert inventory[0]["pid"] == "WS-C2960X-48FPD-L" and inventory[0]["sn"] == "FOC2231X0AB"


def test_show_vlan_and_status(configured: Lab) -> None:
    vlans = {row["vlan_id"]: row for row in parse(configured, "show vlan brief")}
    assert vlans["10"]["vlan_name"] == "OUTPATIENT" and vlans["10"]["interfaces"] == ["Gi1/0/2"]
    assert vlans["20"]["interfaces"] == []
    assert "Gi1/0/4" in vlans["1"]["interfaces"]
    status = {row["port"]: row for row in parse(configured, "show interfaces status")}
    assert status["Gi1/0/1"]["vlan_id"] == "trunk"
    assert status["Gi1/0/2"]["status"] == "connected" and status["Gi1/0/2"]["name"] == "REG-PC-01"
    assert status["Gi1/0/3"]["status"] == "disabled"


def test_show_mac_arp_acl_ip_brief(configured: Lab) -> None:
    mac = parse(configured, "show mac address-table")[0]
    assert (mac["destination_address"], mac["vlan_id"], mac["destination_port"]) == (
        "0025.9e80.2494",
        "10",
        ["Gi1/0/2"],
    )
    arp = {row["ip_address"]: row for row in parse(configured, "show ip arp")}
    assert arp["10.10.10.20"]["interface"] == "Vlan10" and arp["10.10.10.20"]["age"] == "5"
    assert arp["10.10.10.1"]["mac_address"] == "70db.98aa.bb00"
    acl = parse(configured, "show access-lists")
    assert [(r["name"], r["sn"], r["action"]) for r in acl] == [
        ("HIS-DB", "10", "deny"),
        ("HIS-DB", "20", "permit"),
        ("10", "10", "permit"),
    ]
    assert acl[0]["destination"] == "host 10.0.0.10"
    brief = {row["interface"]: row for row in parse(configured, "show ip interface brief")}
    assert brief["Vlan10"]["ip_address"] == "10.10.10.1" and brief["Vlan10"]["status"] == "up"
    assert brief["GigabitEthernet1/0/3"]["status"] == "administratively down"


def test_acl_semantics_implicit_deny(configured: Lab) -> None:
    cfg = configured.device.running
    at = configured.device.now()
    assert not cfg.acl_permits("HIS-DB", Packet("10.10.10.20", "10.0.0.10", "tcp", None, 1521), at)
    assert cfg.acl_permits("HIS-DB", Packet("10.10.10.20", "10.0.0.10", "tcp", None, 443), at)
    assert not cfg.acl_permits("10", Packet("10.2.2.2", "10.0.0.10"), at)


def test_write_memory_and_copy_prompt(configured: Lab) -> None:
    assert configured.run("write memory") == "Building configuration...\n[OK]"
    configured.config("vlan 40")
    assert (
        configured.run("copy running-config startup-config")
        == "Destination filename [startup-config]? "
    )
    assert configured.run("") == "Building configuration...\n[OK]"
    assert 40 in configured.device.saved.vlans
    assert "vlan 40" in configured.run("show startup-config")


def test_revert_timer_fires_unless_confirmed(configured: Lab) -> None:
    out = configured.run("configure terminal revert timer 5")
    assert out.startswith(
        "Rollback Confirmed Change: Backing up current running config to flash:archive-Nov-23-"
    )
    assert configured.session.prompt() == "AGG-CISCO-1(config)#"
    configured.run("interface Gi1/0/2", "shutdown", "end")
    configured.host.advance(299)
    assert configured.device.running.interfaces["GigabitEthernet1/0/2"].shutdown
    configured.host.advance(2)
    assert not configured.device.running.interfaces["GigabitEthernet1/0/2"].shutdown

    configured.run("configure terminal revert timer 5", "vlan 55", "end", "configure confirm")
    configured.host.advance(600)
    assert 55 in configured.device.running.vlans


def test_revert_timer_needs_archive(cisco: Lab) -> None:
    assert "Archive path is not configured" in cisco.run("configure terminal revert timer 5")


def test_reload_in_and_cancel(configured: Lab) -> None:
    assert (
        configured.run("reload in 10") == "System configuration has been modified. Save? [yes/no]: "
    )
    out = configured.run("no")
    assert "Reload scheduled for 10:40:00 UTC Mon Nov 23 2026 (in 10 minutes)" in out
    assert out.endswith("Proceed with reload? [confirm]")
    configured.run("")
    assert "Reload scheduled for" in configured.run("show reload")
    assert "SHUTDOWN ABORTED" in configured.run("reload cancel")
    assert configured.run("show reload") == "No reload is scheduled."


def test_reload_comes_back_on_startup_config(configured: Lab) -> None:
    configured.run("write memory")
    configured.config("hostname TEMP")
    configured.run("reload", "no")
    assert configured.session.handle("").close
    assert configured.device.running.hostname == "AGG-CISCO-1"
    assert configured.host.reboots


def test_classic_ios_acl_numbers_are_not_saved_xe_ones_are() -> None:
    """IOS 15.x: "Sequence numbers are not nvgened ... In the event that the system is
    reloaded, the configured sequence numbers revert to the default sequence starting
    number and increment" (Catalyst 2960 configuration guide). IOS-XE prints and keeps them."""
    ports = [f"GigabitEthernet1/0/{i}" for i in range(1, 49)]
    for lab, after_reload in (
        (Lab("cisco_ios"), [10, 20, 30]),
        (Lab("cisco_ios", model="C9300-48T", firmware="17.09.04a", interfaces=ports), [5, 7, 4000]),
    ):
        lab.config(
            "ip access-list extended ISO",
            "5 deny ip host 10.0.0.1 any",
            "4000 permit ip any any",
            "7 deny ip host 10.0.0.2 any",
        )
        assert [r.id for r in lab.device.running.acls["ISO"].rules] == [5, 7, 4000]
        lab.run("write memory")
        assert [r.id for r in lab.device.running.acls["ISO"].rules] == [5, 7, 4000]
        assert lab.run("reload") == "Proceed with reload? [confirm]"  # saved: nothing to ask
        assert lab.session.handle("").close
        assert [r.id for r in lab.device.running.acls["ISO"].rules] == after_reload


def test_startup_config_round_trip(configured: Lab) -> None:
    configured.config(
        "time-range WORK",
        "periodic weekdays 8:00 to 18:00",
        "ip access-list extended TIMED",
        "permit ip any any time-range WORK",
    )
    text = configured.device.render_config(configured.device.running)
    twin = make_device({**SPECS["cisco_ios"], "startup_config": text})
    assert twin.render_config(twin.running) == text
    assert twin.running == configured.device.running
    assert twin.check_login("admin", "Admin@123")
    intf = twin.running.interfaces["GigabitEthernet1/0/1"]
    assert intf.link_type is LinkType.TRUNK and intf.allowed_vlans == {10, 20}


def test_ios_xe_show_version() -> None:
    ports = [f"GigabitEthernet1/0/{i}" for i in range(1, 49)]
    lab = Lab("cisco_ios", model="C9300-48T", firmware="17.09.04a", interfaces=ports)
    text = lab.run("show version")
    assert text.startswith("Cisco IOS XE Software, Version 17.09.04a\n")
    version = parse_output(platform="cisco_ios", command="show version", data=text)[0]
    assert version["software_image"] == "CAT9K_IOSXE" and version["version"] == "17.9.4a"
    assert version["hardware"] == ["C9300-48T"] and version["running_image"] == "packages.conf"
    assert "\nversion 17.9\n" in lab.run("show running-config")


def test_show_interfaces_switchport(configured: Lab) -> None:
    rows = {r["interface"]: r for r in parse(configured, "show interfaces switchport")}
    assert rows["Gi1/0/1"]["mode"] == "trunk" and rows["Gi1/0/1"]["trunking_vlans"] == ["10", "20"]
    assert rows["Gi1/0/2"]["admin_mode"] == "static access"
    assert rows["Gi1/0/2"]["access_vlan"] == "10"
    one = parse(configured, "show interfaces GigabitEthernet1/0/2 switchport")
    assert [r["interface"] for r in one] == ["Gi1/0/2"]


def test_show_interfaces(configured: Lab) -> None:
    rows = {r["interface"]: r for r in parse(configured, "show interfaces")}
    assert rows["GigabitEthernet1/0/2"]["link_status"] == "up"
    assert rows["GigabitEthernet1/0/2"]["description"] == "REG-PC-01"
    assert rows["GigabitEthernet1/0/3"]["link_status"] == "administratively down"
    assert (rows["Vlan10"]["ip_address"], rows["Vlan10"]["prefix_length"]) == ("10.10.10.1", "24")
    one = parse(configured, "show interfaces GigabitEthernet1/0/3")
    assert [r["protocol_status"] for r in one] == ["down (disabled)"]
