"""The running lab through netmiko's own drivers: login, reachability, every fault kind."""

from __future__ import annotations

import json
import time
from typing import Any

import netmiko
import pytest
import yaml
from lab_helpers import CONFIG_COMMAND, close_quickly, configure, wait_until
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
    ReadTimeout,
)

pytestmark = pytest.mark.lab


class connect:  # noqa: N801 - used like netmiko.ConnectHandler
    """``with connect(lab, "CORE-1") as conn``: a netmiko session closed without the idle wait."""

    def __init__(self, lab: Any, device: str, **extra: Any) -> None:
        self.conn = netmiko.ConnectHandler(**lab.params(device, **extra))

    def __enter__(self) -> netmiko.BaseConnection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        close_quickly(self.conn)

    def disconnect(self) -> None:
        close_quickly(self.conn)


def first(lab: Any, platform: str, role: str | None = None) -> str:
    names = lab.by_platform(platform, role)
    if not names:
        pytest.skip(f"no {platform} device in this lab")
    return names[0]


# -- status, inventory, login -------------------------------------------------------------


def test_status_json_lists_every_device(lab: Any) -> None:
    proc = lab.hisops("status", "--json")
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert status["inventory"] == str(lab.inventory)
    names = {entry["name"] for entry in status["devices"]}
    assert names == set(lab.devices)
    for entry in status["devices"]:
        for key in ("name", "platform", "model", "host", "port", "username", "password", "role"):
            assert entry[key] not in (None, ""), (entry["name"], key)
        assert entry["platform"] in ("huawei", "hp_comware", "cisco_ios", "ruijie_os")
    table = lab.hisops("status")
    assert table.returncode == 0 and "CORE-1" in table.stdout


def test_inventory_is_valid_and_lists_every_device(lab: Any) -> None:
    inventory = yaml.safe_load(lab.inventory.read_text())
    roles = inventory["all"]["children"]["switches"]["children"]
    hosts = {name: hv for group in roles.values() for name, hv in group["hosts"].items()}
    assert set(hosts) == set(lab.devices)
    for name, hv in hosts.items():
        entry = lab.devices[name]
        assert hv["ansible_host"] == entry["host"] and hv["ansible_port"] == entry["port"]
        assert hv["hisops_platform"] == hv["ansible_network_os"] == entry["platform"]
        assert hv["hisops_role"] == entry["role"] and hv["hisops_model"] == entry["model"]
    proc = lab_inventory_list(lab)
    listed = json.loads(proc)
    assert set(listed["_meta"]["hostvars"]) == set(lab.devices)
    for platform in {entry["platform"] for entry in lab.devices.values()}:
        assert set(listed[platform]["hosts"]) == set(lab.by_platform(platform))


