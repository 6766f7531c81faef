"""netmiko's unmodified ``ruijie_os`` driver against the Ruijie RGOS engine over real SSH.

A lab of its own (tests/lab/topologies/ruijie.yml: a Huawei core and one RG-S5750C
aggregation switch with two endpoints), booted once for the module, with device timers
60 times faster (HISOPS_LAB_TIME_SCALE) so the scheduled-reload safety net fires in a
second. What the driver does: ``session_preparation`` waits for ``[>#]``, sends
``enable`` (and the secret), ``terminal length 0``, ``terminal width 256``; config mode
is ``configure terminal``/``end``; ``save_config`` is a bare ``write``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_fixtures import start_lab, stop_lab
from ruijie_textfsm import parse

from hisops.lab.client import LabClient

from .netmiko_support import connect

pytestmark = pytest.mark.lab
TOPOLOGY = Path(__file__).parents[1] / "topologies" / "ruijie.yml"
NAME = "AGG-R1"


@pytest.fixture(scope="module")
def ruijie_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabClient]:
    state = tmp_path_factory.mktemp("ruijie-lab")
    client = start_lab(state, str(TOPOLOGY), boot_seconds=1.0, time_scale=60)
    try:
        yield client
    finally:
        stop_lab(client)


@pytest.fixture
def entry(ruijie_lab: LabClient) -> Iterator[dict[str, Any]]:
    """The Ruijie switch in its startup state; reset again after the test."""
    ruijie_lab.reset(NAME)
    devices = {d["name"]: d for d in ruijie_lab.devices()}
    try:
        yield {**devices[NAME], "platform": "ruijie_os"}
    finally:
        ruijie_lab.reset(NAME)


def test_login_enable_paging_off_and_prompts(entry: dict[str, Any]) -> None:
    with connect(entry) as conn:
        assert conn.find_prompt() == f"{NAME}#"  # session_preparation entered enable
        assert conn.check_enable_mode()
        text = conn.send_command("show running-config")
        assert "--More--" not in text  # terminal length 0 took effect
        assert text.startswith("Building configuration...\nCurrent configuration: ")
        assert text.rstrip().endswith("end")
        assert "interface TenGigabitEthernet 0/25\n description uplink to CORE-1" in text


def test_show_commands_parse_with_the_shipped_templates(entry: dict[str, Any]) -> None:
    with connect(entry) as conn:
        version = parse("show version", conn.send_command("show version"))
        assert version[0]["version"] == "S5750_RGOS 11.4(1)B12P5"
        assert version[0]["hardware"] == "S5750C-28GT4XS-H"
        vlans = {row["vlan_id"]: row for row in parse("show vlan", conn.send_command("show vlan"))}
        assert vlans["10"]["vlan_name"] == "OUTPATIENT"
        assert "Gi0/1" in vlans["10"]["interfaces"] and "Te0/25" in vlans["10"]["interfaces"]
        ports = parse("show interfaces status", conn.send_command("show interfaces status"))
        assert {"GigabitEthernet 0/1", "TenGigabitEthernet 0/25"} <= {p["port"] for p in ports}
        macs = parse("show mac-address-table", conn.send_command("show mac-address-table"))
        assert {"5254.000a.0001", "5254.0032.0001"} <= {m["destination_address"] for m in macs}
        clock = conn.send_command("show clock")
        assert parse("show clock", clock)[0]["timezone"] == "UTC"
        wrong = conn.send_command("show foo")
        assert "% Invalid input detected at '^' marker." in wrong


def test_config_push_save_and_acl_edit(entry: dict[str, Any]) -> None:
    """One configuration session (netmiko's ``ruijie_os`` checks the mode by reading two
    seconds of silence, so each config_mode/exit_config_mode costs that much)."""
    with connect(entry) as conn:
        conn.config_mode()
        assert conn.find_prompt() == f"{NAME}(config)#"
        conn.send_command("interface GigabitEthernet 0/3", expect_string=r"\)#")
        assert conn.find_prompt() == f"{NAME}(config-if-GigabitEthernet 0/3)#"
        out = conn.send_config_set(
            [
                "vlan 30",
                "name PHARMACY",
                "ip access-list extended 101",
                "permit tcp any host 10.10.100.11 eq 5432",
                "deny ip any any",
                "interface GigabitEthernet 0/3",
                "switchport access vlan 30",
                "ip access-group 101 in",
                "interface TenGigabitEthernet 0/25",
                "switchport trunk allowed vlan add 30",
            ],
            enter_config_mode=False,
            exit_config_mode=False,
        )
        assert "%" not in out
        acls = parse("show access-lists", conn.send_command("do show access-lists"))
        assert [(a["sequence"], a["action"]) for a in acls[:2]] == [
            ("10", "permit"),
            ("20", "deny"),
        ]
        # the ACL edited in place: one entry out by number, one in between; unbound
        conn.send_config_set(
            [
                "ip access-list extended 101",
                "no 20",
                "15 permit udp any any eq 53",
                "deny ip any any",
                "interface GigabitEthernet 0/3",
                "no ip access-group 101 in",
            ],
            enter_config_mode=False,
            exit_config_mode=False,
        )
        conn.exit_config_mode()
        assert conn.find_prompt() == f"{NAME}#"
        running = conn.send_command("show running-config")
        assert "vlan 30\n name PHARMACY" in running
        assert "interface GigabitEthernet 0/3\n switchport access vlan 30\n!" in running
        assert "switchport trunk allowed vlan only 10,30,50,99" in running
        acls = parse("show access-lists", conn.send_command("show access-lists"))
        assert [a["sequence"] for a in acls] == ["10", "15", "20"]
        assert acls[1]["protocol"] == "udp" and acls[1]["destination_port"] == "domain"
        saved = conn.save_config()
        assert "Building configuration...\n[OK]" in saved
        assert "vlan 30\n name PHARMACY" in conn.send_command("show startup-config")


def test_scheduled_reload_is_the_safety_net(entry: dict[str, Any]) -> None:
    """A change that is never saved goes at the scheduled reload: the device comes back on
    its saved configuration. ``reload cancel`` disarms it. The question is ``Proceed with
    reload? [no]`` (no means no: the answer must be ``y``). Timers run 60 times faster
    here: a minute is a second."""
    with connect(entry) as conn:
        question = conn.send_command("reload in 30", expect_string=r"\[no\]")
        assert question.strip() == "Proceed with reload? [no]"
        scheduled = conn.send_command("y", expect_string=rf"{NAME}#")
        assert "Reload scheduled for" in scheduled and "(in 30 minutes)" in scheduled
        assert conn.send_command("reload cancel").strip() == "Reload cancelled."
        assert conn.send_command("reload cancel").strip() == "% No reload is scheduled."
        conn.send_command("configure terminal", expect_string=r"\(config\)#")
        conn.send_config_set(
            ["vlan 3901", "name NOT-SAVED"], enter_config_mode=False, exit_config_mode=False
        )
        conn.send_command("end", expect_string=rf"{NAME}#")
        assert "NOT-SAVED" in conn.send_command("show vlan")
        conn.send_command("reload in 2", expect_string=r"\[no\]")
        assert "Reload scheduled for" in conn.send_command("y", expect_string=rf"{NAME}#")
    time.sleep(2.0)  # 2 minutes at 60x; then down for the 1 s boot
    deadline = time.monotonic() + 20
    while True:
        try:
            with connect(entry) as conn:
                vlans = conn.send_command("show vlan")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
            continue
        if "NOT-SAVED" not in vlans or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "NOT-SAVED" not in vlans
    assert "OUTPATIENT" in vlans  # the saved configuration, not an empty one
