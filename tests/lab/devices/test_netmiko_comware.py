"""netmiko's unmodified ``hp_comware`` driver against the Comware engine over real SSH."""

from __future__ import annotations

import pytest

from .netmiko_support import connect, timed_connect_and_show

pytestmark = pytest.mark.lab
PLATFORM = "hp_comware"


def pick(lab) -> dict:
    return lab.devices[lab.by_platform(PLATFORM, role="aggregation")[0]]


def test_login_paging_and_full_configuration(lab) -> None:
    entry = pick(lab)
    elapsed, text = timed_connect_and_show(entry, "display current-configuration")
    assert text.startswith("#\n version 7.1.070")
    assert f" sysname {entry['name']}" in text
    assert elapsed < 1.0


def test_textfsm_through_netmiko(lab) -> None:
    entry = pick(lab)
    with connect(entry) as conn:
        manuinfo = conn.send_command("display device manuinfo", use_textfsm=True)
        assert manuinfo[0]["device_name"] == entry["model"]
        assert manuinfo[0]["device_serial_number"]
        brief = conn.send_command("display interface brief", use_textfsm=True)
        assert any(row["interface"].startswith("GE") for row in brief)
        arp = conn.send_command("display arp", use_textfsm=True)
        assert isinstance(arp, list)


def test_config_set_save_and_errors(fresh_lab) -> None:
    entry = pick(fresh_lab)
    with connect(entry) as conn:
        out = conn.send_config_set(["vlan 3902", "name NETMIKO-TEST"])
        assert "%" not in out
        vlans = conn.send_command("display vlan brief", use_textfsm=True)
        assert {"vlan_id": "3902", "vlan_name": "NETMIKO"} in vlans  # \w+ stops at '-'
        every = conn.send_command("display vlan all", use_textfsm=True)
        assert any(v["vlan_id"] == "3902" and v["vlan_name"] == "NETMIKO-TEST" for v in every)
        assert "successfully" in conn.save_config()
        assert "NETMIKO-TEST" in conn.send_command("display saved-configuration")
        wrong = conn.send_command("display foo")
        assert "% Unrecognized command found at '^' position." in wrong
