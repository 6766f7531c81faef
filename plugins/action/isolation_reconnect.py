# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills the switches' connections and the hospital's inventory facts from the inventory,
and runs the reconnection in the worker process, like the isolation: an operator waiting for
a switch's lock is told at once who holds it."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.netops_action import (
    InProcessNetopsAction,
)


class ActionModule(InProcessNetopsAction):
    pass
