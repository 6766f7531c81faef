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


def test_the_twin_plan_has_port_fenced_failovers_in_both_modes_each_variant_in_each() -> None:
    cycles = db_pair.plan(random.Random(5), 24, db_pair.TWIN_OPERATIONS)
    assert len(cycles) == 24
    assert all(cycles.count((op, m)) == 3 for op in db_pair.TWIN_OPERATIONS for m in db_pair.MODES)
    # the default campaign (the DB pair tests' fleet, no switches) has no port fence
    assert all(op != db_pair.PORT_FENCED for op, _ in db_pair.plan(random.Random(5), 24))
    chosen = db_pair.variants(cycles)
    assert sorted(chosen) == [i for i, (op, _) in enumerate(cycles) if op == db_pair.PORT_FENCED]
    for mode in db_pair.MODES:
        mine = [chosen[i] for i in sorted(chosen) if cycles[i][1] == mode]
        assert mine == ["partition", "power_off", "partition"], (mode, mine)


FENCE = {"id": "iso-1", "fence_of": "his-db-1", "state": "open"}
CLOSED = {**FENCE, "state": "closed", "fence_proof": "fenced over SSH: postgresql stopped"}


def test_a_switch_port_fence_that_held_and_was_lifted_by_the_rejoin_passes() -> None:
    assert db_pair.fence_problems("his-db-1", {22: False, 5432: False}, [FENCE], CLOSED) == []


def test_an_old_primary_reachable_behind_its_fenced_port_is_caught() -> None:
    found = db_pair.fence_problems("his-db-1", {22: False, 5432: True}, [FENCE], CLOSED)
    assert found == [
        "his-db-1 answered on port 5432 behind its fenced switch port before the rejoin"
    ]


def test_a_fence_missing_left_open_or_lifted_without_the_ssh_fence_is_caught() -> None:
    shut = {22: False, 5432: False}
    none = db_pair.fence_problems("his-db-1", shut, [], None)
    assert none == ["0 open switch-port fence isolation(s) of his-db-1: []"]
    still_open = db_pair.fence_problems("his-db-1", shut, [FENCE], FENCE)
    assert still_open == ["the fence isolation iso-1 not closed by the rejoin: open"]
    unproven = db_pair.fence_problems(
        "his-db-1", shut, [FENCE], {**CLOSED, "fence_proof": "reconnected by hand"}
    )
    assert len(unproven) == 1 and "without fencing PostgreSQL over SSH" in unproven[0]
