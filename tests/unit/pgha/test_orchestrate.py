"""The failover's orchestration (module_utils/pgha/orchestrate.py) without a lab.

``FakePair`` stands in for the two database servers behind the ``Hosts`` interface: it
answers ``db_failover_step`` the way the step does (the lock file, the fence, the
promotion waiting for the controller's word and releasing the lock), and can be told to
misbehave - a fence that fails, a lock held, a candidate that stops answering.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import orchestrate
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.fences import (
    FENCES,
    ControllerEffects,
    already_isolated,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.orchestrate import (
    FailoverFailed,
    Request,
)
from ansible_collections.hisops.emergency.plugins.modules.db_failover import ARGUMENT_SPEC

OLD, NEW = "his-db-1", "his-db-2"
PAIR = [OLD, NEW]
ADDRESS = {OLD: "10.0.0.11", NEW: "10.0.0.12"}
CRASHED = {
    "name": OLD,
    "role": "stopped",
    "cluster_state": "in production",
    "checkpoint_lsn": "0/3000028",
    "timeline": 1,
}
CLEAN = {**CRASHED, "cluster_state": "shut down"}
STANDBY = {
    "name": NEW,
    "role": "standby",
    "timeline": 1,
    "receive_lsn": "0/3000100",
    "replay_lsn": "0/3000100",
    "receiver_status": "streaming",
    "standby_signal": True,
}
PRIMARY = {"name": OLD, "role": "primary", "timeline": 1, "lsn": "0/3000100"}
FENCED_AFTER = {"running": False, "enabled": False, "standby_signal": True, "processes": 0}
SSH_PROOF = (
    f"ssh: PostgreSQL on {OLD} is stopped, no PostgreSQL process is left, it is "
    "disabled at boot and holds standby.signal"
)


class FakePair:
    """Two database servers as ``db_failover_step`` sees them (a ``Hosts``)."""

    def __init__(self, old: dict | None = None, new: dict | None = None, check: bool = False):
        self.states = {OLD: dict(old or CRASHED), NEW: dict(new or STANDBY)}
        self.check = check
        self.locks: dict[str, dict | None] = {OLD: None, NEW: None}
        self.calls: list[tuple[str, str, dict]] = []  # (host, step, args)
        self.words: dict[str, dict] = {}  # path -> the controller's word
        self.writes: list[tuple[str, str, Any]] = []
        self._heard: dict[str, threading.Event] = {}
        self.silent: set[str] = set()  # hosts that no longer answer (run and write_json)
        self.deaf_to_words = False  # write_json fails, run still answers
        self.fence_result: dict | None = None  # what the fence step returns (default: fenced)
        self.promote_result: dict | None = None  # what the promotion returns (default: promoted)
        self.word_wait_s = 5.0
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- the Hosts interface
    def variables(self, host: str) -> dict[str, Any]:
        return {
            "ansible_host": ADDRESS[host],
            "hisops_pg_port": 5432,
            "ansible_port": 22,
            "hisops_pg_version": "15",
        }

    def run(
        self, host: str, module: str, args: Mapping[str, Any], become_user: str | None = None
    ) -> dict[str, Any]:
        assert module == orchestrate.STEP and become_user == "postgres"
        assert args["peer"] == next(n for n in PAIR if n != host)
        assert args["peer_host"] == ADDRESS[args["peer"]]
        with self._lock:
            self.calls.append((host, args["step"], dict(args)))
        if host in self.silent:
            return {"unreachable": True, "failed": True, "msg": f"{host}: ssh: connect timed out"}
        return getattr(self, "_" + args["step"])(host, dict(args))

    def run_each(
        self, calls: list[tuple[str, str, Mapping[str, Any], str | None]]
    ) -> list[dict[str, Any]]:
        return [self.run(*c) for c in calls]

    def write_json(self, host: str, path: str, data: Any, become_user: str | None = None) -> bool:
        assert become_user == "postgres"
        self.writes.append((host, path, data))
        if host in self.silent or self.deaf_to_words:
            return False
        self.words[path] = data
        self._event(path).set()
        return True

    # ---------------------------------------------------------------- the steps
    def _event(self, path: str) -> threading.Event:
        with self._lock:
            return self._heard.setdefault(path, threading.Event())

    def _begin(self, host: str, args: dict) -> dict:
        out = {"changed": False, "state": self.states[host], "locked": False}
        if args["lock"] and self.states[host]["role"] == "standby":
            held = self.locks[host]
            if held and held["owner"] not in (args["owner"], args.get("break_owner")):
                return {
                    "failed": True,
                    "reason": "lock_held",
                    "holder": held,
                    "msg": f"refused: the pair is locked by a failover of {held['owner']}",
                }
            if not self.check:
                self.locks[host] = {"owner": args["owner"], "operation": "failover"}
            out.update(changed=True, locked=not self.check)
        return out

    def _release(self, host: str, args: dict) -> dict:
        if (self.locks[host] or {}).get("owner") == args["owner"] and not self.check:
            self.locks[host] = None
        return {"changed": True}

    def _fence(self, host: str, args: dict) -> dict:
        if self.fence_result is not None:
            return self.fence_result
        if self.check:  # the node as it is
            return {
                "changed": True,
                "commands": ["pg_ctlcluster 15 main stop -m fast"],
                "after": {
                    "running": False,
                    "enabled": True,
                    "standby_signal": False,
                    "processes": 0,
                },
                "state": self.states[host],
            }
        self.states[host] = {**self.states[host], "service_enabled": False}
        return {
            "changed": True,
            "commands": ["pg_ctlcluster 15 main stop -m fast"],
            "after": FENCED_AFTER,
            "state": self.states[host],
        }

    def _promote(self, host: str, args: dict) -> dict:
        try:
            if args.get("await_file"):
                if not self._event(args["await_file"]).wait(self.word_wait_s):
                    return {
                        "failed": True,
                        "reason": "not_promoted",
                        "msg": "refused: not promoted: no word from the controller "
                        f"within {args['await_s']} s",
                    }
                word = self.words.pop(args["await_file"])
                if word.get("abort") or not word.get("fence_proof"):
                    return {
                        "failed": True,
                        "reason": "not_promoted",
                        "msg": f"refused: not promoted: {word.get('abort')}",
                    }
                args = {**args, **word}
            if self.promote_result is not None:
                return self.promote_result
            if not args.get("fence_proof"):
                return {
                    "failed": True,
                    "reason": "not_fenced",
                    "msg": "refused: the old primary is not proven fenced (fence_proof is empty)",
                }
            if not self.check:
                self.states[host] = {
                    **self.states[host],
                    "role": "primary",
                    "standby_signal": False,
                    "timeline": 2,
                }
            return {
                "changed": True,
                "commands": [f"promote {host}"],
                "gap": "unknown",
                "gap_bytes": None,
                "timeline": None if self.check else 2,
                "promote_s": None if self.check else 0.2,
                "fence_proof_seen": args["fence_proof"],
                "old_primary_seen": args.get("old_primary"),
            }
        finally:  # the step releases the lock whatever it did
            self._release(host, args)

    # ---------------------------------------------------------------- what the tests read
    def steps(self, step: str, host: str | None = None) -> list[dict]:
        return [a for h, s, a in self.calls if s == step and host in (None, h)]


class Controller:
    """The controller's side: a site command and a switch-port cut that can fail, ports
    that close (or not), every call recorded."""

    def __init__(
        self,
        site_rc: int | None = 0,
        cut: dict | None = None,
        closed: bool = True,
        raises: Exception | None = None,
    ):
        self.site_rc, self.closed, self.raises = site_rc, closed, raises
        self.cut = (
            cut
            if cut is not None
            else {
                "changed": True,
                "isolation_id": "iso-1",
                "verified": {"CORE-1": True},
                "located": {"switch": "CORE-1", "port": "Gi1/0/5"},
                "commands": {"CORE-1": ["interface Gi1/0/5", "shutdown"]},
            }
        )
        self.site_runs: list[list[str]] = []
        self.cuts: list[tuple[str, str, bool]] = []
        self.probes: list[tuple[str, int]] = []

    def effects(self) -> ControllerEffects:
        return ControllerEffects(
            switch_port=self._switch_port, site_command=self._site, port_closed=self._probe
        )

    def _site(self, argv: list[str], timeout: float) -> dict:
        self.site_runs.append(argv)
        return {"rc": self.site_rc, "output": "powered off" if self.site_rc == 0 else "no"}

    def _switch_port(self, name: str, address: str, check: bool) -> dict:
        self.cuts.append((name, address, check))
        if self.raises:
            raise self.raises
        return dict(self.cut)

    def _probe(self, address: str, port: int) -> bool:
        self.probes.append((address, port))
        return self.closed


def request(**kwargs: Any) -> Request:
    return Request(
        **{
            "group": list(PAIR),
            "accept_data_loss": True,
            "owner": "op@ctl pid 1 t",
            "fence_command": ["ipmitool", "power", "off"],
            **kwargs,
        }
    )


def run(pair: FakePair, controller: Controller | None = None, **kwargs: Any) -> dict:
    return orchestrate.failover(
        pair, request(check=pair.check, **kwargs), (controller or Controller()).effects()
    )


# ---------------------------------------------------------------------- the way through
def test_a_failover_fences_over_ssh_then_promotes_on_the_controllers_word() -> None:
    pair = FakePair()
    out = run(pair)
    assert (out["old"], out["new"], out["changed"]) == (OLD, NEW, True)
    assert out["fence_proof"] == SSH_PROOF
    assert out["fence"] == [
        {"method": "ssh", "result": {"after": FENCED_AFTER}, "proof": SSH_PROOF}
    ]
    assert out["msg"].startswith(f"{NEW} is primary on timeline 2 (promotion 0.2 s, ")
    assert out["msg"].endswith(
        f"data lost: unknown; {OLD} is fenced ({SSH_PROOF}); bring it "
        "back with playbooks/db_rejoin.yml"
    )
    assert out["commands"] == [
        f"{OLD}: pg_ctlcluster 15 main stop -m fast",
        f"{NEW}: promote {NEW}",
    ]
    assert set(out["timings"]) == {"read_s", "fence_ssh_s", "promote_s", "total_s"}
    # the promotion started before the word and was handed the proof and the fenced state
    [promote] = pair.steps("promote")
    assert promote["await_file"].startswith("/var/lib/postgresql/.hisops-failover-")
    assert promote["await_s"] == 60 * 2 + 60 and "fence_proof" not in promote
    [(host, path, word)] = pair.writes
    assert (host, path) == (NEW, promote["await_file"])
    assert word == {"fence_proof": SSH_PROOF, "old_primary": pair.states[OLD]}
    # the lock: taken by the candidate's begin, released by the promotion, by no one else
    assert [a["lock"] for a in pair.steps("begin", NEW)] == [True]
    assert pair.locks[NEW] is None and pair.steps("release") == []
    assert "warnings" not in out and "diff" not in out


def test_diff_mode_shows_the_roles_before_and_after() -> None:
    out = run(FakePair(), diff=True)
    assert out["diff"] == {
        "before": {OLD: "primary", NEW: "standby"},
        "after": {OLD: "fenced", NEW: "primary"},
    }


def test_the_registry_holds_every_documented_fence_method() -> None:
    assert list(FENCES) == ARGUMENT_SPEC["fence"]["choices"]


# ---------------------------------------------------------------------- fences that fail
@pytest.mark.parametrize(("method", "controller", "fence_result", "reason"), [
    ("ssh", Controller(), {"unreachable": True, "failed": True, "msg": "no route"}, "unreachable"),
    ("ssh", Controller(), {"changed": True, "after": {**FENCED_AFTER, "enabled": True},
                           "state": CRASHED}, "incomplete"),
    ("site_command", Controller(site_rc=1), None, "failed"),
    ("site_command", Controller(closed=False), None, "port_answers"),
    ("switch_port", Controller(cut={"failed": True, "msg": "switch_port: no switches"}), None,
     "failed"),
    ("switch_port", Controller(closed=False), None, "port_answers"),
    ("switch_port", Controller(cut={"changed": True, "isolation_id": "iso-1",
                                    "verified": {"CORE-1": False}}), None, "incomplete"),
])  # fmt: skip
def test_a_fence_not_proven_promotes_nothing_and_says_why(
    method: str, controller: Controller, fence_result: dict | None, reason: str
) -> None:
    pair = FakePair()
    pair.fence_result = fence_result
    with pytest.raises(FailoverFailed) as err:
        run(pair, controller, fence=[method])
    assert err.value.code == "not_promoted"
    assert str(err.value) == f"refused: not promoted: {OLD} is not proven fenced"
    assert err.value.result["fence_proof"] == ""
    assert [(a["method"], a["proof"], a["reason"]) for a in err.value.result["fence"]] == [
        (method, "", reason)
    ]
    assert pair.states[NEW]["role"] == "standby"
    assert pair.writes[-1][2] == {"abort": f"{OLD} is not proven fenced"}
    assert pair.locks[NEW] is None  # released by the promotion step that refused


def test_the_next_method_is_tried_until_one_is_proven_and_no_further() -> None:
    pair, controller = FakePair(), Controller()
    pair.fence_result = {"unreachable": True, "failed": True, "msg": "no route"}
    out = run(pair, controller, fence=["ssh", "switch_port", "site_command"])
    assert [(a["method"], bool(a["proof"])) for a in out["fence"]] == [
        ("ssh", False),
        ("switch_port", True),
    ]
    assert controller.site_runs == []  # proven by the port: no power-off
    assert controller.cuts == [(OLD, ADDRESS[OLD], False)]
    assert controller.probes == [(ADDRESS[OLD], 5432), (ADDRESS[OLD], 22)]
    assert out["fence_proof"] == (
        f"switch_port: CORE-1:Gi1/0/5 shut (iso-1); {OLD} answers "
        "neither SSH nor PostgreSQL from the controller"
    )
    assert out["old_primary"] == {
        "name": OLD,
        "role": "unreachable",
        "error": "not read after fencing",
    }
    assert out["commands"][:2] == ["CORE-1: interface Gi1/0/5", "CORE-1: shutdown"]
    assert "warnings" not in out


def test_fenced_by_the_site_command_only_warns_to_keep_it_powered_off() -> None:
    pair, controller = FakePair(), Controller()
    pair.fence_result = {"unreachable": True, "failed": True, "msg": "no route"}
    out = run(pair, controller, fence=["ssh", "site_command"])
    assert controller.site_runs == [["ipmitool", "power", "off"]]
    assert out["fence_proof"] == (
        f"site command ipmitool power off succeeded and {OLD}'s PostgreSQL port no longer answers"
    )
    assert out["warnings"][0].startswith(f"{OLD} is fenced by the site command only")
    assert out["commands"][0] == "controller: ipmitool power off"


def test_fence_all_applies_every_method_and_joins_the_proofs() -> None:
    pair, controller = FakePair(), Controller()
    out = run(pair, controller, fence=["switch_port", "site_command"], fence_all=True)
    assert [a["method"] for a in out["fence"]] == ["switch_port", "site_command"]
    assert out["fence_proof"].startswith("switch_port: CORE-1:Gi1/0/5 shut (iso-1)")
    assert out["fence_proof"].endswith(
        f"; site command ipmitool power off succeeded and {OLD}'s PostgreSQL port no longer answers"
    )
    assert "warnings" not in out  # cut off too, not only powered off
    assert set(out["timings"]) >= {"fence_switch_port_s", "fence_site_command_s"}


def test_fence_all_with_every_method_failing_promotes_nothing() -> None:
    pair = FakePair()
    pair.fence_result = {"unreachable": True, "failed": True, "msg": "no route"}
    with pytest.raises(FailoverFailed) as err:
        run(
            pair,
            Controller(site_rc=1, closed=False),
            fence=["ssh", "switch_port", "site_command"],
            fence_all=True,
        )
    assert [a["reason"] for a in err.value.result["fence"]] == [
        "unreachable",
        "port_answers",
        "failed",
    ]
    assert pair.states[NEW]["role"] == "standby" and pair.locks[NEW] is None


def test_a_port_already_cut_by_the_old_primarys_own_record_is_a_proof() -> None:
    """The isolation told by its record, not by its message's words."""
    record = {
        "changed": False,
        "isolation_id": "iso-7",
        "verified": {},
        "located": {"switch": "CORE-1", "port": "Gi1/0/5"},
        "message": "whatever",
    }
    assert already_isolated(record)
    for other in (
        {"partial": {"ACC-2": "no answer"}},
        {"changed": True},
        {"isolation_id": ""},
        {"failed": True},
        {"verified": {"CORE-1": False}},
    ):
        assert not already_isolated({**record, **other}), other
    out = run(FakePair(), Controller(cut=record), fence=["switch_port"])
    assert out["fence_proof"].startswith("switch_port: CORE-1:Gi1/0/5 shut (iso-7)")
    with pytest.raises(FailoverFailed):  # a partial cut proves nothing
        run(
            FakePair(),
            Controller(cut={**record, "partial": {"ACC-2": "no answer"}}),
            fence=["switch_port"],
        )


