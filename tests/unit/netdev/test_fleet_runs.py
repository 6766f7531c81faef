"""A fleet run: every device gets its own result, one failure hides nothing."""

from __future__ import annotations

import threading
import time

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import (
    DeviceUnreachable,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.fan_out import (
    FleetDevice,
    failed_names,
    run_per_device,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import DeviceParams


def fleet(*names: str) -> list[FleetDevice]:
    return [FleetDevice(n, DeviceParams(n, "cisco_ios", "127.0.0.1", "u", "p"), {}) for n in names]


def test_failures_are_per_device_and_the_others_finish() -> None:
    def job(device: FleetDevice) -> dict:
        if device.name == "AGG-2":
            raise DeviceUnreachable("connection refused", device=device.name)
        if device.name == "AGG-3":
            raise KeyError("bug")
        return {"changed": device.name == "CORE-1"}

    results = run_per_device(fleet("CORE-1", "AGG-2", "AGG-3", "ACC-1"), job, workers=4)
    assert list(results) == ["ACC-1", "AGG-2", "AGG-3", "CORE-1"]
    assert results["CORE-1"] == {"changed": True, "failed": False}
    assert results["ACC-1"] == {"changed": False, "failed": False}
    assert results["AGG-2"]["failed"] and "AGG-2: connection refused" in results["AGG-2"]["msg"]
    assert "check that the device is powered" in results["AGG-2"]["msg"]
    assert results["AGG-3"]["failed"] and "internal error KeyError" in results["AGG-3"]["msg"]
    assert failed_names(results) == ["AGG-2", "AGG-3"]


def test_workers_bound_the_sessions_open_at_once() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def job(device: FleetDevice) -> dict:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return {}

    results = run_per_device(fleet(*(f"S{i}" for i in range(30))), job, workers=5)
    assert len(results) == 30 and not failed_names(results)
    assert 2 <= state["peak"] <= 5


def test_bad_input_is_refused_before_any_job_runs() -> None:
    ran = []
    with pytest.raises(InputError, match="devices: AGG-1 listed more than once"):
        run_per_device(fleet("AGG-1", "CORE-1", "AGG-1"), lambda d: ran.append(d) or {}, 2)
    with pytest.raises(InputError, match="workers: 0"):
        run_per_device(fleet("AGG-1"), lambda d: ran.append(d) or {}, 0)
    assert ran == []
    assert run_per_device([], lambda d: {}, 3) == {}


def test_summary_names_the_flagged_and_the_failed() -> None:
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev.fan_out import summary

    results = {f"S{i:02}": {"failed": i in (3, 7), "msg": "x"} for i in range(16)}
    drifted = [f"S{i:02}" for i in range(14) if i not in (3, 7)]
    text = summary(results, "checked", drifted, "drifted")
    assert text.startswith("16 switch(es) checked: 12 drifted (S00, S01, S02, S04,")
    assert "S11 and 2 more)" in text and "S12" not in text
    assert text.endswith("2 failed (S03, S07)")
    assert summary({}, "backed up", [], "changed") == "0 switch(es) backed up: 0 changed, 0 failed"
