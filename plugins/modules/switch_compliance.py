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
  - Knows what the hospital changed on purpose (issue 20). The lines an open isolation, a
    database switch-port fence or a vendor access window changed are C(expected) deviations,
    each naming the record's kind and id, and are never in the remediation; only the other
    lines (C(drift)) make a switch not compliant. The open records are the holds of the
    hospital's deliberate state (O(state_dir)) and the record files they point at
    (O(isolation_store), O(vendor_access_store)).
  - Read-only.
  - Fleet mode (O(hosts)) checks every listed switch from one run, O(workers) at a time;
    O(src) is then the folder holding C(<host>/intended.cfg) for each of them, as the
    C(hisops.emergency.switch_intended) role renders it.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
  - hisops.emergency.device.fleet
  - hisops.emergency.read_only
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
  state_dir:
    description:
      - The hospital's deliberate state (its open holds say which isolations, fences and vendor
        windows concern each switch).
      - Empty, the action plugin fills it from C(hisops_state_dir), C($HISOPS_STATE_DIR), else
        C(var/state) beside the playbooks.
    type: path
    default: ""
  isolation_store:
    description: The isolation records (fences included), as the isolate role keeps them. Empty, isolations are not read.
    type: path
    default: ""
  vendor_access_store:
    description: The vendor access records, as the vendor_access role keeps them. Empty, windows are not read.
    type: path
    default: ""
  features:
    description: Features to compare.
    type: list
    elements: str
    choices: [vlans, vlanif, interfaces, acl, management]
    default: [vlans, vlanif, interfaces, acl, management]
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
  description:
    - Whether no compared feature has unexplained drift (fleet mode, every device is reachable
      and has none). Expected deviations do not count.
  returned: success
  type: bool
features:
  description: Per feature, C(compliant), C(missing), C(extra) and C(remediation), of the unexplained lines only.
  returned: success, single device
  type: dict
remediation:
  description: All remediation commands, in order; never one that undoes an expected deviation.
  returned: success, single device
  type: list
  elements: str
expected:
  description:
    - The deviations the hospital made on purpose, one entry per record, C(kind) (isolation,
      db_fence, vendor_window), C(id), C(summary), C(lines) (C(- ) in the plan but removed,
      C(+ ) added), C(missing), C(extra); a fence also names its C(fence) hold.
  returned: success, single device
  type: list
  elements: dict
drift:
  description: The unexplained lines, C(- ) in the plan but not on the switch, C(+ ) on the switch but not in the plan.
  returned: success, single device
  type: list
  elements: str
summary:
  description: One line, e.g. C(CORE-1 - compliant apart from expected deviations - isolation iso-...) in the words of the run.
  returned: success, single device
  type: str
notes:
  description: Open holds on the switch whose record could not be read (their lines count as drift).
  returned: success, single device
  type: list
  elements: str
devices:
  description:
    - Fleet mode, per inventory name, C(failed) and either C(msg) (why the device could
      not be checked) or C(compliant), C(features), C(remediation), C(platform), C(expected),
      C(drift), C(summary) and C(notes).
  returned: fleet mode
  type: dict
drifted:
  description: Fleet mode, the devices that were read and have unexplained drift.
  returned: fleet mode
  type: list
  elements: str
expected_devices:
  description: Fleet mode, per device with expected deviations, the kind and id of each record that explains them.
  returned: fleet mode
  type: dict
msg:
  description: Fleet mode, one line naming how many switches drifted and failed, and the expected deviations.
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
from ansible_collections.hisops.emergency.plugins.module_utils.netplan import (
    compliance_deliberate,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import StateError

DELIBERATE_SPEC = {
    "state_dir": {"type": "path", "default": ""},
    "isolation_store": {"type": "path", "default": ""},
    "vendor_access_store": {"type": "path", "default": ""},
}


def sources(p):
    return compliance_deliberate.Sources(
        p["state_dir"] or "", p["isolation_store"] or "", p["vendor_access_store"] or ""
    )


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(INTENDED_SPEC)
    spec.update(FLEET_SPEC)
    spec.update(DELIBERATE_SPEC)
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
        report = compliance_deliberate.check_device(
            device_params(p), intended, sources(p), p["features"]
        )
    except (NetdevError, StateError) as exc:
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
        return compliance_deliberate.check_device(
            device.params, intended[device.name], sources(p), p["features"]
        ).to_dict()

    try:
        results = run_per_device(devices, job, p["workers"])
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    failed = failed_names(results)
    drifted = [
        name for name, r in results.items() if not r.get("failed") and not r.get("compliant")
    ]
    expected = {
        name: [f"{e['kind']} {e['id']}" for e in r["expected"]]
        for name, r in results.items()
        if not r.get("failed") and r.get("expected")
    }
    msg = summary(results, "checked", drifted, "drifted")
    if expected:
        msg += "; expected deviations: " + "; ".join(
            f"{name} ({', '.join(ids)})" for name, ids in expected.items()
        )
    module.exit_json(
        changed=False,
        compliant=not failed and not drifted,
        devices=results,
        drifted=drifted,
        expected_devices=expected,
        failed_devices=failed,
        msg=msg,
    )


if __name__ == "__main__":
    main()