def test_a_fence_that_raises_tells_the_waiting_promotion_and_releases_the_lock() -> None:
    pair = FakePair()
    with pytest.raises(RuntimeError, match="netmiko exploded"):
        run(pair, Controller(raises=RuntimeError("netmiko exploded")), fence=["switch_port"])
    assert pair.writes[-1][2] == {"abort": f"the fence of {OLD} failed: netmiko exploded"}
    assert pair.states[NEW]["role"] == "standby" and pair.locks[NEW] is None


# ---------------------------------------------------------------------- the lock
def test_a_lock_held_by_another_run_refuses_before_anything_is_touched() -> None:
    pair = FakePair()
    other = {"owner": "bob@ctl-2 pid 4242 x", "operation": "switchover"}
    pair.locks[NEW] = other
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert err.value.code == "lock_held"
    assert str(err.value) == "refused: the pair is locked by a failover of bob@ctl-2 pid 4242 x"
    assert pair.locks[NEW] == other  # not broken: another controller's
    assert [s for _h, s, _a in pair.calls] == ["begin", "begin"]  # no fence, no promotion
    assert all("break_owner" not in a for a in pair.steps("begin"))


def test_a_lock_left_by_a_dead_run_of_this_controller_is_broken() -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    pair = FakePair()
    pair.locks[NEW] = {"owner": f"alice@{socket.gethostname()} pid {ended.pid} x"}
    out = run(pair)
    assert out["new"] == NEW
    first, second = pair.steps("begin", NEW)
    assert "break_owner" not in first
    assert second["break_owner"] == f"alice@{socket.gethostname()} pid {ended.pid} x"
    assert pair.locks[NEW] is None  # ours, released by the promotion


