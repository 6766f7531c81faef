"""Huawei VRP engine: CLI text, state, and ntc-templates parsing of every display."""

from __future__ import annotations

import pytest
from ntc_templates.parse import parse_output

from hisops.lab.devices import ConfigLoadError, make_device
from hisops.lab.devices.model import LinkType

from .conftest import SPECS, Lab

SETUP = (
    "vlan batch 10 20",
    "vlan 10",
    "description OUTPATIENT",
    "vlan 20",
    "name PHARMACY",
    "interface GigabitEthernet0/0/1",
    "description uplink-to-AGG",
    "port link-type trunk",
    "port trunk allow-pass vlan 10 20",
    "int g0/0/2",
    "port link-type access",
    "port default vlan 10",
    "description REG-PC-01",
    "int GE0/0/3",
    "shutdown",
    "acl number 3000",
    "rule 5 deny tcp destination 10.0.0.10 0 destination-port eq 1521",
    "rule 10 permit ip",
    "interface Vlanif10",
    "ip address 10.10.10.1 255.255.255.0",
    "traffic-filter inbound acl 3000",
    "ip route-static 0.0.0.0 0.0.0.0 10.0.100.254",
)


def parse(lab: Lab, command: str) -> list[dict]:
    return parse_output(platform="huawei_vrp", command=command, data=lab.run(command))


@pytest.fixture
def configured(huawei: Lab) -> Lab:
    huawei.config(*SETUP)
    return huawei


def test_login_prompts_and_views(huawei: Lab) -> None:
    assert "Info: The max number of VTY users" in huawei.session.login_banner()
    assert huawei.session.prompt() == "<CORE-1>"
    assert huawei.run("screen-length 0 temporary") == ""
    huawei.run("system-view")
    assert huawei.session.prompt() == "[CORE-1]"
    huawei.run("interface GigabitEthernet0/0/1")
    assert huawei.session.prompt() == "[CORE-1-GigabitEthernet0/0/1]"
    huawei.run("vlan 10")  # falls back to the system view, as VRP does
    assert huawei.session.prompt() == "[CORE-1-vlan10]"
    huawei.run("interface Vlanif10")
    assert huawei.session.prompt() == "[CORE-1-Vlanif10]"
    huawei.run("acl 2000")
    assert huawei.session.prompt() == "[CORE-1-acl-basic-2000]"
    huawei.run("quit")
    assert huawei.session.prompt() == "[CORE-1]"
    huawei.run("return")
    assert huawei.session.prompt() == "<CORE-1>"
    assert huawei.session.handle("quit").close


def test_errors_have_caret_and_real_text(huawei: Lab) -> None:
    out = huawei.run("dispaly version")
    assert out == " " * 12 + "^\nError: Unrecognized command found at '^' position."
    huawei.run("sys")
    assert huawei.run("interface").endswith("Error: Incomplete command found at '^' position.")
    assert huawei.run("d").endswith("Error: Ambiguous command found at '^' position.")
    assert "Wrong parameter" in huawei.run("vlan 5000")


def test_config_persists_and_renders_in_vrp_order(configured: Lab) -> None:
    text = configured.run("display current-configuration")
    assert text.startswith("!Software Version V200R011C10SPC500\n#\nsysname CORE-1\n#")
    assert "vlan batch 10 20 100\n" in text
    assert (
        "interface GigabitEthernet0/0/2\n description REG-PC-01\n port link-type access\n"
        " port default vlan 10\n#" in text
    )
    assert " port trunk allow-pass vlan 10 20\n" in text
    assert (
        "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0\n"
        " traffic-filter inbound acl 3000\n#" in text
    )
    assert text.index("acl number 3000") < text.index("interface Vlanif10")
    assert text.endswith("#\nreturn")
    assert "Admin@123" not in text
    intf = configured.device.running.interfaces["GigabitEthernet0/0/1"]
    assert intf.link_type is LinkType.TRUNK and intf.allowed_vlans == {1, 10, 20}
    filtered = configured.run("display current-configuration | include vlan")
    assert filtered.splitlines()[0] == "vlan batch 10 20 100"


def test_undo_forms(configured: Lab) -> None:
    configured.config(
        "interface GigabitEthernet0/0/1",
        "undo port trunk allow-pass vlan 20",
        "interface GigabitEthernet0/0/3",
        "undo shutdown",
        "undo vlan 20",
        "interface Vlanif10",
        "undo traffic-filter inbound acl 3000",
    )
    running = configured.device.running
    assert running.interfaces["GigabitEthernet0/0/1"].allowed_vlans == {1, 10}
    assert not running.interfaces["GigabitEthernet0/0/3"].shutdown
    assert 20 not in running.vlans
    assert running.vlanifs[10].acl_in is None


