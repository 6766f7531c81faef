"""H3C Comware 7 engine: CLI text, state, commit-delay rollback, ntc-templates parsing."""

from __future__ import annotations

import pytest
from ntc_templates.parse import parse_output

from hisops.lab.devices import make_device
from hisops.lab.devices.model import LinkType

from .conftest import SPECS, Lab

SETUP = (
    "vlan 10",
    "name OUTPATIENT",
    "vlan 20",
    "name PHARMACY",
    "vlan 30 to 32",
    "interface GigabitEthernet1/0/1",
    "description uplink-to-CORE",
    "port link-type trunk",
    "undo port trunk permit vlan 1",
    "port trunk permit vlan 10 20",
    "int g1/0/2",
    "port access vlan 10",
    "description REG-PC-01",
    "int GE1/0/3",
    "shutdown",
    "acl advanced 3000",
    "rule deny tcp destination 10.0.0.10 0 destination-port eq 1521",
    "rule permit ip",
    "interface Vlan-interface10",
    "ip address 10.10.10.1 255.255.255.0",
    "packet-filter 3000 inbound",
    "ip route-static 0.0.0.0 0 10.0.100.254",
)


def parse(lab: Lab, command: str) -> list[dict]:
    return parse_output(platform="hp_comware", command=command, data=lab.run(command))


@pytest.fixture
def configured(comware: Lab) -> Lab:
    comware.config(*SETUP)
    return comware


def test_prompts_and_views(comware: Lab) -> None:
    assert "New H3C Technologies" in comware.session.login_banner()
    assert comware.session.prompt() == "<AGG-2>"
    assert comware.run("screen-length disable") == ""
    assert comware.run("system-view") == "System View: return to User View with Ctrl+Z."
    comware.run("interface vlan-interface 10")
    assert comware.session.prompt() == "[AGG-2-Vlan-interface10]"
    comware.run("acl advanced 3000")
    assert comware.session.prompt() == "[AGG-2-acl-ipv4-adv-3000]"
    comware.run("local-user ops class manage")
    assert comware.session.prompt() == "[AGG-2-luser-manage-ops]"


def test_errors(comware: Lab) -> None:
    assert comware.run("dis foo") == " " * 11 + "^\n% Unrecognized command found at '^' position."
    comware.run("sys")
    assert comware.run("interface") == " " * 17 + "^\n% Incomplete command found at '^' position."
    assert comware.run("acl basic 3000").endswith("% Wrong parameter found at '^' position.")


def test_config_renders_comware_style(configured: Lab) -> None:
    text = configured.run("display current-configuration")
    assert text.startswith("#\n version 7.1.070, Release 6615P01\n#\n sysname AGG-2\n#")
    assert "vlan 10\n name OUTPATIENT\n#" in text
    assert "vlan 30 to 32\n#" in text
    assert (
        "interface GigabitEthernet1/0/1\n description uplink-to-CORE\n port link-type trunk\n"
        " undo port trunk permit vlan 1\n port trunk permit vlan 10 20\n#" in text
    )
    assert "interface GigabitEthernet1/0/2\n description REG-PC-01\n port access vlan 10\n#" in text
    assert " ip route-static 0.0.0.0 0 10.0.100.254\n" in text
    assert (
        "acl advanced 3000\n rule 0 deny tcp destination 10.0.0.10 0 "
        "destination-port eq 1521\n rule 5 permit ip\n#" in text
    )
    assert " packet-filter 3000 inbound\n" in text
    assert text.endswith("#\nreturn")
    assert configured.device.running.interfaces["GigabitEthernet1/0/1"].allowed_vlans == {10, 20}


def test_display_manuinfo_serial(configured: Lab) -> None:
    slots = parse(configured, "display device manuinfo")
    assert slots[0]["slot_type"] == "Slot"
    assert slots[0]["device_name"] == "S5130-28S-EI"
    assert slots[0]["device_serial_number"] == "210235A1JTB168000042"
    assert slots[0]["mac_address"] == "3822-d6ec-3d00"


def test_display_vlans(configured: Lab) -> None:
    brief = {row["vlan_id"]: row for row in parse(configured, "display vlan brief")}
    assert brief["10"]["vlan_name"] == "OUTPATIENT" and brief["20"]["vlan_name"] == "PHARMACY"
    every = {row["vlan_id"]: row for row in parse(configured, "display vlan all")}
    assert every["10"]["ipv4_address"] == "10.10.10.1"
    assert every["10"]["ipv4_subnet"] == "255.255.255.0"
    assert every["20"]["route_interface"] == "Not configured"
    text = configured.run("display vlan 10")
    assert "Tagged ports:\n    GigabitEthernet1/0/1" in text
    assert "Untagged ports:\n    GigabitEthernet1/0/2" in text


