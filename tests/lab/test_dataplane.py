"""The data plane on real Huawei engines (the twin's ssh verdict also on Comware and IOS-XE),
in process: reach, reasons, MAC/ARP tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from hisops.lab.dataplane import DataPlane
from hisops.lab.devices import make_device
from hisops.lab.generate import DEPARTMENT_VLANS
from hisops.lab.server import engine_spec
from hisops.lab.topology import PortRef, Topology, parse_topology

SMALL: dict[str, Any] = {
    "name": "small-huawei",
    "defaults": {"username": "admin", "password": "Lab@2026"},
    "mgmt_vlan": 99,
    "vlans": [
        {**v, "subnet": f"10.10.{v['id']}.0/24", "gateway": f"10.10.{v['id']}.1"}
        for v in DEPARTMENT_VLANS
    ],
    "devices": [
        {"hostname": "CORE-1", "model": "S7706", "role": "core"},
        {"hostname": "AGG-1", "model": "S5735-S48T4X", "role": "aggregation"},
        {"hostname": "AGG-2", "model": "S5735-S48T4X", "role": "aggregation"},
        {"hostname": "ACC-1", "model": "S5735-L24T4X-A1", "role": "access"},
    ],
    "links": [
        ["CORE-1:XGigabitEthernet2/0/0", "AGG-1:XGigabitEthernet0/0/1"],
        ["CORE-1:XGigabitEthernet2/0/1", "AGG-2:XGigabitEthernet0/0/1"],
        ["AGG-1:XGigabitEthernet0/0/2", "ACC-1:XGigabitEthernet0/0/1"],
    ],
    "endpoints": [
        {"name": "opd-1", "mac": "52:54:00:0a:00:01", "ip": "10.10.10.101", "vlan": 10,
         "attach": "ACC-1:GigabitEthernet0/0/1"},
        {"name": "opd-2", "mac": "52:54:00:0a:00:02", "ip": "10.10.10.102", "vlan": 10,
         "attach": "ACC-1:GigabitEthernet0/0/2"},
        {"name": "pharm-1", "mac": "52:54:00:1e:00:01", "ip": "10.10.30.101", "vlan": 30,
         "attach": "AGG-1:GigabitEthernet0/0/1"},
        {"name": "nurse-1", "mac": "52:54:00:28:00:01", "ip": "10.10.40.101", "vlan": 40,
         "attach": "AGG-2:GigabitEthernet0/0/1"},
        {"name": "db-1", "kind": "server", "mac": "52:54:00:64:00:0b", "ip": "10.10.100.11",
         "vlan": 100, "attach": "CORE-1:GigabitEthernet1/0/1"},
    ],
}  # fmt: skip


class Net:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.topology: Topology = parse_topology(data or SMALL)
        self.devices = {n: make_device(engine_spec(s)) for n, s in self.topology.devices.items()}
        self.states = dict.fromkeys(self.devices, "up")
        self.plane = DataPlane(self.topology, self.devices, self.states.__getitem__)

    def cli(self, device: str, *lines: str) -> None:
        session = self.devices[device].open_session("admin")
        for line in ("system-view", *lines):
            output = session.handle(line).output
            assert "Error" not in output, f"{device}: {line!r}: {output}"
        self.plane.invalidate()

    def reach(self, src: str, dst: str) -> Any:
        return self.plane.reach(src, dst)


@pytest.fixture
def net() -> Net:
    return Net()


def test_the_small_hospital_works(net: Net) -> None:
    routed = net.reach("opd-1", "db-1")
    assert routed.reachable, routed.reason
    assert routed.routed_by == "CORE-1"
    assert [hop.device for hop in routed.path] == ["ACC-1", "AGG-1", "CORE-1", "CORE-1"]
    same = net.reach("opd-1", "opd-2")
    assert same.reachable and not same.routed_by
    assert [hop.device for hop in same.path] == ["ACC-1"]
    assert net.reach("10.10.40.101", "10.10.30.101").reachable  # by IP


def test_shut_access_port_cuts_the_endpoint_and_its_table_entries(net: Net) -> None:
    net.cli("ACC-1", "interface GigabitEthernet0/0/1", "shutdown")
    result = net.reach("opd-1", "db-1")
    assert not result.reachable
    assert (result.device, result.reason) == ("ACC-1", "ACC-1 GigabitEthernet0/0/1 is shut down")
    assert "52:54:00:0a:00:01" not in {e.mac for e in net.plane.mac_table("CORE-1")}
    assert "10.10.10.101" not in {e.ip for e in net.plane.arp_table("CORE-1")}
    assert net.reach("opd-2", "db-1").reachable
    net.cli("ACC-1", "interface GigabitEthernet0/0/1", "undo shutdown")
    assert net.reach("opd-1", "db-1").reachable
    arp = {e.ip: e for e in net.plane.arp_table("CORE-1")}
    assert arp["10.10.10.101"].interface == "Vlanif10"
    assert arp["10.10.10.101"].port == "XGigabitEthernet2/0/0"


def test_shut_uplink_and_vlan_removed_from_trunk(net: Net) -> None:
    net.cli("AGG-1", "interface XGigabitEthernet0/0/1", "shutdown")
    result = net.reach("opd-1", "db-1")
    assert result.reason == "AGG-1 XGigabitEthernet0/0/1 is shut down"
    net.cli("AGG-1", "interface XGigabitEthernet0/0/1", "undo shutdown")
    net.cli("CORE-1", "interface XGigabitEthernet2/0/0", "undo port trunk allow-pass vlan 10")
    result = net.reach("opd-1", "db-1")
    assert not result.reachable
    assert result.device == "CORE-1"
    assert result.reason == "VLAN 10 not allowed on CORE-1 XGigabitEthernet2/0/0"
    assert net.reach("opd-1", "opd-2").reachable, "the VLAN still works below the cut"
    assert net.reach("pharm-1", "db-1").reachable, "the pharmacy still reaches the database"
    macs = {(e.mac, e.vlan) for e in net.plane.mac_table("CORE-1")}
    assert ("52:54:00:0a:00:01", 10) not in macs
    assert ("52:54:00:1e:00:01", 30) in macs


def test_acl_with_time_range_on_the_gateway(net: Net) -> None:
    net.cli(
        "CORE-1",
        "time-range ALWAYS 00:00 to 23:59 daily",
        "acl number 3001",
        "rule 5 deny ip source 10.10.10.0 0.0.0.255 destination 10.10.100.11 0 time-range ALWAYS",
        "quit",
        "interface Vlanif10",
        "traffic-filter inbound acl 3001",
    )
    result = net.reach("opd-1", "db-1")
    assert not result.reachable
    assert result.reason == (
        "ACL 3001 on CORE-1 Vlanif10 inbound denies 10.10.10.101 -> 10.10.100.11"
    )
    back = net.reach("db-1", "opd-1")
    assert back.reason.startswith("return traffic: ACL 3001 on CORE-1 Vlanif10 inbound")
    assert net.reach("pharm-1", "db-1").reachable
    net.cli("CORE-1", "undo time-range ALWAYS")  # an undefined range is inactive: rule skipped
    assert net.reach("opd-1", "db-1").reachable


def test_gateway_vlan_and_power(net: Net) -> None:
    net.cli("CORE-1", "interface Vlanif30", "shutdown")
    assert net.reach("pharm-1", "db-1").reason == "Vlanif30 on CORE-1 is shut down"
    net.cli("CORE-1", "interface Vlanif30", "undo shutdown")
    net.cli("AGG-2", "undo vlan 40")
    result = net.reach("nurse-1", "db-1")
    assert (result.device, result.reason) == ("AGG-2", "VLAN 40 does not exist on AGG-2")
    net.states["AGG-1"] = "powered-off"
    net.plane.invalidate()
    assert net.reach("pharm-1", "db-1").reason == "AGG-1 is powered-off"
    assert net.reach("opd-1", "db-1").reason == "AGG-1 is powered-off"
    assert net.plane.mac_table("AGG-1") == []


def test_cut_link(net: Net) -> None:
    a, b = PortRef("AGG-1", "XGigabitEthernet0/0/2"), PortRef("ACC-1", "XGigabitEthernet0/0/1")
    net.plane.cut_link(a, b)
    result = net.reach("opd-1", "db-1")
    assert result.reason == f"link {net.topology.link_at(a)} is cut"
    net.plane.restore_link(b, a)
    assert net.reach("opd-1", "db-1").reachable
    with pytest.raises(KeyError, match="no link"):
        net.plane.cut_link(a, PortRef("CORE-1", "XGigabitEthernet2/0/0"))


def test_recompute_is_cached_until_invalidated(net: Net) -> None:
    net.reach("opd-1", "db-1")
    net.plane.mac_table("CORE-1")
    count = net.plane.recomputes
    net.reach("opd-2", "db-1")
    assert net.plane.recomputes == count
    net.plane.invalidate()
    started = time.perf_counter()
    net.reach("opd-2", "db-1")
    assert net.plane.recomputes == count + 1
    assert time.perf_counter() - started < 0.5


def test_switches_are_reachable_by_their_management_address(net: Net) -> None:
    agg = net.topology.devices["AGG-1"].mgmt_ip.split("/")[0]
    assert net.reach("db-1", "AGG-1").reachable
    assert net.reach("db-1", agg).routed_by == "CORE-1"
    assert net.reach("ACC-1", "CORE-1").reachable, "a switch reaches its gateway"
    net.cli("AGG-1", "interface Vlanif99", "shutdown")
    result = net.reach("db-1", "AGG-1")
    assert (result.device, result.reason) == (
        "AGG-1",
        "Vlanif99 on AGG-1 is shut down",
    )
    assert net.reach("db-1", "ACC-1").reachable, "the management VLAN passes through AGG-1"


def test_access_verdict_open_ssh_cut_for_the_rejoin_acl() -> None:
    """The twin's three-state verdict (issue 7): an inbound ACL on the DB host's access
    port that permits only its SSH replies to the controller leaves it ``ssh``."""
    from hisops.lab.twin import access_verdict

    data = {**SMALL, "endpoints": [*SMALL["endpoints"],
        {"name": "ctl", "kind": "server", "mac": "52:54:00:63:00:fa", "ip": "10.10.99.250",
         "vlan": 99, "attach": "CORE-1:GigabitEthernet1/0/47"},
        {"name": "db-2", "kind": "server", "mac": "52:54:00:64:00:0c", "ip": "10.10.100.12",
         "vlan": 100, "attach": "CORE-1:GigabitEthernet1/0/2"},
    ]}  # fmt: skip
    net = Net(data)
    assert access_verdict(net.plane, "ctl", "db-1") == ("open", "")
    net.cli(
        "CORE-1",
        "acl number 3998",
        "rule 5 permit tcp source 10.10.100.11 0 source-port eq 22 destination 10.10.99.250 0",
        "rule 10 deny ip",
        "quit",
        "interface GigabitEthernet1/0/1",
        "traffic-filter inbound acl 3998",
    )
    assert access_verdict(net.plane, "ctl", "db-1") == (
        "ssh",
        "return traffic: ACL 3998 on CORE-1 GigabitEthernet1/0/1 inbound "
        "denies 10.10.100.11 -> 10.10.99.250",
    )
    assert not net.plane.reach("ctl", "db-1", "tcp", 5432).reachable
    assert access_verdict(net.plane, "ctl", "db-2") == ("open", "")
    # a filter written the wrong way round (the replies' destination port) cuts the host
    net.cli(
        "CORE-1",
        "acl number 3997",
        "rule 5 permit tcp source 10.10.100.11 0 destination 10.10.99.250 0 destination-port eq 22",
        "rule 10 deny ip",
        "quit",
        "interface GigabitEthernet1/0/1",
        "traffic-filter inbound acl 3997",
    )
    assert access_verdict(net.plane, "ctl", "db-1")[0] == "cut"
    net.cli("CORE-1", "interface GigabitEthernet1/0/1", "traffic-filter inbound acl 3998")
    assert access_verdict(net.plane, "ctl", "db-1")[0] == "ssh"
    net.cli("CORE-1", "interface GigabitEthernet1/0/1", "shutdown")
    assert access_verdict(net.plane, "ctl", "db-1") == (
        "cut",
        "CORE-1 GigabitEthernet1/0/1 is shut down",
    )
    net.cli(
        "CORE-1",
        "interface GigabitEthernet1/0/1",
        "undo shutdown",
        "undo traffic-filter inbound acl 3998",
    )
    assert access_verdict(net.plane, "ctl", "db-1") == ("open", "")


@pytest.mark.parametrize(
    ("host", "device", "enter", "lines"),
    [
        ("doc-1", "AGG-3", ["system-view"], [  # Comware
            "acl advanced 3998",
            "rule 5 permit tcp source 10.10.50.101 0 source-port eq 22 destination 10.10.99.250 0",
            "rule 10 deny ip", "quit",
            "interface GigabitEthernet1/0/1", "packet-filter 3998 inbound", "quit"]),
        ("lis-1", "AGG-4", ["enable", "configure terminal"], [  # IOS-XE
            "ip access-list extended HISOPS-QUARANTINE-3998",
            "10 permit tcp host 10.10.60.101 eq 22 host 10.10.99.250", "20 deny ip any any", "exit",
            "interface GigabitEthernet1/0/1", "ip access-group HISOPS-QUARANTINE-3998 in", "exit"]),
    ],
)  # fmt: skip
def test_access_verdict_ssh_behind_the_quarantine_filter_of_each_platform(
    host: str, device: str, enter: list[str], lines: list[str]
) -> None:
    """The same SSH-replies-only filter as the isolation's quarantine writes it on Comware
    and Cisco access ports: the twin's verdict is ``ssh`` there too."""
    import yaml

    from hisops.lab.twin import access_verdict

    data = yaml.safe_load((Path(__file__).parent / "topologies" / "small.yml").read_text())
    data["endpoints"].append(
        {"name": "ctl", "kind": "server", "vlan": 99, "ip": "10.10.99.250",
         "mac": "52:54:00:63:00:fa", "attach": "CORE-1:GigabitEthernet1/0/47"}
    )  # fmt: skip
    net = Net(data)
    assert access_verdict(net.plane, "ctl", host) == ("open", "")
    session = net.devices[device].open_session("admin")
    for line in (*enter, *lines):
        output = session.handle(line).output
        assert not any(word in output for word in ("rror", "Invalid", "%")), (line, output)
    net.plane.invalidate()
    verdict, reason = access_verdict(net.plane, "ctl", host)
    assert verdict == "ssh" and "3998" in reason, reason
    assert not net.plane.reach("ctl", host, "tcp", 5432).reachable


