"""Issue 16: the database pair campaign's checker (reliability/db_pair.py) shown to catch
broken states, without a lab: two writable primaries seen by the split-brain detector, an
acknowledged commit lost, a commit lost while the pair was sync. The campaign itself in
short runs at the end of tests/integration/test_db_pair_ops.py on that file's pair; the
full run and its figures: docs/reliability/db_pair.md.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from reliability import db_pair  # noqa: E402
from reliability._common import CampaignFailed, run_campaign  # noqa: E402

HEALTHY = {"his-db-1": "primary", "his-db-2": "standby"}


def test_a_healthy_state_passes() -> None:
    assert db_pair.check_state(HEALTHY, [], [], set(), []) == []
    # a commit lost in an async failover, accepted as lost, is not a breach
    assert db_pair.check_state(HEALTHY, [], [7], {7}, []) == []


def test_two_writable_primaries_seen_once_is_a_split_brain() -> None:
    seen = [{"at": 3.2, "seen": {"his-db-1": True, "his-db-2": True}}]
    found = db_pair.check_state(HEALTHY, seen, [], set(), [])
    assert len(found) == 1 and found[0].startswith("split brain: 1 poll round(s)"), found
    both = db_pair.check_state({"his-db-1": "primary", "his-db-2": "primary"}, [], [], set(), [])
    assert any("not one primary and one standby" in p for p in both), both


def test_an_acknowledged_commit_missing_and_never_accepted_is_caught() -> None:
    found = db_pair.check_state(HEALTHY, [], [41, 42], {41}, [])
    assert found == [
        "1 acknowledged commit(s) missing on the primary and never accepted as lost: [42]"
    ]


def test_lost_commits_are_classified_by_the_protection_they_were_acknowledged_under() -> None:
    windows = [(0.0, "async"), (10.0, "sync"), (20.0, "degraded"), (30.0, "sync")]
    acked_at = {1: 5.0, 2: 15.0, 3: 25.0, 4: 35.0}
    assert db_pair.classify([1, 2, 3, 4], acked_at, windows) == {
        "async": [1],
        "sync": [2, 4],
        "degraded": [3],
    }


def test_the_campaign_stops_on_a_broken_invariant_naming_the_seed() -> None:
    def broken(index: int) -> list[str]:
        return db_pair.check_state(HEALTHY, [], [5] if index >= 1 else [], set(), [])

    with pytest.raises(CampaignFailed) as failed:
        run_campaign("db_pair", 4242, 3, lambda i, r: {"action": "switchover"}, broken)
    assert "db_pair campaign FAILED at step 1 (switchover), seed 4242" in str(failed.value)
    assert "[5]" in str(failed.value)


def test_the_plan_is_seeded_and_covers_every_operation_in_both_modes() -> None:
    one = db_pair.plan(random.Random(9), 20)
    assert one == db_pair.plan(random.Random(9), 20) and len(one) == 20
    assert {(op, m) for op in db_pair.OPERATIONS for m in db_pair.MODES} <= set(one)


def test_the_detector_counts_a_round_where_both_nodes_are_writable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The detector's own loop, its database reads replaced by a scripted answer: the
    round where both say writable is recorded, a node that does not answer is not."""
    answers = iter([(True, False), (True, None), (True, True), (False, True)])
    current: dict[str, bool | None] = {}
    lock = threading.Lock()

    def writable(self: db_pair.SplitBrainDetector, node: str) -> bool | None:
        with lock:
            if node == "a":
                current.update(zip(("a", "b"), next(answers, (False, True)), strict=True))
            return current[node]

    monkeypatch.setattr(db_pair.SplitBrainDetector, "_writable", writable)
    with db_pair.SplitBrainDetector({"a": "x", "b": "y"}) as detector:
        deadline = time.monotonic() + 5
        while detector.rounds < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert detector.rounds >= 6
    assert [o["seen"] for o in detector.both_primary] == [{"a": True, "b": True}]
