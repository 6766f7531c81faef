"""Engines driven directly through their ``CliSession``, with the in-memory host."""

from __future__ import annotations

from typing import Any

import pytest

from hisops.lab.contract import ArpEntry, MacEntry
from hisops.lab.devices import make_device
from hisops.lab.devices.base import BaseDevice, BaseSession

from .fakes import FakeHost

PC_MAC = "00:25:9e:80:24:94"

SPECS: dict[str, dict[str, Any]] = {
    "huawei": {
        "hostname": "CORE-1",
        "platform": "huawei",
        "model": "S5720-52X-SI-AC",
        "firmware": "V200R011C10SPC500",
        "serial": "2102351931P0K8000123",
        "mac": "00:e0:fc:12:34:56",
        "interfaces": [f"GigabitEthernet0/0/{i}" for i in range(1, 9)],
        "users": [{"name": "admin", "password": "Admin@123", "level": 15}],
        "mgmt": {"vlan": 100, "ip": "10.0.100.1", "mask": "255.255.255.0"},
    },
    "hp_comware": {
        "hostname": "AGG-2",
        "platform": "hp_comware",
        "model": "S5130-28S-EI",
        "firmware": "Release 6615P01",
        "serial": "210235A1JTB168000042",
        "mac": "38:22:d6:ec:3d:00",
        "interfaces": [f"GigabitEthernet1/0/{i}" for i in range(1, 9)],
        "users": [{"name": "admin", "password": "Admin@123", "level": 15}],
        "mgmt": {"vlan": 100, "ip": "10.0.100.2", "mask": "255.255.255.0"},
    },
    "cisco_ios": {
        "hostname": "AGG-CISCO-1",
        "platform": "cisco_ios",
        "model": "WS-C2960X-48FPD-L",
        "firmware": "15.2(7)E4",
        "serial": "FOC2231X0AB",
        "mac": "70:db:98:aa:bb:00",
        "interfaces": [f"GigabitEthernet1/0/{i}" for i in range(1, 9)],
        "users": [
            {"name": "admin", "password": "Admin@123", "level": 15},
            {"name": "viewer", "password": "View@1234", "level": 1},
        ],
        "enable_secret": "En@ble123",
        "mgmt": {"vlan": 100, "ip": "10.0.100.3", "mask": "255.255.255.0"},
    },
    # No enable password: an RGOS switch without one enters privileged EXEC on ``enable``
    # (test_ruijie.py sets one where it tests the question).
    "ruijie_os": {
        "hostname": "AGG-RUIJIE-1",
        "platform": "ruijie_os",
        "model": "RG-S5750C-28GT4XS-H",
        "firmware": "S5750_RGOS 11.4(1)B12P5",
        "serial": "G1QH10Q000123",
        "mac": "00:d0:f8:12:34:56",
        "interfaces": [f"GigabitEthernet 0/{i}" for i in range(1, 9)]
        + ["TenGigabitEthernet 0/25", "TenGigabitEthernet 0/26"],
        "users": [{"name": "admin", "password": "Admin@123", "level": 15}],
        "mgmt": {"vlan": 100, "ip": "10.0.100.4", "mask": "255.255.255.0"},
    },
}

PORT2 = {
    "huawei": "GigabitEthernet0/0/2",
    "hp_comware": "GigabitEthernet1/0/2",
    "cisco_ios": "GigabitEthernet1/0/2",
    "ruijie_os": "GigabitEthernet 0/2",
}
VLANIF = {
    "huawei": "Vlanif10",
    "hp_comware": "Vlan-interface10",
    "cisco_ios": "Vlan10",
    "ruijie_os": "VLAN 10",
}


class Lab:
    """One device, its fake host and a session, with a helper to type lines."""

    def __init__(self, platform: str, **overrides: Any) -> None:
        self.platform = platform
        self.host = FakeHost()
        self.device: BaseDevice = make_device({**SPECS[platform], **overrides})
        self.device.attach(self.host)
        self.host.macs = [MacEntry(PC_MAC, 10, PORT2[platform])]
        self.host.arps = [ArpEntry("10.10.10.20", PC_MAC, 10, VLANIF[platform], PORT2[platform])]
        self.session: BaseSession = self.device.open_session("admin")

    def run(self, *lines: str) -> str:
        """Type lines; return the output of the last one."""
        output = ""
        for line in lines:
            output = self.session.handle(line).output
        return output

    def config(self, *lines: str) -> str:
        if self.platform == "ruijie_os" and self.session.mode == "user":
            self.run("enable")
        ios_like = self.platform in ("cisco_ios", "ruijie_os")
        enter, leave = ("conf t", "end") if ios_like else ("sys", "return")
        return self.run(enter, *lines, leave)


@pytest.fixture
def huawei() -> Lab:
    return Lab("huawei")


@pytest.fixture
def comware() -> Lab:
    return Lab("hp_comware")


@pytest.fixture
def cisco() -> Lab:
    return Lab("cisco_ios")
