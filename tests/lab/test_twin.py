"""The twin: a real lab host is cut when the simulated network cuts it, and comes back;
behind an ACL that lets only its SSH replies pass it answers on SSH only."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import netmiko
import pytest
import yaml
from lab_helpers import close_quickly, configure, free_octet, release_octet, wait_until

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
    data["endpoints"] += [
        {"name": "ctl", "kind": "server", "vlan": 99, "ip": "10.10.99.250",
         "mac": "52:54:00:63:00:fa", "attach": "CORE-1:GigabitEthernet1/0/47"},
        # the DB pair as in the hospital: real sshd + PostgreSQL 15 hosts
        {"name": "his-db-1", "kind": "server", "vlan": 100, "ip": "10.10.100.11",
         "mac": "52:54:00:64:00:02", "attach": "CORE-1:GigabitEthernet1/0/1"},
        {"name": "his-db-2", "kind": "server", "vlan": 100, "ip": "10.10.100.12",
         "mac": "52:54:00:64:00:03", "attach": "CORE-1:GigabitEthernet1/0/2"},
    ]  # fmt: skip
    data["controller"] = "ctl"
    topology = tmp / "workstations.yml"
    topology.write_text(yaml.safe_dump(data))
    client = LabClient(tmp / "state")
    octet = free_octet(150, 250)
    client.up(topology, relocate=octet, hosts=True)
    try:
        addresses = {row["name"]: row["address"] for row in client.hosts()}
        yield client, addresses
    finally:
        client.down()
        release_octet(octet)
        from hisops.lab.hosts import HostFleet

        assert not any(HostFleet(tmp / "state" / "hosts").processes().values())


def tcp_answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


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


# The database rejoin's filter on a fenced old primary's access port (issue 7): only
# its SSH replies to the controller pass.
SSH_ONLY_ACL = [
    "acl number 3998",
    "rule 5 permit tcp source 10.10.100.11 0 source-port eq 22 destination 10.10.99.250 0",
    "rule 10 deny ip",
    "quit",
]


def test_an_acl_passing_only_ssh_replies_leaves_the_db_host_answering_ssh_only(
    twin_lab: tuple[LabClient, dict[str, str]],
) -> None:
    from hisops.lab.hosts import HostFleet

    client, addresses = twin_lab
    db1, db2 = addresses["his-db-1"], addresses["his-db-2"]
    fleet = HostFleet(client.state.root / "hosts")

    def run_over_ssh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ssh", "-i", str(fleet.ssh_key), "-o", f"UserKnownHostsFile={fleet.known_hosts}",
             "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ControlMaster=no",
             "-o", "ConnectTimeout=3", f"root@{db1}", command],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    def row(name: str) -> dict[str, Any]:
        return next(r for r in client.hosts() if r["name"] == name)

    wait_until(lambda: tcp_answers(db1, 5432) and tcp_answers(db2, 5432), 10, "PostgreSQL")
    port = "interface GigabitEthernet1/0/1"
    conn = netmiko.ConnectHandler(**client.connection("CORE-1"))
    try:
        configure(conn, [*SSH_ONLY_ACL, port, "traffic-filter inbound acl 3998", "undo shutdown"])
        assert not client.reach("ctl", "his-db-1")["reachable"]
        assert client.reach("ctl", "his-db-1", "tcp", 22)["reachable"]
        assert run_over_ssh("hostname").stdout.strip() == "his-db-1", "SSH works"
        assert not tcp_answers(db1, 5432), "PostgreSQL is behind the filter"
        # what the old primary opens itself (a replication connection) does not get out
        probe = f"timeout 1 bash -c 'echo > /dev/tcp/{db2}/5432' && echo open || echo closed"
        assert run_over_ssh(probe).stdout.strip() == "closed"
        assert tcp_answers(db2, 5432) and ssh_answers(db2), "his-db-2 is untouched"
        one = row("his-db-1")
        assert (one["network"], one["access"], one["reachable"]) == ("ssh", "ssh", False)
        assert "ACL 3998" in one["network_reason"]
        assert row("his-db-2")["network"] == "ok"
        done = subprocess.run(
            [sys.executable, "-m", "hisops.cli", "lab", "host", "status",
             "--state-dir", str(client.state.root)],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert "network ssh (return traffic: ACL 3998" in done.stdout, done.stdout

        # the host fault 'unreachable' wins over the network's verdict
        client.host_fault("his-db-1", "unreachable")
        assert not ssh_answers(db1)
        client.host_clear("his-db-1", "unreachable")
        assert ssh_answers(db1) and not tcp_answers(db1, 5432)

        configure(conn, [port, "undo traffic-filter inbound acl 3998"])
        assert tcp_answers(db1, 5432), "without the filter PostgreSQL is back"
        assert row("his-db-1")["network"] == "ok"

        configure(conn, [port, "traffic-filter inbound acl 3998", "shutdown"])
        assert not ssh_answers(db1) and not tcp_answers(db1, 5432), "a shut port cuts both"
        assert row("his-db-1")["network"] == "cut"
        configure(conn, [port, "undo shutdown"])
        assert ssh_answers(db1) and not tcp_answers(db1, 5432)
    finally:
        close_quickly(conn)
        client.reset()  # the whole lab back to its startup config: nothing left behind
    assert ssh_answers(db1) and tcp_answers(db1, 5432)
    assert fleet.net.access() == {}
    assert HostFleet(client.state.root / "hosts").access("his-db-1") == "open"
