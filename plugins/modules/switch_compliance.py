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
  - Fleet mode (O(hosts)) checks every listed switch from one run, O(workers) at a time;
    O(src) is then the folder holding C(<host>/intended.cfg) for each of them, as the
    C(hisops.emergency.switch_intended) role renders it.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
  - hisops.emergency.device.fleet
options:
  config:
    description: Intended configuration text. Mutually exclusive with O(src); not with O(hosts).
    type: str
  src:
    description:
      - Path on the controller of the intended configuration.
      - With O(hosts), the folder of the intended configurations, C(<src>/<host>/intended.cfg);
        every one must exist, or nothing is read from any device.
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

- name: Check every switch of the play from one run (fleet mode)
  hisops.emergency.switch_compliance:
    hosts: "{{ ansible_play_batch }}"
    src: var/intended
  run_once: true
  register: compliance
"""

RETURN = r"""
compliant:
  description: Whether every compared feature is compliant (fleet mode, every device is reachable and compliant).
  returned: success
  type: bool
features:
  description: Per feature, C(compliant), C(missing), C(extra) and C(remediation).
  returned: success, single device
  type: dict
remediation:
  description: All remediation commands, in order.
  returned: success, single device
  type: list
  elements: str
devices:
  description:
    - Fleet mode, per inventory name, C(failed) and either C(msg) (why the device could
      not be checked) or C(compliant), C(features), C(remediation) and C(platform).
  returned: fleet mode
  type: dict
drifted:
  description: Fleet mode, the devices that were read and are not compliant.
  returned: fleet mode
  type: list
  elements: str
msg:
  description: Fleet mode, one line naming how many switches drifted and failed.
  returned: fleet mode
  type: str
failed_devices:
  description: Fleet mode, the devices that could not be checked (unreachable, login refused).
  returned: fleet mode
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    FLEET_SPEC,
    INTENDED_RULES,
    INTENDED_SPEC,
    PROVIDER_SPEC,
    device_params,
    fleet_devices,
    intended_text,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.fan_out import (
    failed_names,
    run_per_device,
    summary,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import compliance


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(INTENDED_SPEC)
    spec.update(FLEET_SPEC)
    module = AnsibleModule(
        argument_spec=spec,
        supports_check_mode=True,
        mutually_exclusive=INTENDED_RULES["mutually_exclusive"]
        + [("provider", "devices"), ("config", "devices")],
        required_one_of=INTENDED_RULES["required_one_of"],
    )
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    if p["devices"] is not None:
        fleet(module)
    try:
        intended = intended_text(p)
        report = compliance.check_device(device_params(p), intended, p["features"])
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **report.to_dict())


def fleet(module):
    p = module.params
    devices = fleet_devices(p)
    intended, missing = {}, []
    for device in devices:
        path = os.path.join(p["src"], device.name, "intended.cfg")
        try:
            intended[device.name] = intended_text({"src": path})
        except NetdevError:
            missing.append(device.name)
    if missing:
        module.fail_json(
            msg=f"src: no readable intended configuration under {p['src']} for "
            f"{', '.join(missing)} (render it with the switch_intended role); "
            "no device was read"
        )

    def job(device):
        return compliance.check_device(
            device.params, intended[device.name], p["features"]
        ).to_dict()

    try:
        results = run_per_device(devices, job, p["workers"])
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    failed = failed_names(results)
    drifted = [
        name for name, r in results.items() if not r.get("failed") and not r.get("compliant")
    ]
    module.exit_json(
        changed=False,
        compliant=not failed and not drifted,
        devices=results,
        drifted=drifted,
        failed_devices=failed,
        msg=summary(results, "checked", drifted, "drifted"),
    )


if __name__ == "__main__":
    main()
