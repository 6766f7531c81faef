"""The collection's Ruijie RGOS TextFSM templates (plugins/module_utils/netdev/templates/
ruijie_os/) on the format samples of real RGOS output (tests/fixtures/captures/ruijie_os/,
sources in SOURCES.md there) and on the lab engine's output; and the lab's output has the
samples' headers and column layout.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from devices.fakes import FakeHost  # the lab tests' in-memory host (tests/lab on the path)
from engine_specs import SPECS
from ruijie_textfsm import TEMPLATE_DIR, parse

from hisops.lab.contract import ArpEntry, MacEntry
from hisops.lab.devices import make_device

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures" / "ruijie_os"
SPEC: dict[str, Any] = {  # the engine tests' RGOS switch with ten copper ports
    **SPECS["ruijie_os"],
    "hostname": "AGG-R1",
    "interfaces": [f"GigabitEthernet 0/{i}" for i in range(1, 11)]
    + ["TenGigabitEthernet 0/25", "TenGigabitEthernet 0/26"],
    "mgmt": {"vlan": 99, "ip": "10.10.99.5", "mask": "255.255.255.0"},
}
PC = "52:54:00:0a:00:01"


def capture(command: str, name: str) -> str:
    return (CAPTURES / command.replace(" ", "_") / name).read_text()


def lab_output(*commands: str) -> dict[str, str]:
    device = make_device(SPEC)
    host = FakeHost(
        macs=[MacEntry(PC, 10, "GigabitEthernet 0/1")],
        arps=[ArpEntry("10.10.10.101", PC, 10, "VLAN 10", "GigabitEthernet 0/1")],
    )
    device.attach(host)
    session = device.open_session("admin")
    for line in (
        "enable",
        "conf t",
        "vlan 10",
        "name OUTPATIENT",
        "interface range gi0/1 - 6",
        "switchport access vlan 10",
        "interface te0/25",
        "switchport mode trunk",
        "switchport trunk allowed vlan only 10,99",
        "interface vlan 10",
        "ip address 10.10.10.1 255.255.255.0",
        "ip access-list extended 101",
        "deny tcp any host 10.10.100.11 eq 5432",
        "permit udp any any eq 53",
        "5 permit ip host 10.10.10.5 any",
        "end",
    ):
        session.handle(line)
    return {command: session.handle(command).output for command in commands}


# -- the index ---------------------------------------------------------------------------


def test_the_index_names_every_template_and_only_ruijie_os() -> None:
    rows = [
        line.split(", ")
        for line in (TEMPLATE_DIR / "index").read_text().splitlines()
        if line and not line.startswith("#") and not line.startswith("Template")
    ]
    assert {r[0] for r in rows} == {p.name for p in TEMPLATE_DIR.glob("*.textfsm")}
    assert {r[2] for r in rows} == {"ruijie_os"}


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("sh ver", "show version"),
        ("show vlan", "show vlan"),
        ("sh int status", "show interfaces status"),
        ("show mac", "show mac-address-table"),
        ("sh arp", "show arp"),
        ("sh clock", "show clock"),
        ("show access-lists", "show access-lists"),
    ],
)
def test_abbreviated_commands_find_their_template(typed: str, command: str) -> None:
    sample = next((CAPTURES / command.replace(" ", "_")).glob("*.raw")).read_text()
    assert parse(typed, sample) == parse(command, sample)


# -- real RGOS output ----------------------------------------------------------------------


def test_show_version_real_formats() -> None:
    old = parse("show version", capture("show version", "ruijie_os_show_version_s2628g_10.4.raw"))
    assert old == [
        {
            "description": "Ruijie Gigabit Security & Intelligence Access Switch",
            "hardware": "S2628G-E",
            "start_time": "2023-02-13 22:30:54",
            "uptime": "0:0:3:8",
            "hardware_version": "1.01",
            "version": "RGOS 10.4(3b19)p3 Release(180891)",
            "patch": "",
            "serial": "1234DH7350001",
            "boot_version": "10.4(2b2) Release(85787)",
        }
    ]
    new = parse("show version", capture("show version", "ruijie_os_show_version_s8607e_11.0.raw"))
    assert len(new) == 1
    assert (new[0]["hardware"], new[0]["version"], new[0]["serial"], new[0]["uptime"]) == (
        "S8607E",
        "S8600E_RGOS 11.0(4)B8",
        "G1XXXXXXXX020",
        "313:22:34:30",
    )


def test_show_clock_real_format() -> None:
    assert parse("show clock", capture("show clock", "ruijie_os_show_clock.raw")) == [
        {
            "time": "23:26:48",
            "timezone": "beijing",
            "dayweek": "Sun",
            "month": "Sep",
            "day": "27",
            "year": "2020",
        }
    ]


def test_show_vlan_real_format_wraps_and_lists_trunks() -> None:
    rows = parse("show vlan", capture("show vlan", "ruijie_os_show_vlan_s2628g_10.4.raw"))
    by_id = {r["vlan_id"]: r for r in rows}
    assert list(by_id) == ["1", "2", "11", "14", "116", "250", "251"]
    assert by_id["1"]["interfaces"] == [
        "Fa1/0/24", "Gi1/0/25", "Gi1/0/26", "Gi2/0/25", "Gi2/0/26", "Fa3/0/1", "Fa3/0/3",
        "Fa3/0/4", "Fa3/0/24", "Gi3/0/25", "Gi3/0/26",
    ]  # fmt: skip
    assert by_id["116"]["vlan_name"] == "1#407"
    assert by_id["11"]["interfaces"][-1] == "Gi1/0/25"  # the trunk, in every VLAN it carries
    assert by_id["251"]["interfaces"] == []
    assert {r["status"] for r in rows} == {"STATIC"}


def test_show_interfaces_status_real_formats() -> None:
    switch = parse(
        "show interfaces status",
        capture("show interfaces status", "ruijie_os_show_interfaces_status_s5750_11.4.raw"),
    )
    assert [(r["port"], r["status"], r["vlan_id"], r["speed"]) for r in switch] == [
        ("GigabitEthernet 0/11", "up", "248", "1000M"),
        ("GigabitEthernet 0/12", "down", "1", "Unknown"),
        ("TenGigabitEthernet 0/25", "up", "318", "10G"),
    ]
    access_point = parse(
        "show interfaces status",
        capture("show interfaces status", "ruijie_os_show_interfaces_status_ap_11.x.raw"),
    )
    assert [(r["port"], r["vlan_id"]) for r in access_point] == [
        ("GigabitEthernet 0/1", "1"),
        ("Dot11radio 1/0", ""),
        ("Mobile-Tunnel 1", ""),
        ("WBI 1/0", ""),
    ]


def test_show_mac_address_table_real_format() -> None:
    rows = parse(
        "show mac-address-table",
        capture("show mac-address-table", "ruijie_os_show_mac-address-table_11.x.raw"),
    )
    assert rows[0] == {
        "vlan_id": "10",
        "destination_address": "00e2.6907.71cf",
        "type": "DYNAMIC",
        "destination_port": "GigabitEthernet 0/17",
        "time": "2018-4-13 17:15:38",
    }
    assert rows[1]["type"] == "STATIC"


def test_show_arp_real_format() -> None:
    rows = parse("show arp", capture("show arp", "ruijie_os_show_arp_11.x.raw"))
    assert [(r["ip_address"], r["age"], r["mac_address"], r["interface"]) for r in rows] == [
        ("203.0.113.1", "2", "0200.0000.0006", "VLAN 100"),
        ("203.0.113.197", "--", "0200.0000.0005", "VLAN 100"),
        ("10.1.1.5", "0", "00e2.6907.71cf", "VLAN 10"),
    ]


def test_show_access_lists_guide_format() -> None:
    rows = parse(
        "show access-lists",
        capture("show access-lists", "ruijie_os_show_access-lists_guide_10.4.raw"),
    )
    assert [
        (r["acl_name"], r["sequence"], r["action"], r["protocol"], r["entry"]) for r in rows
    ] == [
        ("test-tcp-flag", "10", "permit", "tcp", "permit tcp any any match-all rst"),
        ("test-tcp-flag", "20", "deny", "tcp", "deny tcp any any match-all fin"),
    ]


# -- the lab engine's output: read by the same templates, laid out as the samples ------------


def test_the_lab_output_parses_with_the_templates() -> None:
    out = lab_output(
        "show version",
        "show clock",
        "show vlan",
        "show interfaces status",
        "show mac-address-table",
        "show arp",
        "show access-lists",
    )
    version = parse("show version", out["show version"])[0]
    assert (version["hardware"], version["version"], version["serial"]) == (
        "S5750C-28GT4XS-H",
        "S5750_RGOS 11.4(1)B12P5",
        "G1QH10Q000123",
    )
    assert re.fullmatch(r"\d+:\d+:\d+:\d+", str(version["uptime"]))
    clock = parse("show clock", out["show clock"])[0]
    assert (clock["time"], clock["timezone"], clock["month"], clock["day"]) == (
        "10:30:00",
        "UTC",
        "Nov",
        "23",
    )
    vlans = {r["vlan_id"]: r for r in parse("show vlan", out["show vlan"])}
    assert vlans["10"]["vlan_name"] == "OUTPATIENT"
    assert vlans["10"]["interfaces"] == [f"Gi0/{i}" for i in range(1, 7)] + ["Te0/25"]
    assert vlans["99"]["interfaces"] == ["Te0/25"]
    ports = parse("show interfaces status", out["show interfaces status"])
    assert len(ports) == 12 and ports[0]["port"] == "GigabitEthernet 0/1"
    assert ports[0]["vlan_id"] == "10"
    macs = parse("show mac-address-table", out["show mac-address-table"])
    assert [(m["vlan_id"], m["destination_address"], m["destination_port"]) for m in macs] == [
        ("10", "5254.000a.0001", "GigabitEthernet 0/1")
    ]
    arps = {r["ip_address"]: r for r in parse("show arp", out["show arp"])}
    assert arps["10.10.10.101"]["interface"] == "VLAN 10"
    assert arps["10.10.10.1"]["age"] == "--"
    acl = parse("show access-lists", out["show access-lists"])
    assert [(r["sequence"], r["action"], r["protocol"]) for r in acl] == [
        ("5", "permit", "ip"),
        ("10", "deny", "tcp"),
        ("20", "permit", "udp"),
    ]
    assert (acl[0]["source"], acl[0]["destination"]) == ("host 10.10.10.5", "any")
    assert (acl[1]["destination"], acl[1]["destination_port"]) == ("host 10.10.100.11", "5432")
    assert acl[2]["destination_port"] == "domain"  # printed by name, as the IOS family does


def _head(text: str, lines: int) -> list[str]:
    return text.split("\n")[:lines]


@pytest.mark.parametrize(
    ("command", "sample", "lines"),
    [
        ("show vlan", "ruijie_os_show_vlan_s2628g_10.4.raw", 2),
        ("show interfaces status", "ruijie_os_show_interfaces_status_s5750_11.4.raw", 2),
        ("show mac-address-table", "ruijie_os_show_mac-address-table_11.x.raw", 2),
        ("show arp", "ruijie_os_show_arp_11.x.raw", 1),
    ],
)
def test_the_lab_prints_the_real_headers(command: str, sample: str, lines: int) -> None:
    assert _head(lab_output(command)[command], lines) == _head(capture(command, sample), lines)


def test_the_lab_rows_have_the_real_columns() -> None:
    """Column starts as in the samples (fixed-width tables that parsers cut by position:
    the RG-S5750 11.4 parsers in docs/research/issue17.md cut at these offsets)."""
    out = lab_output("show interfaces status", "show mac-address-table", "show arp")
    status = out["show interfaces status"].split("\n")[2]
    real = capture(
        "show interfaces status", "ruijie_os_show_interfaces_status_s5750_11.4.raw"
    ).split("\n")[2]
    starts = [m.start() for m in re.finditer(r"(?<=\s\s)\S", real)]
    assert starts == [41, 51, 58, 67, 77]
    assert [m.start() for m in re.finditer(r"(?<=\s\s)\S", status)] == starts
    mac = out["show mac-address-table"].split("\n")[2]
    real_mac = capture("show mac-address-table", "ruijie_os_show_mac-address-table_11.x.raw").split(
        "\n"
    )[2]
    assert [mac.index(x) for x in ("5254", "DYNAMIC", "Gigabit")] == [
        real_mac.index(x) for x in ("00e2", "DYNAMIC", "Gigabit")
    ]
    arp = next(line for line in out["show arp"].split("\n") if "10.10.10.101" in line)
    real_arp = capture("show arp", "ruijie_os_show_arp_11.x.raw").split("\n")[3]
    assert [arp.index(x) for x in ("10.10.10.101", "5254", "arpa", "VLAN")] == [
        real_arp.index(x) for x in ("10.1.1.5", "00e2", "arpa", "VLAN")
    ]


def test_the_lab_clock_and_version_have_the_real_shape() -> None:
    out = lab_output("show clock", "show version")
    shape = re.compile(r"^\d\d:\d\d:\d\d \S+ [A-Z][a-z]{2}, [A-Z][a-z]{2} \d\d, \d{4}$")
    assert shape.match(capture("show clock", "ruijie_os_show_clock.raw").strip())
    assert shape.match(out["show clock"])
    keys = re.compile(r"^(System [a-zA-Z ]+?)\s*:", re.M)
    real = set(keys.findall(capture("show version", "ruijie_os_show_version_s8607e_11.0.raw")))
    assert set(keys.findall(out["show version"])) == real


def test_the_lab_running_config_has_the_real_layout() -> None:
    device = make_device(SPEC)
    session = device.open_session("admin")
    session.handle("enable")
    text = session.handle("show running-config").output
    real = capture("show running-config", "ruijie_os_show_running-config_s5760c_12.6.raw")
    header = re.compile(
        r"^Building configuration\.\.\.\nCurrent configuration: \d+ bytes\n\nversion "
    )
    assert header.match(real) and header.match(text)
    for line in ("enable service ssh-server", "line console 0", "line vty 0 4", "end"):
        assert f"\n{line}\n" in real + "\n" and f"\n{line}\n" in text + "\n"
