# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills the switch module's ``provider`` from the host's inventory variables, and
``state_dir`` (the open isolations, fences and vendor windows compliance calls expected)
by the one rule."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import SwitchActionBase


class ActionModule(SwitchActionBase):
    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        self._task.args["state_dir"] = state_dir_for(
            self._task.args, task_vars, self._templar.template
        )
        return super().run(tmp, task_vars)
