# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open or close one hold from a playbook: a rollout or a switchover in progress, a fence.

Workflows whose own records write their holds (isolations, vendor windows, spare swaps) do
not need this; a workflow that runs over several tasks opens its hold when it starts and
closes it when it ends, stopped or done (module ``state_hold``). Idempotent: changed only
when the hold moved; check mode says what would move and writes nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from typing import Any

from .errors import StateError
from .store import KINDS, Hold, StateStore

STATES = ("open", "closed")


class HoldInputError(StateError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def set_hold(
    state_dir: str,
    state: str,
    hold_id: str,
    *,
    kind: str,
    key: str = "",
    operator: str = "",
    summary: str = "",
    devices: Iterable[str] = (),
    endpoints: Iterable[str] = (),
    details: dict[str, Any] | None = None,
    exclusive: bool = False,
    check_mode: bool = False,
) -> dict[str, Any]:
    """``state=open``: the hold exists and is open; ``closed``: closed if it exists. With
    ``exclusive``, opening is refused while another open hold of the same kind shares an
    endpoint (two rollouts to the same workstations). Returns changed, before and after
    (absent/open/closed) and the hold."""
    if state not in STATES:
        raise HoldInputError("state", f"{state!r} is not one of {', '.join(STATES)}")
    if kind not in KINDS:
        raise HoldInputError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if not hold_id:
        raise HoldInputError("id", "a hold needs an id (e.g. the run's id)")
    store = StateStore(state_dir)
    before = store.get(hold_id)
    if before is not None and before.kind != kind:
        raise HoldInputError("id", f"hold {hold_id} is a {before.kind}, not a {kind}")
    warnings: list[str] = []
    if state == "open" and exclusive:
        mine = set(endpoints)
        others = [
            h
            for h in store.active(kind)
            if h.id != hold_id and mine & {e.get("name") for e in h.endpoints}
        ]
        for other in [h for h in others if _run_gone(h)]:
            if not check_mode:
                store.close(
                    other.id, f"hisops (its run, pid {other.details['run']['pid']}, is gone)"
                )
            warnings.append(
                f"{other.describe()} was left open by a run that died (pid "
                f"{other.details['run']['pid']} on {other.details['run']['host']}): closed"
            )
            others.remove(other)
        if others:
            other = others[0]
            raise HoldInputError(
                "id",
                f"{other.describe()} is in progress on {len(mine & {e.get('name') for e in other.endpoints})} "
                f"of the same hosts; nothing was done: wait for it to end, or if its run died, close it with "
                f"hisops state close {other.id} --reason '...'",
            )
    before_state = before.state if before else "absent"
    after_state = "open" if state == "open" else ("closed" if before else "absent")
    result: dict[str, Any] = {
        "changed": before_state != after_state,
        "before": before_state,
        "after": after_state,
        "warnings": warnings,
    }
    if check_mode or not result["changed"]:
        result["hold"] = before.as_dict() if before else None
        return result
    hold: Hold | None
    if state == "open":
        hold = store.open(
            kind,
            key or hold_id,
            id=hold_id,
            operator=operator,
            summary=summary,
            devices=devices,
            endpoints=[{"name": name} for name in endpoints],
            details=dict(details or {}),
        )
    else:
        hold = store.close(hold_id, operator)
    result["hold"] = hold.as_dict() if hold else None
    return result


def _run_gone(hold: Any) -> bool:
    """A hold whose run (``details.run``: the ansible-playbook pid and host) no longer lives
    on this controller: it died without closing its hold."""
    run = hold.details.get("run") or {}
    if not run.get("pid") or run.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(run["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
