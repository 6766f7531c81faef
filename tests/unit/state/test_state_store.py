"""The deliberate-state store and its locks, on a real SQLite file and real flocks."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import (
    LockBusy,
    StateError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.locks import Locks
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore


def test_holds_open_filter_and_close(tmp_path):
    store = StateStore(str(tmp_path))
    store.open(
        "isolation",
        "segment:30",
        id="iso-1",
        operator="alice",
        devices=["CORE-1"],
        endpoints=[{"name": "pharm-01", "ip": "10.10.30.101", "mac": "5254.0000.0001"}],
    )
    store.open("vendor_window", "AGG-2", id="vw-1", operator="bob", devices=["AGG-2"])
    assert [h.id for h in store.active()] == ["iso-1", "vw-1"]
    assert [h.id for h in store.active(devices=["AGG-2", "ACC-9"])] == ["vw-1"]
    assert [h.id for h in store.active(endpoint="10.10.30.101")] == ["iso-1"]
    assert set(store.isolated_endpoints()) == {"pharm-01", "10.10.30.101", "5254.0000.0001"}
    closed = store.close("iso-1", operator="carol")
    assert closed.state == "closed" and closed.closed_by == "carol"
    assert [h.id for h in store.active()] == ["vw-1"]
    assert store.isolated_endpoints() == {}
    assert store.get("iso-1").opened_by == "alice"  # the history keeps it


def test_unknown_kind_is_refused_naming_the_field(tmp_path):
    with pytest.raises(StateError, match="kind: 'outage'"):
        StateStore(str(tmp_path)).open("outage", "x", id="x")


def _hold_then_die(state_dir: str, ready) -> None:
    with Locks(state_dir).hold(["switch:CORE-1"], "isolate segment:30", "alice"):
        ready.set()
        time.sleep(60)


def test_a_waiter_is_told_who_holds_the_lock_and_a_dead_holder_releases_it(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_then_die, args=(str(tmp_path), ready))
    proc.start()
    try:
        assert ready.wait(10)
        locks = Locks(str(tmp_path))
        holder = locks.holder("switch:CORE-1")
        assert holder["operator"] == "alice" and holder["pid"] == proc.pid
        assert "switch:CORE-1" in locks.held()
        told = []
        busy = pytest.raises(
            LockBusy, match=r"switch:CORE-1 is locked by alice \(isolate segment:30\)"
        )
        with (
            busy,
            locks.hold(
                ["switch:CORE-1"],
                "reconnect",
                "bob",
                wait_s=0.3,
                on_wait=lambda r, h: told.append((r, h["operator"])),
            ),
        ):
            pass
        assert told == [("switch:CORE-1", "alice")]
        threading.Timer(0.5, os.kill, (proc.pid, signal.SIGKILL)).start()
        with locks.hold(["switch:CORE-1"], "reconnect", "bob", wait_s=10) as waits:
            assert waits and "held by alice" in waits[0]
            assert locks.holder("switch:CORE-1")["operator"] == "bob"
        assert locks.holder("switch:CORE-1") is None
    finally:
        proc.kill()
        proc.join()


def test_the_same_process_takes_a_lock_again_and_keeps_it_until_the_outer_release(tmp_path):
    locks = Locks(str(tmp_path))
    with locks.hold(["switch:CORE-1", "switch:AGG-1"], "failover", "alice"):
        with locks.hold(["switch:CORE-1"], "isolate", "alice", wait_s=0):
            pass
        assert locks.holder("switch:CORE-1")["operation"] == "failover"
    assert locks.held() == {}
