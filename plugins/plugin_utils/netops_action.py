# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin base of the network emergency modules (isolation, reconnect).

They act on the network as a whole, from one run on the controller: ``hosts`` lists the
switches (the switch action base builds each one's connection from its inventory
variables), and this base adds what the inventory says of each switch (role, management
address) and of the hospital (VLANs, management VLAN, known endpoints, controller).
"""

from __future__ import annotations

import importlib
from typing import Any

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import session
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.state import locks
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import (
    StateError,
    describe_holder,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import SwitchActionBase

# module option -> inventory variable (taken from the first listed switch when not given)
_FROM_INVENTORY = {
    "vlans": "hisops_vlans",
    "mgmt_vlan": "hisops_mgmt_vlan",
    "endpoints": "hisops_endpoints",
    "controller_ip": "hisops_controller_ip",
}


def _tell_operator(resource: str, holder: dict[str, Any]) -> None:
    """Shown at once on the operator's screen (the worker hands it to the main process)."""
    from ansible.utils.display import Display

    Display().warning(f"waiting for the lock on {resource}: held by {describe_holder(holder)}")


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
        args["state_dir"] = state_dir_for(args, task_vars, self._templar.template)
        first = hostvars[args["hosts"][0]] if args["hosts"] else {}
        for option, variable in _FROM_INVENTORY.items():
            if args.get(option) in (None, "", []) and first.get(variable) not in (None, ""):
                args[option] = self._templar.template(first[variable])
        return args


class InProcessNetopsAction(NetopsActionBase):
    """Runs the module's ``run(params, check_mode, diff)`` in this worker process.

    For the emergency path (isolate): the same argument spec, validation, code and
    results as the module, without building an AnsiballZ payload, four shell commands
    and a second Python importing netmiko again (about a second of a three-second
    goal). The module file stays the documented interface and runs standalone.
    """

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        name = str(module_name or self._task.action).rsplit(".", 1)[-1]
        module = importlib.import_module(
            f"ansible_collections.hisops.emergency.plugins.modules.{name}"
        )
        checked = ArgumentSpecValidator(module.argument_spec()).validate(dict(module_args or {}))
        if checked.error_messages:
            return {"failed": True, "msg": "; ".join(checked.error_messages)}
        if not session.HAS_NETMIKO:
            return {
                "failed": True,
                "msg": missing_required_lib("netmiko"),
                "exception": str(session.NETMIKO_IMPORT_ERROR),
            }
        try:
            with locks.notify_waits(_tell_operator):
                result = module.run(
                    checked.validated_parameters,
                    bool(self._play_context.check_mode),
                    bool(self._task.diff),
                )
        except (NetdevError, StateError) as exc:
            result = {"failed": True, "msg": str(exc)}
        result.setdefault("changed", False)
        return remove_values(result, checked._no_log_values)  # pylint: disable=protected-access
