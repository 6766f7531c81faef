"""Fidelity (issue 17): real device output against the collection and against the lab.

1. Every display/show parse path of the collection (netdev.facts, netdev.clock, through
   the same ``DeviceSession.parse`` with ntc-templates) is fed the real captures stored in
   tests/fixtures/captures/ (sources in SOURCES.md there) and must read them.
2. For every command with a capture, the lab engine's output (rendered in process, no lab
   boot) must have the real format: the same header lines, the columns the collection
   reads, the same MAC and date formats. Values differ; the shape may not.

A new display/show command the collection reads gets its captures and a row in COMMANDS;
a lab output that diverges from the captures fails here before it misleads a test.
See docs/fidelity.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import facts
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.clock import (
    CLOCK,
    parse_clock,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.platforms import PLATFORMS
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance, configtree
from engine_specs import PC_MAC, PC_PORT, PC_VLANIF, SPECS

from hisops.lab.contract import ArpEntry, MacEntry
from hisops.lab.devices import make_device

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "captures"
NTC = {name: p.ntc_platform for name, p in PLATFORMS.items()}

# MAC address styles: VRP and Comware print xxxx-xxxx-xxxx, IOS xxxx.xxxx.xxxx.
MAC_STYLE = {
    "huawei": r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}",
    "hp_comware": r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}",
    "cisco_ios": r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}",
    "ruijie_os": r"[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}",
}
ANY_MAC = re.compile(
    r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{4}[-.][0-9A-Fa-f]{4}[-.][0-9A-Fa-f]{4}"
    r"|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})(?![0-9A-Fa-f])"
)
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"


@dataclass(frozen=True)
class Command:
    platform: str
    command: str  # as the collection sends it
    folder: str  # captures/<ntc platform>/<folder>
    headers: tuple[str, ...] = ()  # regexes over whitespace-normalised lines
    fields: tuple[str, ...] = ()  # ntc-templates keys the collection reads
    mac: bool = False  # the output carries MAC addresses
    # Why the lab's header differs from every stored capture (a real variant with no
    # capture here yet); the other checks still apply.
    variant: str = ""
    lab_headers: tuple[str, ...] = field(default=())
    setup: tuple[str, ...] = ()  # lines typed into the lab device first (configuration mode)


COMMANDS = [
    # -- Huawei VRP --
    Command(
        "huawei",
        "display version",
        "display_version",
        (r"^Huawei Versatile Routing Platform Software$", r"^VRP \(R\) software, Version "),
        ("model",),
    ),
    Command(
        "huawei",
        "display interface brief",
        "display_interface_brief",
        (
            r"^PHY: Physical$",
            r"^Interface PHY Protocol InUti OutUti inErrors outErrors$",
        ),
        ("interface", "phy", "protocol"),
    ),
    Command(
        "huawei",
        "display vlan",
        "display_vlan",
        (
            r"^The total number of vlans is : \d+$",
            r"^VID Type Ports$",
            r"^VID Status Property MAC-LRN Statistics Description$",
        ),
        ("vlan_id",),
    ),
    Command(
        "huawei",
        "display mac-address",
        "display_mac-address",
        (r"^MAC Address VLAN/VSI/BD Learned-From Type",),
        ("destination_address", "vlan_id", "destination_port"),
        mac=True,
    ),
    Command(
        "huawei",
        "display arp all",
        "display_arp_all",
        (
            r"^IP ADDRESS MAC ADDRESS EXPIRE\(M\) TYPE INTERFACE VPN-INSTANCE$",
            r"^VLAN/CEVLAN PVC$",
            r"^Total:\d+ Dynamic:\d+ Static:\d+ Interface:\d+$",
        ),
        ("ip_address", "mac_address"),
        mac=True,
    ),
    Command(
        "huawei",
        "display clock",
        "display_clock",
        (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2})?(?: DST)?$",),
    ),
    # -- H3C Comware --
    Command(
        "hp_comware",
        "display device manuinfo",
        "display_device_manuinfo",
        (
            r"^Slot \d+ CPU \d+:$",
            r"^DEVICE_NAME : \S+",
            r"^DEVICE_SERIAL_NUMBER : \S+$",
            r"^MANUFACTURING_DATE : \d{4}-\d{2}-\d{2}$",
            r"^VENDOR_NAME : H3C$",
        ),
        ("device_name", "device_serial_number"),
    ),
    Command(
        "hp_comware",
        "display interface brief",
        "display_interface_brief",
        (
            r"^Brief information on interfaces in route mode:$",
            r"^Interface Link Protocol Primary IP Description$",
            r"^Brief information on interfaces in bridge mode:$",
            r"^Interface Link Speed Duplex Type PVID Description$",
        ),
        ("interface", "link", "protocol"),
    ),
    Command(
        "hp_comware",
        "display vlan all",
        "display_vlan_all",
        (r"^VLAN ID: \d+$", r"^VLAN type: Static$", r"^Untagged ports:"),
        ("vlan_id",),
    ),
    Command(
        "hp_comware",
        "display mac-address",
        "display_mac-address",
        (r"^MAC ADDR VLAN ID STATE PORT INDEX AGING TIME\(s\)$",),
        ("mac_address", "vlan_id", "interface"),
        mac=True,
        variant="the lab prints Comware 7's header (MAC Address VLAN ID State Port/NickName "
        "Aging); the only stored capture is Comware 5's",
        lab_headers=(r"^MAC Address VLAN ID State Port/NickName Aging$",),
    ),
    Command(
        "hp_comware",
        "display arp",
        "display_arp",
        (
            r"^Type: S-Static D-Dynamic O-Openflow R-Rule M-Multiport I-Invalid$",
            r"^IP address MAC address VLAN Interface Aging Type$",
        ),
        ("ip_address", "mac_address"),
        mac=True,
        variant="the lab prints Comware 7.1.070's columns (VLAN/VSI name, Interface/Link ID); "
        "the stored capture has the older VLAN, Interface",
        lab_headers=(
            r"^Type: S-Static D-Dynamic O-Openflow R-Rule M-Multiport I-Invalid$",
            r"^IP address MAC address VLAN/VSI name Interface/Link ID Aging Type$",
        ),
    ),
    Command(
        "hp_comware",
        "display clock",
        "display_clock",
        (rf"^\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{3}})? \S+ {_DAY} \d{{2}}/\d{{2}}/\d{{4}}$",),
    ),
    # -- Cisco IOS --
    Command(
        "cisco_ios",
        "show version",
        "show_version",
        (
            r"^Cisco IOS Software(?: \[\w+\])?, .*Version \S+, RELEASE SOFTWARE",
            r"^Technical Support: http://www\.cisco\.com/techsupport$",
            r" uptime is ",
            r"^System image file is \"",
            r"^Processor board ID \S+$",
            r"^Configuration register is 0x",
        ),
        ("version", "hardware", "serial"),
    ),
    Command(
        "cisco_ios",
        "show inventory",
        "show_inventory",
        (r'^NAME: ".*", DESCR: ".*"$', r"^PID: .*, VID: .*, SN: \S*$"),
        ("pid", "sn"),
    ),
    Command(
        "cisco_ios",
        "show interfaces status",
        "show_interfaces_status",
        (r"^Port Name Status Vlan Duplex Speed Type$",),
        ("port", "status", "vlan_id"),
    ),
    Command(
        "cisco_ios",
        "show vlan brief",
        "show_vlan",
        (r"^VLAN Name Status Ports$", r"^---- -{32} -{9} -{31}$"),
        ("vlan_id", "vlan_name"),
    ),
    Command(
        "cisco_ios",
        "show mac address-table",
        "show_mac-address-table",
        (r"^Mac Address Table$", r"^Vlan Mac Address Type Ports$", r"^---- -{11} -{8} -{5}$"),
        ("destination_address", "vlan_id", "destination_port"),
        mac=True,
    ),
    Command(
        "cisco_ios",
        "show ip arp",
        "show_ip_arp",
        # IOS 12.x documentation captures print "Age(min)", IOS 15 "Age (min)".
        (r"^Protocol Address Age ?\(min\) Hardware Addr Type Interface$",),
        ("ip_address", "mac_address"),
        mac=True,
    ),
    Command(
        "cisco_ios",
        "show clock",
        "show_clock",
        (rf"^[*.]?\d{{2}}:\d{{2}}:\d{{2}}\.\d{{3}} \S+ {_DAY} [A-Z][a-z]{{2}} \d{{1,2}} \d{{4}}$",),
    ),
    # -- ACL text (issue 17, finding 2): read by compliance.numbered_running (IOS) --
    Command(
        "cisco_ios",
        "show ip access-lists",
        "show_access-list",
        (
            r"^Extended IP access list \S+$",
            r"^Standard IP access list \S+$",
            r"^\d+ permit tcp any host \S+ eq (?:www|ftp)$",
            r"^\d+ deny \d+\.\d+\.\d+\.\d+$",
        ),
        setup=(
            "ip access-list extended WEB",
            "permit tcp any host 10.0.0.10 eq 80",
            "deny ip any any",
            "ip access-list standard MGMT",
            "deny 10.1.1.1",
            "permit any",
        ),
    ),
    # -- Ruijie RGOS (the collection's own templates, netdev/templates/ruijie_os) --
    Command(
        "ruijie_os",
        "show version",
        "show_version",
        (
            r"^System description : Ruijie .*\(\S+\) By Ruijie Networks$",
            r"^System software version : \S+_RGOS \d+\.\d+",
            r"^System serial number : \S+$",
        ),
        ("hardware", "version", "serial"),
    ),
    Command(
        "ruijie_os",
        "show interfaces status",
        "show_interfaces_status",
        (r"^Interface Status Vlan Duplex Speed Type$",),
        ("port", "status", "vlan_id"),
    ),
    Command(
        "ruijie_os",
        "show vlan",
        "show_vlan",
        (r"^VLAN Name Status Ports$", r"^---- -{32} -{9} -{35}$"),
        ("vlan_id", "vlan_name"),
    ),
    Command(
        "ruijie_os",
        "show mac-address-table",
        "show_mac-address-table",
        (r"^Vlan MAC Address Type Interface Time$",),
        ("destination_address", "vlan_id", "destination_port"),
        mac=True,
    ),
    Command(
        "ruijie_os",
        "show arp",
        "show_arp",
        (
            r"^Protocol Address Age\(min\) Hardware Type Interface$",
            r"^Total number of ARP entries: \d+$",
        ),
        ("ip_address", "mac_address"),
        mac=True,
    ),
    Command(
        "ruijie_os",
        "show clock",
        "show_clock",
        (rf"^\d{{2}}:\d{{2}}:\d{{2}} \S+ {_DAY}, [A-Z][a-z]{{2}} \d{{1,2}}, \d{{4}}$",),
    ),
    Command(
        "ruijie_os",
        "show access-lists",
        "show_access-lists",
        (r"^\d+ permit tcp any ",),
        setup=("ip access-list extended 101", "permit tcp any host 10.0.0.10 eq 80"),
    ),
    Command(
        "huawei",
        "display acl all",
        "display_acl_all",
        (
            r"^Total quantity of nonempty ACL number is \d+$",
            r"^Advanced ACL (?:\S+ )?\d+, \d+ rules?$",
            r"^Acl's step is 5$",
            r"^rule \d+ deny tcp destination \S+ 0 destination-port eq www(?: \(\d+ matches\))?$",
        ),
        setup=(
            "acl name WEB 3001",
            "rule 5 deny tcp destination 10.0.0.10 0 destination-port eq 80",
            "rule 10 permit ip",
        ),
    ),
]
# Configuration text stored beside the captures (read by the ACL tests below).
CONFIG_CAPTURES = {
    Path("cisco_ios") / "show_running-config",
    Path("ruijie_os") / "show_running-config",
}
IDS = [f"{c.platform}:{c.command}" for c in COMMANDS]
# Outputs the collection reads for which no real capture is at hand (ntc-templates has none):
# facts.gather reads them with a fixed-line regex; the lab's output stands in below.
NO_CAPTURE = {
    ("huawei", "display esn"),
    ("hp_comware", "display version"),
}


def captures(cmd: Command) -> dict[str, str]:
    folder = CAPTURES / NTC[cmd.platform] / cmd.folder
    return {p.name: p.read_text(errors="replace") for p in sorted(folder.glob("*.raw"))}


def norm_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


class CannedSession(DeviceSession):
    """The collection's own session with its answers read from files, not a device:
    ``parse`` is the real one (ntc-templates for the platform)."""

    def __init__(self, platform: str, outputs: dict[str, str]) -> None:
        super().__init__(DeviceParams("captured", platform, "192.0.2.1", "u", "p"))
        self.outputs = outputs

    def show(self, command: str, read_timeout: float = 20.0) -> str:
        return self.outputs[command]


# -- the lab, in process ----------------------------------------------------------------


class Host:
    """The server's side of the engine contract, with one learnt PC and a fixed clock."""

    def __init__(self, port: str, vlanif: str) -> None:
        self.port, self.vlanif = port, vlanif

    def mac_table(self) -> list[MacEntry]:
        return [MacEntry(PC_MAC, 10, self.port)]

    def arp_table(self) -> list[ArpEntry]:
        return [ArpEntry("10.10.10.20", PC_MAC, 10, self.vlanif, self.port)]

    def now(self) -> float:
        return datetime(2026, 11, 23, 10, 30, 5, 250000, tzinfo=UTC).timestamp()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Any:
        raise AssertionError("no timers here")

    def disconnect_sessions(self) -> None:
        return None

    def notify_reboot(self, downtime_seconds: float) -> None:
        return None


