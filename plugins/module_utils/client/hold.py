# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client rollouts and the hospital's deliberate state (controller only: SQLite).

Read: which workstations an open isolation cut off (a rollout defers them, an audit leaves
them alone). The rollout itself is a hold of kind ``rollout`` while it runs (the generic
``state_hold`` module, module_utils/state/holds.py).
"""

from __future__ import annotations

from ..state.errors import StateError
from ..state.store import StateStore
from .errors import ClientError


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
