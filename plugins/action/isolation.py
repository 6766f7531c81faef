# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills the switches' connections and the hospital's inventory facts from the inventory,
and runs the isolation in the worker process (the emergency path: no module start-up)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.netops_action import (
    InProcessNetopsAction,
)


class ActionModule(InProcessNetopsAction):
    pass
