# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the hospital did on purpose, as the addresses check reads it: the endpoints an open
isolation of the state store cut off (compliance reads its holds through
netplan.compliance_deliberate)."""

from __future__ import annotations

import os

from ..state.store import StateStore


def _store(state_dir: str) -> StateStore | None:
    if not state_dir or not os.path.isdir(state_dir):
        return None
    return StateStore(state_dir)


def isolated_endpoints(state_dir: str) -> dict[str, dict[str, str]]:
    """IP, MAC or name of every endpoint an open isolation cut off -> ``{"kind", "id"}``."""
    store = _store(state_dir)
    if store is None:
        return {}
    return {key: {"kind": h.kind, "id": h.id} for key, h in store.isolated_endpoints().items()}
