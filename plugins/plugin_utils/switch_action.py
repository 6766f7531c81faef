# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared action plugin of the switch modules.

Switch modules run on the controller and reach the device with netmiko; the operator
should not repeat connection details in every task, so this plugin builds ``provider``
from the inventory (explicit ``provider`` keys win) and runs the module locally.

Fleet mode: with ``hosts`` (a list of inventory hostnames, usually
``ansible_play_batch`` on a ``run_once`` task) the plugin builds one ``devices`` entry per
host from that host's variables, and the module serves them all from one run with
``workers`` sessions at a time (default: the run's ``--forks``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ansible import context
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import DIALECTS
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects.base import (
    TEXTFSM_TEMPLATES_ENV,
    textfsm_root,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.hostkeys import (
    default_known_hosts,
)
from ansible_collections.hisops.emergency.plugins.plugin_utils.in_worker import InWorkerModules
from ansible_collections.hisops.emergency.plugins.plugin_utils.state_dir import state_dir_for

# What the switch modules import, imported here: the strategy loads this plugin in the main
# process before it forks the task's workers, so each worker - where the module runs
# (plugin_utils/in_worker.py) - has netmiko and hier_config already (about 0.3 CPU-s a run).
try:
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev import (  # noqa: F401
        push as _push,
    )
    from ansible_collections.hisops.emergency.plugins.module_utils.netdev import (  # noqa: F401
        session as _session,
    )
except ImportError:  # the module reports what is missing when it runs
    pass

_FROM_VARS = {
    "host": ("ansible_host",),
    "port": ("ansible_port",),
    "username": ("ansible_user",),
    "password": ("ansible_password", "ansible_ssh_pass"),
    "platform": ("hisops_platform", "ansible_network_os"),
    "secret": ("ansible_become_password",),
    "known_hosts": ("hisops_known_hosts",),
}
# ansible_network_os values each dialect answers to (cisco.ios.ios -> cisco_ios)
_NETWORK_OS = {alias: name for name, d in DIALECTS.items() for alias in d.network_os}


def platform_name(value: Any) -> str:
    """hisops' platform name for ``hisops_platform``/``ansible_network_os`` values."""
    platform = str(value or "")
    if "." in platform or platform in _NETWORK_OS:  # FQCN network_os such as cisco.ios.ios
        return _NETWORK_OS.get(platform, platform.rsplit(".", 1)[-1])
    return platform


def fleet_hosts(hosts: Any, task_vars: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Each host named by a fleet task's ``hosts`` with its variables (templated on access)."""
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)):
        raise AnsibleActionFail("hosts: must be a list of inventory hostnames")
    hostvars = task_vars.get("hostvars") or {}
    unknown = [str(h) for h in hosts if str(h) not in hostvars]
    if unknown:
        raise AnsibleActionFail(f"hosts: not in the inventory: {', '.join(unknown)}")
    return [(str(h), hostvars[str(h)]) for h in hosts]


def provider_from_vars(
    hostname: str,
    variables: Mapping[str, Any],
    explicit: Mapping[str, Any] | None,
    template,
    known_hosts: str = "",
) -> dict[str, Any]:
    """The connection details of one switch: ``explicit`` keys, else its inventory variables;
    ``known_hosts`` (the project's file of recorded host keys) when neither names one."""
    provider = dict(explicit or {})
    provider.setdefault("name", hostname)
    for key, names in _FROM_VARS.items():
        if provider.get(key) not in (None, ""):
            continue
        for name in names:
            value = variables.get(name) if name in variables else None
            if value not in (None, ""):
                provider[key] = template(value)
                break
    if provider.get("host") is None:
        provider["host"] = hostname
    if not provider.get("known_hosts") and known_hosts:
        provider["known_hosts"] = known_hosts
    if provider.get("platform"):
        provider["platform"] = platform_name(provider["platform"])
    return provider


def known_hosts_default(task_vars: Mapping[str, Any]) -> str:
    """Where the project keeps host keys when the inventory does not say (docs/host-keys.md)."""
    return default_known_hosts(str(task_vars.get("playbook_dir") or ""))


def known_hosts_above_inventory(task_vars: Mapping[str, Any], template) -> str:
    """``hisops_known_hosts`` when a play, role or ``-e`` sets it over the inventory's: it
    then applies to every host of a fleet run (``hostvars`` show only inventory values)."""
    seen = task_vars.get("hisops_known_hosts")
    if seen in (None, ""):
        return ""
    value = str(template(seen))
    hostvars = task_vars.get("hostvars") or {}
    name = task_vars.get("inventory_hostname")
    inventory = hostvars[name].get("hisops_known_hosts") if name in hostvars else None
    return value if value != str(inventory or "") else ""


def default_workers() -> int:
    return int((context.CLIARGS or {}).get("forks") or 5)


class SwitchActionBase(InWorkerModules, ActionBase):
    TRANSFERS_FILES = False
    #: the module takes ``state_dir``: filled by the one rule (plugin_utils/state_dir.py)
    STATE_DIR = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if self.STATE_DIR:
            self._task.args["state_dir"] = state_dir_for(
                self._task.args, task_vars, self._templar.template
            )
        result = super().run(tmp, task_vars)
        # the module runs here, from a payload without the collection's TextFSM templates
        os.environ.setdefault(TEXTFSM_TEMPLATES_ENV, textfsm_root())
        args = dict(self._task.args)
        if args.get("hosts") is not None:
            args = self.fleet_args(args, task_vars)
        else:
            args["provider"] = provider_from_vars(
                task_vars.get("inventory_hostname"),
                task_vars,
                args.get("provider"),
                self._templar.template,
                known_hosts_default(task_vars),
            )
        result.update(
            self._execute_module(
                module_name=self._task.action, module_args=args, task_vars=task_vars
            )
        )
        return result

    def fleet_args(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        hosts = fleet_hosts(args["hosts"], task_vars)
        explicit = args.pop("provider", None)
        above = known_hosts_above_inventory(task_vars, self._templar.template)
        if above and not (explicit or {}).get("known_hosts"):
            explicit = {**(explicit or {}), "known_hosts": above}
        args["hosts"] = [name for name, _variables in hosts]
        default = known_hosts_default(task_vars)
        args["devices"] = [
            {
                "name": name,
                "provider": provider_from_vars(name, variables, explicit, lambda v: v, default),
            }
            for name, variables in hosts
        ]
        args.setdefault("workers", default_workers())
        return args
