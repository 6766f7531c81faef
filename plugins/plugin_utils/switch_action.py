# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared action plugin of the switch modules.

Switch modules run on the controller and reach the device with netmiko; the operator
should not repeat connection details in every task, so this plugin builds ``provider``
from the inventory (explicit ``provider`` keys win) and runs the module locally.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

_FROM_VARS = {
    "host": ("ansible_host",),
    "port": ("ansible_port",),
    "username": ("ansible_user",),
    "password": ("ansible_password", "ansible_ssh_pass"),
    "platform": ("hisops_platform", "ansible_network_os"),
    "secret": ("ansible_become_password",),
}


class SwitchActionBase(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        provider = dict(args.get("provider") or {})
        provider.setdefault("name", task_vars.get("inventory_hostname"))
        for key, names in _FROM_VARS.items():
            if provider.get(key) not in (None, ""):
                continue
            for name in names:
                value = task_vars.get(name)
                if value not in (None, ""):
                    provider[key] = self._templar.template(value)
                    break
        if provider.get("host") is None:
            provider["host"] = task_vars.get("inventory_hostname")
        platform = str(provider.get("platform") or "")
        if "." in platform:  # FQCN network_os such as cisco.ios.ios
            provider["platform"] = {"cisco.ios.ios": "cisco_ios", "ios": "cisco_ios"}.get(
                platform, platform.rsplit(".", 1)[-1]
            )
        args["provider"] = provider
        result.update(
            self._execute_module(
                module_name=self._task.action, module_args=args, task_vars=task_vars
            )
        )
        return result