def test_display_version_device(configured: Lab) -> None:
    version = parse(configured, "display version")[0]
    assert version["vrp_version"] == "5.170"
    assert version["product_version"] == "S5720 V200R011C10SPC500"
    assert version["model"].startswith("S5720-52X-SI-AC")
    assert configured.run("display esn") == "ESN of slot 0: 2102351931P0K8000123"
    slots = parse(configured, "display device")
    assert slots[0]["pid"] == "S5720-52X-SI" and slots[0]["ha_status"] == "Master"


def test_display_vlan_members(configured: Lab) -> None:
    vlans = {row["vlan_id"]: row for row in parse(configured, "display vlan")}
    assert vlans["10"]["vlan_description"] == "OUTPATIENT"
    assert vlans["20"]["vlan_description"] == "VLAN 0020"  # a name is not shown, as on VRP
    assert vlans["10"]["interface"] == ["GE0/0/2"] and vlans["10"]["mode"] == "UT"
    assert vlans["20"]["interface"] == ["GE0/0/1"] and vlans["20"]["mode"] == "TG"


def test_display_interface_brief_states(configured: Lab) -> None:
    configured.host.links_down.add("GigabitEthernet0/0/4")
    rows = {row["interface"]: row for row in parse(configured, "display interface brief")}
    assert rows["GigabitEthernet0/0/2"]["phy"] == "up"
    assert rows["GigabitEthernet0/0/3"]["phy"] == "*down"
    assert rows["GigabitEthernet0/0/4"]["phy"] == "down"
    assert rows["Vlanif10"]["protocol"] == "up"


def test_display_mac_and_arp(configured: Lab) -> None:
    mac = parse(configured, "display mac-address")
    assert mac == [
        {
            "destination_address": "0025-9e80-2494",
            "vlan_id": "10",
            "destination_port": "GE0/0/2",
            "type": "dynamic",
        }
    ]
    arp = {row["ip_address"]: row for row in parse(configured, "display arp all")}
    assert arp["10.10.10.20"]["mac_address"] == "0025-9e80-2494"
    assert arp["10.10.10.20"]["type"] == "D-0"
    assert arp["10.10.10.1"]["interface"] == "Vlanif10"
    brief = {row["ip_address"]: row for row in parse(configured, "display arp brief")}
    assert brief["10.10.10.20"]["vlan_id"] == "10/-"


def test_display_acl_all(configured: Lab) -> None:
    rules = [r for r in parse(configured, "display acl all") if r["sn"]]
    assert rules[0]["acl_number"] == "3000"
    assert (rules[0]["action"], rules[0]["protocol"]) == ("deny", "tcp")
    assert rules[0]["destination"] == "10.0.0.10 0"
    assert rules[0]["destination_port_range"] == "1521"


def test_time_range_in_acl(huawei: Lab) -> None:
    huawei.config(
        "time-range work 08:00 to 18:00 working-day",
        "acl 2000",
        "rule 5 permit source 10.10.10.0 0.0.0.255 time-range work",
    )
    assert "time-range work 08:00 to 18:00 working-day" in huawei.run("dis cur")
    assert "time-range work (Active)" in huawei.run("display acl 2000")  # Monday 10:30


def test_save_dialog_and_reboot_to_saved(configured: Lab) -> None:
    question = configured.run("save")
    assert question.endswith("Are you sure to continue? (y/n)[n]:")
    assert configured.session.prompt() == ""
    assert "Save the configuration successfully." in configured.run("y")
    saved_text = configured.run("display saved-configuration")
    assert "port default vlan 10" in saved_text
    configured.config("interface GigabitEthernet0/0/2", "port default vlan 20")
    out = configured.run("reboot")
    assert "Continue ? [y/n]:" in out
    out = configured.run("n")
    assert out.endswith("System will reboot! Continue ? [y/n]:")
    reply = configured.session.handle("y")
    assert reply.close
    assert configured.host.reboots
    assert configured.device.running.interfaces["GigabitEthernet0/0/2"].pvid == 10


def test_schedule_reboot_and_undo(huawei: Lab) -> None:
    assert huawei.run("schedule reboot delay 00:10").endswith("Confirm? [Y/N]:")
    huawei.run("y")
    assert "in 0 hours and 10 minutes" in huawei.run("display schedule reboot")
    huawei.run("undo schedule reboot")
    assert huawei.run("display schedule reboot") == "Info: No schedule reboot information."
    huawei.run("schedule reboot delay 00:05", "y")
    huawei.config("sysname CHANGED")
    huawei.host.advance(301)
    assert huawei.host.reboots and huawei.device.running.hostname == "CORE-1"


