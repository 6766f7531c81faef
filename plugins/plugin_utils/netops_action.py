# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin base of the network emergency modules (isolation, reconnect).

They act on the network as a whole, from one run on the controller: ``hosts`` lists the
switches (the switch action base builds each one's connection from its inventory
variables), and this base adds what the inventory says of each switch (role, management
address) and of the hospital (VLANs, management VLAN, known endpoints, controller).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import SwitchActionBase

# module option -> inventory variable (taken from the first listed switch when not given)
_FROM_INVENTORY = {
    "vlans": "hisops_vlans",
    "mgmt_vlan": "hisops_mgmt_vlan",
    "endpoints": "hisops_endpoints",
    "controller_ip": "hisops_controller_ip",
}


class NetopsActionBase(SwitchActionBase):
    def fleet_args(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        args = super().fleet_args(args, task_vars)
        hostvars = task_vars.get("hostvars") or {}
        for device in args["devices"]:
            variables = hostvars[device["name"]]
            device["role"] = str(variables.get("hisops_role") or "")
            device["mgmt_ip"] = str(variables.get("hisops_mgmt_ip") or "")
            device["model"] = str(variables.get("hisops_model") or "")
            device["firmware"] = str(variables.get("hisops_firmware") or "")
        first = hostvars[args["hosts"][0]] if args["hosts"] else {}
        for option, variable in _FROM_INVENTORY.items():
            if args.get(option) in (None, "", []) and first.get(variable) not in (None, ""):
                args[option] = self._templar.template(first[variable])
        return args
