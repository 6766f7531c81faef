"""The lab's clock: devices tell the time by it, `lab clock --advance` moves it on."""

from __future__ import annotations

from datetime import UTC, datetime

import netmiko
import pytest

from hisops.lab.client import LabError

pytestmark = pytest.mark.lab


def device_time(lab, device: str) -> datetime:
    with netmiko.ConnectHandler(**lab.params(device)) as conn:
        first = conn.send_command("display clock").splitlines()[0]
    return datetime.strptime(first.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_advance_moves_device_clocks_and_reset_sets_them_back(fresh_lab) -> None:
    lab = fresh_lab
    device = lab.by_platform("huawei", "core")[0]
    before = device_time(lab, device)
    assert abs((before - datetime.now(UTC)).total_seconds()) < 30

    moved = lab.client.clock(advance=3 * 3600)
    assert moved["offset_seconds"] == 3 * 3600
    shown = device_time(lab, device)
    assert 3 * 3600 - 30 < (shown - before).total_seconds() < 3 * 3600 + 30
    cli = lab.hisops("clock")
    assert cli.returncode == 0 and "(host clock + 10800 s)" in cli.stdout

    with pytest.raises(LabError, match="only moves forward"):
        lab.client.clock(advance=-60)
    lab.reset()
    assert lab.client.clock()["offset_seconds"] == 0
    assert abs((device_time(lab, device) - datetime.now(UTC)).total_seconds()) < 30
