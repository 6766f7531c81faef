"""Ruijie RGOS engine, in process: prompts, enable, configuration, ACLs, errors, paging,
the scheduled-reload safety net and the saved configuration's round trip."""

from __future__ import annotations

import pytest

from hisops.lab.devices import make_device
from hisops.lab.devices.base import Pager
from hisops.lab.devices.model import LinkType, Packet

from .conftest import SPECS, Lab

SETUP = (
    "vlan 10",
    "name OUTPATIENT",
    "vlan range 20,30",
    "interface TenGigabitEthernet 0/25",
    "description uplink-to-CORE",
    "switchport mode trunk",
    "switchport trunk allowed vlan only 10,20",
    "int gi0/2",
    "switchport access vlan 10",
    "description REG-PC-01",
    "int g 0/3",
    "shutdown",
    "ip access-list extended 101",
    "deny tcp any host 10.0.0.10 eq 1521",
    "permit ip any any",
    "ip access-list standard 10",
    "permit 10.1.1.0 0.0.0.255",
    "interface vlan 10",
    "ip address 10.10.10.1 255.255.255.0",
    "ip access-group 101 in",
    "ip route 0.0.0.0 0.0.0.0 10.0.100.254",
    "line vty 0 4",
    "access-class 10 in",
)


@pytest.fixture
def ruijie() -> Lab:
    return Lab("ruijie_os")


@pytest.fixture
def configured(ruijie: Lab) -> Lab:
    assert ruijie.config(*SETUP) == ""
    return ruijie


def test_prompts_modes_and_enable_without_a_password(ruijie: Lab) -> None:
    session = ruijie.session
    assert session.prompt() == "AGG-RUIJIE-1>"  # every login starts in user EXEC
    assert ruijie.run("enable") == ""  # no enable password configured: no question
    assert session.prompt() == "AGG-RUIJIE-1#"
    assert ruijie.run("configure terminal").startswith("Enter configuration commands")
    assert session.prompt() == "AGG-RUIJIE-1(config)#"
    ruijie.run("interface gigabitEthernet 0/1")
    assert session.prompt() == "AGG-RUIJIE-1(config-if-GigabitEthernet 0/1)#"
    ruijie.run("interface vlan 10")
    assert session.prompt() == "AGG-RUIJIE-1(config-if-VLAN 10)#"
    ruijie.run("interface range gi 0/3 - 5")
    assert session.prompt() == "AGG-RUIJIE-1(config-if-range)#"
    ruijie.run("ip access-list extended 101")
    assert session.prompt() == "AGG-RUIJIE-1(config-ext-nacl)#"
    ruijie.run("line vty 0 4")
    assert session.prompt() == "AGG-RUIJIE-1(config-line)#"
    ruijie.run("vlan 10")
    assert session.prompt() == "AGG-RUIJIE-1(config-vlan)#"
    ruijie.run("end")
    assert session.prompt() == "AGG-RUIJIE-1#"
    ruijie.run("disable")
    assert session.prompt() == "AGG-RUIJIE-1>"


def test_enable_asks_for_the_enable_password_when_one_is_set() -> None:
    lab = Lab("ruijie_os", enable_secret="En@ble123")
    assert lab.run("enable") == "Password: "
    assert lab.session.prompt() == ""  # a pending question
    lab.run("wrong")
    assert lab.session.prompt() == ""
    lab.run("En@ble123")
    assert lab.session.prompt() == "AGG-RUIJIE-1#"
    assert "enable secret 5 $1$" in lab.run("show running-config")


def test_configuration_lands_in_the_model_and_the_running_config(configured: Lab) -> None:
    config = configured.device.running
    uplink = config.interfaces["TenGigabitEthernet 0/25"]
    assert uplink.link_type is LinkType.TRUNK and uplink.allowed_vlans == {10, 20}
    assert config.interfaces["GigabitEthernet 0/2"].pvid == 10
    assert config.interfaces["GigabitEthernet 0/3"].shutdown
    assert {1, 10, 20, 30, 100} <= set(config.vlans)
    assert config.vlanifs[10].acl_in == "101"
    assert config.management.vty_acl == "10"
    text = configured.run("show running-config")
    assert text.startswith("Building configuration...\nCurrent configuration: ")
    assert "\n\nversion S5750_RGOS 11.4(1)B12P5\nhostname AGG-RUIJIE-1\n" in text
    assert (
        "interface TenGigabitEthernet 0/25\n description uplink-to-CORE\n"
        " switchport mode trunk\n switchport trunk allowed vlan only 10,20\n!"
    ) in text
    assert (
        "interface GigabitEthernet 0/2\n description REG-PC-01\n switchport access vlan 10\n!"
        in (text)
    )
    assert (
        "interface VLAN 10\n ip address 10.10.10.1 255.255.255.0\n ip access-group 101 in\n!"
        in (text)
    )
    assert "ip access-list extended 101\n 10 deny tcp any host 10.0.0.10 eq 1521\n" in text
    assert "line vty 0 4\n access-class 10 in\n" in text
    assert text.rstrip().endswith("end")


