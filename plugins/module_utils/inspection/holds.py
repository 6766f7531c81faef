# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the hospital did on purpose, as the inspection reads it: the open holds of the
state store (isolations, vendor windows, fences, swaps) per switch and per endpoint."""

from __future__ import annotations

import os
from typing import Any, Callable

from ..state.store import StateStore


def _store(state_dir: str) -> StateStore | None:
    if not state_dir or not os.path.isdir(state_dir):
        return None
    return StateStore(state_dir)


def holds_of(state_dir: str) -> Callable[[str], list[dict[str, Any]]]:
    """device name -> its open holds (``{"kind", "id", "summary"}``), oldest first."""
    store = _store(state_dir)
    holds = store.active() if store else []

    def of(device: str) -> list[dict[str, Any]]:
        return [
            {"kind": h.kind, "id": h.id, "summary": h.summary} for h in holds if device in h.devices
        ]

    return of


def isolated_endpoints(state_dir: str) -> dict[str, dict[str, str]]:
    """IP, MAC or name of every endpoint an open isolation cut off -> ``{"kind", "id"}``."""
    store = _store(state_dir)
    if store is None:
        return {}
    return {key: {"kind": h.kind, "id": h.id} for key, h in store.isolated_endpoints().items()}
