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
    return subprocess.run([*HISOPS, "state", *args], capture_output=True, text=True, check=False,
                          cwd=REPO_ROOT, timeout=60)


def test_state_lists_open_holds_and_who_holds_a_lock(tmp_path):
    state = StateStore(str(tmp_path))
    state.open("isolation", "host:10.10.40.101", id="iso-20261206T000000Z-abcdef", operator="alice",
               devices=["CORE-1"], endpoints=[{"name": "nurse-01", "ip": "10.10.40.101"}],
               details={"partial": "AGG-2 did not answer"})
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
