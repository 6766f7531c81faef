"""ACL text as the real platforms print it (issue 17, finding 2): well-known ports by name,
IOS sequence numbers and padding. Sources: docs/research/issue17.md (b) and the real
captures in tests/fixtures/captures (show access-lists, display acl all)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from hisops.lab.devices import acl_text

from .conftest import Lab

XE = {"model": "C9300-48T", "firmware": "17.09.04a"}


def acl_lines(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        body.append(line)
    return body


def test_ios_xe_prints_sequence_numbers_and_port_names_in_the_running_config() -> None:
    lab = Lab("cisco_ios", **XE)
    lab.run(
        "enable",
        "En@ble123",
        "conf t",
        "ip access-list extended WEB",
        "permit tcp any host 10.0.0.10 eq 80",
        "permit udp any any eq 53",
        "deny tcp any any eq 23",
        "permit tcp any any eq 443",
        "deny ip any any",
        "ip access-list standard MGMT",
        "permit 10.1.1.1",
        "deny any",
        "end",
    )
    running = lab.run("show running-config")
    assert acl_lines(running, "ip access-list extended WEB") == [
        " 10 permit tcp any host 10.0.0.10 eq www",
        " 20 permit udp any any eq domain",
        " 30 deny tcp any any eq telnet",
        " 40 permit tcp any any eq 443",
        " 50 deny ip any any",
    ]
    assert acl_lines(running, "ip access-list standard MGMT") == [
        " 10 permit 10.1.1.1",
        " 20 deny   any",
    ]
    shown = lab.run("show ip access-lists")
    # As in cisco_ios_show_access-list.raw: four blanks, the number, extended entries
    # unpadded, standard ones padded.
    assert "Extended IP access list WEB\n    10 permit tcp any host 10.0.0.10 eq www\n" in shown
    assert "Standard IP access list MGMT\n    10 permit 10.1.1.1\n    20 deny   any" in shown


def test_ios_classic_prints_no_sequence_numbers_and_pads_deny() -> None:
    lab = Lab("cisco_ios")
    lab.run("enable", "En@ble123", "conf t", "ip access-list extended WEB")
    lab.run("permit tcp any any eq www", "deny udp any any eq 53", "end")
    running = lab.run("show running-config")
    assert acl_lines(running, "ip access-list extended WEB") == [
        " permit tcp any any eq www",
        " deny   udp any any eq domain",
    ]
    assert "    20 deny udp any any eq domain" in lab.run("show access-lists")


def test_ios_refuses_a_port_name_of_the_other_protocol_and_edits_by_number_or_text() -> None:
    lab = Lab("cisco_ios", **XE)
    lab.run("enable", "En@ble123", "conf t", "ip access-list extended WEB")
    # cisco.ios PR #1078: "permit udp any any eq msrpc" -> % Invalid input detected.
    assert "% Invalid input detected at '^' marker." in lab.run("permit udp any any eq msrpc")
    assert "% Invalid input detected at '^' marker." in lab.run("permit tcp any any eq dns")
    lab.run("permit tcp any any eq msrpc", "permit tcp any any eq www", "permit ip any any")
    lab.run("15 deny tcp any any eq 22")
    lab.run("no permit tcp any any eq 80")  # by its meaning: www is 80
    assert lab.run("10 permit udp any any") == "% Duplicate sequence number"
    lab.run("no 15", "end")
    assert acl_lines(lab.run("show running-config"), "ip access-list extended WEB") == [
        " 10 permit tcp any any eq msrpc",  # IOS XE 16+ names TCP 135
        " 30 permit ip any any",
    ]


@pytest.mark.parametrize(
    "platform,header", [("huawei", "acl number 3001"), ("hp_comware", "acl advanced 3001")]
)
def test_vrp_and_comware_print_port_names_udp_53_as_dns(platform: str, header: str) -> None:
    lab = Lab(platform)
    lab.run(
        "system-view",
        header,
        "rule 5 permit tcp destination-port eq 80",
        "rule 10 permit udp destination-port eq 53",
        "rule 15 permit tcp destination-port eq domain",
        "rule 20 permit udp destination-port eq 139",
        "rule 25 permit tcp destination-port eq 8080",
        "return",
    )
    running = lab.run("display current-configuration")
    ports = re.findall(r"destination-port eq (\S+)", running)
    assert ports == ["www", "dns", "domain", "netbios-ssn", "8080"]


def test_the_lab_tables_name_the_ports_the_sources_name() -> None:
    """Spot checks from the sources of docs/research/issue17.md (b)."""
    text = acl_text.port_text
    assert [text(80, p, "tcp") for p in ("huawei", "hp_comware", "cisco_ios")] == ["www"] * 3
    assert [text(53, p, "udp") for p in ("huawei", "hp_comware", "cisco_ios")] == [
        "dns",
        "dns",
        "domain",
    ]
    assert text(90, "huawei", "udp") == "dnsix" and text(195, "cisco_ios", "udp") == "dnsix"
    assert text(22, "cisco_ios", "tcp") == "22" and text(443, "huawei", "tcp") == "443"
    assert text(514, "cisco_ios", "tcp") == "cmd" and text(514, "cisco_ios", "udp") == "syslog"


def test_vrp_display_acl_counts_rules_as_the_capture() -> None:
    """huawei_vrp_display_acl_all_1.raw: ``Advanced ACL qsdqsd 3999, 0 rule``, ``1 rule``,
    ``3 rules``; and ``destination-port eq www`` for a rule entered on port 80."""
    lab = Lab("huawei")
    lab.run("system-view", "acl number 3999", "quit", "acl number 3001")
    lab.run("rule 5 deny tcp destination-port eq 80", "return")
    shown = lab.run("display acl all")
    assert "Advanced ACL 3999, 0 rule\n" in shown
    assert (
        "Advanced ACL 3001, 1 rule\nAcl's step is 5\n rule 5 deny tcp destination-port eq www"
        in shown
    )


@pytest.mark.parametrize("overrides", [XE, {}], ids=["ios-xe", "ios-15.2"])
def test_ios_acl_text_loads_back_as_the_same_acl(overrides) -> None:
    """A saved configuration with sequence numbers (XE) or padding (15.2) and port names
    is read back at boot as the same entries; 15.2's configuration carries no numbers, so
    the entries are numbered 10, 20 again at boot."""
    lab = Lab("cisco_ios", **overrides)
    lab.run("enable", "En@ble123", "conf t", "ip access-list extended WEB", "remark web only")
    lab.run("15 permit tcp any any eq 80", "30 deny udp any any eq 53", "end")
    device = lab.device
    loaded = device.parse_config(device.render_config(device.running))

    def meaning(acl):
        return [replace(r, id=0) for r in acl.rules], acl.description

    assert meaning(loaded.acls["WEB"]) == meaning(device.running.acls["WEB"])
    assert [r.id for r in loaded.acls["WEB"].rules] == ([15, 30] if overrides else [10, 20])
