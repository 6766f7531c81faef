# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills every switch's connection, role, model and firmware and the hospital's VLANs,
endpoints and controller from the inventory; runs in this worker (read-only fleet check)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.netops_action import (
    InProcessNetopsAction,
)


class ActionModule(InProcessNetopsAction):
    pass
