"""state_hold's logic: open/close idempotent, check mode writes nothing, exclusive rollouts."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.state.holds import (
    HoldInputError,
    set_hold,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore


def test_a_second_rollout_to_the_same_workstations_is_refused_naming_the_first(tmp_path):
    state = str(tmp_path)
    first = set_hold(
        state,
        "open",
        "rollout-a",
        kind="rollout",
        operator="alice",
        endpoints=["pharm-01", "pharm-02"],
        exclusive=True,
    )
    assert first["changed"] and first["after"] == "open"
    with pytest.raises(
        HoldInputError,
        match=r"^id: rollout rollout-a .* opened by alice .* on 1 of the same "
        r"hosts.*hisops state close rollout-a",
    ):
        set_hold(
            state,
            "open",
            "rollout-b",
            kind="rollout",
            operator="bob",
            endpoints=["pharm-02", "opd-01"],
            exclusive=True,
        )
    assert StateStore(state).get("rollout-b") is None
    elsewhere = set_hold(
        state, "open", "rollout-c", kind="rollout", endpoints=["opd-01"], exclusive=True
    )
    assert elsewhere["changed"]
    assert (
        set_hold(
            state, "open", "rollout-a", kind="rollout", endpoints=["pharm-01"], exclusive=True
        )["changed"]
        is False
    )  # its own hold again: idempotent
    set_hold(state, "closed", "rollout-a", kind="rollout")
    assert set_hold(
        state, "open", "rollout-b", kind="rollout", endpoints=["pharm-02"], exclusive=True
    )["changed"]


def test_check_mode_and_bad_input(tmp_path):
    state = str(tmp_path)
    preview = set_hold(state, "open", "switchover-his-db", kind="switchover", check_mode=True)
    assert (preview["changed"], preview["after"]) == (True, "open") and StateStore(state).get(
        "switchover-his-db"
    ) is None
    with pytest.raises(HoldInputError, match="^kind: 'outage'"):
        set_hold(state, "open", "x", kind="outage")
    with pytest.raises(HoldInputError, match="^state: 'gone'"):
        set_hold(state, "gone", "x", kind="rollout")
    assert set_hold(state, "closed", "never-opened", kind="rollout")["changed"] is False


def test_a_rollout_left_open_by_a_run_that_died_is_closed_by_the_next(tmp_path):
    import socket
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    state = str(tmp_path)
    set_hold(
        state,
        "open",
        "rollout-died",
        kind="rollout",
        operator="alice",
        endpoints=["pharm-01"],
        details={"run": {"pid": dead.pid, "host": socket.gethostname()}},
    )
    set_hold(
        state,
        "open",
        "rollout-alive",
        kind="rollout",
        operator="carol",
        endpoints=["opd-01"],
        details={"run": {"pid": 1, "host": socket.gethostname()}},
    )
    preview = set_hold(
        state,
        "open",
        "rollout-next",
        kind="rollout",
        endpoints=["pharm-01"],
        exclusive=True,
        check_mode=True,
    )
    assert "left open by a run that died" in preview["warnings"][0]
    assert StateStore(state).get("rollout-died").state == "open"  # check mode closed nothing
    done = set_hold(
        state, "open", "rollout-next", kind="rollout", endpoints=["pharm-01"], exclusive=True
    )
    assert done["changed"] and StateStore(state).get("rollout-died").state == "closed"
    with pytest.raises(HoldInputError, match="rollout-alive"):  # pid 1 lives: still refused
        set_hold(
            state, "open", "rollout-other", kind="rollout", endpoints=["opd-01"], exclusive=True
        )
