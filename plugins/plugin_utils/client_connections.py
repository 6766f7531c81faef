# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A workstation's SSH connection details from its inventory variables (client_fleet, and
client_plan's reachability probe of canary candidates), and the names it may carry in a
hold of the deliberate state (address, MAC)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean

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
