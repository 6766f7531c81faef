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
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
options:
  dest:
    description: Directory of the backup store on the controller (a git repository).
    type: path
    required: true
  device:
    description: File name of this device's backup (without C(.cfg)); defaults to the inventory name.
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
"""

RETURN = r"""
path:
  description: The backup file.
  returned: success
  type: str
backup_diff:
  description: Unified diff since the previous backup (empty when unchanged).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    PROVIDER_SPEC,
    device_params,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.backup import write_backup
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
    DeviceSession,
)


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(dest={"type": "path", "required": True}, device={"type": "str"})
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    params = device_params(module.params)
    name = module.params["device"] or params.name
    try:
        with DeviceSession(params) as session:
            config = session.running_config()
        result = write_backup(module.params["dest"], name, config, check_mode=module.check_mode)
    except (NetdevError, ValueError, OSError) as exc:
        module.fail_json(msg=str(exc))
    out = {"changed": result.changed, "path": result.path, "backup_diff": result.diff}
    if module._diff and result.changed:
        out["diff"] = {"before": result.before, "after": result.after,
                       "before_header": f"{name} (previous backup)", "after_header": f"{name} (now)"}
    module.exit_json(**out)


if __name__ == "__main__":
    main()
