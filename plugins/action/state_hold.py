# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills state_hold's ``state_dir`` (task arg, ``hisops_state_dir``, ``$HISOPS_STATE_DIR``,
else var/state beside the playbooks) and runs the module on the controller."""

from __future__ import annotations

import os
import socket

from ansible_collections.hisops.emergency.plugins.plugin_utils.controller_action import (
    ControllerModuleAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for


class ActionModule(ControllerModuleAction):
    def module_args(self, args, task_vars):
        args["state_dir"] = state_dir_for(args, task_vars, self._templar.template)
        # the run that holds it (ansible-playbook, this worker's parent): a hold whose run
        # died is found out by the next exclusive one
        args["details"] = {
            **dict(args.get("details") or {}),
            "run": {"pid": os.getppid(), "host": socket.gethostname()},
        }
        return args
