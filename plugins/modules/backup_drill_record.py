#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_drill_record
short_description: Record a restore drill as JSON and HTML and in the state store
version_added: 0.1.0
description:
  - Builds the drill's record from its O(plan) and the O(result) of
    M(hisops.emergency.backup_drill) - who, when, which copy from which target, where it
    was restored, each check and its result, timings, RPO and RTO - and writes it to
    C(<report_dir>/drills/<drill id>.json) and C(.html) (C(backup_drill.json) and
    C(.html) are the latest) and to the table C(backup_drills) of the state store. A
    failed drill is recorded the same way. Nothing secret is in it.
  - Runs on the controller.
author: hisops developers (@hisops)
options:
  plan:
    description: M(hisops.emergency.backup_drill_plan)'s result.
    type: dict
    required: true
  result:
    description: M(hisops.emergency.backup_drill)'s registered result.
    type: dict
    default: {}
  operator:
    description: Who ran the drill.
    type: str
    default: ''
  backup_host:
    description: The host the copy was restored on.
    type: str
    default: ''
  report_dir:
    description: Where the JSON and HTML records go.
    type: path
    required: true
  state_dir:
    description: The state store's directory.
    type: path
    required: true
attributes:
  check_mode:
    description: Builds the record, writes nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Record the drill
  hisops.emergency.backup_drill_record:
    plan: "{{ plan }}"
    result: "{{ drill }}"
    report_dir: /var/lib/hisops/reports
    state_dir: /var/lib/hisops/state
  delegate_to: localhost
"""

RETURN = r"""
record:
  description: The drill record.
  returned: success
  type: dict
passed:
  description: Whether the drill passed.
  returned: success
  type: bool
paths:
  description: C(json) and C(html), the record's files.
  returned: success
  type: dict
lines:
  description: The result in plain language.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.drill_record import (
    record_drill,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "plan": {"type": "dict", "required": True},
            "result": {"type": "dict", "default": {}},
            "operator": {"type": "str", "default": ""},
            "backup_host": {"type": "str", "default": ""},
            "report_dir": {"type": "path", "required": True},
            "state_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    run_module(module, record_drill)


if __name__ == "__main__":
    main()
