"""Topology files: the default hospital, the generator, and refusals that say where and why."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from hisops.lab.generate import scale_topology
from hisops.lab.topology import DEFAULT_TOPOLOGY, TopologyError, load_topology, parse_topology


@pytest.fixture(scope="module")
def hospital_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_TOPOLOGY.read_text())


def test_default_hospital_has_what_the_plan_needs() -> None:
    topology = load_topology()
    roles: dict[str, list[str]] = {}
    for device in topology.devices.values():
        roles.setdefault(device.role, []).append(device.model)
    assert [m for m in roles["core"] if m.startswith("S77")], "a Huawei S7700-class core"
    aggregation = {topology.devices[n].platform for n in topology.devices if n.startswith("AGG")}
    assert aggregation == {"huawei", "hp_comware", "cisco_ios", "ruijie_os"}
    assert len(roles["aggregation"]) == 5
    for model in set(roles["core"]) | set(roles["aggregation"]):
        assert model in roles["spare"], f"no spare for {model}"
    assert 35 <= len(topology.endpoints) <= 45
    assert {"his-db-1", "his-db-2", "backup-1"} <= set(topology.endpoints)
    assert {e.name for e in topology.endpoints.values() if e.protected} >= {"pacs-server-1"}
    departments = {v.name for v in topology.vlans.values()}
    assert departments >= {"OUTPATIENT", "INPATIENT", "PHARMACY", "NURSE", "DOCTOR", "MEDTECH"}
    assert departments >= {"SERVERS", "MGMT"}


def test_startup_configs_make_the_hospital_work() -> None:
    topology = load_topology()
    core = topology.devices["CORE-1"].startup_config
    assert "interface Vlanif10\n ip address 10.10.10.1 255.255.255.0" in core
    assert "port trunk allow-pass vlan 10 30 99" in core  # towards AGG-1 and ACC-1 below it
    comware = topology.devices["AGG-3"].startup_config
    assert "port trunk permit vlan 40 50 99" in comware
    assert "interface Vlan-interface99" in comware
    cisco = topology.devices["AGG-4"].startup_config
    assert "switchport trunk allowed vlan 60,99" in cisco
    assert " description pacs-server-1\n switchport access vlan 60" in cisco


def test_generator_makes_a_valid_200_switch_lab(tmp_path: Path) -> None:
    path = tmp_path / "scale.yml"
    path.write_text(yaml.safe_dump(scale_topology(200)))
    topology = load_topology(path)
    assert len(topology.devices) == 200
    assert {d.platform for d in topology.devices.values()} == {"huawei", "hp_comware", "cisco_ios"}
    addresses = {(d.address, d.port) for d in topology.devices.values()}
    assert len(addresses) == 200


def test_generate_command_narrows_the_platforms(tmp_path: Path) -> None:
    from hisops.cli import main

    path = tmp_path / "cisco.yml"
    assert (
        main(["lab", "generate", "--switches", "12", "--platforms", "cisco_ios", "-o", str(path)])
        == 0
    )
    topology = load_topology(path)
    assert len(topology.devices) == 12
    assert {d.platform for d in topology.devices.values()} == {"cisco_ios"}
    assert main(["lab", "generate", "--switches", "12", "--platforms", "junos"]) == 1


def _refused(data: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(TopologyError) as caught:
        load_topology(path)
    message = str(caught.value)
    assert str(path) in message, message
    return message


def _device(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in data["devices"] if d["hostname"] == name)


def _endpoint(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in data["endpoints"] if e["name"] == name)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: _device(d, "AGG-2").update(platform="juniper"),
            ["devices[2] (AGG-2)", "'platform'", "unknown platform 'juniper'"],
        ),
        (
            lambda d: _device(d, "AGG-1").pop("role"),
            ["devices[1] (AGG-1)", "'role'", "missing"],
        ),
        (
            lambda d: d["links"].append(["CORE-1:GigabitEthernet1/0/40", "AGG-2:Gi9/9/9"]),
            ["links[8]", "'b'", "unknown port 'Gi9/9/9' on AGG-2"],
        ),
        (
            lambda d: d["links"].append(["CORE-1:GigabitEthernet1/0/40", "NOPE-1:Gi0/0/1"]),
            ["links[8]", "'b'", "unknown device 'NOPE-1'"],
        ),
        (
            lambda d: _endpoint(d, "pharm-02").update(mac=_endpoint(d, "pharm-01")["mac"]),
            ["(pharm-02)", "'mac'", "duplicate MAC"],
        ),
        (
            lambda d: _endpoint(d, "doc-02").update(ip=_endpoint(d, "doc-01")["ip"]),
            ["(doc-02)", "'ip'", "duplicate IP 10.10.50.101"],
        ),
        (
            lambda d: _endpoint(d, "nurse-01").update(attach="AGG-2:GigabitEthernet0/0/99"),
            ["(nurse-01)", "'attach'", "unknown port 'GigabitEthernet0/0/99' on AGG-2"],
        ),
        (
            lambda d: _endpoint(d, "nurse-02").update(attach="AGG-2:GigabitEthernet0/0/11"),
            ["(nurse-02)", "'attach'", "already used by endpoints[21] (nurse-01)"],
        ),
        (
            lambda d: _endpoint(d, "nurse-01").update(vlan=77),
            ["(nurse-01)", "'vlan'", "VLAN 77 is not defined"],
        ),
        (
            lambda d: _endpoint(d, "nurse-01").update(ip="10.10.30.200"),
            ["(nurse-01)", "'ip'", "outside VLAN 40's subnet"],
        ),
        (
            lambda d: _device(d, "ACC-1").update(adress="127.10.0.99"),
            ["devices[5] (ACC-1)", "'adress'", "unknown field"],
        ),
        (
            lambda d: _device(d, "ACC-1").update(address="10.1.1.1"),
            ["devices[5] (ACC-1)", "'address'", "not a loopback address"],
        ),
    ],
    ids=[
        "unknown-platform",
        "missing-field",
        "unknown-port",
        "unknown-device",
        "duplicate-mac",
        "duplicate-ip",
        "endpoint-unknown-port",
        "port-used-twice",
        "unknown-vlan",
        "ip-outside-subnet",
        "unknown-field",
        "not-loopback",
    ],
)
def test_malformed_topology_is_refused_naming_file_entry_field(
    hospital_data: dict[str, Any], tmp_path: Path, mutate: Any, expected: list[str]
) -> None:
    data = copy.deepcopy(hospital_data)
    mutate(data)
    message = _refused(data, tmp_path)
    for part in expected:
        assert part in message, message


def test_two_devices_on_one_address_are_refused(
    hospital_data: dict[str, Any], tmp_path: Path
) -> None:
    data = copy.deepcopy(hospital_data)
    _device(data, "AGG-4")["address"] = _device(data, "AGG-3")["address"]
    message = _refused(data, tmp_path)
    assert "devices[4] (AGG-4)" in message
    assert "'address'" in message
    assert "127.10.0.13:22 is already used by AGG-3" in message


def test_same_address_on_other_ports_is_fine(hospital_data: dict[str, Any]) -> None:
    data = copy.deepcopy(hospital_data)
    _device(data, "AGG-4").update(address=_device(data, "AGG-3")["address"], port=2222)
    topology = parse_topology(data)
    assert topology.devices["AGG-4"].port == 2222


def test_unreadable_and_non_yaml_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="cannot read"):
        load_topology(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("devices: [unclosed\n")
    with pytest.raises(TopologyError, match="not valid YAML"):
        load_topology(bad)