def test_trunk_edits_and_access_vlan_without_a_question(ruijie: Lab) -> None:
    out = ruijie.config(
        "interface TenGigabitEthernet 0/26",
        "switchport mode trunk",
        "switchport trunk allowed vlan only 10-12",
        "switchport trunk allowed vlan add 20",
        "switchport trunk allowed vlan remove 11",
        "switchport trunk native vlan 10",
        "interface GigabitEthernet 0/5",
        "switchport access vlan 77",  # an unknown VLAN is created, silently
    )
    assert out == ""
    port = ruijie.device.running.interfaces["TenGigabitEthernet 0/26"]
    assert port.allowed_vlans == {10, 12, 20} and port.pvid == 10
    assert 77 in ruijie.device.running.vlans
    text = ruijie.run("show running-config")
    assert " switchport trunk native vlan 10\n switchport trunk allowed vlan only 10,12,20" in text
    ruijie.config("interface TenGigabitEthernet 0/26", "switchport trunk allowed vlan all")
    assert "allowed vlan" not in ruijie.run("show running-config")


def test_acl_edit_in_place_and_binding(configured: Lab) -> None:
    configured.config(
        "ip access-list extended 101",
        "15 permit udp any any eq 53",
        "no 20",
        "no deny tcp any host 10.0.0.10 eq 1521",
        "permit ip any any",
    )
    assert configured.run("show access-lists 101") == (
        "ip access-list extended 101\n 15 permit udp any any eq domain\n 20 permit ip any any"
    )
    acl_cfg = configured.device.running
    assert acl_cfg.acl_permits("101", Packet("10.1.1.1", "10.0.0.10", "tcp", 1000, 1521), None)
    configured.config("interface vlan 10", "no ip access-group 101 in")
    assert configured.device.running.vlanifs[10].acl_in is None
    configured.config("line vty 0 4", "no access-class 10 in")
    assert configured.device.running.management.vty_acl is None


def test_error_texts(configured: Lab) -> None:
    lab = configured
    caret = " " * len("AGG-RUIJIE-1#show ") + "^"
    assert lab.run("show foo") == f"{caret}\n% Invalid input detected at '^' marker.\n"
    assert lab.run("show") == "% Incomplete command.\n"
    assert lab.run("sh ver").startswith("System description")
    assert lab.run("co") == '% Ambiguous command:  "co"'
    lab.run("conf t")
    assert lab.run("interface GigabitEthernet 0/99").endswith(
        "% Invalid input detected at '^' marker.\n"
    )


def test_shows_have_the_rgos_layouts(configured: Lab) -> None:
    vlan = configured.run("show vlan").split("\n")
    assert vlan[0] == "VLAN Name                             Status    Ports     "
    assert vlan[2].startswith(
        "   1 VLAN0001                         STATIC    Gi0/1, Gi0/3, Gi0/4,"
    )
    assert any(line.startswith("  10 OUTPATIENT                       STATIC    Gi0/2, Te0/25")
               for line in vlan)  # fmt: skip
    status = configured.run("show interfaces status").split("\n")
    assert status[1] == (
        "---------------------------------------- --------  ----   -------  --------- ------"
    )
    assert (
        status[3]
        == "GigabitEthernet 0/2                      up        10     Full     1000M     copper"
    )
    assert status[4].startswith("GigabitEthernet 0/3                      down      1      Unknown")
    mac = configured.run("show mac-address-table").split("\n")
    assert mac[2] == (
        "  10        0025.9e80.2494       DYNAMIC  GigabitEthernet 0/2            2026-11-23 10:30:00"
    )
    arp = configured.run("show arp").split("\n")
    assert "Internet  10.10.10.20      5         0025.9e80.2494  arpa   VLAN 10" in arp
    assert "Internet  10.10.10.1       --        00d0.f812.3456  arpa   VLAN 10" in arp
    assert arp[-1] == "Total number of ARP entries: 3"
    assert configured.run("show clock") == "10:30:00 UTC Mon, Nov 23, 2026"


