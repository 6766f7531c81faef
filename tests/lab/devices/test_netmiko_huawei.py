"""netmiko's unmodified ``huawei`` driver against the Huawei engine over real SSH."""

from __future__ import annotations

import pytest
from ntc_templates.parse import parse_output

from .netmiko_support import connect, timed_connect_and_show

pytestmark = pytest.mark.lab
PLATFORM = "huawei"


def pick(lab) -> dict:
    return lab.devices[lab.by_platform(PLATFORM, role="aggregation")[0]]


def test_login_paging_and_full_configuration(lab) -> None:
    entry = pick(lab)
    elapsed, text = timed_connect_and_show(entry, "display current-configuration")
    assert text.startswith("!Software Version")
    assert text.rstrip().endswith("return")
    assert f"sysname {entry['name']}" in text
    assert elapsed < 1.0  # ~0.45 s; netmiko's huawei driver sleeps 0.3 s by itself


def test_display_commands_parse_with_ntc_templates(lab) -> None:
    entry = pick(lab)
    with connect(entry) as conn:
        assert conn.find_prompt() == f"<{entry['name']}>"
        version = parse_output(
            platform="huawei_vrp",
            command="display version",
            data=conn.send_command("display version"),
        )
        assert version[0]["vrp_version"] == "5.170"
        assert entry["model"] in version[0]["model"]
        ports = parse_output(
            platform="huawei_vrp",
            command="display interface brief",
            data=conn.send_command("display interface brief"),
        )
        assert any(p["interface"].startswith("GigabitEthernet") for p in ports)


def test_config_set_save_and_errors(fresh_lab) -> None:
    entry = pick(fresh_lab)
    with connect(entry) as conn:
        out = conn.send_config_set(["vlan 3901", "description NETMIKO-TEST"])
        assert "Error" not in out
        assert conn.find_prompt() == f"<{entry['name']}>"
        current = conn.send_command("display current-configuration")
        assert "vlan 3901\n description NETMIKO-TEST" in current
        saved = conn.save_config()
        assert "Save the configuration successfully." in saved
        assert "NETMIKO-TEST" in conn.send_command("display saved-configuration")
        vlans = parse_output(
            platform="huawei_vrp", command="display vlan", data=conn.send_command("display vlan")
        )
        assert {"3901"} <= {v["vlan_id"] for v in vlans}
        wrong = conn.send_command("display foo")
        assert "Error: Unrecognized command found at '^' position." in wrong
