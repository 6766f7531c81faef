"""``down`` leaves no process, mount, namespace, loop device, cgroup, nftables table or
qdisc behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from host_helpers import prerequisites_missing
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet, HostSpec, rootfs

pytestmark = pytest.mark.lab


def mount_namespaces_of(pids: list[int]) -> set[str]:
    return {os.readlink(f"/proc/{pid}/ns/mnt") for pid in pids}


def all_mount_namespaces() -> set[str]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.add(os.readlink(f"/proc/{entry}/ns/mnt"))
            except OSError:
                continue
    return found


def test_down_leaves_nothing_behind(tmp_path: Path) -> None:
    missing = prerequisites_missing()
    if missing:
        pytest.skip(missing)
    octet = free_octet(200, 250)
    specs = [
        HostSpec("db-x", "db_server", f"127.{octet}.0.1", "servers"),
        HostSpec("ws-x", "workstation", f"127.{octet}.1.1", "nursing"),
        HostSpec("ws-y", "workstation", f"127.{octet}.1.2", "nursing"),
    ]
    fleet = HostFleet(tmp_path / "state", specs)
    images: list[Path] = []
    try:
        fleet.up(his_patients=10)
        fleet.set_reachable("ws-y", False)
        fleet.fault("ws-x", "slow", rate_kbit=64)
        fleet.fault("ws-x", "disk_full", path="/opt/his-client")
        images = sorted((tmp_path / "state" / "hosts").glob("*/disk.img"))
        assert len(images) == 3 and len(rootfs.attached_loops(images)) == 3
        pids = [p for group in fleet.processes().values() for p in group]
        assert len(pids) >= 3 * 3
        namespaces = mount_namespaces_of([fleet.init_pid(n) or 0 for n in fleet.specs])
        cgroup_root = fleet.cgroup_root
        table = fleet.net.table
        pids_root = fleet.pids_root
    finally:
        # a second object, as another process would build it from the state dir
        HostFleet(tmp_path / "state").down()
        release_octet(octet)
    alive = [
        (p, Path(f"/proc/{p}/status").read_text().splitlines()[:3])
        for p in pids
        if Path(f"/proc/{p}").exists()
    ]
    assert not alive
    assert not namespaces & all_mount_namespaces(), "a host's mount namespace survived"
    assert not cgroup_root.exists()
    assert pids_root is None or not pids_root.exists()
    nft = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True)
    assert table not in nft.stdout
    tc = subprocess.run(["tc", "qdisc", "show", "dev", "lo"], capture_output=True, text=True)
    assert "htb" not in tc.stdout
    state = str(tmp_path / "state")
    assert state not in Path("/proc/self/mountinfo").read_text()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            assert state not in cmdline, f"process {entry} still runs: {cmdline}"
    assert rootfs.attached_loops(images) == {}, "a host's disk is still attached"
    HostFleet(tmp_path / "state").down()  # idempotent
    # the full disk is still full (its filler is on it), recorded until cleared
    assert "disk_full" in HostFleet(tmp_path / "state").faults["ws-x"]