def test_check_mode_refuses_a_held_lock_too() -> None:
    pair = FakePair(check=True)
    pair.locks[NEW] = {"owner": "bob@ctl-2 pid 4242 x"}
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert err.value.code == "lock_held"


# ---------------------------------------------------------------------- refused before
def test_an_unknown_gap_is_refused_without_accept_data_loss_and_the_lock_released() -> None:
    pair = FakePair()
    with pytest.raises(FailoverFailed) as err:
        run(pair, accept_data_loss=False)
    assert err.value.code == "data_loss"
    assert str(err.value) == (
        f"refused: the data a failover to {NEW} would lose is unknown; "
        "set accept_data_loss=true to fail over anyway (nothing was "
        "touched)"
    )
    assert pair.steps("fence") == [] and pair.steps("promote") == []
    assert [a["owner"] for a in pair.steps("release", NEW)] == ["op@ctl pid 1 t"]
    assert pair.locks[NEW] is None


def test_a_sync_pair_that_was_degraded_is_not_zero_loss_and_the_refusal_says_so() -> None:
    """Issue 16: the old primary's sync-degrade record (read from its disk, PostgreSQL
    down) says it ran async: the failover needs accept_data_loss and says why."""
    record = {"state": "degraded", "mode": "sync", "since": "2026-12-06T07:00:00Z"}
    pair = FakePair(old={**CRASHED, "degrade": record})
    with pytest.raises(FailoverFailed) as err:
        run(pair, accept_data_loss=False)
    assert err.value.code == "data_loss"
    assert (
        f"(the pair was DEGRADED to async by {OLD} since 2026-12-06T07:00:00Z: sync mode "
        "guarantees nothing for the commits since)"
    ) in str(err.value)
    assert pair.steps("fence") == [] and pair.steps("promote") == []