def lab_spec(platform: str, ports: str, **fields: Any) -> dict[str, Any]:
    """The engine tests' switch of ``platform`` (engine_specs.SPECS) with ports ``ports`` 1-4,
    as the model and release ``fields`` name (those of the captures)."""
    return {**SPECS[platform], "interfaces": [f"{ports}{i}" for i in range(1, 5)], **fields}


LAB_SPECS: dict[str, dict[str, Any]] = {
    "huawei": lab_spec(
        "huawei",
        "GigabitEthernet0/0/",
        hostname="AGG-1",
        model="S5735-S48T4X",
        firmware="V200R021C10SPC600",
        serial="2102353168P0M3000011",
    ),
    "hp_comware": lab_spec(
        "hp_comware",
        "GigabitEthernet1/0/",
        hostname="AGG-3",
        model="S5560X-30C-EI",
        firmware="Release 6616",
        serial="219801A2YF8203Q00013",
    ),
    "cisco_ios": lab_spec(
        "cisco_ios",
        "GigabitEthernet1/0/",
        hostname="AGG-4",
        model="C9300-48T",
        firmware="17.3.4",
        serial="FOC2341X0AG4",
        users=[{"name": "admin", "password": "Admin@123", "level": 15}],
    ),
    "ruijie_os": lab_spec(
        "ruijie_os",
        "GigabitEthernet 0/",
        hostname="AGG-5",
        serial="G1QH10Q000015",
        mgmt={"vlan": 100, "ip": "10.0.100.5", "mask": "255.255.255.0"},
    ),
}
_LAB_OUTPUT: dict[tuple[str, str], str] = {}


