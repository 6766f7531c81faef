"""The switches the engine tests drive in process (tests/lab/devices) and the PC they
learn, one of each platform; tests of other folders start from them too (the fidelity
tests as other models and releases)."""

from __future__ import annotations

from typing import Any

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

PC_PORT = {  # where the engine tests' PC is learnt
    "huawei": "GigabitEthernet0/0/2",
    "hp_comware": "GigabitEthernet1/0/2",
    "cisco_ios": "GigabitEthernet1/0/2",
    "ruijie_os": "GigabitEthernet 0/2",
}
PC_VLANIF = {  # the PC's VLAN interface (VLAN 10)
    "huawei": "Vlanif10",
    "hp_comware": "Vlan-interface10",
    "cisco_ios": "Vlan10",
    "ruijie_os": "VLAN 10",
}
