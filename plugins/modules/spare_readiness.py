#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: spare_readiness
short_description: Check that every production switch has a matching spare and a recent backup
version_added: 0.1.0
description:
  - Reads model and firmware from every listed switch (ntc-templates facts); a switch that
    does not answer is judged on its inventory facts.
  - For each production switch (role other than C(spare)), finds a spare of the same model
    and firmware, and the age of its backup in O(backup_dir) (git history, else the file
    time); reports what is missing.
  - Read-only.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
  - hisops.emergency.read_only
options:
  backup_dir:
    description: The backup store (as written by M(hisops.emergency.switch_backup)).
    type: path
    required: true
  max_age_hours:
    description: A backup older than this is missing.
    type: float
    default: 24
"""

EXAMPLES = r"""
- name: Spares and backups ready
  hisops.emergency.spare_readiness:
    hosts: "{{ groups['switches'] }}"
    backup_dir: /srv/hisops/backups
    max_age_hours: 24
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
ready:
  description: Whether nothing is missing.
  returned: always
  type: bool
missing:
  description: What is missing, one line each (switch and reason).
  returned: always
  type: list
  elements: str
devices:
  description:
    - Per production switch, model, firmware, the matching spare, the backup's age and C(ready).
    - C(interface_map), the spare's names for the backup's ports where the numbering differs (see
      M(hisops.emergency.spare_swap)), or C(interface_map_problem) when they cannot be mapped.
  returned: always
  type: dict
spares:
  description: Per spare, model, firmware and whether it answered.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    inventory_from,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netops.spare import readiness


def main():
    spec = dict(NETWORK_SPEC)
    spec.update(
        backup_dir={"type": "path", "required": True},
        max_age_hours={"type": "float", "default": 24},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    try:
        inventory = inventory_from(
            dict(p, mgmt_vlan=p["mgmt_vlan"] if p["mgmt_vlan"] is not None else 0)
        )
        result = readiness(
            inventory.switches, inventory.facts, p["backup_dir"], p["max_age_hours"], p["workers"]
        )
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
