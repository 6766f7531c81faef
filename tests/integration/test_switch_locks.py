"""Changes to one switch are serialized (issue 14): a lock per device, held from the read of
its configuration "before" to the record, whoever changes it; the one who waits is told who
holds it. Proved with two real runs at once against the lab (two ansible-playbook processes:
a lock is re-entrant within one process)."""

from __future__ import annotations

import difflib
import json
import os
import signal
import threading
import time

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import InputError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    Guard,
    PushRequest,
    SafePush,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.locks import Locks
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from lab_helpers import device_params

from .playbooks import run_playbook

pytestmark = pytest.mark.lab


def _changed(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[1:2] not in "+-"
    ]


def _wait(condition, run: threading.Thread, failure: str, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert run.is_alive() and time.monotonic() < deadline, failure
        time.sleep(0.05)
    return found


def _waiters(lock_file: str, besides: set[int]) -> set[int]:
    """Processes other than ``besides`` and this one that have ``lock_file`` open (waiting)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) in besides or int(pid) == os.getpid():
            continue
        try:
            if any(
                os.readlink(f"/proc/{pid}/fd/{fd}") == lock_file
                for fd in os.listdir(f"/proc/{pid}/fd")
            ):
                found.add(int(pid))
        except OSError:
            continue
    return found


def test_a_deploy_and_an_isolation_of_one_switch_are_serialized(fresh_lab, tmp_path, monkeypatch):
    lab = fresh_lab
    state, isolations = tmp_path / "state", tmp_path / "isolations"
    monkeypatch.setenv("HISOPS_STATE_DIR", str(state))
    monkeypatch.setenv("HISOPS_ISOLATION_DIR", str(isolations))
    assert "undo port trunk allow-pass vlan 1" not in lab.client.config(
        "AGG-1"
    )  # the deploy changes AGG-1
    before_shutdowns = lab.client.config("AGG-1").count("shutdown")
    runs: dict[str, object] = {}
    deploy = threading.Thread(
        target=lambda: runs.setdefault(
            "deploy",
            run_playbook(
                "switch_deploy",
                lab.inventory,
                tmp_path / "deploy",
                {"switch_deploy_operator": "alice"},
                limit="AGG-1",
            ),
        )
    )
    isolate = threading.Thread(
        target=lambda: runs.setdefault(
            "isolate",
            run_playbook(
                "isolate",
                lab.inventory,
                tmp_path / "isolate",
                {"host": "10.10.30.101", "reason": "virus", "isolate_operator": "bob"},
            ),
        )
    )
    locks = Locks(str(state))
    deploy.start()
    holder = _wait(
        lambda: (
            (locks.holder("switch:AGG-1") or {}).get("operator") == "alice"
            and locks.holder("switch:AGG-1")
        ),
        deploy,
        "the deploy never held AGG-1's lock",
    )
    # The deploy's push is paused while it holds the lock (well within its reads' timeouts),
    # so that the isolation certainly comes while it is held, whatever the machine's speed.
    os.kill(holder["pid"], signal.SIGSTOP)
    try:
        isolate.start()
        _wait(
            lambda: _waiters(locks.path("switch:AGG-1"), {holder["pid"]}),
            isolate,
            "the isolation did not wait for the deploy's lock",
        )
        assert (
            not lab.client.config("AGG-1").count("shutdown") > before_shutdowns
        )  # not yet isolated
    finally:
        os.kill(holder["pid"], signal.SIGCONT)
        deploy.join(600)
        if isolate.ident:
            isolate.join(600)
    isolated = runs["isolate"]
    assert runs["deploy"].rc == 0, runs["deploy"].stdout[-3000:]
    assert isolated.rc == 0, isolated.stdout[-3000:]
    assert "alice (switch_config push)" in isolated.stdout, isolated.stdout[
        -3000:
    ]  # told who held it

    # The isolation read AGG-1 after the deploy's push: its before is the deployed switch,
    # and it changed exactly the port.
    iso_id = isolated.report("isolation.json")["isolation_id"]
    entry = json.loads((isolations / f"{iso_id}.json").read_text())["devices"]["AGG-1"]
    assert "undo port trunk allow-pass vlan 1" in entry["before"]
    assert _changed(entry["before"], entry["after"]) == ["+ shutdown"]
    assert not lab.reach("pharm-01", "pharm-02")["reachable"]

    back = run_playbook(
        "reconnect",
        lab.inventory,
        tmp_path / "reconnect",
        {"isolation_id": iso_id, "cleanup_by": "it-oncall", "cleanup_scan": "clean"},
    )
    assert back.rc == 0, back.stdout[-3000:]
    assert lab.reach("pharm-01", "pharm-02")["reachable"]
    # Back exactly on the deployed plan: a preview of the deploy has nothing to send.
    again = run_playbook(
        "switch_deploy", lab.inventory, tmp_path / "again", check=True, limit="AGG-1"
    )
    assert again.rc == 0 and again.changed_by("push what differs") == set(), again.stdout[-3000:]


def _params(lab, name: str) -> DeviceParams:
    return device_params(lab, name)


def test_a_push_refuses_under_the_lock_when_an_isolation_is_open_on_the_switch(fresh_lab, tmp_path):
    """An isolation opened after a deploy's preflight is seen under the switch's lock: the
    push refuses, naming it, and sends nothing (a preview says the same)."""
    lab = fresh_lab
    state = StateStore(str(tmp_path / "state"))
    state.open(
        "isolation",
        "host:10.10.30.101",
        id="iso-20261206T010203Z-abcdef",
        operator="bob",
        devices=["CORE-1", "AGG-1"],
    )
    before = lab.client.config("AGG-1")
    for check_mode in (True, False):
        request = PushRequest(
            intended="vlan batch 77", features=["vlans"], replace=False, check_mode=check_mode
        )
        push = SafePush(
            lambda: DeviceSession(_params(lab, "AGG-1")), request, Guard(state.directory, "AGG-1")
        )
        with pytest.raises(
            InputError,
            match=r"AGG-1: open isolation on this switch: isolation "
            r"iso-20261206T010203Z-abcdef \(host:10.10.30.101\) opened by bob",
        ):
            push.run()
        assert push.result.commands == [] and lab.client.config("AGG-1") == before
    assert state.locks.held() == {}
    ignored = SafePush(
        lambda: DeviceSession(_params(lab, "AGG-1")),
        PushRequest(
            intended="vlan batch 77", features=["vlans"], replace=False, save="when_changed"
        ),
        Guard(state.directory, "AGG-1", refuse_kinds=()),
    ).run()
    assert (
        ignored.verified
        and "vlan batch 77" in ignored.commands
        and "77" in lab.client.config("AGG-1")
    )