def test_comware_login_acl_without_rules_admits_every_ssh_client() -> None:
    """Comware 7 ``ssh server acl N``: "If the specified ACL does not exist or contains no
    rules, all IPv4 SSH clients can access the device" (HPE 12900E Security CR, issue 17
    finding 3). Its first rule makes it a filter: then a client no rule permits is denied."""
    import yaml

    data = yaml.safe_load((Path(__file__).parent / "topologies" / "small.yml").read_text())
    net = Net(data)
    session = net.devices["AGG-3"].open_session("admin")
    for line in ("system-view", "acl basic 2001", "quit", "ssh server acl 2001"):
        output = session.handle(line).output
        assert "rror" not in output, (line, output)
    net.plane.invalidate()
    admitted = net.plane.reach("db-1", "AGG-3", "tcp", 22)
    assert admitted.reachable, admitted.reason
    assert net.devices["AGG-3"].running.acls["2001"].rules == []  # bound, existing, empty

    for line in ("acl basic 2001", "rule 5 permit source 10.10.10.101 0", "quit"):
        output = session.handle(line).output
        assert "rror" not in output, (line, output)
    net.plane.invalidate()
    denied = net.plane.reach("db-1", "AGG-3", "tcp", 22)
    assert not denied.reachable
    address = net.topology.devices["AGG-3"].mgmt_ip.split("/")[0]
    assert denied.reason == f"ACL 2001 on AGG-3 VTY inbound denies 10.10.100.11 -> {address}"
    assert net.plane.reach("opd-1", "AGG-3", "tcp", 22).reachable
