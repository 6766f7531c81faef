"""netmiko's unmodified ``cisco_ios`` driver against the IOS engine over real SSH."""

from __future__ import annotations

import pytest

from .netmiko_support import connect, timed_connect_and_show

pytestmark = pytest.mark.lab
PLATFORM = "cisco_ios"


def pick(lab) -> dict:
    return lab.devices[lab.by_platform(PLATFORM, role="aggregation")[0]]


def test_login_paging_and_full_configuration(lab) -> None:
    entry = pick(lab)
    elapsed, text = timed_connect_and_show(entry, "show running-config")
    assert text.startswith("Building configuration...")
    assert f"hostname {entry['name']}" in text
    assert text.rstrip().endswith("end")
    assert elapsed < 1.0


def test_textfsm_through_netmiko(lab) -> None:
    entry = pick(lab)
    with connect(entry) as conn:
        conn.enable()
        assert conn.check_enable_mode()
        version = conn.send_command("show version", use_textfsm=True)[0]
        assert version["hostname"] == entry["name"]
        assert version["hardware"] == [entry["model"]]
        inventory = conn.send_command("show inventory", use_textfsm=True)
        assert inventory[0]["pid"] == entry["model"]
        status = conn.send_command("show interfaces status", use_textfsm=True)
        assert status and all(row["port"][:2] in ("Gi", "Te") for row in status)
        brief = conn.send_command("show ip interface brief", use_textfsm=True)
        assert any(row["interface"].startswith("Vlan") for row in brief)


def test_config_set_save_and_errors(fresh_lab) -> None:
    entry = pick(fresh_lab)
    with connect(entry) as conn:
        out = conn.send_config_set(["vlan 3903", "name NETMIKO-TEST"])
        assert "% Invalid" not in out
        vlans = conn.send_command("show vlan brief", use_textfsm=True)
        assert any(v["vlan_id"] == "3903" and v["vlan_name"] == "NETMIKO-TEST" for v in vlans)
        assert "[OK]" in conn.save_config()
        assert "name NETMIKO-TEST" in conn.send_command("show startup-config")
        wrong = conn.send_command("show foo")
        assert "% Invalid input detected at '^' marker." in wrong


def test_enable_from_user_exec(fresh_lab) -> None:
    entry = pick(fresh_lab)
    with connect(entry) as conn:
        conn.send_config_set(["username viewer privilege 1 secret View@1234"])
    viewer = {**entry, "username": "viewer", "password": "View@1234"}
    with connect(viewer) as conn:
        assert conn.find_prompt() == f"{entry['name']}>"
        conn.enable()
        assert conn.find_prompt() == f"{entry['name']}#"
        assert conn.send_command("show privilege") == "Current privilege level is 15"
