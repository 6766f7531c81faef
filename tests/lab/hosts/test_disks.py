"""Each host's own disk: its size, a state dir of an older lab taken over, ``free_bytes``."""

from __future__ import annotations

from pathlib import Path

import pytest
from host_helpers import prerequisites_missing, ssh
from lab_helpers import free_octet, release_octet

from hisops.lab.hosts import HostFleet, HostSpec, rootfs

pytestmark = pytest.mark.lab


def test_a_host_of_an_older_lab_moves_onto_a_disk_of_its_size_and_free_bytes_are_left(
    tmp_path: Path,
) -> None:
    """An older lab kept a host's writes in ``fs/upper`` and its private dirs in
    ``fs/private`` on the machine's disk: booted now, the host still has them, on a disk
    of the size its spec asks for; ``disk_full`` with ``free_bytes`` leaves that much."""
    missing = prerequisites_missing()
    if missing:
        pytest.skip(missing)
    state = tmp_path / "state"
    old = state / "hosts" / "ws-old" / "fs"
    (old / "upper" / "etc").mkdir(parents=True)
    (old / "upper" / "etc" / "site.conf").write_text("kept\n")
    (old / "private" / "opt" / "his-client").mkdir(parents=True)
    (old / "private" / "opt" / "his-client" / "VERSION").write_text("1.0\n")
    octet = free_octet(200, 250)
    spec = HostSpec("ws-old", "workstation", f"127.{octet}.1.1", "nursing", disk_mb=256)
    fleet = HostFleet(state, [spec])
    try:
        fleet.up()
        out = ssh(fleet, "ws-old", "cat /etc/site.conf /opt/his-client/VERSION")
        assert out.stdout.split() == ["kept", "1.0"], out.stderr
        size = fleet.run("ws-old", ["df", "--output=size", "-B1M", "/opt/his-client"])
        assert 200 < int(size.stdout.split()[-1]) <= 256, size.stdout
        assert rootfs.disk_image(fleet.host_dir("ws-old")).stat().st_blocks * 512 < 32 << 20, (
            "sparse: the machine holds only what was written"
        )

        record = fleet.fault("ws-old", "disk_full", free_bytes=1 << 20)
        assert record["path"] is None and (1 << 20) - 4096 <= record["left_bytes"] <= 1 << 20
        write = "head -c {} /dev/zero > /opt/his-client/{} && echo ok"
        assert ssh(fleet, "ws-old", write.format(512 << 10, "a")).stdout.strip() == "ok"
        full = ssh(fleet, "ws-old", write.format(1 << 20, "b"))
        assert "No space left on device" in full.stderr
        fleet.clear_fault("ws-old", "disk_full")
        assert ssh(fleet, "ws-old", write.format(1 << 20, "b")).stdout.strip() == "ok"
    finally:
        fleet.down()
        release_octet(octet)
