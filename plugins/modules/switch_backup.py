#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: switch_backup
short_description: Back a switch's running configuration up into a versioned store
version_added: 0.1.0
description:
  - Reads the running configuration over SSH, masks password hashes, SNMP communities
    and keys, drops volatile lines (timestamps), and writes C(<dest>/<device>.cfg).
  - Returns the diff since the previous backup. Use M(hisops.emergency.backup_commit)
    once per run to commit every changed file in one commit naming the devices.
  - Changed only when the configuration differs from the last backup.
  - Fleet mode (O(hosts)) backs every listed switch up from one run, O(workers) at a time,
    so the nightly backup of a whole hospital is one task instead of one per switch.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
  - hisops.emergency.device.fleet
options:
  dest:
    description: Directory of the backup store on the controller (a git repository).
    type: path
    required: true
  device:
    description:
      - File name of this device's backup (without C(.cfg)); defaults to the inventory name.
      - Not with O(hosts) (each device's file is named after its inventory name).
    type: str
attributes:
  check_mode:
    description: Reads the device and reports the diff; writes nothing.
    support: full
  diff_mode:
    description: The previous and the new backup.
    support: full
"""

EXAMPLES = r"""
- name: Back up every switch
  hisops.emergency.switch_backup:
    dest: /srv/hisops/backups

- name: Back up every switch of the play from one run (fleet mode)
  hisops.emergency.switch_backup:
    hosts: "{{ ansible_play_batch }}"
    dest: /srv/hisops/backups
  run_once: true
  register: backup

- name: Each switch fails on its own result
  ansible.builtin.assert:
    that: not backup.devices[inventory_hostname].failed
    fail_msg: "{{ backup.devices[inventory_hostname].msg | default('') }}"
"""

RETURN = r"""
path:
  description: The backup file.
  returned: success
  type: str
backup_diff:
  description: Unified diff since the previous backup (empty when unchanged).
  returned: success, single device
  type: str
devices:
  description:
    - Fleet mode, per inventory name, C(failed) and either C(msg) (why it failed) or
      C(changed), C(path) and C(backup_diff).
  returned: fleet mode
  type: dict
msg:
  description: Fleet mode, one line naming how many switches changed and failed.
  returned: fleet mode
  type: str
failed_devices:
  description: Fleet mode, the inventory names of the devices that could not be backed up.
  returned: fleet mode
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    FLEET_RULES,
    FLEET_SPEC,
    PROVIDER_SPEC,
    device_params,
    fleet_devices,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.backup import (
    BackupResult,
    backup_device,
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


def _diff(name: str, result: BackupResult) -> dict:
    return {
        "before": result.before,
        "after": result.after,
        "before_header": f"{name} (previous backup)",
        "after_header": f"{name} (now)",
    }


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(FLEET_SPEC)
    spec.update(dest={"type": "path", "required": True}, device={"type": "str"})
    module = AnsibleModule(
        argument_spec=spec,
        supports_check_mode=True,
        mutually_exclusive=FLEET_RULES["mutually_exclusive"] + [("devices", "device")],
    )
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    if p["devices"] is not None:
        fleet(module)
    params = device_params(p)
    name = p["device"] or params.name
    try:
        result = backup_device(params, p["dest"], name, check_mode=module.check_mode)
    except (NetdevError, ValueError, OSError) as exc:
        module.fail_json(msg=str(exc))
    out = {"changed": result.changed, "path": result.path, "backup_diff": result.diff}
    if module._diff and result.changed:
        out["diff"] = _diff(name, result)
    module.exit_json(**out)


def fleet(module):
    p = module.params
    kept = {}

    def job(device):
        result = backup_device(device.params, p["dest"], device.name, check_mode=module.check_mode)
        kept[device.name] = result
        return {"changed": result.changed, "path": result.path, "backup_diff": result.diff}

    try:
        results = run_per_device(fleet_devices(p), job, p["workers"])
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    changed = [name for name, r in results.items() if r.get("changed")]
    out = {
        "changed": bool(changed),
        "devices": results,
        "failed_devices": failed_names(results),
        "msg": summary(results, "backed up", changed, "changed"),
    }
    if module._diff:
        out["diff"] = [
            _diff(name, kept[name]) for name in results if name in kept and kept[name].changed
        ]
    module.exit_json(**out)


if __name__ == "__main__":
    main()
