#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: switch_facts
short_description: Read a switch's model, firmware, serial, interfaces and VLANs
version_added: 0.1.0
description:
  - Connects to a Huawei VRP, H3C Comware or Cisco IOS switch over SSH with netmiko and
    parses its display/show outputs with ntc-templates.
  - Read-only; safe in check mode.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
  - hisops.emergency.read_only
options: {}
"""

EXAMPLES = r"""
- name: Read the core switch
  hisops.emergency.switch_facts:
  register: core

- name: Show its serial
  ansible.builtin.debug:
    msg: "{{ core.switch.model }} {{ core.switch.serial }}"
"""

RETURN = r"""
switch:
  description: What the switch reports about itself.
  returned: success
  type: dict
  contains:
    platform:
      description: netmiko device type.
      type: str
      sample: huawei
    vendor:
      description: Vendor name.
      type: str
      sample: Huawei
    model:
      description: Hardware model.
      type: str
      sample: S7706
    firmware:
      description: Software version.
      type: str
      sample: V200R021C10SPC600
    serial:
      description: Chassis serial number.
      type: str
      sample: 2102351931P0K8000123
    interfaces:
      description: Interfaces with their state.
      type: list
      elements: dict
    vlans:
      description: VLANs with id and name.
      type: list
      elements: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import facts
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    PROVIDER_SPEC,
    device_params,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
    DeviceSession,
)


def main():
    module = AnsibleModule(argument_spec=dict(PROVIDER_SPEC), supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    try:
        with DeviceSession(device_params(module.params)) as session:
            result = facts.gather(session)
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, switch=result)


if __name__ == "__main__":
    main()
