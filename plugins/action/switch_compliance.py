# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills the switch module's ``provider`` from the host's inventory variables, and
``state_dir`` (the open isolations, fences and vendor windows compliance calls expected)
by the one rule."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import SwitchActionBase


class ActionModule(SwitchActionBase):
    STATE_DIR = True
