# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills client_fleet's ``connections`` from each workstation's inventory variables and
runs the module on the controller (the task is ``run_once`` and delegated to localhost)."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.client_connections import (
    connection_from_vars,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.controller_action import (
    ControllerModuleAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import (
    default_workers,
    fleet_hosts,
)

__all__ = ["ActionModule", "connection_from_vars"]


class ActionModule(ControllerModuleAction):
    def module_args(self, args, task_vars):
        hosts = fleet_hosts(args.get("hosts"), task_vars)
        explicit = {c.get("name"): c for c in args.get("connections") or [] if isinstance(c, dict)}
        args["hosts"] = [name for name, _variables in hosts]
        args["connections"] = [connection_from_vars(name, variables, explicit.get(name))
                               for name, variables in hosts]
        args.setdefault("workers", default_workers())
        return args
