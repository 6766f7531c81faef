# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of the action plugins that do their module's work themselves, on the controller
(the module file holds the documentation and ``ARGUMENT_SPEC``): the task's arguments are
completed from the inventory (``complete``), checked against the spec, then ``act``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import validated_args


class SpecCheckedAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC: Mapping[str, Any] = {}

    def complete(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's arguments completed from the inventory (``args`` is a copy)."""
        return args

    def act(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The task's result from its checked arguments."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = validated_args(self.ARGUMENT_SPEC, self.complete(dict(self._task.args), task_vars))
        result.update(self.act(args, task_vars))
        return result