def test_display_interface_brief(configured: Lab) -> None:
    rows = {row["interface"]: row for row in parse(configured, "display interface brief")}
    assert rows["GE1/0/1"]["type"] == "T" and rows["GE1/0/1"]["link"] == "UP"
    assert rows["GE1/0/2"]["vlan_id"] == "10" and rows["GE1/0/2"]["description"] == "REG-PC-01"
    assert rows["GE1/0/3"]["link"] == "ADM"
    assert rows["Vlan10"]["main_ip"] == "10.10.10.1" and rows["Vlan10"]["protocol"] == "UP"


def test_display_mac_arp(configured: Lab) -> None:
    assert parse(configured, "display mac-address") == [
        {
            "mac_address": "0025-9e80-2494",
            "vlan_id": "10",
            "state": "Learned",
            "interface": "GE1/0/2",
            "aging": "Y",
        }
    ]
    arp = parse(configured, "display arp")[0]
    assert (arp["ip_address"], arp["vlan_id"], arp["type"]) == ("10.10.10.20", "10", "D")


def test_save_dialog(configured: Lab) -> None:
    assert configured.run("save").endswith("Are you sure? [Y/N]:")
    assert "press the enter key" in configured.run("y")
    assert configured.run("").endswith("overwrite? [Y/N]:")
    assert configured.run("y").endswith("successfully.")
    assert configured.device.saved == configured.device.running
    configured.config("vlan 40")
    assert "Saved the current configuration" in configured.run("save force")
    assert 40 in configured.device.saved.vlans


def test_commit_delay_rolls_back_unless_committed(comware: Lab) -> None:
    comware.run("system-view", "configuration commit delay 5")
    comware.run("interface GigabitEthernet1/0/2", "shutdown", "return")
    assert comware.device.running.interfaces["GigabitEthernet1/0/2"].shutdown
    comware.host.advance(299)
    assert comware.device.running.interfaces["GigabitEthernet1/0/2"].shutdown
    comware.host.advance(2)
    assert not comware.device.running.interfaces["GigabitEthernet1/0/2"].shutdown

    comware.run("system-view", "configuration commit delay 5", "vlan 77", "configuration commit")
    comware.host.advance(600)
    assert 77 in comware.device.running.vlans
    assert comware.run("configuration commit") == "No configuration to commit."


def test_scheduler_reboot(comware: Lab) -> None:
    assert comware.run("scheduler reboot delay 10").endswith("Confirm? [Y/N]:")
    comware.run("y")
    assert "in 0 hours and 10 minutes" in comware.run("display scheduler reboot")
    comware.run("undo scheduler reboot")
    assert not comware.host.pending()


def test_reboot_offers_to_save(configured: Lab) -> None:
    out = configured.run("reboot")
    assert out.endswith("save current configuration? [Y/N]:")
    assert configured.run("y").endswith("This command will reboot the device. Continue? [Y/N]:")
    assert configured.session.handle("y").close
    assert configured.device.running.interfaces["GigabitEthernet1/0/2"].pvid == 10


def test_hybrid_port(comware: Lab) -> None:
    comware.config(
        "vlan 10",
        "vlan 20",
        "interface GigabitEthernet1/0/4",
        "port link-type hybrid",
        "port hybrid vlan 10 tagged",
        "port hybrid vlan 20 untagged",
        "port hybrid pvid vlan 20",
    )
    intf = comware.device.running.interfaces["GigabitEthernet1/0/4"]
    assert intf.link_type is LinkType.HYBRID
    assert intf.carries(10) and intf.carries(20) and intf.untagged_vlan() == 20


def test_startup_config_round_trip(configured: Lab) -> None:
    configured.config(
        "local-user ops class manage",
        "password simple Ops@2026",
        "service-type ssh",
        "authorization-attribute user-role network-admin",
    )
    text = configured.device.render_config(configured.device.running)
    twin = make_device({**SPECS["hp_comware"], "startup_config": text})
    assert twin.render_config(twin.running) == text
    assert twin.running == configured.device.running
    assert twin.check_login("ops", "Ops@2026")


def test_comware7_filters_ssh_logins_with_ssh_server_acl_in_system_view() -> None:
    """Comware 7 (HPE 12900E Security CR): ``ssh server acl N`` in system view, printed as a
    top-level line; Comware 5's ``acl N inbound`` in the VTY view is not a Comware 7 command."""
    lab = Lab("hp_comware")
    lab.run("system-view", "acl advanced 3998", "rule 5 permit ip source 10.10.99.0 0.0.0.255")
    lab.run("quit", "line vty 0 63")
    assert lab.run("acl 3998 inbound").endswith("% Unrecognized command found at '^' position.")
    lab.run("quit", "ssh server acl 3998", "return")
    text = lab.run("display current-configuration")
    assert "\n ssh server acl 3998\n" in text
    assert lab.device.running.management.vty_acl == "3998"
    block = text[text.index("line vty 0 63") :]
    assert "acl 3998" not in block.split("#")[0]
    lab.run("system-view", "undo ssh server acl", "return")
    assert "ssh server acl" not in lab.run("display current-configuration")
