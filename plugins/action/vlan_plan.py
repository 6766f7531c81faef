# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet mode of vlan_plan: each host's part of the plan read from its own variables."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

_PLATFORM = {"cisco.ios.ios": "cisco_ios", "ios": "cisco_ios"}


def _get(variables, name, default=None):
    return variables.get(name, default)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if args.get("hosts") is not None:
            hosts = args["hosts"]
            if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
                raise AnsibleActionFail("hosts: must be a list of inventory hostnames")
            hostvars = task_vars.get("hostvars") or {}
            unknown = [str(h) for h in hosts if str(h) not in hostvars]
            if unknown:
                raise AnsibleActionFail(f"hosts: not in the inventory: {', '.join(unknown)}")
            switches = []
            for host in map(str, hosts):
                variables = hostvars[host]
                switch = _get(variables, "hisops_switch", {}) or {}
                platform = str(_get(variables, "hisops_platform") or _get(variables, "ansible_network_os") or "")
                switches.append({
                    "name": host,
                    "hostname": (switch.get("hostname") if isinstance(switch, dict) else None) or host,
                    "platform": _PLATFORM.get(platform, platform.rsplit(".", 1)[-1]),
                    "switch": switch,
                    "vlans": _get(variables, "hisops_vlans", []) or [],
                    "mgmt_vlan": _get(variables, "hisops_mgmt_vlan"),
                    "acls": _get(variables, "hisops_acls"),
                })
            args["hosts"] = [str(h) for h in hosts]
            args["switches"] = switches
        result.update(self._execute_module(module_name=self._task.action, module_args=args,
                                           task_vars=task_vars))
        return result
