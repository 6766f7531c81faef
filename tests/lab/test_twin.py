"""The twin: a real lab host is cut when the simulated network cuts it, and comes back."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path

import netmiko
import pytest
import yaml
from lab_helpers import close_quickly, configure, wait_until

from hisops.lab.client import LabClient

pytestmark = pytest.mark.lab

SMALL = Path(__file__).parent / "topologies" / "small.yml"


def _prerequisites() -> str:
    try:
        from hisops.lab.hosts import HostFleet, HostLabError
    except ImportError as exc:
        return f"lab hosts not importable: {exc}"
    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        return str(exc)
    return ""


@pytest.fixture(scope="module")
def twin_lab(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LabClient, dict[str, str]]]:
    missing = _prerequisites()
    if missing:
        pytest.skip(missing)
    tmp = tmp_path_factory.mktemp("twin")
    data = yaml.safe_load(SMALL.read_text())
    data["endpoints"] = [e for e in data["endpoints"] if e.get("kind") != "server"]
    data["endpoints"].append(
        {"name": "ctl", "kind": "server", "vlan": 99, "ip": "10.10.99.250",
         "mac": "52:54:00:63:00:fa", "attach": "CORE-1:GigabitEthernet1/0/47"}
    )  # fmt: skip
    data["controller"] = "ctl"
    topology = tmp / "workstations.yml"
    topology.write_text(yaml.safe_dump(data))
    client = LabClient(tmp / "state")
    client.up(topology, relocate=random.randrange(150, 250), hosts=True)
    try:
        addresses = {row["name"]: row["address"] for row in client.hosts()}
        yield client, addresses
    finally:
        client.down()
        from hisops.lab.hosts import HostFleet

        assert not any(HostFleet(tmp / "state" / "hosts").processes().values())


def ssh_answers(address: str) -> bool:
    try:
        with socket.create_connection((address, 22), timeout=0.5) as sock:
            sock.settimeout(0.5)
            return sock.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def test_shut_port_cuts_the_real_host_and_undo_brings_it_back(
    twin_lab: tuple[LabClient, dict[str, str]],
) -> None:
    client, addresses = twin_lab
    host = addresses["opd-1"]
    wait_until(lambda: ssh_answers(host), 10, "opd-1's sshd does not answer")
    conn = netmiko.ConnectHandler(**client.connection("AGG-1"))
    try:
        configure(conn, ["interface GigabitEthernet0/0/1", "shutdown"])
        assert not client.reach("ctl", "opd-1")["reachable"]
        assert not ssh_answers(host), "the cut is in place when the command returns"
        assert ssh_answers(addresses["doc-1"]), "other hosts are untouched"
        configure(conn, ["interface GigabitEthernet0/0/1", "undo shutdown"])
        assert client.reach("ctl", "opd-1")["reachable"]
        assert ssh_answers(host)
    finally:
        close_quickly(conn)


def test_power_off_of_a_switch_and_host_fault(twin_lab: tuple[LabClient, dict[str, str]]) -> None:
    client, addresses = twin_lab
    client.fault("AGG-4", "power-off")
    try:
        assert not ssh_answers(addresses["lis-1"])
        rows = {row["name"]: row for row in client.hosts()}
        assert rows["lis-1"]["network"] == "cut"
        assert rows["lis-1"]["network_reason"] == "AGG-4 is powered-off"
    finally:
        client.fault("AGG-4", "power-on")
    assert ssh_answers(addresses["lis-1"])
    client.host_fault("doc-1", "unreachable")
    assert not ssh_answers(addresses["doc-1"])
    client.reset()  # the network is fine, the host fault stays
    assert not ssh_answers(addresses["doc-1"])
    client.host_clear("doc-1")
    assert ssh_answers(addresses["doc-1"])
