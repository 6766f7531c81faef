# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fills client_fleet's ``connections`` from each workstation's inventory variables and
runs the module on the controller (the task is ``run_once`` and delegated to localhost)."""

from __future__ import annotations

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.plugin_utils.switch_action import (
    default_workers,
    fleet_hosts,
)

# connection entry key -> inventory variables, first set wins
_FROM_VARS = {
    "host": ("ansible_host", "ansible_ssh_host"),
    "port": ("ansible_port", "ansible_ssh_port"),
    "user": ("ansible_user", "ansible_ssh_user"),
    "key_file": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
    "common_args": ("ansible_ssh_common_args",),
    "extra_args": ("ansible_ssh_extra_args",),
    "python": ("ansible_python_interpreter",),
    "host_key_checking": ("ansible_ssh_host_key_checking", "ansible_host_key_checking"),
    "become": ("ansible_become",),
    "become_user": ("ansible_become_user",),
    "become_method": ("ansible_become_method",),
}
# Not supported by the fleet's non-interactive OpenSSH sessions: refused, naming the host.
_REFUSED = {
    "ansible_password": "password authentication (use a key: ansible_ssh_private_key_file)",
    "ansible_ssh_pass": "password authentication (use a key: ansible_ssh_private_key_file)",
    "ansible_become_password": "a become password (sudo must not ask: NOPASSWD, or connect as root)",
    "ansible_become_pass": "a become password (sudo must not ask: NOPASSWD, or connect as root)",
}


def connection_from_vars(name, variables, explicit=None) -> dict:
    for var, what in _REFUSED.items():
        if var in variables and variables.get(var) not in (None, ""):
            raise AnsibleActionFail("connections: %s sets %s: %s is not supported by "
                                    "client_fleet" % (name, var, what))
    conn = dict(explicit or {})
    conn["name"] = name
    for key, names in _FROM_VARS.items():
        if conn.get(key) not in (None, ""):
            continue
        for var in names:
            value = variables.get(var) if var in variables else None
            if value not in (None, ""):
                conn[key] = value
                break
    if str(conn.get("python", "")).startswith("auto"):
        conn.pop("python")  # interpreter discovery: the module's default /usr/bin/python3
    if conn.get("host_key_checking") in (None, ""):
        conn["host_key_checking"] = bool(C.HOST_KEY_CHECKING)
    conn["host_key_checking"] = boolean(conn["host_key_checking"], strict=False)
    conn["become"] = boolean(conn.get("become") or False, strict=False)
    if conn.get("port") not in (None, ""):
        conn["port"] = str(conn["port"])
    return conn


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        hosts = fleet_hosts(args.get("hosts"), task_vars)
        explicit = {c.get("name"): c for c in args.get("connections") or [] if isinstance(c, dict)}
        args["hosts"] = [name for name, _variables in hosts]
        args["connections"] = [connection_from_vars(name, variables, explicit.get(name))
                               for name, variables in hosts]
        args.setdefault("workers", default_workers())
        result.update(self._execute_module(module_name=self._task.action, module_args=args,
                                           task_vars=task_vars))
        return result