def test_a_known_gap_names_its_bytes_and_a_zero_gap_needs_no_acceptance() -> None:
    behind = FakePair(old=CLEAN, new={**STANDBY, "receive_lsn": "0/3000000"})
    with pytest.raises(FailoverFailed) as err:
        run(behind, accept_data_loss=False)
    assert "would lose is 40 bytes of WAL;" in str(err.value)
    assert behind.locks[NEW] is None
    assert run(FakePair(old=CLEAN), accept_data_loss=False)["new"] == NEW


def test_a_running_primary_is_no_go_and_the_candidates_lock_is_released() -> None:
    pair = FakePair(old=PRIMARY)
    with pytest.raises(FailoverFailed) as err:
        run(pair, candidate=NEW)
    assert err.value.code == "no_go"
    assert str(err.value).startswith("NO-GO for failover: ")
    assert str(err.value).endswith(
        "use a switchover, a failover would throw its latest writes away; nothing changed"
    )
    assert len(pair.steps("release", NEW)) == 1 and pair.locks[NEW] is None
    assert pair.steps("fence") == []


def test_a_candidate_already_the_only_primary_changes_nothing() -> None:
    pair = FakePair(new={**STANDBY, "role": "primary", "standby_signal": False})
    out = run(pair, candidate=NEW)
    assert out == {
        "changed": False,
        "msg": f"{NEW} already is the only primary; nothing changed",
        "nodes": {OLD: "stopped", NEW: "primary"},
    }
    assert [s for _h, s, _a in pair.calls] == ["begin", "begin"]


