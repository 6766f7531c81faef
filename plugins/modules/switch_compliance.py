#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: switch_compliance
short_description: Compare a switch's running configuration with its intended one, per feature
version_added: 0.1.0
description:
  - For each feature (vlans, vlanif, interfaces, acl, management) reports compliant,
    the missing lines, the extra lines and the remediation commands.
  - Understands Huawei/H3C VLAN ranges (C(vlan batch 10 to 20),
    C(port trunk allow-pass vlan 10 to 20)) and Cisco lists (C(10-20)) as the sets they mean.
  - Read-only.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
options:
  config:
    description: Intended configuration text. Mutually exclusive with O(src).
    type: str
  src:
    description: Path on the controller of the intended configuration.
    type: path
  features:
    description: Features to compare.
    type: list
    elements: str
    choices: [vlans, vlanif, interfaces, acl, management]
    default: [vlans, vlanif, interfaces, acl, management]
attributes:
  check_mode:
    description: Read-only; the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes.
    support: none
"""

EXAMPLES = r"""
- name: Check the switch against its golden configuration
  hisops.emergency.switch_compliance:
    src: "var/intended/{{ inventory_hostname }}/intended.cfg"
  register: compliance
"""

RETURN = r"""
compliant:
  description: Whether every compared feature is compliant.
  returned: success
  type: bool
features:
  description: Per feature, C(compliant), C(missing), C(extra) and C(remediation).
  returned: success
  type: dict
remediation:
  description: All remediation commands, in order.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    INTENDED_RULES,
    INTENDED_SPEC,
    PROVIDER_SPEC,
    device_params,
    intended_text,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(INTENDED_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **INTENDED_RULES)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    try:
        intended = intended_text(p)
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    try:
        with DeviceSession(device_params(p)) as session:
            running = session.running_config()
            report = compliance.compare(running, intended, session.platform.name, p["features"])
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **report.to_dict())


if __name__ == "__main__":
    main()
