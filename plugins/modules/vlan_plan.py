#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vlan_plan
short_description: Validate a switch's part of the hospital VLAN plan and expand it
version_added: 0.1.0
description:
  - Checks the VLAN plan data model (C(hisops_vlans), C(hisops_mgmt_vlan),
    C(hisops_switch)) for one switch before anything is rendered or sent, and returns
    the expanded intent that the templates of C(hisops.emergency.switch_intended) render.
  - Refuses duplicate VLAN ids, ids outside 1-4094, overlapping subnets, a gateway
    outside its subnet, a trunk or port carrying an undefined VLAN, an interface name the
    platform does not have and a VLAN name the platform would reject; the message names
    every bad field.
  - Touches nothing; runs the same in check mode.
author: hisops developers (@hisops)
options:
  hostname:
    description: The switch's hostname (sysname).
    type: str
    required: true
  platform:
    description: netmiko device type of the switch.
    type: str
    required: true
  switch:
    description: The switch's C(hisops_switch) mapping (role, trunks, access_ports, mgmt, vlans).
    type: dict
    required: true
  vlans:
    description: The hospital VLAN plan, C(hisops_vlans).
    type: list
    elements: dict
    required: true
  mgmt_vlan:
    description: The management VLAN id, C(hisops_mgmt_vlan).
    type: int
attributes:
  check_mode:
    description: Pure validation; the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes.
    support: none
"""

EXAMPLES = r"""
- name: Validate the plan for this switch
  hisops.emergency.vlan_plan:
    hostname: "{{ inventory_hostname }}"
    platform: "{{ hisops_platform }}"
    switch: "{{ hisops_switch }}"
    vlans: "{{ hisops_vlans }}"
    mgmt_vlan: "{{ hisops_mgmt_vlan }}"
  register: plan
"""

RETURN = r"""
intent:
  description: The switch's expanded intent (VLANs, trunks, access ports, gateways, management).
  returned: success
  type: dict
problems:
  description: Each bad field as C(path) and C(reason), when validation failed.
  returned: failure
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.model import (
    PlanError,
    build_intent,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "hostname": {"type": "str", "required": True},
            "platform": {"type": "str", "required": True},
            "switch": {"type": "dict", "required": True},
            "vlans": {"type": "list", "elements": "dict", "required": True},
            "mgmt_vlan": {"type": "int"},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        intent = build_intent(p["hostname"], p["platform"], p["switch"], p["vlans"], p["mgmt_vlan"])
    except PlanError as exc:
        module.fail_json(
            msg=str(exc), problems=[{"path": path, "reason": reason} for path, reason in exc.problems]
        )
    module.exit_json(changed=False, intent=intent.to_dict())


if __name__ == "__main__":
    main()