def lab_inventory_list(lab: Any) -> str:
    import subprocess
    import sys
    from pathlib import Path

    binary = Path(sys.executable).parent / "ansible-inventory"
    if not binary.exists():
        pytest.skip("ansible-inventory is not installed")
    proc = subprocess.run(
        [str(binary), "-i", str(lab.inventory), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("platform", ["huawei", "hp_comware", "cisco_ios", "ruijie_os"])
def test_login_and_full_configuration(lab: Any, platform: str) -> None:
    device = first(lab, platform, "aggregation")
    with connect(lab, device) as conn:
        assert device in conn.find_prompt()
        config = conn.send_command(CONFIG_COMMAND[platform])
    assert device in config
    assert "interface" in config


# -- reachability follows configuration changes made with netmiko -------------------------


def reach(lab: Any, src: str, dst: str) -> dict[str, Any]:
    proc = lab.hisops("reach", src, dst, "--json")
    result = json.loads(proc.stdout)
    assert proc.returncode == (0 if result["reachable"] else 1)
    return result


def test_reach_after_shut_and_undo_shut_of_an_access_port(fresh_lab: Any) -> None:
    lab = fresh_lab
    assert reach(lab, "opd-reg-01", "his-db-1")["reachable"]
    with connect(lab, "ACC-1") as conn:
        configure(conn, ["interface GigabitEthernet0/0/1", "shutdown"])
        cut = reach(lab, "opd-reg-01", "his-db-1")
        assert not cut["reachable"]
        assert cut["device"] == "ACC-1"
        assert cut["reason"] == "ACC-1 GigabitEthernet0/0/1 is shut down"
        assert reach(lab, "opd-reg-02", "his-db-1")["reachable"], "only that port is cut"
        configure(conn, ["interface GigabitEthernet0/0/1", "undo shutdown"])
    assert reach(lab, "opd-reg-01", "his-db-1")["reachable"]


def test_core_tables_follow_the_access_port(fresh_lab: Any) -> None:
    lab = fresh_lab
    endpoint_ip, endpoint_mac = "10.10.10.101", "5254-000a-0001"  # opd-reg-01
    with connect(lab, "CORE-1") as core:
        assert endpoint_ip in core.send_command("display arp all")
        assert endpoint_mac in core.send_command("display mac-address")
        with connect(lab, "ACC-1") as access:
            configure(access, ["interface GigabitEthernet0/0/1", "shutdown"])
        assert endpoint_ip not in core.send_command("display arp all")
        assert endpoint_mac not in core.send_command("display mac-address")
    cisco = first(lab, "cisco_ios", "aggregation")
    with connect(lab, cisco) as conn:
        rows = conn.send_command("show mac address-table", use_textfsm=True)
    assert {"5254.003c.0001", "Gi1/0/1"} <= {
        value for row in rows for value in (row["destination_address"], *row["destination_port"])
    }, "pacs-server-1 learnt on its access port"


def test_reach_after_shut_of_an_uplink_two_hops_away(fresh_lab: Any) -> None:
    lab = fresh_lab
    device = "AGG-3"
    with connect(lab, device) as conn:
        configure(conn, ["interface Ten-GigabitEthernet1/0/26", "shutdown"])
    result = reach(lab, "doc-04", "his-db-1")
    assert not result["reachable"]
    assert result["reason"] == "AGG-3 Ten-GigabitEthernet1/0/26 is shut down"
    assert reach(lab, "doc-01", "his-db-1")["reachable"]
    with connect(lab, device) as conn:
        configure(conn, ["interface Ten-GigabitEthernet1/0/26", "undo shutdown"])
    assert reach(lab, "doc-04", "his-db-1")["reachable"]


def test_reach_after_a_vlan_is_removed_from_a_trunk(fresh_lab: Any) -> None:
    lab = fresh_lab
    with connect(lab, "CORE-1") as conn:
        configure(conn, ["interface XGigabitEthernet2/0/0", "undo port trunk allow-pass vlan 10"])
    result = reach(lab, "opd-bill-01", "his-db-1")
    assert not result["reachable"]
    assert result["reason"] == "VLAN 10 not allowed on CORE-1 XGigabitEthernet2/0/0"
    assert reach(lab, "pharm-01", "his-db-1")["reachable"], "pharmacy shares that trunk"
    assert reach(lab, "opd-reg-01", "opd-bill-01")["reachable"], "outpatient still works locally"
    cisco = first(lab, "cisco_ios", "aggregation")
    with connect(lab, cisco) as conn:
        configure(
            conn, ["interface TenGigabitEthernet1/1/1", "switchport trunk allowed vlan remove 60"]
        )
    result = reach(lab, "pacs-ws-01", "his-db-1")
    assert result["reason"] == f"VLAN 60 not allowed on {cisco} TenGigabitEthernet1/1/1"


# -- faults --------------------------------------------------------------------------------


def test_unreachable_refuses_connections_until_cleared(fresh_lab: Any) -> None:
    lab = fresh_lab
    with connect(lab, "AGG-1") as conn:
        lab.fault("AGG-1", "unreachable")
        with pytest.raises((OSError, EOFError, ReadException, ReadTimeout)):
            conn.send_command("display version", read_timeout=1.5)
    with pytest.raises(NetmikoTimeoutException):
        connect(lab, "AGG-1")
    lab.clear("AGG-1")
    with connect(lab, "AGG-1") as conn:
        assert "AGG-1" in conn.find_prompt()


def test_unreachable_blackhole_times_out(fresh_lab: Any) -> None:
    lab = fresh_lab
    lab.fault("AGG-2", "unreachable", mode="blackhole")
    started = time.monotonic()
    with pytest.raises(NetmikoTimeoutException):
        connect(lab, "AGG-2", conn_timeout=1, banner_timeout=1, auth_timeout=1)
    assert time.monotonic() - started >= 0.9


def test_refuse_login(fresh_lab: Any) -> None:
    lab = fresh_lab
    lab.fault("AGG-1", "refuse-login")
    with pytest.raises(NetmikoAuthenticationException):
        connect(lab, "AGG-1")
    lab.clear("AGG-1")
    connect(lab, "AGG-1").disconnect()


def _command_seconds(lab: Any, device: str, platform: str) -> float:
    with connect(lab, device) as conn:
        started = time.perf_counter()
        conn.send_command(CONFIG_COMMAND[platform])
        return time.perf_counter() - started


def test_slow_device_answers_later_than_a_normal_one(fresh_lab: Any) -> None:
    lab = fresh_lab
    normal = _command_seconds(lab, "AGG-2", "huawei")
    lab.fault("AGG-1", "slow", ms=150)
    slow = _command_seconds(lab, "AGG-1", "huawei")
    assert slow > normal + 0.12, (slow, normal)


def test_drop_cuts_the_next_command_and_closes(fresh_lab: Any) -> None:
    lab = fresh_lab
    with connect(lab, "CORE-1") as conn:
        lab.fault("CORE-1", "drop")
        with pytest.raises((OSError, EOFError, ReadException, ReadTimeout)):
            conn.send_command("display current-configuration", read_timeout=1.5)
    with connect(lab, "CORE-1") as conn:  # the fault fired once
        assert "sysname CORE-1" in conn.send_command("display current-configuration")


@pytest.mark.parametrize(
    "device,line,error",
    [
        ("AGG-1", "description refused-here", "Error: Unrecognized command found at '^' position."),
        ("AGG-4", "description refused-here", "% Invalid input detected at '^' marker."),
    ],
)
def test_refuse_answers_a_matching_line_with_the_device_error_and_does_not_run_it(
    fresh_lab: Any, device: str, line: str, error: str
) -> None:
    lab = fresh_lab
    lab.fault(device, "refuse", match="^ *description refused", count=1)
    enter = "system-view" if device == "AGG-1" else "configure terminal"
    port = "GigabitEthernet0/0/10" if device == "AGG-1" else "GigabitEthernet1/0/10"
    with connect(lab, device) as conn:
        conn.send_command_timing(enter)
        conn.send_command_timing(f"interface {port}")
        first = conn.send_command_timing(line)
        second = conn.send_command_timing(line)  # count=1: the next one runs
    assert error in first and error not in second, (first, second)
    assert lab.client.config(device).count(" description refused-here") == 1


def _try_connect(lab: Any, device: str) -> netmiko.BaseConnection | None:
    try:
        return connect(lab, device, conn_timeout=1).conn
    except (NetmikoTimeoutException, NetmikoAuthenticationException):
        return None


def _connect_when_back(lab: Any, device: str, timeout: float = 15) -> netmiko.BaseConnection:
    box: list[netmiko.BaseConnection] = []

    def back() -> bool:
        conn = _try_connect(lab, device)
        if conn is not None:
            box.append(conn)
        return conn is not None

    wait_until(back, timeout, f"{device} did not come back")
    return box[0]


class _closing:  # noqa: N801
    def __init__(self, conn: netmiko.BaseConnection) -> None:
        self.conn = conn

    def __enter__(self) -> netmiko.BaseConnection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        close_quickly(self.conn)


def _set_description(conn: netmiko.BaseConnection, text: str) -> None:
    configure(conn, ["interface GigabitEthernet0/0/10", f"description {text}"])


def test_reboot_drops_sessions_and_boots_on_the_saved_config(fresh_lab: Any) -> None:
    lab = fresh_lab
    with connect(lab, "AGG-2") as conn:
        _set_description(conn, "unsaved-change")
        lab.fault("AGG-2", "reboot", seconds=1)
        with pytest.raises((OSError, EOFError, ReadException, ReadTimeout)):
            conn.send_command("display version", read_timeout=1.5)
    states = {d["name"]: d["state"] for d in lab.client.status()["devices"]}
    assert states["AGG-2"] in ("rebooting", "up")
    with _closing(_connect_when_back(lab, "AGG-2")) as conn:
        assert "unsaved-change" not in conn.send_command("display current-configuration")


def test_reload_typed_on_the_device_goes_through_the_lab(fresh_lab: Any) -> None:
    lab = fresh_lab
    cisco = first(lab, "cisco_ios", "aggregation")
    with connect(lab, cisco) as conn:
        configure(conn, ["interface GigabitEthernet1/0/10", "description unsaved-change"])
        asked = conn.send_command("reload", expect_string=r"yes/no|confirm")
        if "yes/no" in asked:  # "System configuration has been modified. Save?"
            conn.send_command("no", expect_string=r"confirm")
        conn.write_channel("\n")
        wait_until(
            lambda: _state(lab, cisco) != "up" or not conn.is_alive(), 5, "reload did not start"
        )
    with _closing(_connect_when_back(lab, cisco)) as conn:
        assert "unsaved-change" not in conn.send_command("show running-config")


def _state(lab: Any, device: str) -> str:
    return next(d["state"] for d in lab.client.devices() if d["name"] == device)


def test_power_off_until_power_on_keeps_only_the_saved_config(fresh_lab: Any) -> None:
    lab = fresh_lab
    with connect(lab, "AGG-2") as conn:
        _set_description(conn, "saved-change")
        conn.save_config()
        _set_description(conn, "running-only")
    lab.fault("AGG-2", "power-off")
    assert not reach(lab, "nurse-01", "his-db-1")["reachable"]
    assert _try_connect(lab, "AGG-2") is None, "a powered-off switch answered"
    lab.fault("AGG-2", "power-on")
    with _closing(_connect_when_back(lab, "AGG-2")) as conn:
        config = conn.send_command("display current-configuration")
    assert "saved-change" in config
    assert "running-only" not in config
    assert reach(lab, "nurse-01", "his-db-1")["reachable"]


def test_cut_and_restore_a_link(fresh_lab: Any) -> None:
    lab = fresh_lab
    a, b = "AGG-1:XGigabitEthernet0/0/2", "ACC-1:XGigabitEthernet0/0/1"
    assert lab.hisops("link", "cut", a, b).returncode == 0
    result = reach(lab, "opd-reg-01", "his-db-1")
    assert not result["reachable"] and result["reason"].endswith("is cut")
    status = json.loads(lab.hisops("status", "--json").stdout)
    assert {"a": a, "b": b, "state": "cut"} in status["links"]
    assert lab.hisops("link", "restore", a, b).returncode == 0
    assert reach(lab, "opd-reg-01", "his-db-1")["reachable"]


def test_fault_requests_that_cannot_work_say_why(lab: Any) -> None:
    proc = lab.hisops("fault", "NOPE-9", "slow")
    assert proc.returncode == 1 and "no device 'NOPE-9'" in proc.stderr
    proc = lab.hisops("fault", "AGG-1", "slow", "ms=fast")
    assert proc.returncode == 1 and "ms must be a number" in proc.stderr
    proc = lab.hisops("fault", "AGG-1", "slow", "seconds=3")
    assert proc.returncode == 1 and "takes ['ms']" in proc.stderr
    proc = lab.hisops("fault", "AGG-1", "refuse")
    assert proc.returncode == 1 and "refuse needs match=REGEX" in proc.stderr
    proc = lab.hisops("reach", "nobody", "his-db-1")
    assert proc.returncode == 1 and "named or addressed 'nobody'" in proc.stderr


# -- host keys (issue 17) -----------------------------------------------------------------


def test_each_device_keeps_its_own_host_key_across_a_restart(tmp_path: Any) -> None:
    """Every switch its own key (a spare's is not its unit's), served again after the daemon
    restarts from the same state directory; the lab's known_hosts lists them, and a reset
    writes it again; the ``hostkey`` fault answers with another key until cleared."""
    from pathlib import Path

    from ansible_collections.hisops.emergency.plugins.module_utils.netdev import hostkeys
    from lab_fixtures import _blocks, start_lab, stop_lab

    small = Path(__file__).parent / "topologies" / "small.yml"
    client = start_lab(tmp_path / "lab", str(small))
    try:
        devices = {d["name"]: d for d in client.devices()}

        def offered() -> dict[str, hostkeys.HostKey]:
            return {n: hostkeys.offered_key(d["host"], d["port"]) for n, d in devices.items()}

        before = offered()
        assert len(set(before.values())) == len(before)
        known = hostkeys.KnownHosts.load(str(client.state.known_hosts))
        for name, device in devices.items():
            assert known.keys_of(device["host"], device["port"]) == [before[name]]
            assert known.name_of(device["host"], device["port"]) == name
        client.down(keep_state=True)
        client.up(str(small), relocate=_blocks[client.state.root], boot_seconds=1.0)
        assert offered() == before

        client.state.known_hosts.write_text("# emptied by hand\n")
        client.fault("AGG-3", "hostkey")
        changed = hostkeys.offered_key(devices["AGG-3"]["host"], devices["AGG-3"]["port"])
        assert changed != before["AGG-3"]
        client.reset("AGG-3")  # back to the topology's device: its own key, the file rewritten
        assert offered() == before
        known = hostkeys.KnownHosts.load(str(client.state.known_hosts))
        assert all(known.keys_of(d["host"], d["port"]) for d in devices.values())
    finally:
        stop_lab(client)
