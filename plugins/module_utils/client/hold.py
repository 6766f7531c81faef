# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client rollouts and the hospital's deliberate state (controller only: SQLite).

Read: which workstations an open isolation cut off (a rollout defers them, an audit leaves
them alone). Written: the rollout itself, a hold of kind ``rollout`` while it runs, closed
when it ends (stopped or done), so other workflows see it.
"""

from __future__ import annotations

from ..state.errors import StateError
from ..state.store import StateStore
from .errors import ClientError, InputError

HOLD_STATES = ("open", "closed")


def isolated_workstations(state_dir: str, aliases: dict) -> dict:
    """Workstation -> why it is cut off, for those an open isolation names.

    ``aliases`` maps each inventory name to the other names it may carry in a hold (its
    address, MAC); the inventory name itself always counts.
    """
    try:
        cut = StateStore(state_dir).isolated_endpoints()
    except StateError as exc:
        raise ClientError(str(exc), field="state_dir") from None
    found = {}
    for host, names in aliases.items():
        for name in [host, *(names or [])]:
            hold = cut.get(str(name)) if name else None
            if hold is not None:
                found[host] = hold.describe()
                break
    return found


def rollout_hold(state_dir: str, state: str, hold_id: str, *, operator: str = "",
                 group: str = "", version: str = "", hosts=(), details=None,
                 check_mode: bool = False) -> dict:
    """Open (``state=open``) or close the rollout's hold; changed only when it moved."""
    if state not in HOLD_STATES:
        raise InputError("%r is not one of %s" % (state, ", ".join(HOLD_STATES)), field="state")
    if not hold_id:
        raise InputError("the rollout's hold needs an id (the run id)", field="id")
    try:
        store = StateStore(state_dir)
        before = store.get(hold_id)
        if before is not None and before.kind != "rollout":
            raise InputError("hold %s is a %s, not a rollout" % (hold_id, before.kind), field="id")
        before_state = before.state if before else "absent"
        wanted = "open" if state == "open" else ("closed" if before else "absent")
        result = {"changed": before_state != wanted, "before": before_state, "after": wanted}
        if check_mode or not result["changed"]:
            result["hold"] = before.as_dict() if before else None
            return result
        if state == "open":
            hold = store.open("rollout", "client:%s" % (group or "workstations"), id=hold_id,
                              operator=operator,
                              summary="HIS client %s to %s" % (version or "?", group or "?"),
                              endpoints=[{"name": h} for h in hosts],
                              details=dict(details or {}, version=version, group=group))
        else:
            hold = store.close(hold_id, operator)
    except StateError as exc:
        raise ClientError(str(exc), field="state_dir") from None
    result["hold"] = hold.as_dict()
    return result
