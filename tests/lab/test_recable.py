"""Re-cabling after a spare swap (issue 6): the failed unit's cables and endpoints move to
the spare in the data plane, on real Huawei engines in process; reset puts them back."""

from __future__ import annotations

from typing import Any

import pytest

from hisops.lab.dataplane import DataPlane
from hisops.lab.devices import make_device
from hisops.lab.server import engine_spec
from hisops.lab.topology import Link, PortRef, Topology, parse_topology

VLANS = [
    {"id": i, "name": n, "subnet": f"10.10.{i}.0/24", "gateway": f"10.10.{i}.1"}
    for i, n in ((10, "OPD"), (30, "PHARMACY"), (99, "MGMT"), (100, "SERVERS"))
]

TOPOLOGY: dict[str, Any] = {
    "name": "recable",
    "defaults": {"username": "admin", "password": "Lab@2026"},
    "mgmt_vlan": 99,
    "vlans": VLANS,
    "devices": [
        {"hostname": "CORE-1", "model": "S7706", "role": "core"},
        {"hostname": "AGG-1", "model": "S5735-S48T4X", "role": "aggregation"},
        {"hostname": "ACC-1", "model": "S5735-L24T4X-A1", "role": "access"},
        {"hostname": "SPARE-1", "model": "S5735-S48T4X", "role": "spare"},
    ],
    "links": [
        ["CORE-1:XGigabitEthernet2/0/0", "AGG-1:XGigabitEthernet0/0/1"],
        ["AGG-1:XGigabitEthernet0/0/2", "ACC-1:XGigabitEthernet0/0/1"],
        # the spare's own staging cable, in the port the core uplink goes to
        ["CORE-1:GigabitEthernet1/0/40", "SPARE-1:XGigabitEthernet0/0/1"],
    ],
    "endpoints": [
        {"name": "opd-1", "mac": "52:54:00:0a:00:01", "ip": "10.10.10.101", "vlan": 10,
         "attach": "ACC-1:GigabitEthernet0/0/1"},
        {"name": "pharm-1", "mac": "52:54:00:1e:00:01", "ip": "10.10.30.101", "vlan": 30,
         "attach": "AGG-1:GigabitEthernet0/0/1"},
        {"name": "db-1", "kind": "server", "mac": "52:54:00:64:00:0b", "ip": "10.10.100.11",
         "vlan": 100, "attach": "CORE-1:GigabitEthernet1/0/1"},
    ],
}  # fmt: skip


class Net:
    """The spare already carries the failed unit's configuration (what spare_swap does)."""

    def __init__(self) -> None:
        self.topology: Topology = parse_topology(TOPOLOGY)
        spare = self.topology.devices["SPARE-1"]
        spare.startup_config = self.topology.devices["AGG-1"].startup_config
        self.devices = {n: make_device(engine_spec(s)) for n, s in self.topology.devices.items()}
        self.states = dict.fromkeys(self.devices, "up")
        self.plane = DataPlane(self.topology, self.devices, self.states.__getitem__)
        self.cabling = list(self.topology.links)

    def reach(self, src: str, dst: str) -> Any:
        return self.plane.reach(src, dst)


@pytest.fixture
def net() -> Net:
    return Net()


def test_endpoints_come_back_through_the_spare(net: Net) -> None:
    net.states["AGG-1"] = "powered-off"
    net.plane.invalidate()
    assert net.reach("opd-1", "db-1").reason == "AGG-1 is powered-off"

    result = net.plane.recable("AGG-1", "SPARE-1")

    moved = {m["from"]: (m["to"], m["peer"]) for m in result["moved"]}
    assert moved == {
        "AGG-1:XGigabitEthernet0/0/1": ("SPARE-1:XGigabitEthernet0/0/1", "CORE-1:XGigabitEthernet2/0/0"),
        "AGG-1:XGigabitEthernet0/0/2": ("SPARE-1:XGigabitEthernet0/0/2", "ACC-1:XGigabitEthernet0/0/1"),
        "AGG-1:GigabitEthernet0/0/1": ("SPARE-1:GigabitEthernet0/0/1", "pharm-1"),
    }  # fmt: skip
    assert result["unplugged"] == ["CORE-1:GigabitEthernet1/0/40 <-> SPARE-1:XGigabitEthernet0/0/1"]
    for src in ("opd-1", "pharm-1"):
        back = net.reach(src, "db-1")
        assert back.reachable, back.reason
        assert "SPARE-1" in [hop.device for hop in back.path]
        assert "AGG-1" not in [hop.device for hop in back.path]
    assert net.plane.mac_table("SPARE-1"), "the spare learns the moved endpoints' MACs"

    net.plane.restore_cabling()
    assert net.topology.links == net.cabling
    assert net.topology.endpoints["pharm-1"].attachment == PortRef("AGG-1", "GigabitEthernet0/0/1")
    assert net.reach("opd-1", "db-1").reason == "AGG-1 is powered-off"


def test_a_cut_cable_stays_cut_on_the_spare(net: Net) -> None:
    core, agg = (
        PortRef("CORE-1", "XGigabitEthernet2/0/0"),
        PortRef("AGG-1", "XGigabitEthernet0/0/1"),
    )
    net.plane.cut_link(core, agg)
    net.plane.recable("AGG-1", "SPARE-1")
    assert net.plane.link_is_cut(Link(core, PortRef("SPARE-1", "XGigabitEthernet0/0/1")))
    assert not net.reach("opd-1", "db-1").reachable


def test_bad_recabling_is_refused_and_moves_nothing(net: Net) -> None:
    with pytest.raises(KeyError, match="spare: no device 'SPARE-9'"):
        net.plane.recable("AGG-1", "SPARE-9")
    with pytest.raises(ValueError, match="port_map: AGG-1 has no port Eth9"):
        net.plane.recable("AGG-1", "SPARE-1", {"Eth9": "XGigabitEthernet0/0/1"})
    with pytest.raises(
        ValueError, match=r"SPARE-1 has no port for AGG-1's XGigabitEthernet0/0/2 \(as X9\)"
    ):
        net.plane.recable("AGG-1", "SPARE-1", {"XGigabitEthernet0/0/2": "X9"})
    with pytest.raises(ValueError, match="two of AGG-1's cables land on one port"):
        net.plane.recable("AGG-1", "SPARE-1", {"XGigabitEthernet0/0/2": "XGigabitEthernet0/0/1"})
    assert net.topology.links == net.cabling
    assert net.topology.endpoints["pharm-1"].switch == "AGG-1"


def test_a_port_map_lands_cables_on_other_ports(net: Net) -> None:
    result = net.plane.recable(
        "AGG-1", "SPARE-1", {"XGigabitEthernet0/0/1": "XGigabitEthernet0/0/3"}
    )
    assert result["unplugged"] == []
    assert net.topology.link_at(PortRef("SPARE-1", "XGigabitEthernet0/0/3")) is not None
    assert net.topology.link_at(PortRef("AGG-1", "XGigabitEthernet0/0/1")) is None