def test_login_check_uses_hash(huawei: Lab) -> None:
    assert huawei.device.check_login("admin", "Admin@123")
    assert not huawei.device.check_login("admin", "wrong")
    huawei.config(
        "aaa",
        "local-user noc password irreversible-cipher Noc@2026",
        "local-user noc privilege level 3",
    )
    assert huawei.device.check_login("noc", "Noc@2026")


def test_startup_config_round_trip(configured: Lab) -> None:
    configured.config("time-range night 22:00 to 23:59 daily")
    text = configured.device.render_config(configured.device.running)
    twin = make_device({**SPECS["huawei"], "startup_config": text})
    assert twin.render_config(twin.running) == text
    assert twin.running == configured.device.running
    assert twin.check_login("admin", "Admin@123")


def test_bad_startup_config_names_the_line() -> None:
    with pytest.raises(ConfigLoadError, match="line 3"):
        make_device({**SPECS["huawei"], "startup_config": "#\nsysname X\nfrobnicate\n"})


def test_named_acl_view(huawei: Lab) -> None:
    huawei.run("sys", "acl name HIS-DB 3001")
    assert huawei.session.prompt() == "[CORE-1-acl-adv-HIS-DB]"
    huawei.run("rule permit ip", "return")
    assert "acl name HIS-DB 3001\n rule 5 permit ip\n#" in huawei.run("dis cur")


def test_chassis_version_and_cards() -> None:
    ports = [f"GigabitEthernet1/0/{i}" for i in range(48)]
    ports += [f"XGigabitEthernet2/0/{i}" for i in range(12)]
    lab = Lab("huawei", model="S7706", firmware="V200R021C10SPC600", interfaces=ports)
    version = parse(lab, "display version")[0]
    assert version["product_version"] == "S7700 V200R021C10SPC600"
    assert version["model"].split()[0] == "S7706"
    cards = {row["slot"]: row for row in parse(lab, "display device")}
    assert cards["1"]["pid"] == "ES1D2G48SX5S" and cards["2"]["pid"] == "ES1D2X12SSA0"
    assert cards["7"]["ha_status"] == "Master" and cards["8"]["ha_status"] == "Slave"
    assert "PWR1" in cards and "FAN1" in cards


def test_display_port_vlan(configured: Lab) -> None:
    rows = {r["interface"]: r for r in parse(configured, "display port vlan")}
    trunk = rows["GigabitEthernet0/0/1"]
    assert (trunk["link_type"], trunk["trunk_vlan_list"]) == ("trunk", ["1", "10", "20"])
    assert (rows["GigabitEthernet0/0/2"]["link_type"], rows["GigabitEthernet0/0/2"]["vlan_id"]) == (
        "access",
        "10",
    )


def test_display_interface(configured: Lab) -> None:
    rows = {r["interface"]: r for r in parse(configured, "display interface")}
    port = rows["GigabitEthernet0/0/2"]
    assert (port["link_status"], port["interface_description"], port["vlan_id"]) == (
        "UP",
        "REG-PC-01",
        "10",
    )
    assert rows["GigabitEthernet0/0/3"]["link_status"] == "Administratively DOWN"
    assert rows["Vlanif10"]["ip_address"] == "10.10.10.1/24"
    one = parse(configured, "display interface Vlanif10")
    assert [r["protocol_status"] for r in one] == ["UP"]
    assert configured.run("display interface Vlanif99") == "Error: The interface does not exist."


def test_undo_traffic_filter_names_the_acl_in_interface_view(configured: Lab) -> None:
    """S-series interface view: ``undo traffic-filter inbound acl { ... }`` (the command
    reference's undo form repeats the ACL); the argument-less form of the traffic-profile
    view and of AR routers is incomplete here, with VRP's own error text."""
    configured.run("sys", "interface Vlanif10")
    refused = configured.run("undo traffic-filter inbound")
    assert refused.splitlines()[-1] == "Error: Incomplete command found at '^' position."
    assert configured.run("undo traffic-filter outbound").endswith(
        "Error: Incomplete command found at '^' position."
    )
    assert configured.device.running.vlanifs[10].acl_in == "3000"
    configured.run("undo traffic-filter inbound acl 3000")
    assert configured.device.running.vlanifs[10].acl_in is None