def test_bad_inputs_are_refused_before_any_host_is_asked() -> None:
    pair = FakePair()
    with pytest.raises(InputError) as err:
        run(pair, fence=["site_command"], fence_command=[])
    assert err.value.field == "fence_command" and pair.calls == []


# ---------------------------------------------------------------------- a candidate that stops answering
def test_a_candidate_that_stops_answering_during_the_promotion_fails_the_task_with_the_fence_kept() -> (
    None
):
    pair = FakePair()
    pair.promote_result = {
        "unreachable": True,
        "failed": True,
        "msg": f"{NEW}: ssh: connection reset",
    }
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert err.value.code == "unreachable"
    assert str(err.value) == f"{NEW}: ssh: connection reset"
    assert err.value.result["fence_proof"] == SSH_PROOF  # what was done is in the result
    assert err.value.result["old"] == OLD and err.value.result["new"] == NEW


def test_a_candidate_that_cannot_be_told_the_proof_is_not_promoted() -> None:
    pair = FakePair()
    pair.deaf_to_words, pair.word_wait_s = True, 0.3
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert err.value.code == "not_promoted"
    assert "no word from the controller" in str(err.value)
    assert len(pair.writes) == 3  # tried three times
    assert pair.states[NEW]["role"] == "standby" and pair.locks[NEW] is None


