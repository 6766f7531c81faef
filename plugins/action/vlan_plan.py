# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet mode of vlan_plan: each host's part of the plan read from its own variables."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.plugin_utils.controller_action import (
    ControllerModuleAction,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import (
    fleet_hosts,
    platform_name,
)


def _get(variables, name, default=None):
    return variables.get(name, default)


class ActionModule(ControllerModuleAction):
    def module_args(self, args, task_vars):
        if args.get("hosts") is not None:
            hosts = fleet_hosts(args["hosts"], task_vars)
            switches = []
            for host, variables in hosts:
                switch = _get(variables, "hisops_switch", {}) or {}
                platform = _get(variables, "hisops_platform") or _get(
                    variables, "ansible_network_os"
                )
                switches.append(
                    {
                        "name": host,
                        "hostname": (switch.get("hostname") if isinstance(switch, dict) else None)
                        or host,
                        "platform": platform_name(platform),
                        "switch": switch,
                        "vlans": _get(variables, "hisops_vlans", []) or [],
                        "mgmt_vlan": _get(variables, "hisops_mgmt_vlan"),
                        "acls": _get(variables, "hisops_acls"),
                    }
                )
            args["hosts"] = [name for name, _variables in hosts]
            args["switches"] = switches
        return args
