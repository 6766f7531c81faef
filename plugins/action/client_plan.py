# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills client_plan's ``state_dir`` (the hospital's deliberate state: open isolations),
each workstation's ``aliases`` (address, IP, MAC: the names a hold may use) and, for a
rollout, the ``connections`` its canary probe uses; runs the module on the controller."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible_collections.hisops.emergency.plugins.plugin_utils.client_connections import (
    aliases_of,
    connection_from_vars,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.controller_action import (
    ControllerModuleAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for


class ActionModule(ControllerModuleAction):
    def module_args(self, args, task_vars):
        args["state_dir"] = state_dir_for(args, task_vars, self._templar.template)
        hostvars = task_vars.get("hostvars") or {}
        groups = args.get("inventory_groups") or {}
        group = args.get("group") or "workstations"
        hosts = [str(h) for h in groups.get(group) or [] if str(h) in hostvars]
        if args.get("aliases") is None:
            endpoints = task_vars.get("hisops_endpoints")
            if endpoints is not None:
                endpoints = self._templar.template(endpoints)
            args["aliases"] = {h: aliases_of(h, hostvars[h], endpoints) for h in hosts}
        if (args.get("purpose") or "rollout") == "rollout" and args.get("connections") is None:
            connections = []
            for host in hosts:
                try:
                    connections.append(connection_from_vars(host, hostvars[host]))
                except AnsibleActionFail:
                    continue  # client_fleet refuses it later, naming the host; not probed here
            args["connections"] = connections
        return args
