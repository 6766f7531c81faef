"""A lab switch answers SSH on the management address it is configured with.

The loopback address standing for a management IP is the topology address of the device
whose topology ``mgmt_ip`` it is. A switch given another IP on its management VLANIF
loses its sessions with that line and answers at the new address, when no other device
answers there (else, or for an IP no device owns, nowhere); reset puts it back.
"""

from __future__ import annotations

import socket
from typing import Any

import netmiko
import pytest
from lab_helpers import close_quickly, wait_until

pytestmark = pytest.mark.lab

FAILED, SPARE = "AGG-1", "SPARE-S5735"  # same model (S5735-S48T4X), huawei


def devices(lab: Any) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in lab.client.status()["devices"]}


def listens(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1.0):
            return True
    except OSError:
        return False


def ip_of(entry: dict[str, Any]) -> str:
    return str(entry["mgmt_ip"]).split("/")[0]


ENTER = {  # configuration mode, the management VLANIF, the prompt there ends with
    "huawei": ("system-view", "interface Vlanif99", r"\]"),
    "hp_comware": ("system-view", "interface Vlan-interface99", r"\]"),
    "cisco_ios": ("configure terminal", "interface Vlan99", r"\)#"),
}


def set_mgmt_ip(lab: Any, device: str, line: str) -> None:
    """Type ``line`` under the management VLANIF of a switch: the session dies with it,
    before any prompt comes back (as on the real switch: its address is gone)."""
    conn = netmiko.ConnectHandler(**lab.params(device))
    config, interface, prompt = ENTER[conn.device_type]
    try:
        conn.send_command(config, expect_string=prompt)
        conn.send_command(interface, expect_string=prompt)
        conn.write_channel(line + "\n")
        channel = conn.remote_conn
        wait_until(
            lambda: channel.closed or channel.exit_status_ready(),
            3,
            f"the session survived {line!r}",
        )
        echoed = b""
        while channel.recv_ready():
            echoed += channel.recv(4096)
        assert b"]" not in echoed and b"#" not in echoed, echoed  # no prompt after the line
    finally:
        close_quickly(conn)


def prompt_at(lab: Any, device: str, address: str) -> str:
    """The prompt of whatever answers at ``address`` with ``device``'s credentials."""
    conn = netmiko.ConnectHandler(**lab.params(device, host=address))
    try:
        return str(conn.find_prompt())
    finally:
        close_quickly(conn)


def test_a_spare_given_the_failed_units_ip_answers_at_its_address(fresh_lab: Any) -> None:
    lab = fresh_lab
    before = devices(lab)
    failed, spare = before[FAILED], before[SPARE]
    port = int(spare["port"])
    assert spare["answers_on"] == spare["host"] and failed["answers_on"] == failed["host"]
    assert spare["mgmt_ip_now"] == spare["mgmt_ip"]
    lab.fault(FAILED, "power-off")
    now = devices(lab)[FAILED]
    assert now["answers_on"] is None and now["answers_on_reason"] == "powered-off"
    assert not listens(failed["host"], port)

    with netmiko.ConnectHandler(**lab.params(SPARE)) as other:  # a second session drops too
        set_mgmt_ip(lab, SPARE, f"ip address {ip_of(failed)} 255.255.255.0")
        wait_until(lambda: not other.is_alive(), 3, "the spare's other session survived")
        close_quickly(other)

    assert f"ip address {ip_of(failed)} 255.255.255.0" in lab.client.config(SPARE)  # applied
    now = devices(lab)[SPARE]
    assert now["answers_on"] == failed["host"], now
    assert now["mgmt_ip_now"] == f"{ip_of(failed)}/24" and now["answers_on_reason"] == ""
    assert not listens(spare["host"], port), "the spare's own address still answers"
    assert prompt_at(lab, SPARE, failed["host"]) == f"<{SPARE}>"
    # the data plane: the failed unit's management IP is the spare now, by IP and by name
    # (not re-cabled yet, so its management VLAN is down: the answer names the spare)
    for target in (ip_of(failed), SPARE):
        answer = lab.reach("ansible-ctl", target)
        assert answer["reason"] == f"Vlanif99 on {SPARE} is down (no up port carries VLAN 99)"
    table = lab.hisops("status")
    assert table.returncode == 0 and failed["host"] in table.stdout.split(SPARE, 1)[1]

    lab.reset(SPARE)  # a device reset: back on its own address
    now = devices(lab)
    assert now[SPARE]["answers_on"] == spare["host"]
    assert prompt_at(lab, SPARE, spare["host"]) == f"<{SPARE}>"
    assert not listens(failed["host"], port)
    assert now[FAILED]["answers_on"] is None  # still powered off

    lab.reset()  # the whole lab: every device on its topology address
    now = devices(lab)
    assert [n for n, e in now.items() if e["answers_on"] != e["host"]] == []
    assert prompt_at(lab, FAILED, failed["host"]) == f"<{FAILED}>"


