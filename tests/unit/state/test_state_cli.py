"""``hisops state`` shows the holds and the locks held by another process right now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore

HISOPS = [sys.executable, "-m", "hisops.cli"]
REPO_ROOT = Path(__file__).resolve().parents[3]


def hisops_state(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HISOPS, "state", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        timeout=60,
    )


def test_state_lists_open_holds_and_who_holds_a_lock(tmp_path):
    state = StateStore(str(tmp_path))
    state.open(
        "isolation",
        "host:10.10.40.101",
        id="iso-20261206T000000Z-abcdef",
        operator="alice",
        devices=["CORE-1"],
        endpoints=[{"name": "nurse-01", "ip": "10.10.40.101"}],
        details={"partial": "AGG-2 did not answer"},
    )
    state.open("vendor_window", "AGG-1", id="va-1", operator="bob", devices=["AGG-1"])
    state.close("va-1", "bob")
    with state.locks.hold(["switch:CORE-1"], "deploy", "carol"):
        shown = hisops_state("--state-dir", str(tmp_path))
        data = json.loads(hisops_state("--state-dir", str(tmp_path), "--json").stdout)
    assert shown.returncode == 0, shown.stderr
    assert "iso-20261206T000000Z-abcdef" in shown.stdout and "cut off: nurse-01" in shown.stdout
    assert "partial: AGG-2 did not answer" in shown.stdout
    assert "va-1" not in shown.stdout  # closed
    assert "switch:CORE-1: carol (deploy)" in shown.stdout
    assert [h["id"] for h in data["holds"]] == ["iso-20261206T000000Z-abcdef"]
    assert data["locks"]["switch:CORE-1"]["operator"] == "carol"
    after = hisops_state("--state-dir", str(tmp_path), "--all")
    assert "va-1" in after.stdout and "no lock is held" in after.stdout


def test_a_spare_swap_hold_is_closed_by_hand_an_isolation_only_by_its_workflow(tmp_path):
    state = StateStore(str(tmp_path))
    state.open(
        "spare_swap", "AGG-1->SPARE-S5735", id="swap-AGG-1", operator="alice", devices=["AGG-1"]
    )
    state.open(
        "isolation",
        "segment:30",
        id="iso-20261206T000000Z-abcdef",
        operator="bob",
        devices=["CORE-1"],
    )
    refused = hisops_state(
        "close", "iso-20261206T000000Z-abcdef", "--reason", "done", "--state-dir", str(tmp_path)
    )
    assert refused.returncode == 2 and "playbooks/reconnect.yml" in refused.stderr
    assert state.get("iso-20261206T000000Z-abcdef").state == "open"
    no_reason = hisops_state("close", "swap-AGG-1", "--reason", " ", "--state-dir", str(tmp_path))
    assert no_reason.returncode == 2 and "reason:" in no_reason.stderr
    done = hisops_state(
        "close",
        "swap-AGG-1",
        "--reason",
        "AGG-1 repaired",
        "--by",
        "carol",
        "--state-dir",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    hold = state.get("swap-AGG-1")
    assert (hold.state, hold.closed_by, hold.details["closed_reason"]) == (
        "closed",
        "carol",
        "AGG-1 repaired",
    )
    unknown = hisops_state("close", "swap-AGG-9", "--reason", "x", "--state-dir", str(tmp_path))
    assert unknown.returncode == 2 and "no hold swap-AGG-9" in unknown.stderr