def lab_output(platform: str, command: str, setup: tuple[str, ...] = ()) -> str:
    """What the lab's engine prints for ``command`` (rendered in process, cached), after
    ``setup`` typed in configuration mode."""
    key = (platform, command)
    if key not in _LAB_OUTPUT:
        device = make_device(LAB_SPECS[platform])
        device.attach(Host(PC_PORT[platform], PC_VLANIF[platform]))  # type: ignore[arg-type]
        session = device.open_session("admin")
        if platform == "cisco_ios":
            session.handle("enable")
            session.handle("En@ble123")
        if platform == "ruijie_os":
            session.handle("enable")  # no enable password: no question
        if setup:
            enter, leave = (
                ("configure terminal", "end")
                if platform in ("cisco_ios", "ruijie_os")
                else (
                    "system-view",
                    "return",
                )
            )
            for line in (enter, *setup, leave):
                typed = session.handle(line).output
                assert "rror" not in typed and "%" not in typed, (line, typed)
        _LAB_OUTPUT[key] = session.handle(command).output
    return _LAB_OUTPUT[key]


# -- 0. the inventory of captures and commands ----------------------------------------


def test_every_command_the_collection_reads_has_captures() -> None:
    for cmd in COMMANDS:
        assert captures(cmd), f"no capture for {cmd.platform} {cmd.command!r}"
    # The platform table's display/show commands are all here.
    for name, platform in PLATFORMS.items():
        listed = {c.command for c in COMMANDS if c.platform == name}
        for attr in ("show_version", "show_vlans", "show_interfaces", "show_mac", "show_arp"):
            command = getattr(platform, attr)
            assert command in listed or (name, command) in NO_CAPTURE, (name, attr)
        assert CLOCK[name][0] in listed
    stored = {p.relative_to(CAPTURES).parent for p in CAPTURES.glob("*/*/*.raw")}
    used = {Path(NTC[c.platform]) / c.folder for c in COMMANDS} | CONFIG_CAPTURES
    assert stored == used, "a stored capture no test reads"


