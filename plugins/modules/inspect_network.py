#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_network
short_description: The daily inspection's network checks, as findings (plan P4.3)
version_added: 0.1.0
description:
  - Reads every listed switch once (ntc-templates facts and the running configuration,
    show commands only) and reports, as findings of the daily inspection - whether it
    answers (a switch that does not is a C(critical) finding, the others go on), model and
    firmware against the inventory, compliance with its intended configuration (the
    lines an open isolation, fence or vendor window changed are expected deviations with
    its id - netplan's deliberate compliance; other drift is a C(warning)), the age of its backup in
    O(backup_dir), spare readiness, and the interfaces that went down since the last
    inspection (states kept in O(interface_state)).
  - Read-only on the switches; writes only O(interface_state) on the controller.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
  - hisops.emergency.read_only
options:
  intended_dir:
    description: Folder of the intended configurations (C(<dir>/<switch>/intended.cfg), as the switch_intended role renders them); empty skips compliance.
    type: path
    default: ''
  features:
    description: Features compared.
    type: list
    elements: str
    default: [vlans, vlanif, interfaces, acl, management]
  backup_dir:
    description: The backup store of M(hisops.emergency.switch_backup).
    type: path
    required: true
  max_backup_hours:
    description: A backup older than this is a warning; also the spare readiness bound.
    type: float
    default: 24
  interface_state:
    description: JSON file keeping each switch's interface states for the next run.
    type: path
    required: true
  now:
    description: The run's start (ISO 8601), recorded with the states.
    type: str
    default: ''
  isolation_store:
    description: The isolation records (fences included), as the isolate role keeps them; with O(state_dir)'s open holds, their lines are expected deviations.
    type: path
    default: ''
  vendor_access_store:
    description: The vendor access records, as the vendor_access role keeps them.
    type: path
    default: ''
"""

EXAMPLES = r"""
- name: Network checks
  hisops.emergency.inspect_network:
    hosts: "{{ groups['switches'] }}"
    intended_dir: var/intended
    backup_dir: var/backups
    interface_state: var/inspections/state/interfaces.json
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
findings:
  description: Finding dicts (area C(network)); see plugins/module_utils/inspection/findings.py.
  returned: always
  type: list
  elements: dict
checked:
  description: How many switches were inspected.
  returned: always
  type: int
config_sha256:
  description: Per switch read, the SHA-256 of its running configuration.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.network import inspect
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    inventory_from,
    module_main,
)


def argument_spec():
    spec = dict(NETWORK_SPEC)
    spec.update(
        intended_dir={"type": "path", "default": ""},
        features={
            "type": "list",
            "elements": "str",
            "default": ["vlans", "vlanif", "interfaces", "acl", "management"],
        },
        backup_dir={"type": "path", "required": True},
        max_backup_hours={"type": "float", "default": 24},
        interface_state={"type": "path", "required": True},
        now={"type": "str", "default": ""},
        isolation_store={"type": "path", "default": ""},
        vendor_access_store={"type": "path", "default": ""},
    )
    return spec


def run(params, check_mode, diff):
    from ansible_collections.hisops.emergency.plugins.module_utils.netplan.compliance_deliberate import (
        Sources,
    )

    inventory = inventory_from(
        dict(params, mgmt_vlan=params["mgmt_vlan"] if params["mgmt_vlan"] is not None else 0)
    )
    result = inspect(
        inventory.switches,
        inventory.facts,
        params["intended_dir"],
        params["features"],
        params["backup_dir"],
        params["max_backup_hours"],
        params["interface_state"],
        Sources(
            params["state_dir"] or "", params["isolation_store"], params["vendor_access_store"]
        ),
        params["workers"],
        params["now"],
    )
    return dict(result, changed=False)


def main():
    module_main(AnsibleModule, argument_spec(), run)


if __name__ == "__main__":
    main()