def test_a_duplicate_or_unknown_ip_answers_nowhere_and_says_why(fresh_lab: Any) -> None:
    lab = fresh_lab
    before = devices(lab)
    failed, spare = before[FAILED], before[SPARE]
    port = int(spare["port"])

    # AGG-1 is up and answers on its address: the spare with its IP is a duplicate
    set_mgmt_ip(lab, SPARE, f"ip address {ip_of(failed)} 255.255.255.0")
    now = devices(lab)
    assert now[SPARE]["answers_on"] is None, now[SPARE]
    assert now[SPARE]["answers_on_reason"] == (
        f"duplicate address: {ip_of(failed)} is also on {FAILED}, which answers on {failed['host']}"
    )
    assert now[FAILED]["answers_on"] == failed["host"]
    assert prompt_at(lab, FAILED, failed["host"]) == f"<{FAILED}>"
    assert not listens(spare["host"], port)
    assert "SPARE-S5735: answers on no address: duplicate address" in lab_log(lab)

    # AGG-1 powered off frees the address: the spare takes it; AGG-1 back on is the duplicate
    lab.fault(FAILED, "power-off")
    assert devices(lab)[SPARE]["answers_on"] == failed["host"]
    assert prompt_at(lab, SPARE, failed["host"]) == f"<{SPARE}>"
    lab.fault(FAILED, "power-on")
    now = devices(lab)
    assert now[FAILED]["answers_on"] is None
    assert now[FAILED]["answers_on_reason"].startswith(
        f"duplicate address: {ip_of(failed)} is also on {SPARE}"
    )
    assert prompt_at(lab, SPARE, failed["host"]) == f"<{SPARE}>"
    lab.reset(FAILED)  # a reset device takes its topology address back
    now = devices(lab)
    assert now[FAILED]["answers_on"] == failed["host"] and now[SPARE]["answers_on"] is None
    assert prompt_at(lab, FAILED, failed["host"]) == f"<{FAILED}>"

    # an IP no device of the topology owns, then none at all: nowhere
    lab.reset(SPARE)
    set_mgmt_ip(lab, SPARE, "ip address 10.10.99.201 255.255.255.0")
    now = devices(lab)[SPARE]
    assert now["answers_on"] is None
    assert (
        now["answers_on_reason"] == "10.10.99.201 is no device's management address in the topology"
    )
    assert not listens(spare["host"], port)
    lab.reset(SPARE)
    set_mgmt_ip(lab, SPARE, "undo ip address")
    now = devices(lab)[SPARE]
    assert (now["answers_on"], now["answers_on_reason"]) == (None, "no IP address on Vlanif99")
    assert not listens(spare["host"], port)


def test_a_reboot_onto_the_saved_config_moves_the_address_back(fresh_lab: Any) -> None:
    lab = fresh_lab
    before = devices(lab)
    failed, spare = before[FAILED], before[SPARE]
    lab.fault(FAILED, "power-off")
    set_mgmt_ip(lab, SPARE, f"ip address {ip_of(failed)} 255.255.255.0")
    assert devices(lab)[SPARE]["answers_on"] == failed["host"]
    lab.fault(SPARE, "reboot", seconds=0.3)  # the saved config has the spare's own IP
    wait_until(lambda: devices(lab)[SPARE]["state"] == "up", 5, "the spare did not boot")
    assert devices(lab)[SPARE]["answers_on"] == spare["host"]
    assert prompt_at(lab, SPARE, spare["host"]) == f"<{SPARE}>"


def lab_log(lab: Any) -> str:
    return (lab.state_dir / "lab.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("failed,spare", [("AGG-3", "SPARE-S5560X"), ("AGG-4", "SPARE-C9300")])
def test_comware_and_cisco_spares_follow_their_management_ip(
    fresh_lab: Any, failed: str, spare: str
) -> None:
    lab = fresh_lab
    before = devices(lab)
    lab.fault(failed, "power-off")
    set_mgmt_ip(lab, spare, f"ip address {ip_of(before[failed])} 255.255.255.0")
    assert devices(lab)[spare]["answers_on"] == before[failed]["host"]
    prompt = prompt_at(lab, spare, before[failed]["host"])
    assert prompt in (f"<{spare}>", f"{spare}#"), prompt
    assert not listens(before[spare]["host"], int(before[spare]["port"]))
