"""``hisops lab up/status/down`` as an operator runs them; nothing is left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from lab_helpers import free_octet, release_octet

pytestmark = pytest.mark.lab

SMALL = Path(__file__).parent / "topologies" / "small.yml"


def hisops(state_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hisops.cli", "lab", *args, "--state-dir", str(state_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def octet() -> Iterator[int]:
    """A 127.N block no lab listens on and no other test process holds (see free_octet)."""
    block = free_octet(150, 250)
    yield block
    release_octet(block)


def test_up_status_down_leaves_nothing_behind(tmp_path: Path, octet: int) -> None:
    state = tmp_path / "state"
    up = hisops(state, "up", "--no-hosts", "--topology", str(SMALL), "--relocate", str(octet))
    assert up.returncode == 0, up.stderr
    inventory = Path(up.stdout.strip())
    assert inventory.is_file() and inventory.parent == state
    try:
        again = hisops(
            state, "up", "--no-hosts", "--topology", str(SMALL), "--relocate", str(octet)
        )
        assert again.returncode == 1
        assert "already running" in again.stderr
        status = hisops(state, "status", "--json")
        assert status.returncode == 0
        devices = json.loads(status.stdout)["devices"]
        assert {d["name"] for d in devices} == {"CORE-1", "AGG-1", "AGG-3", "AGG-4", "SPARE-S5735"}
        assert all(d["host"].startswith(f"127.{octet}.") for d in devices)
        listed = yaml.safe_load(inventory.read_text())["all"]["children"]
        assert set(listed["switches"]["children"]) == {"core", "aggregation", "spare"}
        assert set(listed) >= {"huawei", "hp_comware", "cisco_ios"}
        assert processes_mentioning(str(state)), "the daemon runs"
    finally:
        down = hisops(state, "down")
    assert down.returncode == 0, down.stderr
    assert processes_mentioning(str(state)) == []
    assert not state.exists(), list(state.iterdir())
    assert hisops(state, "status").returncode == 1
    assert "no lab is running" in hisops(state, "status").stderr
    assert "no lab was running" in hisops(state, "down").stdout


def test_a_second_lab_on_the_same_addresses_is_refused(tmp_path: Path, octet: int) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    up = hisops(first, "up", "--no-hosts", "--topology", str(SMALL), "--relocate", str(octet))
    assert up.returncode == 0, up.stderr
    try:
        clash = hisops(
            second, "up", "--no-hosts", "--topology", str(SMALL), "--relocate", str(octet)
        )
        assert clash.returncode == 1
        assert f"127.{octet}.0.1:22" in clash.stderr
        assert "is another lab running?" in clash.stderr
        assert processes_mentioning(str(second)) == []
    finally:
        hisops(first, "down")
    assert processes_mentioning(str(first)) == []


def test_a_malformed_topology_is_refused_before_anything_starts(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    data = yaml.safe_load(SMALL.read_text())
    data["devices"][2]["platform"] = "ruijie"
    broken.write_text(yaml.safe_dump(data))
    state = tmp_path / "state"
    up = hisops(state, "up", "--no-hosts", "--topology", str(broken))
    assert up.returncode == 1
    assert f"{broken}: devices[2] (AGG-3): field 'platform': unknown platform 'ruijie'" in up.stderr
    assert processes_mentioning(str(state)) == []


def test_a_startup_config_the_engine_refuses_is_named(tmp_path: Path) -> None:
    data = yaml.safe_load(SMALL.read_text())
    data["devices"][1]["startup_config"] = "#\nsysname AGG-1\n#\nfrobnicate everything\n#\nreturn\n"
    topology = tmp_path / "badconfig.yml"
    topology.write_text(yaml.safe_dump(data))
    state = tmp_path / "state"
    up = hisops(state, "up", "--no-hosts", "--topology", str(topology), "--relocate", "148")
    assert up.returncode == 1
    assert "device AGG-1 (huawei S5735-S48T4X): the engine refused it" in up.stderr
    assert "'frobnicate everything'" in up.stderr
    assert processes_mentioning(str(state)) == []
