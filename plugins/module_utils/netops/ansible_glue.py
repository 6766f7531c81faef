# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs the netops modules share, and their conversion to an Inventory."""

from __future__ import annotations

from typing import Any

from ..netdev.ansible_glue import FLEET_SPEC, device_params
from .errors import InputError
from .network import Inventory, Switch

# the switch modules' fleet (hosts, devices with name and provider), each device with what
# the network model needs of it, and the network's own options
NETWORK_SPEC: dict[str, Any] = {
    **FLEET_SPEC,
    "devices": {
        **FLEET_SPEC["devices"],
        "options": {
            **FLEET_SPEC["devices"]["options"],
            "role": {"type": "str", "default": ""},
            "mgmt_ip": {"type": "str", "default": ""},
            "model": {"type": "str", "default": ""},
            "firmware": {"type": "str", "default": ""},
        },
    },
    "workers": {"type": "int", "default": 8},
    "vlans": {"type": "list", "elements": "dict", "default": []},
    "mgmt_vlan": {"type": "int"},
    "endpoints": {"type": "list", "elements": "dict", "default": []},
    "controller_ip": {"type": "str", "default": ""},
    "store": {"type": "path"},
    "state_dir": {"type": "path", "default": ""},
    "lock_wait": {"type": "int", "default": 300},
    "operator": {"type": "str", "default": "hisops"},
}


def inventory_from(params: dict[str, Any]) -> Inventory:
    devices = params.get("devices") or []
    if not devices:
        raise InputError("hosts: no switches given (the play's switches, e.g. groups['switches'])")
    if params.get("mgmt_vlan") is None:
        raise InputError("mgmt_vlan: the management VLAN is required (hisops_mgmt_vlan)")
    for i, vlan in enumerate(params.get("vlans") or []):
        if "id" not in vlan:
            raise InputError(f"vlans[{i}]: has no id")
    switches = {}
    facts_of: dict[str, dict[str, str]] = {}
    for entry in devices:
        provider = dict(entry.get("provider") or {}, name=entry["name"])
        switches[entry["name"]] = Switch(
            name=entry["name"],
            params=device_params({"provider": provider}),
            role=entry.get("role") or "",
            mgmt_ip=(entry.get("mgmt_ip") or "").split("/")[0],
        )
        facts_of[entry["name"]] = {
            "model": entry.get("model") or "",
            "firmware": entry.get("firmware") or "",
        }
    return Inventory(
        facts=facts_of,
        switches=switches,
        vlans=list(params.get("vlans") or []),
        mgmt_vlan=int(params["mgmt_vlan"]),
        endpoints=[dict(e) for e in params.get("endpoints") or []],
        controller_ip=params.get("controller_ip") or "",
    )


def commands_diff(commands: dict[str, list[str]]) -> dict[str, str]:
    """The ``diff`` of a netops result: the commands per switch."""
    return {
        "prepared": "\n".join(
            f"{name}:\n  " + "\n  ".join(lines) for name, lines in commands.items()
        )
    }


def module_main(module_class, argument_spec: dict[str, Any], run) -> None:
    """A netops module's ``main()`` (``module_class`` is AnsibleModule, as the module imports
    it): validated parameters, ``run(params, check_mode, diff)``, the domain's errors as
    ``fail_json`` (the action plugin calls ``run`` in its worker instead)."""
    from ansible.module_utils.basic import missing_required_lib

    from ..netdev.session import HAS_NETMIKO, NETMIKO_IMPORT_ERROR
    from ..state.errors import StateError
    from .errors import NetdevError

    module = module_class(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    try:
        result = run(module.params, module.check_mode, module._diff)  # pylint: disable=protected-access
    except (NetdevError, StateError) as exc:
        module.fail_json(msg=str(exc))
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)