def test_sources_name_every_stored_capture() -> None:
    sources = (CAPTURES / "SOURCES.md").read_text()
    for path in CAPTURES.glob("*/*/*.raw"):
        assert f"`{path.relative_to(CAPTURES)}`" in sources, path


# -- 1. the collection's parse paths on real output -----------------------------------


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.fields], ids=lambda c: c.command)
def test_templates_read_the_fields_the_collection_uses(cmd: Command) -> None:
    found: set[str] = set()
    for name, text in captures(cmd).items():
        rows = CannedSession(cmd.platform, {}).parse(cmd.command, text)
        assert rows, f"{name}: no rows"
        found |= {k for row in rows for k, v in row.items() if v not in ("", [], None)}
    assert set(cmd.fields) <= found, (cmd.command, set(cmd.fields) - found)


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.mac], ids=lambda c: c.command)
def test_mac_and_arp_tables_read_real_output(cmd: Command) -> None:
    reader = facts.mac_table if "mac" in cmd.command else facts.arp_table
    for name, text in captures(cmd).items():
        table = reader(CannedSession(cmd.platform, {cmd.command: text}))
        assert table, f"{name}: nothing read"
        for row in table:
            assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", row["mac"]), (name, row)


@pytest.mark.parametrize(
    "cmd", [c for c in COMMANDS if "clock" in c.command], ids=lambda c: c.command
)
def test_clock_reader_reads_every_capture(cmd: Command) -> None:
    for name, text in captures(cmd).items():
        assert 2000 < parse_clock(cmd.platform, text).year < 2100, name


