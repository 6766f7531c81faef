#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_insurance
short_description: The daily inspection's medical-insurance interface check (one real sign-in, its latency)
version_added: 0.1.0
description:
  - POSTs the sign-in transaction (C(infno) 9001) to the medical-insurance gateway and times it.
  - No answer, an HTTP error or C(infcode) other than 0 is a critical finding; an answer slower than
    O(warn_ms) a warning. Changes nothing on the hospital's side beyond the sign-in the HIS makes anyway.
author: hisops developers (@hisops)
options:
  url:
    description: The gateway's transaction URL.
    type: str
    required: true
  fixmedins_code:
    description: The hospital's designated medical institution code.
    type: str
    required: true
  operator:
    description: The operator code sent as C(opter).
    type: str
    default: hisops
  warn_ms:
    description: Latency above which the finding is a warning.
    type: float
    default: 2000
  timeout:
    description: Seconds to wait for the answer (then critical).
    type: float
    default: 10
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Insurance gateway
  hisops.emergency.inspect_insurance:
    url: http://10.20.0.5:8090/fsi/api/rsfComIfsService/callService
    fixmedins_code: H44010600001
"""

RETURN = r"""
findings:
  description: One finding (value is the latency in ms).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import insurance


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "fixmedins_code": {"type": "str", "required": True},
            "operator": {"type": "str", "default": "hisops"},
            "warn_ms": {"type": "float", "default": 2000},
            "timeout": {"type": "float", "default": 10},
        },
        supports_check_mode=True,
    )
    p = module.params
    if not p["url"].startswith(("http://", "https://")):
        module.fail_json(msg="url: must start with http:// or https://", field="url")
    if p["warn_ms"] <= 0 or p["timeout"] <= 0:
        module.fail_json(msg="warn_ms and timeout: must be positive", field="warn_ms")
    finding = insurance.check_gateway(
        p["url"], p["fixmedins_code"], p["operator"], p["warn_ms"], p["timeout"]
    )
    module.exit_json(changed=False, findings=[finding.to_dict()])


if __name__ == "__main__":
    main()