def test_a_promotion_refused_for_want_of_a_proof_names_the_old_primary() -> None:
    pair = FakePair()
    pair.promote_result = {
        "failed": True,
        "reason": "not_fenced",
        "msg": "refused: the old primary is not proven fenced",
    }
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert err.value.code == "not_fenced"
    assert str(err.value) == f"refused: {OLD} is not proven fenced (fence_proof is empty)"


def test_a_promotion_refused_for_its_own_reason_keeps_its_words() -> None:
    pair = FakePair()
    pair.promote_result = {
        "failed": True,
        "reason": "data_loss",
        "msg": "refused: the data that would be lost is 1 kB",
    }
    with pytest.raises(FailoverFailed) as err:
        run(pair)
    assert (err.value.code, str(err.value)) == (
        "data_loss",
        "refused: the data that would be lost is 1 kB",
    )


# ---------------------------------------------------------------------- check mode
def test_check_mode_says_what_it_would_do_and_touches_nothing() -> None:
    pair, controller = FakePair(check=True), Controller()
    out = run(pair, controller, fence=["ssh", "switch_port", "site_command"])
    assert out["msg"] == (
        f"check mode: would fence {OLD} (ssh, switch_port, site_command) and "
        f"promote {NEW}; data lost: unknown"
    )
    assert [(a["method"], a["proof"]) for a in out["fence"]] == [
        ("ssh", ""),
        ("switch_port", ""),
        ("site_command", ""),
    ]
    assert out["fence"][2] == {"method": "site_command", "proof": "", "reason": "not_run"}
    assert controller.site_runs == [] and controller.probes == []
    assert controller.cuts == [(OLD, ADDRESS[OLD], True)]  # the isolation only plans
    assert pair.writes == []  # no word, no file written
    [promote] = pair.steps("promote")
    assert "await_file" not in promote
    assert promote["fence_proof"] == f"check mode: ssh, switch_port, site_command would fence {OLD}"
    assert promote["old_primary"] == CRASHED
    assert pair.locks == {OLD: None, NEW: None} and pair.steps("release") == []
    assert pair.states[NEW]["role"] == "standby"
    assert "controller: ipmitool power off" in out["commands"]


def test_check_mode_still_refuses_an_unaccepted_loss() -> None:
    pair = FakePair(check=True)
    with pytest.raises(FailoverFailed) as err:
        run(pair, accept_data_loss=False)
    assert err.value.code == "data_loss" and pair.steps("promote") == []
