#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_record
short_description: Record a backup run and what each due copy came to
version_added: 0.1.0
description:
  - Turns the results of a run's copies into history events in the state store -
    C(done), C(missed) (the target was away - backup host unreachable, removable drive not
    plugged in; caught up at a later run) or C(failed) (the copy was attempted and
    failed) - and returns an alert for every miss and failure.
  - An event already recorded (the same target, calendar day, day and status) is not
    recorded again, so a second run on the same day changes nothing. The run itself is
    logged every time (a log line, not a change).
  - Runs on the controller.
author: hisops developers (@hisops)
options:
  date:
    description: The run's day (C(YYYY-MM-DD)).
    type: str
    required: true
  due:
    description: The copies that were due (M(hisops.emergency.backup_plan)'s C(due)).
    type: list
    elements: dict
    required: true
  results:
    description: The registered result of each target's task, by target.
    type: dict
    default: {}
  retention:
    description: The result of M(hisops.emergency.backup_retention) (a failure is an alert).
    type: dict
    default: {}
  snapshot:
    description:
      - The off-site copy's C(label) and C(data), the result of
        M(hisops.emergency.backup_snapshot) (tables' row counts and checksums at a WAL
        position), kept for the restore drill.
    type: dict
    default: {}
  run_id:
    description: An id for this run (recorded with its events).
    type: str
    required: true
  operator:
    description: Who ran it.
    type: str
    default: ''
  state_dir:
    description: The state store's directory.
    type: path
    required: true
attributes:
  check_mode:
    description: Says what would be recorded; records nothing.
    support: full
  diff_mode:
    description: Not supported; see RV(events).
    support: none
"""

EXAMPLES = r"""
- name: Record the run
  hisops.emergency.backup_record:
    date: "{{ plan.date }}"
    due: "{{ plan.due }}"
    results: {local: "{{ local_result }}", offsite: "{{ offsite_result }}"}
    run_id: "{{ lookup('ansible.builtin.pipe', 'date +%s') }}"
    state_dir: /var/lib/hisops/state
  delegate_to: localhost
"""

RETURN = r"""
events:
  description: One event per due copy (C(target), C(occasion), C(status), C(detail), C(label)).
  returned: success
  type: list
  elements: dict
recorded:
  description: The events that were new in the history.
  returned: success
  type: list
  elements: dict
alerts:
  description: One line per missed or failed copy.
  returned: success
  type: list
  elements: str
lines:
  description: What the run did, in plain language.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.run import record_run


def main():
    module = AnsibleModule(
        argument_spec={
            "date": {"type": "str", "required": True},
            "due": {"type": "list", "elements": "dict", "required": True},
            "results": {"type": "dict", "default": {}},
            "retention": {"type": "dict", "default": {}},
            "snapshot": {"type": "dict", "default": {}},
            "run_id": {"type": "str", "required": True},
            "operator": {"type": "str", "default": ""},
            "state_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    run_module(module, record_run)


if __name__ == "__main__":
    main()