def _first(cmd_platform: str, command: str) -> str:
    cmd = next(c for c in COMMANDS if c.platform == cmd_platform and c.command == command)
    return next(iter(captures(cmd).values()))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_facts_gather_on_real_output(platform: str) -> None:
    """``facts.gather`` on one capture per command; the two outputs without any capture
    (VRP ``display esn``, Comware 7 ``display version``) come from the lab's engine."""
    outputs = {c.command: _first(platform, c.command) for c in COMMANDS if c.platform == platform}
    if platform == "huawei":
        outputs["display esn"] = lab_output(platform, "display esn")
    if platform == "hp_comware":
        outputs["display version"] = lab_output(platform, "display version")
    got = facts.gather(CannedSession(platform, outputs))
    assert got["model"] and got["interfaces"] and got["vlans"], got
    if platform != "huawei":
        assert got["serial"], got


# -- 2. the lab prints the real format -------------------------------------------------


@pytest.mark.parametrize("cmd", COMMANDS, ids=IDS)
def test_lab_output_has_the_real_header(cmd: Command) -> None:
    real = [norm_lines(text) for text in captures(cmd).values()]
    for pattern in cmd.headers:
        assert any(any(re.search(pattern, line) for line in lines) for lines in real), (
            f"{pattern!r} is in no capture: fix the test, not the lab"
        )
    lab = norm_lines(lab_output(cmd.platform, cmd.command, cmd.setup))
    expected = cmd.lab_headers if cmd.variant else cmd.headers
    for pattern in expected:
        assert any(re.search(pattern, line) for line in lab), (
            f"the lab's {cmd.command!r} lacks {pattern!r}:\n" + "\n".join(lab[:12])
        )


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.fields], ids=lambda c: c.command)
def test_lab_output_has_the_columns_the_collection_reads(cmd: Command) -> None:
    rows = CannedSession(cmd.platform, {}).parse(cmd.command, lab_output(cmd.platform, cmd.command))
    assert rows, f"ntc-templates reads no row of the lab's {cmd.command!r}"
    filled = {k for row in rows for k, v in row.items() if v not in ("", [], None)}
    assert set(cmd.fields) <= filled, set(cmd.fields) - filled


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c.mac], ids=lambda c: c.command)
def test_lab_prints_macs_as_the_platform_does(cmd: Command) -> None:
    style = re.compile(MAC_STYLE[cmd.platform])
    for text in [*captures(cmd).values(), lab_output(cmd.platform, cmd.command)]:
        macs = ANY_MAC.findall(text)
        assert macs and all(style.fullmatch(m) for m in macs), macs[:5]


