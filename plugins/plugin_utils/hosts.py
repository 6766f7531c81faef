# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reach other inventory hosts from inside one action plugin: the one way (docs/design.md).

Ansible gives an action plugin the connection of its own host only. A task that spans
hosts - the failover reading both database servers, fencing one and promoting the other
(issue 7), the pair's lock, a client job on hundreds of workstations (issue 8) - builds
the connection (and its become plugin) of each other host the way the task executor does:
the host's variables set the connection plugin's options (``ansible_host``,
``ansible_user``, ``ansible_ssh_private_key_file``, ``ansible_ssh_common_args``,
``ansible_become``, ...), the configuration supplies the rest (ssh_args, pipelining,
ControlPersist, host key checking). So a host is reached exactly as a plain task would
reach it. Connections are kept for the task's lifetime: one SSH handshake per host.

On top of a connection, two uses: :meth:`Hosts.run` runs a collection module (AnsiballZ,
as a task would), :meth:`Hosts.pipe` runs one command with data on its stdin (no module
start-up: the client fleet's program, :meth:`Hosts.write_json`).
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.loader import become_loader, connection_loader


def validated_args(spec: Mapping[str, Any], task_args: Mapping[str, Any]) -> dict[str, Any]:
    """An action's arguments checked against its module's spec (the action runs no module
    of its own name, so Ansible does not check them), each error naming the field."""
    validated = ArgumentSpecValidator(dict(spec)).validate(dict(task_args))
    if validated.error_messages:
        raise AnsibleActionFail("; ".join(validated.error_messages))
    return validated.validated_parameters


class Hosts:
    """Connections to the hosts of ``task_vars['hostvars']`` through ``action``'s machinery.

    ``connect_timeout`` (0: the configuration's ``timeout``) bounds each SSH connect.
    ``inventory_become``: a call without ``become_user`` becomes as the host's variables
    say (``ansible_become``, ``ansible_become_method``, ``ansible_become_user``); without
    it such a call does not become. ``overrides`` maps a host to variables that replace
    its inventory's. ``ssh_extra_args`` go after each host's ``ansible_ssh_extra_args``
    (ssh keeps the first value of an option, so the configuration's and the inventory's
    win).
    """

    def __init__(
        self,
        action: Any,
        task_vars: Mapping[str, Any],
        connect_timeout: int = 0,
        inventory_become: bool = False,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        ssh_extra_args: str = "",
    ):
        self._action = action
        self._task_vars = task_vars
        self._connect_timeout = connect_timeout
        self._inventory_become = inventory_become
        self._overrides = overrides or {}
        self._ssh_extra_args = ssh_extra_args
        self._variables: dict[str, dict[str, Any]] = {}
        self._connections: dict[tuple[str, str | None, str], Any] = {}

    def variables(self, host: str) -> dict[str, Any]:
        """The host's connection-relevant variables, templated (``ansible_*``, ``hisops_*``)."""
        return dict(self._vars(host))

    def _vars(self, host: str) -> dict[str, Any]:
        if host in self._variables:
            return self._variables[host]
        hostvars = self._task_vars.get("hostvars") or {}
        if host not in hostvars:
            raise AnsibleError(f"{host}: not in the inventory")
        raw = hostvars[host]
        names = [
            k
            for k in raw
            if k.startswith(("ansible_", "hisops_"))
            or k in ("inventory_hostname", "inventory_hostname_short", "group_names")
        ]
        out = {k: raw[k] for k in names}
        out.setdefault("inventory_hostname", host)
        out.update(self._overrides.get(host) or {})
        out = self._action._templar.template(out)
        if self._ssh_extra_args:
            out["ansible_ssh_extra_args"] = " ".join(
                a for a in (out.get("ansible_ssh_extra_args"), self._ssh_extra_args) if a
            )
        self._variables[host] = out
        return out

    def _become(self, variables: Mapping[str, Any], become_user: str | None) -> Any:
        if become_user:
            become = become_loader.get("ansible.builtin.sudo")
            become.set_options(direct={"become_user": become_user})
            return become
        if not (
            self._inventory_become and boolean(variables.get("ansible_become", False), strict=False)
        ):
            return None
        method = variables.get("ansible_become_method") or "sudo"
        become = become_loader.get(method)
        if become is None:
            raise AnsibleError(f"become method {method} not found")
        become.set_options(var_options=variables)
        return become

    def connection(self, host: str, become_user: str | None = None, lane: str = "") -> Any:
        """The host's connection (with its become plugin) for ``become_user`` and ``lane``;
        built once, connecting on first use. An Ansible connection is not safe for two
        commands at once (the become plugin keeps the success marker of its latest
        command), so a concurrent caller takes its own lane."""
        key = (host, become_user, lane)
        if key in self._connections:
            return self._connections[key]
        variables = self._vars(host)
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
        connection.set_become_plugin(self._become(variables, become_user))
        self._connections[key] = connection
        return connection

    def _action_on(self, host: str, become_user: str | None, lane: str = "") -> Any:
        """A shallow copy of the action holding ``host``'s connection (so calls to
        different hosts may run in threads)."""
        action = copy.copy(self._action)
        action._connection = self.connection(host, become_user, lane)
        return action

    def run(
        self, host: str, module: str, args: Mapping[str, Any], become_user: str | None = None
    ) -> dict[str, Any]:
        """The module's result on ``host`` (``unreachable``/``failed`` keys as Ansible sets).
        Check mode is the task's."""
        try:
            action = self._action_on(host, become_user)
            return action._execute_module(
                module_name=module, module_args=dict(args), task_vars=self.variables(host)
            )
        except AnsibleError as exc:  # connection refused, timeout, ...
            return {"unreachable": True, "failed": True, "msg": f"{host}: {exc}"}

    def pipe(
        self,
        host: str,
        command: str,
        data: bytes | str,
        become_user: str | None = None,
        lane: str = "",
    ) -> dict[str, Any]:
        """``command`` on ``host`` with ``data`` on its stdin, become applied as Ansible
        does (``rc``, ``stdout``, ``stderr``). Raises ``AnsibleConnectionFailure`` when the
        host cannot be reached or the connection drops, ``AnsibleError`` for other
        failures of the connection or of become."""
        if isinstance(data, str):
            data = data.encode()
        action = self._action_on(host, become_user, lane)
        return action._low_level_execute_command(command, sudoable=True, in_data=data)

    def write_json(self, host: str, path: str, data: Any, become_user: str | None = None) -> bool:
        """Write ``data`` as JSON to ``path`` on ``host`` (as ``become_user``), atomically: one
        command over the host's kept connection, no Python start on the host."""
        tmp = shlex.quote(f"{path}.tmp")
        command = f"umask 077 && cat > {tmp} && mv -f {tmp} {shlex.quote(path)}"
        try:
            # Its own lane: the step waiting for this word runs on the main one right now.
            done = self.pipe(host, command, json.dumps(data), become_user, lane="word")
        except AnsibleError:
            return False
        return done.get("rc") == 0

    def run_each(
        self, calls: list[tuple[str, str, Mapping[str, Any], str | None]]
    ) -> list[dict[str, Any]]:
        """``run`` for each (host, module, args, become_user) at once; results in order."""
        with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
            return list(pool.map(lambda c: self.run(*c), calls))

    def close(self) -> None:
        for connection in self._connections.values():
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a closing connection must not hide the result
                pass
        self._connections.clear()