def test_write_saves_and_the_saved_config_loads_back(configured: Lab) -> None:
    assert configured.run("write") == "Building configuration...\n[OK]"
    assert configured.device.saved == configured.device.running
    text = configured.device.render_config(configured.device.saved)
    twin = make_device({**SPECS["ruijie_os"], "startup_config": text})
    assert twin.render_config(twin.running) == text
    assert twin.check_login("admin", "Admin@123")


def test_real_rgos_configuration_lines_load() -> None:
    """Lines as real RGOS configurations print them (10.4 two-line accounts, 12.x
    ``vlan range``, ``logging server``, ``snmp-server community ... ro``)."""
    text = "\n".join(
        [
            "version RGOS 10.4(3b19)p3 Release(180891)",
            "hostname NO_1_3",
            "vlan range 1,100,200",
            "vlan 2",
            " name mgmt",
            "username ops password 0ps-Secret",
            "username ops privilege 15",
            "enable service ssh-server",
            "logging server 10.96.14.222",
            "interface GigabitEthernet 0/1",
            " switchport mode trunk",
            " switchport trunk allowed vlan only 2-4094",
            "interface VLAN 2",
            " ip address 10.10.1.3 255.255.255.0",
            " no shutdown",
            "snmp-server community public ro",
            "line vty 0 4",
            " login",
            "end",
        ]
    )
    device = make_device({**SPECS["ruijie_os"], "startup_config": text})
    config = device.running
    assert {1, 2, 100, 200} <= set(config.vlans) and config.vlans[2].name == "mgmt"
    assert config.users["ops"].level == 15 and device.check_login("ops", "0ps-Secret")
    assert config.interfaces["GigabitEthernet 0/1"].allowed_vlans == set(range(2, 4095))
    assert config.management.snmp_communities == {"public": "RO"}


def test_scheduled_reload_reverts_an_unsaved_change(configured: Lab) -> None:
    lab = configured
    lab.run("write")
    assert lab.run("reload in 5") == "Proceed with reload? [no]"
    assert lab.run("") == ""  # the default is no
    assert lab.device.scheduled_reboot is None
    lab.run("reload in 5")
    assert lab.run("y") == "Reload scheduled for 10:35:00 UTC Mon, Nov 23, 2026 (in 5 minutes)"
    lab.config("vlan 3901")
    lab.host.advance(299)
    assert 3901 in lab.device.running.vlans
    lab.host.advance(2)
    assert lab.host.reboots and 3901 not in lab.device.running.vlans  # back on the saved one
    # cancelled in time, the change stays
    fresh = Lab("ruijie_os")
    fresh.run("enable", "reload at 10:40", "y")
    assert fresh.run("reload cancel") == "Reload cancelled."
    assert fresh.run("reload cancel") == "% No reload is scheduled."
    fresh.host.advance(3600)
    assert not fresh.host.reboots


def test_reload_now_asks_and_returns_on_the_saved_configuration(configured: Lab) -> None:
    lab = configured
    assert lab.run("reload") == "Proceed with reload? [no]"
    reply = lab.session.handle("yes")
    assert reply.close and lab.host.reboots
    assert 10 not in lab.device.running.vlans  # never saved


def test_paging_until_terminal_length_0(configured: Lab) -> None:
    lab = configured
    text = lab.run("show running-config")
    pager = lab.session.paginate(text)
    assert isinstance(pager, Pager)
    assert pager.start().endswith(" --More-- ")
    lab.run("terminal length 0")
    assert lab.session.paginate(text) is None
    assert lab.run("terminal width 256") == ""


def test_an_all_ruijie_fleet_is_generated_and_boots_in_process() -> None:
    """``hisops lab generate --platforms ruijie_os`` (bench/switch_fleet.py's lab): every
    switch's rendered startup configuration loads; the default rotation leaves Ruijie out
    until the collection has a ruijie_os dialect."""
    from hisops.lab.generate import scale_topology
    from hisops.lab.server import engine_spec
    from hisops.lab.startup import render_startup_configs
    from hisops.lab.topology import parse_topology

    topology = parse_topology(scale_topology(40, platforms=["ruijie_os"]))
    render_startup_configs(topology)
    devices = {name: make_device(engine_spec(spec)) for name, spec in topology.devices.items()}
    assert {d.platform for d in devices.values()} == {"ruijie_os"}
    core = devices["CORE-1"].running
    assert core.vlanifs[10].ip == "10.10.10.1"
    uplink = devices["ACC-1"].running.interfaces["TenGigabitEthernet 0/25"]
    assert uplink.link_type is LinkType.TRUNK and 99 in uplink.allowed_vlans
    default = scale_topology(40)
    assert not any(d["model"].startswith("RG-") for d in default["devices"])
