#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_ups
short_description: The daily inspection's UPS check through Network UPS Tools
version_added: 0.1.0
description:
  - Reads C(ups.status), C(battery.charge), C(battery.runtime) and C(ups.test.result) from C(upsd)
    with NUT's Python client (PyNUTClient). On battery or low battery is critical; a UPS that does not
    answer is a critical finding, not a failure.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.upsd
  - hisops.emergency.read_only
options:
  charge_warn:
    description: Battery charge (%) below which the finding is a warning.
    type: float
    default: 80
  charge_crit:
    description: Battery charge (%) below which it is critical.
    type: float
    default: 40
  runtime_warn_s:
    description: Runtime on battery (s) below which it is a warning.
    type: float
    default: 600
  timeout:
    description: Seconds to wait for C(upsd).
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: Server room UPS
  hisops.emergency.inspect_ups:
    host: 10.20.0.9
    ups: ups
"""

RETURN = r"""
findings:
  description: Status, charge, runtime, last self-test (or one unreachable finding).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import ups


def main():
    module = AnsibleModule(
        argument_spec={
            **ups.UPSD_ARGS,
            "charge_warn": {"type": "float", "default": 80},
            "charge_crit": {"type": "float", "default": 40},
            "runtime_warn_s": {"type": "float", "default": 600},
            "timeout": {"type": "float", "default": 5},
        },
        supports_check_mode=True,
    )
    if not ups.HAS_NUT:
        module.fail_json(msg=missing_required_lib("PyNUTClient"), exception=ups.NUT_IMPORT_ERROR)
    p = module.params
    if not 0 < p["port"] < 65536:
        module.fail_json(msg="port: 1-65535", field="port")
    found = ups.inspect(
        p["host"],
        p["ups"],
        p["port"],
        p["timeout"],
        charge_warn=p["charge_warn"],
        charge_crit=p["charge_crit"],
        runtime_warn_s=p["runtime_warn_s"],
    )
    module.exit_json(changed=False, findings=[f.to_dict() for f in found])


if __name__ == "__main__":
    main()
