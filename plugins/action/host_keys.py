# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds the enrolment's targets from the inventory and runs it in the worker process.

The enrolment must not go through the hosts' connection: an SSH connection would check
the very key being enrolled (and, for a host not yet known, refuse). The controller
fetches each key itself (the key exchange only), so the module runs here, as the
isolation's does, with the same argument spec and validation as the module file.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.modules import host_keys
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import (
    default_workers,
    fleet_hosts,
    known_hosts_above_inventory,
    known_hosts_default,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        template = self._templar.template
        hosts = args.get("hosts")
        if hosts is None:
            hosts = [task_vars.get("inventory_hostname")]
        # The file: the task's, else one set over the inventory (play, -e) for every host,
        # else each host's inventory hisops_known_hosts, else the project's default.
        above = args.get("known_hosts") or known_hosts_above_inventory(task_vars, template)
        if not args.get("targets"):
            args["targets"] = [
                self._target(name, variables, template, above)
                for name, variables in fleet_hosts(hosts, task_vars)
            ]
        if not args.get("known_hosts"):
            args["known_hosts"] = known_hosts_default(task_vars)
        args.setdefault("workers", default_workers())
        checked = ArgumentSpecValidator(host_keys.argument_spec()).validate(args)
        if checked.error_messages:
            return {**result, "failed": True, "msg": "; ".join(checked.error_messages)}
        if not host_keys.HAS_PARAMIKO:
            raise AnsibleActionFail(f"paramiko is required: {host_keys.PARAMIKO_IMPORT_ERROR}")
        try:
            outcome = host_keys.run(
                checked.validated_parameters,
                bool(self._play_context.check_mode),
                bool(self._task.diff),
            )
        except NetdevError as exc:
            return {**result, "failed": True, "msg": str(exc)}
        result.update(outcome)
        result.setdefault("changed", False)
        return result

    @staticmethod
    def _target(name: str, variables: Any, template, known_hosts: str) -> dict[str, Any]:
        def value(key: str, default: Any) -> Any:
            raw = variables.get(key) if key in variables else None
            return template(raw) if raw not in (None, "") else default

        target = {
            "name": name,
            "host": str(value("ansible_host", name)),
            "port": int(value("ansible_port", 22)),
        }
        known_hosts = known_hosts or value("hisops_known_hosts", "")
        if known_hosts:
            target["known_hosts"] = str(known_hosts)
        return target
