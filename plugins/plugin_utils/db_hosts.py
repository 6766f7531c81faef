# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run collection modules on other inventory hosts from inside one action plugin.

The failover is one task (issue 7): the controller reads both database servers, fences
the old primary and promotes the standby without going back to the strategy between the
steps. Ansible gives an action plugin the connection of its own host only, so this builds
the connection (and its become plugin) of another host the way the task executor does:
the host's variables set the connection plugin's options (``ansible_host``,
``ansible_user``, ``ansible_ssh_private_key_file``, ``ansible_ssh_common_args``, ...), the
configuration supplies the rest (ssh_args, pipelining, ControlPersist). Connections are
kept for the task's lifetime, so each host costs one SSH handshake.
"""

from __future__ import annotations

import base64
import copy
import json
import shlex
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.loader import become_loader, connection_loader


def validated_args(spec: Mapping[str, Any], task_args: Mapping[str, Any]) -> dict[str, Any]:
    """A DB action's arguments checked against its module's spec (the action runs no module
    of its own name, so Ansible does not check them), each error naming the field."""
    validated = ArgumentSpecValidator(dict(spec)).validate(dict(task_args))
    if validated.error_messages:
        raise AnsibleActionFail("; ".join(validated.error_messages))
    return validated.validated_parameters


class HostModules:
    """Modules on the hosts of ``task_vars['hostvars']`` through ``action``'s machinery."""

    def __init__(self, action: Any, task_vars: Mapping[str, Any], connect_timeout: int = 0):
        self._action = action
        self._task_vars = task_vars
        self._connect_timeout = connect_timeout  # 0: the configuration's (ansible.cfg timeout)
        self._connections: dict[tuple[str, str | None, str], Any] = {}

    def variables(self, host: str) -> dict[str, Any]:
        hostvars = self._task_vars.get("hostvars") or {}
        if host not in hostvars:
            raise AnsibleError(f"{host}: not in the inventory")
        raw = hostvars[host]
        names = [k for k in raw if k.startswith(("ansible_", "hisops_")) or k in (
            "inventory_hostname", "inventory_hostname_short", "group_names")]
        out = {k: raw[k] for k in names}
        out.setdefault("inventory_hostname", host)
        return self._action._templar.template(out)

    def _connection(self, host: str, become_user: str | None, lane: str = "") -> Any:
        """One connection object (and become plugin) per host, user and ``lane``: an
        Ansible connection is not safe for two commands at once (the become plugin keeps
        the success marker of its latest command), so a concurrent caller takes its own."""
        key = (host, become_user, lane)
        if key in self._connections:
            return self._connections[key]
        variables = self.variables(host)
        kind = variables.get("ansible_connection") or "ssh"
        if kind == "smart":
            kind = "ssh"
        play_context = copy.copy(self._action._play_context)
        play_context.remote_addr = variables.get("ansible_host", host)
        connection = connection_loader.get(kind, play_context, None)
        if connection is None:
            raise AnsibleError(f"{host}: connection plugin {kind} not found")
        direct = {"timeout": self._connect_timeout} if self._connect_timeout else None
        connection.set_options(var_options=variables, direct=direct)
        become = None
        if become_user:
            become = become_loader.get("ansible.builtin.sudo")
            become.set_options(direct={"become_user": become_user})
        connection.set_become_plugin(become)
        self._connections[key] = (connection, variables)
        return self._connections[key]

    def run(self, host: str, module: str, args: Mapping[str, Any],
            become_user: str | None = None) -> dict[str, Any]:
        """The module's result on ``host`` (``unreachable``/``failed`` keys as Ansible sets).

        Check mode is the task's. Each call works on a shallow copy of the action holding
        the other host's connection, so calls to different hosts may run in threads.
        """
        try:
            connection, variables = self._connection(host, become_user)
            action = copy.copy(self._action)
            action._connection = connection
            return action._execute_module(module_name=module, module_args=dict(args),
                                          task_vars=variables)
        except AnsibleError as exc:  # connection refused, timeout, ...
            return {"unreachable": True, "failed": True, "msg": f"{host}: {exc}"}

    def write_json(self, host: str, path: str, data: Any, become_user: str | None = None) -> bool:
        """Write ``data`` as JSON to ``path`` on ``host`` (as ``become_user``), atomically: one
        raw command over the host's kept connection, no Python start on the host."""
        try:
            # Its own lane: the step waiting for this word runs on the main one right now.
            connection, _variables = self._connection(host, become_user, lane="word")
            action = copy.copy(self._action)
            action._connection = connection
            blob = base64.b64encode(json.dumps(data).encode()).decode()
            tmp = shlex.quote(f"{path}.tmp")
            cmd = (f"umask 077 && printf %s {blob} | base64 -d > {tmp} && "
                   f"mv -f {tmp} {shlex.quote(path)}")
            return action._low_level_execute_command(cmd, sudoable=True).get("rc") == 0
        except AnsibleError:
            return False

    def run_each(self, calls: list[tuple[str, str, Mapping[str, Any], str | None]]
                 ) -> list[dict[str, Any]]:
        """``run`` for each (host, module, args, become_user) at once; results in order."""
        with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
            return list(pool.map(lambda c: self.run(*c), calls))

    def close(self) -> None:
        for connection, _variables in self._connections.values():
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a closing connection must not hide the result
                pass
        self._connections.clear()
