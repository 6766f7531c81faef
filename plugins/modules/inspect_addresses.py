#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_addresses
short_description: Addresses in the core's ARP tables that the plan did not assign (plan P4.4)
version_added: 0.1.0
description:
  - Reads the ARP and MAC tables of the core switches (ntc-templates), lists every address
    that neither the endpoint registry (O(endpoints)), the VLAN plan's gateways, the
    switches' management addresses, the controller nor O(assigned) account for, follows
    each one's MAC through the trunks to its switch and port, and gives the one
    C(hisops run isolate) command that cuts it off. An address an open isolation already
    cut off is reported as expected, with the isolation's id.
  - Read-only.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
  - hisops.emergency.read_only
options:
  assigned:
    description: Further addresses the site assigned outside the registry (service addresses).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Unassigned addresses
  hisops.emergency.inspect_addresses:
    hosts: "{{ groups['switches'] }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
findings:
  description: Finding dicts (area C(addresses)), one per unassigned address with C(params) ip, mac, vlan, switch, port and the isolate command in C(action).
  returned: always
  type: list
  elements: dict
checked:
  description: How many distinct addresses the ARP tables held.
  returned: always
  type: int
assigned:
  description: How many addresses the plan assigns.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.addresses import inspect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    inventory_from,
    module_main,
)


def argument_spec():
    spec = dict(NETWORK_SPEC)
    spec.update(assigned={"type": "list", "elements": "str", "default": []})
    return spec


def run(params, check_mode, diff):
    from ansible_collections.hisops.emergency.plugins.module_utils.inspection.holds import (
        isolated_endpoints,
    )

    inventory = inventory_from(params)
    result = inspect(
        inventory, params["assigned"], params["workers"], isolated_endpoints(params["state_dir"])
    )
    return dict(result, changed=False)


def main():
    module_main(AnsibleModule, argument_spec(), run)


if __name__ == "__main__":
    main()
