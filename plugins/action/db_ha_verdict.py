# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The go/no-go judged in the worker on the controller (see the module's docs): pure logic
and the status report, so no module process is started for it - every DB playbook reads
the pair two or three times (issue 15)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import verdict_result
from ansible_collections.hisops.emergency.plugins.modules.db_ha_verdict import ARGUMENT_SPEC
from ansible_collections.hisops.emergency.plugins.plugin_utils.spec_action import (
    SpecCheckedAction,
)


class ActionModule(SpecCheckedAction):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, task_vars):
        try:
            return verdict_result(args, check=bool(self._task.check_mode))
        except PgHaError as exc:  # a state that is not one, named (states[i])
            raise AnsibleActionFail(str(exc)) from exc
