# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The UPS (plan P8.2) through Network UPS Tools: read by the daily inspection, tested
every quarter.

Read with NUT's own Python client (``PyNUTClient``, the bindings NUT ships) from
``upsd``: ``ups.status`` (``OL`` on line, ``OB`` on battery, ``LB`` low battery; other
flags such as ``CHRG``, ``RB`` replace battery, ``OVER``, ``FSD``), ``battery.charge``
(%), ``battery.runtime`` (s), ``ups.test.result``. A UPS that does not answer (upsd
down, the UPS unknown to it, its driver's data stale) is a critical finding.

The quarterly test sends ``test.battery.start`` (an instant command: the upsd user needs
``instcmds = test.battery.start`` in ``upsd.users``), waits for ``ups.test.result`` to
change from what it said before, and returns the record.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.findings import Finding

AREA = "ups"
DEFAULT_PORT = 3493
# ups.test.result values that mean a test is still running (NUT drivers' wording)
IN_PROGRESS = ("in progress", "started", "running")
FAILED_WORDS = ("fail", "error", "warning", "aborted")
# The modules' options for reaching the UPS (documented by doc_fragments/upsd.py)
UPSD_ARGS: dict[str, dict[str, Any]] = {
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": DEFAULT_PORT},
    "ups": {"type": "str", "default": "ups"},
}
# NUT's Python client, imported where it is used; the modules check this first
HAS_NUT = importlib.util.find_spec("PyNUTClient") is not None
NUT_IMPORT_ERROR = None if HAS_NUT else "No module named 'PyNUTClient'"


class UpsError(Exception):
    """NUT did not answer, refused, or the test did not complete."""


@dataclass(frozen=True)
class UpsState:
    name: str
    status: tuple[str, ...]  # the ups.status flags
    charge: Optional[float]
    runtime: Optional[float]  # seconds
    test_result: str
    values: Mapping[str, str] = field(default_factory=dict)


def _number(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def state_from_vars(name: str, raw: Mapping[Any, Any]) -> UpsState:
    """The variables as PyNUTClient returns them (bytes) or as ``upsc`` prints them."""
    values = {
        (k.decode() if isinstance(k, bytes) else str(k)): (
            v.decode(errors="replace") if isinstance(v, bytes) else str(v)
        )
        for k, v in raw.items()
    }
    return UpsState(
        name=name,
        status=tuple(values.get("ups.status", "").split()),
        charge=_number(values.get("battery.charge")),
        runtime=_number(values.get("battery.runtime")),
        test_result=values.get("ups.test.result", ""),
        values=values,
    )


def connect(
    host: str,
    port: int = DEFAULT_PORT,
    login: Optional[str] = None,
    password: Optional[str] = None,
    timeout: float = 5.0,
) -> Any:
    from PyNUTClient.PyNUT import PyNUTClient, PyNUTError  # type: ignore[import-untyped]  # noqa: PLC0415

    try:
        return PyNUTClient(host=host, port=port, login=login, password=password, timeout=timeout)
    except (PyNUTError, OSError) as exc:
        raise UpsError(f"upsd {host}:{port}: {exc}") from None


def read_state(client: Any, name: str) -> UpsState:
    from PyNUTClient.PyNUT import PyNUTError  # noqa: PLC0415

    try:
        return state_from_vars(name, client.GetUPSVars(name))
    except (PyNUTError, OSError, IndexError) as exc:
        raise UpsError(f"UPS {name}: {exc}") from None


def findings_for(
    state: UpsState,
    subject: str,
    charge_warn: float = 80,
    charge_crit: float = 40,
    runtime_warn_s: float = 600,
) -> list[Finding]:
    """ups.status, battery.charge, battery.runtime, ups.test.result, each a finding."""

    def finding(check: str, severity: str, text: str, **extra: Any) -> Finding:
        return Finding(AREA, check, severity, subject, f"UPS {subject}: {text}", **extra)

    flags = set(state.status)
    shown = " ".join(state.status)
    suggested_class: Optional[int] = None
    if not flags:
        severity, text, suggested_class = "critical", "no status (driver data stale?)", 2
    elif "LB" in flags or "FSD" in flags:
        severity, suggested_class = "critical", 1
        text = f"LOW BATTERY ({shown}): the servers behind it go down soon"
    elif "OB" in flags:
        severity, suggested_class = "critical", 2
        text = f"on battery ({shown}): mains power is lost"
    elif "OL" in flags:
        severity = "warning" if flags & {"RB", "OVER", "BYPASS", "OFF"} else "ok"
        text = f"on line ({shown})"
    else:
        severity, text = "warning", f"status {shown}"
    out = [
        finding(
            "ups_status", severity, text, params={"status": shown}, suggested_class=suggested_class
        )
    ]
    if state.charge is None:
        out.append(finding("ups_battery_charge", "unknown", "reports no battery.charge"))
    else:
        severity = (
            "critical"
            if state.charge < charge_crit
            else "warning"
            if state.charge < charge_warn
            else "ok"
        )
        out.append(
            finding(
                "ups_battery_charge",
                severity,
                f"battery {state.charge:.0f} %",
                value=state.charge,
                unit="%",
                params={"charge": state.charge},
            )
        )
    if state.runtime is not None:
        out.append(
            finding(
                "ups_battery_runtime",
                "warning" if state.runtime < runtime_warn_s else "ok",
                f"runtime {state.runtime / 60:.0f} min on battery",
                value=state.runtime,
                unit="s",
                params={
                    "runtime": state.runtime,
                    "runtime_min": round(state.runtime / 60, 1),
                    "warn_min": round(runtime_warn_s / 60, 1),
                },
            )
        )
    result = state.test_result.strip()
    lowered = result.lower()
    if not result or lowered.startswith("no test"):
        severity, text = "warning", "no self-test on record"
    elif any(word in lowered for word in FAILED_WORDS):
        severity, text = "critical", f"last self-test: {result}"
    else:
        severity, text = "ok", f"last self-test: {result}"
    out.append(
        finding(
            "ups_self_test",
            severity,
            text,
            params={"result": result},
            suggested_class=3 if severity == "critical" else None,
        )
    )
    return out


def inspect(
    host: str, name: str, port: int = DEFAULT_PORT, timeout: float = 5.0, **limits: float
) -> list[Finding]:
    """The inspection's UPS findings; an unreachable UPS is one critical finding."""
    subject = f"{name}@{host}"
    try:
        client = connect(host, port, timeout=timeout)
        state = read_state(client, name)
    except UpsError as exc:
        return [
            Finding(
                AREA,
                "ups_reachable",
                "critical",
                subject,
                f"UPS {subject} did not answer: {exc}",
                suggested_class=2,
                params={"error": str(exc)},
            )
        ]
    return findings_for(state, subject, **limits)


def refuse_unless_on_line(state: UpsState) -> None:
    """A battery test only on line: a test on battery drains what the servers need."""
    if "OL" not in state.status or "OB" in state.status:
        raise UpsError(
            f"UPS {state.name} is not on line ({' '.join(state.status) or 'no status'}): "
            "no battery test now"
        )


def battery_test_preview(client: Any, name: str, command: str) -> dict[str, Any]:
    """What check mode reports of a battery test: the UPS read, refused as the real run
    would refuse it (UpsError), no command sent."""
    state = read_state(client, name)
    refuse_unless_on_line(state)
    return {
        "ups": name,
        "command": command,
        "would_start": True,
        "before": {
            "status": " ".join(state.status),
            "charge": state.charge,
            "test_result": state.test_result,
        },
    }


def battery_test(
    client: Any,
    name: str,
    command: str = "test.battery.start",
    wait_s: float = 60,
    poll_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Run the UPS's battery test through upsd and read its result back.

    Refuses to start unless the UPS is on line (a test on battery drains what the
    servers need). Done when ``ups.test.result`` no longer says "in progress" after it
    did (or says something else than before the command), or after ``wait_s`` (then
    ``completed`` is False).
    """
    from PyNUTClient.PyNUT import PyNUTError  # noqa: PLC0415

    before = read_state(client, name)
    record: dict[str, Any] = {
        "ups": name,
        "command": command,
        "before": {
            "status": " ".join(before.status),
            "charge": before.charge,
            "runtime": before.runtime,
            "test_result": before.test_result,
        },
    }
    refuse_unless_on_line(before)
    try:
        client.RunUPSCommand(name, command)
    except PyNUTError as exc:
        raise UpsError(f"UPS {name}: {command} refused by upsd: {exc}") from None
    start = clock()
    during: set[str] = set()
    state = before
    seen_progress = False  # the same result as before counts once "in progress" was seen
    while clock() - start < wait_s:
        sleep(poll_s)
        state = read_state(client, name)
        during.update(state.status)
        result = state.test_result.strip().lower()
        if any(word in result for word in IN_PROGRESS):
            seen_progress = True
        elif result and (seen_progress or result != before.test_result.strip().lower()):
            break
    result = state.test_result.strip()
    lowered = result.lower()
    completed = (
        bool(result)
        and (seen_progress or result != before.test_result.strip())
        and not any(w in lowered for w in IN_PROGRESS)
    )
    record.update(
        completed=completed,
        result=result,
        passed=completed and not any(w in lowered for w in FAILED_WORDS),
        seconds=round(clock() - start, 1),
        after={"status": " ".join(state.status), "charge": state.charge, "runtime": state.runtime},
        status_seen=sorted(during),
    )
    return record


def write_record(record: Mapping[str, Any], directory: str, stamp: str) -> str:
    """The test's JSON record ``<directory>/ups-test-<ups>-<stamp>.json`` (atomic)."""
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415

    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"ups-test-{record['ups']}-{stamp}.json")
    write_atomic(path, json.dumps(dict(record), indent=1, sort_keys=True) + "\n")
    return path


def recent_record(directory: str, name: str, days: float, now: float) -> Optional[dict[str, Any]]:
    """The newest record of a passed test of ``name`` younger than ``days``, if any."""
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415

    if days <= 0 or not os.path.isdir(directory):
        return None
    newest: Optional[tuple[float, dict[str, Any]]] = None
    prefix = f"ups-test-{name}-"
    for entry in os.listdir(directory):
        if not (entry.startswith(prefix) and entry.endswith(".json")):
            continue
        path = os.path.join(directory, entry)
        mtime = os.path.getmtime(path)
        if now - mtime > days * 86400:
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            continue
        if record.get("passed") and (newest is None or mtime > newest[0]):
            newest = (mtime, dict(record, path=path))
    return newest[1] if newest else None
