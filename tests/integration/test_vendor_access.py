"""Vendor access windows against the lab (issue 6, plan P4.5): the window is the switch's
own time range, so it closes by itself; proved with the lab's data plane, which applies the
ACL bound to a switch's VTY lines to logins to its management address."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    Guard,
    PushRequest,
    SafePush,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from lab_helpers import device_params

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

VENDOR = "his-app-1"  # stands in for the vendor's VPN address: 10.10.100.10
VENDOR_IP = "10.10.100.10"


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "vendor_access"
    monkeypatch.setenv("HISOPS_VENDOR_ACCESS_DIR", str(path))
    monkeypatch.setenv("HISOPS_OPERATOR", "it-oncall")
    return path


def waiting_for(lock_file: str, run: threading.Thread, timeout: float = 120) -> None:
    """Until another process has ``lock_file`` open (it waits for the lock), for a few polls."""
    deadline, seen = time.monotonic() + timeout, 0
    while seen < 3:
        assert run.is_alive() and time.monotonic() < deadline, "nobody waited for the lock"
        seen = (
            seen + 1
            if any(
                _opens(pid, lock_file)
                for pid in os.listdir("/proc")
                if pid.isdigit() and int(pid) != os.getpid()
            )
            else 0
        )
        time.sleep(0.2)


def _opens(pid: str, path: str) -> bool:
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}") == path for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


def records(store: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(store.glob("va-*.json"))]


def test_window_closes_by_itself(fresh_lab, store, tmp_path):
    lab = fresh_lab
    preview = run_playbook(
        "vendor_access",
        lab.inventory,
        tmp_path,
        {"device": "AGG-1", "vendor_ip": VENDOR_IP, "minutes": 1, "approved_by": "head of IT"},
        check=True,
    )
    assert preview.rc == 0 and records(store) == [], preview.stdout
    assert "acl" not in lab.client.config("AGG-1").split("user-interface vty")[1]

    run = run_playbook(
        "vendor_access",
        lab.inventory,
        tmp_path,
        {
            "device": "AGG-1",
            "vendor_ip": VENDOR_IP,
            "minutes": 1,
            "approved_by": "head of IT",
            "reason": "core firmware support call",
        },
    )
    assert run.rc == 0, run.stdout
    assert lab.reach(VENDOR, "AGG-1")["reachable"]
    denied = lab.reach(
        "pharm-01", "AGG-1"
    )  # only the vendor, the management subnet, the controller
    assert not denied["reachable"] and "VTY" in denied["reason"]
    assert lab.reach("ansible-ctl", "AGG-1")["reachable"]
    [record] = records(store)
    assert (record["approved_by"], record["opened_by"], record["state"]) == (
        "head of IT",
        "it-oncall",
        "open",
    )

    # The window is the switch's own time range: nothing on the controller closes it. Time
    # passes on the switches' clocks (`hisops lab clock --advance`), no run in between.
    lab.client.clock(advance=30)
    assert lab.reach(VENDOR, "AGG-1")["reachable"]  # half a minute in: still open
    lab.client.clock(advance=120)
    closed = lab.reach(VENDOR, "AGG-1")
    assert not closed["reachable"] and "VTY inbound denies 10.10.100.10" in closed["reason"]


def test_close_early_restores_the_configuration(fresh_lab, store, tmp_path):
    lab = fresh_lab
    before = lab.client.config("AGG-4")
    opened = run_playbook(
        "vendor_access",
        lab.inventory,
        tmp_path,
        {"device": "AGG-4", "vendor_ip": VENDOR_IP, "minutes": 30, "approved_by": "pacs lead"},
    )
    assert opened.rc == 0, opened.stdout
    again = run_playbook(
        "vendor_access",
        lab.inventory,
        tmp_path,
        {"device": "AGG-4", "vendor_ip": VENDOR_IP, "minutes": 30, "approved_by": "pacs lead"},
    )
    assert again.rc == 0 and again.changed_hosts() == set()
    assert (
        lab.reach(VENDOR, "AGG-4")["reachable"] and not lab.reach("pharm-01", "AGG-4")["reachable"]
    )
    state = StateStore(str(tmp_path / "state"))  # run_playbook's HISOPS_STATE_DIR
    [hold] = state.active("vendor_window", devices=["AGG-4"])
    assert hold.id == records(store)[0]["id"] and hold.details["vendor_ip"] == VENDOR_IP

    # A deploy meanwhile: one that would drop the window's rule from the VTY ACL is refused
    # under the lock, naming the window; one elsewhere on the switch goes (issue 14).
    params = device_params(lab, "AGG-4")
    opened_config = lab.client.config("AGG-4")
    without_window = "\n".join(
        line for line in opened_config.splitlines() if "HISOPS-VENDOR-" not in line
    )
    dropping = SafePush(
        lambda: DeviceSession(params),
        PushRequest(intended=without_window, features=["acl"], replace=True),
        Guard(state.directory, "AGG-4"),
    )
    with pytest.raises(
        InputError, match=r"open vendor_window on this switch: vendor_window va-.*close it first"
    ):
        dropping.run()
    assert lab.client.config("AGG-4") == opened_config
    elsewhere = SafePush(
        lambda: DeviceSession(params),
        PushRequest(
            intended="vlan 77\n name DRILL", features=["vlans"], replace=False, save="when_changed"
        ),
        Guard(state.directory, "AGG-4"),
    ).run()
    assert elsewhere.verified and "vlan 77" in lab.client.config("AGG-4")
    assert lab.reach(VENDOR, "AGG-4")["reachable"]  # the window still stands
    with DeviceSession(params) as session:
        session.config_set(["no vlan 77"])
    assert lab.client.config("AGG-4") == opened_config

    # Someone else holds AGG-4's lock: the close waits for it and says who held it.
    runs = {}
    with state.locks.hold(["switch:AGG-4"], "maintenance", "carol"):
        closing = threading.Thread(
            target=lambda: runs.setdefault(
                "close",
                run_playbook(
                    "vendor_access_close",
                    lab.inventory,
                    tmp_path,
                    {"device": "AGG-4", "vendor_ip": VENDOR_IP},
                ),
            )
        )
        closing.start()
        waiting_for(state.locks.path("switch:AGG-4"), closing)
        assert lab.client.config("AGG-4") != before  # not closed while carol holds the lock
    closing.join(300)
    close = runs["close"]
    assert close.rc == 0, close.stdout
    assert "held by carol (maintenance)" in close.stdout, close.stdout
    assert lab.client.config("AGG-4") == before  # the VTY ACL hisops created went with the window
    assert [r["state"] for r in records(store)] == ["closed"]
    assert state.active("vendor_window") == []
    twice = run_playbook(
        "vendor_access_close", lab.inventory, tmp_path, {"device": "AGG-4", "vendor_ip": VENDOR_IP}
    )
    assert twice.rc == 0 and twice.changed_hosts() == set()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"vendor_ip": "10.10.300.1", "approved_by": "x"},
            "vendor_ip: '10.10.300.1' is not an IPv4 address",
        ),
        (
            {"vendor_ip": VENDOR_IP, "minutes": 0, "approved_by": "x"},
            "minutes: 0 must be between 1 and 1440",
        ),
        ({"vendor_ip": VENDOR_IP, "approved_by": ""}, "approved_by"),
    ],
)
def test_bad_input_is_refused(fresh_lab, store, tmp_path, extra, message):
    lab = fresh_lab
    before = lab.client.config("AGG-3")
    run = run_playbook("vendor_access", lab.inventory, tmp_path, {"device": "AGG-3", **extra})
    assert run.rc != 0 and message in run.stdout
    assert lab.client.config("AGG-3") == before and records(store) == []


def test_window_on_h3c_switch_reads_its_clock_and_closes_by_itself(fresh_lab, store, tmp_path):
    """Issue 17: a Comware switch prints ``display clock`` as ``10:09:00.258 UTC Fri
    03/16/2018`` (Comware 5: no milliseconds); the window opens from it and the switch's
    own Comware time range closes it."""
    lab = fresh_lab
    device = "AGG-3"
    assert lab.devices[device]["platform"] == "hp_comware"
    run = run_playbook(
        "vendor_access",
        lab.inventory,
        tmp_path,
        {"device": device, "vendor_ip": VENDOR_IP, "minutes": 1, "approved_by": "head of IT"},
    )
    assert run.rc == 0, run.stdout
    [record] = records(store)
    assert record["state"] == "open"
    assert "time-range HISOPS-VENDOR-10-10-100-10 from " in lab.client.config(device)
    assert lab.reach(VENDOR, device)["reachable"]
    assert lab.reach("ansible-ctl", device)["reachable"]
    lab.client.clock(advance=150)
    closed = lab.reach(VENDOR, device)
    assert not closed["reachable"] and "VTY inbound denies 10.10.100.10" in closed["reason"]