@pytest.mark.parametrize(
    "cmd", [c for c in COMMANDS if "clock" in c.command], ids=lambda c: c.command
)
def test_lab_clock_is_read_as_the_real_ones(cmd: Command) -> None:
    assert parse_clock(cmd.platform, lab_output(cmd.platform, cmd.command)) == datetime(
        2026, 11, 23, 10, 30, 5
    )


# -- 3. ACL text: names, sequence numbers and padding (issue 17, finding 2) ------------


def test_ios_show_access_lists_captures_read_with_numbers_and_port_numbers() -> None:
    """What compliance.numbered_running reads: every entry with its sequence number, ports
    by number (``eq www whois uucp domain ident`` is 80 43 540 53 113), standard lists'
    ``wildcard bits`` as a wildcard, hit counters dropped."""
    cmd = next(c for c in COMMANDS if c.command == "show ip access-lists")
    texts = captures(cmd)
    first = configtree.show_access_list_entries(texts["cisco_ios_show_access-list.raw"])
    assert first["102"] == [
        (10, "permit tcp any host 192.168.1.100 eq 21"),
        (20, "permit tcp any host 192.168.1.100 gt 1024"),
    ]
    assert first["1"] == [
        (10, "permit 10.1.2.3 log"),
        (20, "deny 10.1.1.1"),
        (30, "deny 192.168.1.0 0.0.0.255"),
        (40, "deny any log"),
    ]
    assert first["ciao"] == [
        (10, "permit tcp any eq 80 43 540 53 113 host 10.10.10.10 tos normal"),
        (20, "deny tcp any eq 80 any log"),
        (30, "deny tcp any range 80 53 10.10.10.10 0.0.0.255"),
    ]
    second = configtree.show_access_list_entries(texts["cisco_ios_show_access-list2.raw"])
    assert second["2"] == [(10, "permit 0.0.0.0 255.255.255.252 log"), (20, "permit any")]
    third = configtree.show_access_list_entries(texts["cisco_ios_show_access-list3.raw"])
    assert third["115"] == [(9999, "permit ip any any")]
    assert third["150"][:2] == [
        (10, "permit tcp any any eq 5060"),
        (20, "permit udp any any eq 5060"),
    ]
    assert len(third["150"]) == 26


def test_lab_show_access_lists_indents_numbers_and_pads_as_the_captures() -> None:
    """Raw lines, not normalised: four blanks, the number, ``deny`` padded only in standard
    lists (cisco_ios_show_access-list.raw)."""
    cmd = next(c for c in COMMANDS if c.command == "show ip access-lists")
    real = captures(cmd)["cisco_ios_show_access-list.raw"].splitlines()
    lab = lab_output(cmd.platform, cmd.command, cmd.setup).splitlines()
    for lines in (real, lab):
        assert any(re.fullmatch(r"    \d+ deny   \d+\.\d+\.\d+\.\d+", line) for line in lines)
        assert any(re.fullmatch(r"    \d+ deny ip any any", line) for line in lines)
        assert not any(re.match(r"    \d+ deny   (?:ip|tcp|udp|icmp) ", line) for line in lines)


