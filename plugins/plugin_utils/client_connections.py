# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client fleet's workstations reached the one way (``hosts.Hosts``: each one's own
Ansible connection from its inventory variables), with the fleet's policy on top: keys
only and sudo without a password (anything else is refused, naming the host, before any
workstation is contacted), keep-alives so that a workstation dropping off mid-run ends
``unreachable``, and key exchange curve25519 first. Used by client_fleet and by
client_plan's reachability probe of canary candidates. Also the names a workstation may
carry in a hold of the deliberate state (address, IP, MAC)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleActionFail, AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.hisops.emergency.plugins.module_utils.client.ssh_runs import (
    Unreachable,
    run_command,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.hosts import Hosts

# The fleet's sessions are not interactive: refused, naming the host.
_REFUSED = {
    "ansible_password": "password authentication (use a key: ansible_ssh_private_key_file)",
    "ansible_ssh_pass": "password authentication (use a key: ansible_ssh_private_key_file)",
    "ansible_ssh_password": "password authentication (use a key: ansible_ssh_private_key_file)",
    "ansible_become_password": "a become password (sudo must not ask: NOPASSWD, or connect as root)",
    "ansible_become_pass": "a become password (sudo must not ask: NOPASSWD, or connect as root)",
}
# An explicit ``connections`` entry's key -> the inventory variable it replaces.
_ENTRY_VARS = {
    "host": "ansible_host",
    "port": "ansible_port",
    "user": "ansible_user",
    "key_file": "ansible_ssh_private_key_file",
    "common_args": "ansible_ssh_common_args",
    "extra_args": "ansible_ssh_extra_args",
    "python": "ansible_python_interpreter",
    "host_key_checking": "ansible_host_key_checking",
    "become": "ansible_become",
    "become_user": "ansible_become_user",
    "become_method": "ansible_become_method",
}
# After the configuration's and the inventory's ssh args (ssh keeps the first value given,
# so those win). Keep-alives: a workstation that drops off mid-run ends the session within
# ~9 s (unreachable) instead of hanging. Key exchange: with OpenSSH 9.2's first choice,
# the post-quantum sntrup761x25519 hybrid, one ``ssh host true`` cost 0.06 s of client CPU
# against 0.01 s with curve25519 (measured): 5 s of a 2-core controller per 100
# workstations. curve25519 first; the hybrid stays allowed (a server that insists gets
# it), and an inventory that sets KexAlgorithms decides instead.
SSH_DEFAULTS = "-o BatchMode=yes -o ServerAliveInterval=3 -o ServerAliveCountMax=3"
KEX_PREFERRED = (
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512@openssh.com",
)
PYTHON = "/usr/bin/python3"
# The fleet's own ControlPersist masters (when neither the configuration nor the inventory
# names a ControlPath): a session then always rides on a master that carries the
# keep-alives above, never on one an earlier task opened without them, where a
# workstation dropping off would hang the session until TCP gives up. %C: ssh's hash of
# the local host, host, port and user.
CONTROL_PATH = "%(directory)s/fleet-%%C"


def kex_option() -> str:
    """``-o KexAlgorithms=...`` with those of KEX_PREFERRED this ssh knows (none: ssh's own)."""
    if not hasattr(kex_option, "known"):
        try:
            done = subprocess.run(
                ["ssh", "-Q", "kex"], capture_output=True, text=True, timeout=10, check=False
            )
            kex_option.known = set(done.stdout.split()) if done.returncode == 0 else set()
        except (OSError, subprocess.TimeoutExpired):
            kex_option.known = set()
    usable = [k for k in KEX_PREFERRED if k in kex_option.known]
    return "-o KexAlgorithms=" + ",".join(usable) if usable else ""


def check_connection(name: str, variables: Mapping[str, Any]) -> None:
    """Refuse what a non-interactive fleet session cannot do, naming the host and variable."""
    for var, what in _REFUSED.items():
        if variables.get(var) not in (None, ""):
            raise AnsibleActionFail(
                "connections: %s sets %s: %s is not supported by client_fleet" % (name, var, what)
            )
    for var in ("ansible_port", "ansible_ssh_port"):
        port = variables.get(var)
        if port not in (None, ""):
            try:
                int(port)
            except (TypeError, ValueError):
                raise AnsibleActionFail(
                    "connections: %s: port %r is not a number" % (name, port)
                ) from None
    method = variables.get("ansible_become_method") or "sudo"
    if boolean(variables.get("ansible_become", False), strict=False) and method not in (
        "sudo",
        "ansible.builtin.sudo",
    ):
        raise AnsibleActionFail(
            "connections: %s: become_method %r is not supported here (sudo only)" % (name, method)
        )


def workstation_hosts(
    action: Any,
    task_vars: Mapping[str, Any],
    names: list[str],
    entries: list | None = None,
    connect_timeout: int = 10,
    skip_refused: bool = False,
) -> tuple[Hosts, list[str]]:
    """The connections of ``names`` (``entries``: explicit details that win over the
    inventory's), each checked and built before any is used; and the names they serve.
    A refused host fails the whole call, or with ``skip_refused`` is left out."""
    overrides: dict[str, dict[str, Any]] = {}
    for entry in entries or []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            raise AnsibleActionFail("connections: every connection needs a name")
        overrides[str(entry["name"])] = {
            _ENTRY_VARS[k]: v for k, v in entry.items() if k in _ENTRY_VARS and v not in (None, "")
        }
    hosts = Hosts(
        action,
        task_vars,
        connect_timeout=connect_timeout,
        inventory_become=True,
        overrides=overrides,
        ssh_extra_args=" ".join(a for a in (SSH_DEFAULTS, kex_option()) if a),
    )
    served = []
    for name in names:
        try:
            check_connection(name, hosts.variables(name))
            _own_control_path(hosts.connection(name))  # options checked; connects on first use
        except AnsibleError as exc:
            if not skip_refused:
                hosts.close()
                raise AnsibleActionFail(
                    str(exc)
                    if str(exc).startswith("connections: ")
                    else "connections: %s: %s" % (name, exc)
                ) from None
            continue
        served.append(name)
    return hosts, served


def _own_control_path(connection: Any) -> None:
    try:
        if connection.get_option("control_path"):
            return
    except KeyError:  # a connection plugin without ControlPersist (local, ...)
        return
    connection.set_option("control_path", CONTROL_PATH)


def sender(hosts: Hosts):
    """``send(host, program, timeout)`` for ssh_runs: the program on stdin of the host's
    Python (``ansible_python_interpreter``, else /usr/bin/python3) over its connection."""

    def send(host: str, program: str, timeout: float) -> tuple[int, str, str]:
        python = str(hosts.variables(host).get("ansible_python_interpreter") or PYTHON)
        if python.startswith("auto"):
            python = PYTHON  # interpreter discovery needs a module run: the usual path
        try:
            done = hosts.pipe(host, run_command(shlex.quote(python), timeout), program)
        except AnsibleConnectionFailure as exc:
            raise Unreachable(str(exc)) from None
        except AnsibleError as exc:  # become refused, ...
            return 1, "", str(exc)
        return done["rc"], done["stdout"], done["stderr"]

    return send


def aliases_of(name: str, variables: Mapping[str, Any], endpoints: Any = None) -> list[str]:
    """Other names of a workstation in a hold: its address and, from the inventory's
    ``hisops_endpoints`` (the hospital's endpoints), its IP and MAC."""
    found = []
    for var in ("ansible_host", "hisops_ip", "hisops_mac"):
        value = variables.get(var) if var in variables else None
        if value not in (None, ""):
            found.append(str(value))
    for endpoint in endpoints or []:
        if isinstance(endpoint, Mapping) and endpoint.get("name") == name:
            found += [str(endpoint[k]) for k in ("ip", "mac") if endpoint.get(k)]
    return sorted(set(found))
