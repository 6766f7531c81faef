# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin base of the modules that run on the controller with arguments the
inventory fills: a subclass says how (``module_args``); the module then runs as usual, in
the worker when it would run on this Python (plugin_utils/in_worker.py)."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.plugin_utils.in_worker import InWorkerModules


class ControllerModuleAction(InWorkerModules, ActionBase):
    TRANSFERS_FILES = False

    def module_args(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's arguments completed from the inventory (``args`` is a copy)."""
        return args

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = self.module_args(dict(self._task.args), task_vars)
        result.update(
            self._execute_module(
                module_name=self._task.action, module_args=args, task_vars=task_vars
            )
        )
        return result
