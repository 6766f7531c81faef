# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One job run on many switches at once: results are data, one failure hides nothing.

Ansible runs a module once per host and task: a worker fork, an AnsiballZ payload and a
fresh Python importing netmiko, for every switch and every task. For read-mostly jobs
over a whole fleet (nightly backup, scheduled compliance) that fixed cost is most of the
work; one module run that opens the sessions from a thread pool does the same in a
fraction of the time. Each device still gets its own result (nornir style): ``failed``
and ``msg`` when it failed, the job's own keys when it did not.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from .errors import InputError, NetdevError
from .session import DeviceParams


@dataclass
class FleetDevice:
    """One switch of a fleet run: how to reach it (``params``) and per-device job input."""

    name: str
    params: DeviceParams
    extra: dict[str, Any]


def run_per_device(
    devices: list[FleetDevice],
    job: Callable[[FleetDevice], dict[str, Any]],
    workers: int,
) -> dict[str, dict[str, Any]]:
    """``job`` for every device, ``workers`` at a time; the results keyed by device name.

    A device whose job raises gets ``{"failed": True, "msg": ...}``; the others go on.
    NetdevError already names the device and says what to do; anything else is a fault of
    the job itself and is reported with its type so that it is not mistaken for the network.
    """
    names = [d.name for d in devices]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"devices: {', '.join(duplicates)} listed more than once")
    if workers < 1:
        raise InputError(f"workers: {workers} must be at least 1")

    def guarded(device: FleetDevice) -> dict[str, Any]:
        try:
            result = job(device)
        except NetdevError as exc:
            return {"failed": True, "msg": str(exc)}
        except (OSError, ValueError) as exc:
            return {"failed": True, "msg": f"{device.name}: {exc}"}
        except Exception as exc:  # noqa: BLE001 - one device's fault must not hide the others
            return {
                "failed": True,
                "msg": f"{device.name}: internal error {type(exc).__name__}: {exc}",
            }
        result.setdefault("failed", False)
        return result

    if not devices:
        return {}
    with ThreadPoolExecutor(max_workers=min(workers, len(devices))) as pool:
        results = list(pool.map(guarded, devices))
    return dict(sorted(zip(names, results, strict=True)))


def failed_names(results: dict[str, dict[str, Any]]) -> list[str]:
    return [name for name, result in results.items() if result.get("failed")]


def summary(results: dict[str, dict[str, Any]], verb: str, flagged: list[str], flag: str) -> str:
    """One line for the run record: how many devices, which were flagged, which failed."""

    def names(items: list[str]) -> str:
        return ", ".join(items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")

    failed = failed_names(results)
    text = f"{len(results)} switch(es) {verb}: {len(flagged)} {flag}"
    if flagged:
        text += f" ({names(flagged)})"
    text += f", {len(failed)} failed"
    if failed:
        text += f" ({names(failed)})"
    return text
