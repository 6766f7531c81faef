"""A push that cuts the controller off reverts by itself: the platform's safety net fires.

A dedicated lab whose device timers run 60 times faster (HISOPS_LAB_TIME_SCALE), so the
one-minute safety nets fire in about a second. The lab cuts the session at the second
pushed line and keeps the device unreachable for a few seconds, as when a push cuts its
own management path; nobody touches the device, and each one ends on its previous
configuration: Huawei by its scheduled reboot to the saved configuration, H3C by
``configuration commit delay``, the IOS XE switch (AGG-4, which keeps a configuration
archive) by ``configure terminal revert timer``: its rollback to the archive, not a reload.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from lab_fixtures import start_lab, stop_lab

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

CUT = {
    "AGG-1": "vlan batch 66\n#\ninterface GigabitEthernet0/0/21\n description drill-cut\n",
    "AGG-3": "vlan 66\n name CUT66\n#\ninterface GigabitEthernet1/0/21\n description drill-cut\n",
    "AGG-4": "vlan 66\n name CUT66\n!\ninterface GigabitEthernet1/0/21\n description drill-cut\n",
}


@pytest.fixture(scope="module")
def fast_lab(tmp_path_factory):
    client = start_lab(tmp_path_factory.mktemp("fastlab"), boot_seconds=1.0, time_scale=60)
    try:
        yield client
    finally:
        stop_lab(client)


def test_safety_net_restores_a_device_cut_off_by_its_push(fast_lab, tmp_path: Path) -> None:
    client = fast_lab
    inventory = Path(client.status()["inventory"])
    before = {device: client.config(device) for device in CUT}
    for device in CUT:
        client.fault(device, "drop", count=1, match="^description drill-cut", down_seconds=4)
    playbook = tmp_path / "cut.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Pushes that cut their own session",
                    "hosts": ",".join(CUT),
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "push",
                            "hisops.emergency.switch_config": {
                                "config": "{{ cut_config[inventory_hostname] }}",
                                "features": ["vlans", "interfaces"],
                                "replace": False,
                                "save": "when_changed",
                                "safety_net_minutes": 1,
                                "wait_for_revert": True,
                            },
                        }
                    ],
                }
            ]
        )
    )
    run = run_playbook(playbook, inventory, tmp_path, extravars={"cut_config": CUT})
    assert run.rc != 0
    messages = run.messages("push")
    assert sorted(messages) == sorted(CUT)
    for device, message in messages.items():
        assert "fired: the device is back on its previous configuration" in message, (
            device,
            message,
        )
    for device in CUT:
        assert client.config(device) == before[device], device
    # The IOS net really used is the archive's revert timer (no reload in, no presave).
    assert "safety net (configure terminal revert timer 1) fired" in messages["AGG-4"]


REFUSED = "vlan batch 67\n#\ninterface GigabitEthernet0/0/22\n description drill-refused\n#\n"


def test_a_refused_revert_is_reported_with_the_push_refusal_and_the_safety_net_stays_armed(
    fast_lab, tmp_path: Path
) -> None:
    """The push's line is refused and so is its revert's: the error names both, and the
    armed safety net (Huawei: a reboot to the saved configuration) is left to bring the
    device back instead of being disarmed on a half-applied configuration."""
    client = fast_lab
    inventory = Path(client.status()["inventory"])
    before = client.config("AGG-1")
    client.fault(
        "AGG-1", "refuse", count=0, match=r"^\s*(description drill-refused|undo vlan batch 67)"
    )
    playbook = tmp_path / "refused.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "A push whose revert is refused",
                    "hosts": "AGG-1",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "push",
                            "hisops.emergency.switch_config": {
                                "config": REFUSED,
                                "features": ["vlans", "interfaces"],
                                "replace": False,
                                "save": "when_changed",
                                "safety_net_minutes": 1,
                            },
                        }
                    ],
                }
            ]
        )
    )
    try:
        run = run_playbook(playbook, inventory, tmp_path)
        assert run.rc != 0
        message = run.messages("push")["AGG-1"]
        assert "refused 'description drill-refused'" in message, message
        assert "Error: Unrecognized command found at '^' position." in message, message
        assert "the revert stopped" in message and "'undo vlan batch 67'" in message, message
        assert "still armed" in message and "schedule reboot" in message, message
        client.clear("AGG-1")
        deadline = time.monotonic() + 30
        while client.config("AGG-1") != before and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.config("AGG-1") == before  # the net fired: back on the saved configuration
    finally:
        client.clear("AGG-1")
