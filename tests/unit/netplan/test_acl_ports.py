"""ACLs by meaning (issue 17, finding 2): port names, IOS sequence numbers and padding, and
the IOS in-place edit."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import (
    aclports,
    compliance,
    configtree,
)

from hisops.lab.devices import acl_text


@pytest.mark.parametrize(
    ("platform", "protocol", "name", "number"),
    [
        ("huawei", "tcp", "www", "80"),
        ("hp_comware", "tcp", "www", "80"),
        ("cisco_ios", "tcp", "www", "80"),
        ("huawei", "udp", "dns", "53"),
        ("hp_comware", "udp", "dns", "53"),
        ("cisco_ios", "udp", "domain", "53"),
        ("huawei", "udp", "dnsix", "90"),
        ("cisco_ios", "udp", "dnsix", "195"),
        ("cisco_ios", "udp", "netbios-ss", "139"),
        ("huawei", "udp", "netbios-ssn", "139"),
        ("cisco_ios", "tcp", "cmd", "514"),
        ("cisco_ios", "udp", "syslog", "514"),
        ("cisco_ios", "17", "domain", "53"),  # a protocol typed as its number
    ],
)
def test_a_name_reads_as_its_number_for_the_platform_and_protocol(
    platform: str, protocol: str, name: str, number: str
) -> None:
    assert aclports.port_number(platform, protocol, name) == number


def test_a_name_of_another_platform_or_protocol_is_not_guessed() -> None:
    assert aclports.port_number("huawei", "udp", "domain") == "domain"  # VRP says dns
    assert aclports.port_number("cisco_ios", "udp", "dns") == "dns"
    assert aclports.port_number("cisco_ios", "udp", "www") == "www"  # a TCP name
    assert aclports.port_number("cisco_ios", "tcp", "5060") == "5060"


def test_every_name_the_lab_prints_reads_back_as_its_number() -> None:
    """The lab's tables and the collection's were written apart from the same sources."""
    for platform, protocols in acl_text.PRINTED_PORT_NAMES.items():
        for protocol, names in protocols.items():
            for number, name in names.items():
                assert aclports.port_number(platform, protocol, name) == str(number), (
                    platform,
                    protocol,
                    name,
                )


def test_rules_and_entries_read_by_meaning() -> None:
    assert (
        aclports.vrp_rule(
            "rule 10 deny tcp destination 1.2.3.4 0 destination-port eq www", "huawei"
        )
        == "rule 10 deny tcp destination 1.2.3.4 0 destination-port eq 80"
    )
    assert (
        aclports.vrp_rule("rule 5 permit udp destination-port range bootps tftp", "hp_comware")
        == "rule 5 permit udp destination-port range 67 69"
    )
    assert aclports.ios_entry(" 30 deny   udp any any eq domain") == (30, "deny udp any any eq 53")
    assert aclports.ios_entry("deny   ip any any log") == (None, "deny ip any any log")
    assert aclports.ios_entry("10 remark web") == (10, "remark web")
    assert (
        aclports.ios_numbered("access-list 100 deny   udp 10.0.0.0 0.0.0.7 any eq domain")
        == "access-list 100 deny udp 10.0.0.0 0.0.0.7 any eq 53"
    )


def test_the_same_acl_written_three_ways_is_compliant() -> None:
    intended = "ip access-list extended WEB\n permit tcp any any eq 80\n deny ip any any\n!\n"
    for running in (
        "ip access-list extended WEB\n 10 permit tcp any any eq www\n 20 deny ip any any\n!\n",
        "ip access-list extended WEB\n permit tcp any any eq www\n deny   ip any any\n!\n",
        "ip access-list extended WEB\n 5 permit tcp any any eq 80\n 7 deny ip any any\n!\n",
    ):
        report = compliance.compare(running, intended, "cisco_ios", ("acl",))
        assert report.compliant and report.remediation == [], running


@pytest.mark.parametrize(
    ("have", "want", "edits"),
    [
        ([(10, "a"), (20, "b")], ["x", "a", "b"], ["5 x"]),
        ([(10, "a"), (20, "b")], ["a", "x", "b"], ["15 x"]),
        ([(10, "a"), (20, "b")], ["a", "b", "x"], ["30 x"]),
        ([(10, "a"), (20, "b"), (30, "c")], ["a", "c"], ["no 20"]),
        ([(10, "a"), (20, "b")], ["a", "c"], ["no 20", "20 c"]),
        ([(10, "a"), (11, "b")], ["a", "x", "b"], ["no 11", "21 x", "31 b"]),  # no free number
        ([(10, "a"), (20, "b"), (30, "c")], ["a", "c", "b"], ["no 20", "40 b"]),
        ([], ["a", "b"], ["10 a", "20 b"]),
        # no numbers known: by text, the entries after an insertion point entered again
        ([(None, "a"), (None, "b")], ["x", "a", "b"], ["no a", "no b", "x", "a", "b"]),
        ([(None, "a"), (None, "b")], ["a", "b", "x"], ["x"]),
        ([(None, "x"), (None, "a")], ["a"], ["no x"]),
    ],
)
def test_ios_in_place_edit(have, want, edits) -> None:
    assert compliance.ios_entry_edits(have, want) == edits


def test_with_ios_sequences_leaves_a_list_that_changed_between_the_reads() -> None:
    running = "ip access-list extended WEB\n permit tcp any any eq www\n deny   ip any any\n!\n"
    shown = (
        "Extended IP access list WEB\n    10 permit tcp any any eq www\n    20 deny ip any any\n"
    )
    numbered = configtree.with_ios_sequences(running, shown)
    assert configtree.ios_acl_entries(numbered) == {
        "ip access-list extended WEB": [(10, "permit tcp any any eq 80"), (20, "deny ip any any")]
    }
    changed = shown.replace("20 deny ip any any", "20 deny ip any any\n    30 permit ip any any")
    assert configtree.with_ios_sequences(running, changed) == running.rstrip("\n") + "\n"
