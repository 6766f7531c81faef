"""The UPS check and the battery test's logic on NUT's real variables (as upsd sends
them to PyNUTClient: bytes) and PyNUTClient's own errors."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import ups
from PyNUTClient.PyNUT import PyNUTError  # type: ignore[import-untyped]

from hisops.lab.hosts.inspection import ups_dev

# GetUPSVars of an Eaton 9PX on line (usbhid-ups), as PyNUTClient returns it
EATON_OL = {
    b"battery.charge": b"100",
    b"battery.runtime": b"2421",
    b"battery.type": b"PbAc",
    b"device.mfr": b"EATON",
    b"device.model": b"9PX 6000i RT3U",
    b"ups.status": b"OL CHRG",
    b"ups.test.result": b"Done and passed",
    b"ups.load": b"37",
}


def _vars(dev: str) -> dict[bytes, bytes]:
    return {k.encode(): v.encode() for k, v in (line.split(": ", 1) for line in dev.splitlines())}


def test_online_on_battery_low_battery() -> None:
    online = ups.findings_for(ups.state_from_vars("ups", EATON_OL), "ups@10.20.0.9")
    assert [(f.check, f.severity) for f in online] == [
        ("ups_status", "ok"),
        ("ups_battery_charge", "ok"),
        ("ups_battery_runtime", "ok"),
        ("ups_self_test", "ok"),
    ]
    assert all(f.plan_item == "P8.2" for f in online)
    on_battery = ups.findings_for(ups.state_from_vars("ups", _vars(ups_dev("on_battery"))), "u")
    assert on_battery[0].severity == "critical" and "on battery" in on_battery[0].message
    assert on_battery[1].value == 86
    low = ups.findings_for(ups.state_from_vars("ups", _vars(ups_dev("low_battery"))), "u")
    assert low[0].severity == "critical" and "LOW BATTERY" in low[0].message
    assert low[0].suggested_class == 1
    assert low[1].severity == "critical" and low[2].severity == "warning"  # 9 %, 150 s


@pytest.mark.parametrize(
    ("status", "severity", "suggested_class", "message"),
    [
        ("", "critical", 2, "UPS u: no status (driver data stale?)"),
        ("OL RB", "warning", None, "UPS u: on line (OL RB)"),
        ("OB DISCHRG", "critical", 2, "UPS u: on battery (OB DISCHRG): mains power is lost"),
        (
            "FSD OL",
            "critical",
            1,
            "UPS u: LOW BATTERY (FSD OL): the servers behind it go down soon",
        ),
        ("CAL", "warning", None, "UPS u: status CAL"),
    ],
)
def test_every_status_branch(status, severity, suggested_class, message) -> None:
    state = ups.state_from_vars("ups", {**EATON_OL, b"ups.status": status.encode()})
    (first, *_rest) = ups.findings_for(state, "u")
    assert (first.severity, first.suggested_class, first.message) == (
        severity,
        suggested_class,
        message,
    )
    assert first.params == {"status": status}


@pytest.mark.parametrize(
    ("result", "severity"),
    [
        ("Done and passed", "ok"),
        ("Done and warning", "critical"),
        ("Aborted", "critical"),
        ("No test initiated", "warning"),
        ("", "warning"),
    ],
)
def test_self_test_result(result: str, severity: str) -> None:
    state = ups.state_from_vars("ups", {**EATON_OL, b"ups.test.result": result.encode()})
    assert ups.findings_for(state, "u")[-1].severity == severity


def test_an_unreachable_upsd_is_a_finding() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = ups.inspect("127.0.0.1", "ups", port, timeout=1)
    assert len(found) == 1 and found[0].check == "ups_reachable"
    assert found[0].severity == "critical"


class ScriptedUps:
    """PyNUTClient's interface over a scripted UPS: the test result changes after the
    command, through "In progress"."""

    def __init__(self, status: str = "OL", results: tuple[str, ...] = ("In progress",
                 "Done and passed"), refuse: str = "") -> None:  # fmt: skip
        self.vars = {
            **EATON_OL,
            b"ups.status": status.encode(),
            b"ups.test.result": b"No test initiated",
        }
        self.results = list(results)
        self.refuse = refuse
        self.commands: list[tuple[str, str]] = []

    def GetUPSVars(self, name: str) -> dict[bytes, bytes]:  # noqa: N802 - PyNUTClient's name
        if self.commands and self.results:
            self.vars[b"ups.test.result"] = self.results.pop(0).encode()
        return dict(self.vars)

    def RunUPSCommand(self, name: str, command: str) -> str:  # noqa: N802
        if self.refuse:
            raise PyNUTError(self.refuse)
        self.commands.append((name, command))
        return "OK"


def _test(client: Any, **kw: Any) -> dict[str, Any]:
    clock = iter(range(1000))
    return ups.battery_test(client, "ups", sleep=lambda _s: None, clock=lambda: next(clock), **kw)


def test_battery_test_passes_after_in_progress() -> None:
    client = ScriptedUps()
    record = _test(client)
    assert client.commands == [("ups", "test.battery.start")]
    assert record["completed"] and record["passed"] and record["result"] == "Done and passed"
    assert record["before"]["test_result"] == "No test initiated"


def test_battery_test_same_result_as_last_time() -> None:
    client = ScriptedUps(results=("In progress", "In progress", "Done and passed"))
    client.vars[b"ups.test.result"] = b"Done and passed"  # the last quarter's
    record = _test(client)
    assert record["completed"] and record["passed"]
    unchanged = ScriptedUps(results=("Done and passed",) * 100)
    unchanged.vars[b"ups.test.result"] = b"Done and passed"
    assert not _test(unchanged, wait_s=5)["completed"]  # never seen running: not done


def test_battery_test_failed_refused_or_on_battery() -> None:
    failed = _test(ScriptedUps(results=("In progress", "Done and warning")))
    assert failed["completed"] and not failed["passed"]
    never = _test(ScriptedUps(results=("In progress",) * 100), wait_s=5)
    assert not never["completed"] and not never["passed"]
    with pytest.raises(ups.UpsError, match="CMD-NOT-SUPPORTED"):
        _test(ScriptedUps(refuse="ERR CMD-NOT-SUPPORTED"))
    on_battery = ScriptedUps(status="OB DISCHRG")
    with pytest.raises(ups.UpsError, match="not on line"):
        _test(on_battery)
    assert on_battery.commands == []


def test_check_mode_preview_sends_nothing_and_refuses_as_the_run_would() -> None:
    online = ScriptedUps()
    preview = ups.battery_test_preview(online, "ups", "test.battery.start.quick")
    assert preview == {
        "ups": "ups",
        "command": "test.battery.start.quick",
        "would_start": True,
        "before": {"status": "OL", "charge": 100.0, "test_result": "No test initiated"},
    }
    on_battery = ScriptedUps(status="OB DISCHRG")
    with pytest.raises(ups.UpsError, match=r"UPS ups is not on line \(OB DISCHRG\)"):
        ups.battery_test_preview(on_battery, "ups", "test.battery.start")
    assert online.commands == [] and on_battery.commands == []


def test_the_record(tmp_path) -> None:
    record = _test(ScriptedUps())
    path = ups.write_record(record, str(tmp_path / "ups_tests"), "20270115T100000")
    assert path.endswith("ups-test-ups-20270115T100000.json")
    import json
    from pathlib import Path

    assert json.loads(Path(path).read_text())["passed"] is True


def test_a_recent_passed_test_is_not_repeated(tmp_path) -> None:
    import os
    import time

    directory = str(tmp_path)
    assert ups.recent_record(directory, "ups", 30, time.time()) is None
    record = _test(ScriptedUps())
    path = ups.write_record(record, directory, "20270115T100000")
    found = ups.recent_record(directory, "ups", 30, time.time())
    assert found is not None and found["passed"] and found["path"] == path
    assert ups.recent_record(directory, "ups", 0, time.time()) is None  # force
    assert ups.recent_record(directory, "other", 30, time.time()) is None
    old = time.time() - 40 * 86400
    os.utime(path, (old, old))
    assert ups.recent_record(directory, "ups", 30, time.time()) is None
    failed = _test(ScriptedUps(results=("In progress", "Done and warning")))
    ups.write_record(failed, directory, "20270116T100000")
    assert ups.recent_record(directory, "ups", 30, time.time()) is None  # a failed one: again
