"""NTP servers, log hosts and SNMP communities: one shared handler set, three syntaxes."""

from __future__ import annotations

import pytest

from .conftest import Lab

SYNTAX = {
    "huawei": (
        "ntp-service unicast-server {ip}",
        "undo ntp-service unicast-server {ip}",
        "info-center loghost {ip}",
        "undo info-center loghost {ip}",
        "snmp-agent community read {c}",
        "undo snmp-agent community {c}",
        "read",
    ),
    "hp_comware": (
        "ntp-service unicast-server {ip}",
        "undo ntp-service unicast-server {ip}",
        "info-center loghost {ip}",
        "undo info-center loghost {ip}",
        "snmp-agent community read {c}",
        "undo snmp-agent community {c}",
        "read",
    ),
    "cisco_ios": (
        "ntp server {ip}",
        "no ntp server {ip}",
        "logging host {ip}",
        "no logging host {ip}",
        "snmp-server community {c} ro",
        "no snmp-server community {c}",
        "RO",
    ),
}


@pytest.mark.parametrize("platform", sorted(SYNTAX))
def test_add_twice_then_remove(platform: str) -> None:
    ntp, no_ntp, log, no_log, snmp, no_snmp, access = SYNTAX[platform]
    lab = Lab(platform)
    lab.config(
        ntp.format(ip="10.9.9.1"),
        ntp.format(ip="10.9.9.1"),
        log.format(ip="10.9.9.2"),
        snmp.format(c="wardRO"),
    )
    mgmt = lab.device.running.management
    assert (mgmt.ntp_servers, mgmt.log_hosts) == (["10.9.9.1"], ["10.9.9.2"])
    assert mgmt.snmp_communities == {"wardRO": access}
    lab.config(
        no_ntp.format(ip="10.9.9.1"), no_log.format(ip="10.9.9.2"), no_snmp.format(c="wardRO")
    )
    mgmt = lab.device.running.management
    assert (mgmt.ntp_servers, mgmt.log_hosts, mgmt.snmp_communities) == ([], [], {})