def test_vrp_capture_with_port_names_is_the_plans_acl_with_numbers() -> None:
    """The captured ACL 3998 (``destination-port eq www``), as a running configuration,
    against the same ACL as the plan renders it (``eq 80``): compliant, nothing to send."""
    cmd = next(c for c in COMMANDS if c.command == "display acl all")
    text = captures(cmd)["huawei_vrp_display_acl_all_1.raw"]
    block = text[text.index("Advanced ACL REGLE_NAT 3998") :].split("\n\n")[0].splitlines()
    rules = [re.sub(r" \(\d+ matches\)", "", line).rstrip() for line in block[2:]]
    running = "acl name REGLE_NAT 3998\n" + "\n".join(rules) + "\n#\nreturn\n"
    assert " rule 10 deny tcp destination 192.214.198.156 0 destination-port eq www" in rules
    intended = (
        "acl name REGLE_NAT 3998\n"
        " rule 5 permit tcp source 85.14.167.234 0 destination 192.214.198.156 0 "
        "destination-port eq 8022\n"
        " rule 10 deny tcp destination 192.214.198.156 0 destination-port eq 80\n"
        " rule 15 deny tcp destination 192.23.26.1 0.0.255.255 destination-port range 50 80\n"
        " rule 20 permit ip\n#\n"
    )
    report = compliance.compare(running, intended, "huawei", ("acl",))
    assert report.compliant, report.to_dict()
    drifted = intended.replace("destination-port eq 80\n", "destination-port eq 8080\n")
    acl = compliance.compare(running, drifted, "huawei", ("acl",)).features["acl"]
    assert acl.extra == [
        "acl name REGLE_NAT 3998: rule 10 deny tcp destination 192.214.198.156 0 "
        "destination-port eq 80"
    ]


def test_ios_running_config_capture_is_edited_in_place_by_its_sequence_number() -> None:
    """hier_config's running configuration prints ``12 permit ...``: an entry the plan puts
    before it is inserted by number, the ACL is never removed."""
    running = (
        CAPTURES / "cisco_ios/show_running-config/hier_config_running_config_acl.raw"
    ).read_text()
    assert configtree.ios_acl_entries(running) == {
        "ip access-list extended TEST": [(12, "permit ip 10.0.0.0 0.0.0.7 any")]
    }
    intended = (
        "ip access-list extended TEST\n permit icmp any any\n permit ip 10.0.0.0 0.0.0.7 any\n"
        "!\ninterface Vlan3\n ip access-group TEST in\n!\n"
    )
    report = compliance.compare(running, intended, "cisco_ios", ("acl",))
    assert report.features["acl"].missing == ["ip access-list extended TEST: permit icmp any any"]
    assert report.remediation == ["ip access-list extended TEST", " 6 permit icmp any any"]
    same = intended.replace(" permit icmp any any\n", "")
    assert compliance.compare(running, same, "cisco_ios", ("acl",)).remediation == []


# -- 4. Ruijie RGOS configuration text --------------------------------------------------


def test_rgos_running_configurations_read_by_the_ruijie_dialect() -> None:
    """Real RGOS configurations (12.6, 10.4) read as the collection reads them: ports and
    gateways named with a blank, ``allowed vlan only LIST`` as that list, access ports by
    their VLAN line alone."""
    folder = CAPTURES / "ruijie_os" / "show_running-config"
    s5760 = configtree.canonical(
        (folder / "ruijie_os_show_running-config_s5760c_12.6.raw").read_text(), "ruijie_os"
    )
    trunk = {s.line: s.children for s in s5760["interfaces"]}["interface GigabitEthernet 0/1"]
    allowed = [c for c in trunk if c.startswith("switchport trunk allowed vlan ")]
    assert len(allowed) == 4093 and allowed[0] == "switchport trunk allowed vlan 2", allowed[:3]
    assert "interface VLAN 200" in {s.line for s in s5760["vlanif"]}
    access = {s.line: s.children for s in s5760["interfaces"]}["interface GigabitEthernet 0/2"]
    assert "switchport access vlan 240" in access
    s2628 = configtree.canonical(
        (folder / "ruijie_os_show_running-config_s2628g_10.4.raw").read_text(), "ruijie_os"
    )
    assert {"interface VLAN 2"} <= {s.line for s in s2628["vlanif"]}
    assert {"vlan 2", "vlan 11"} <= {s.line for s in s2628["vlans"]}
