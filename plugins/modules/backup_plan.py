#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_plan
short_description: What the backup calendar makes due on a day (plan P6.1-P6.3)
version_added: 0.1.0
description:
  - Validates the backup calendar, the date, the pair's roles and the repositories'
    layout (a bad value fails naming the field, before any host is touched), reads the
    backup history in the state store and says which copies are due on O(date)
    (C(local) every day, C(offsite) on the 10th, 20th and last day, C(removable) on the
    15th and last day by default), catching up a copy missed on an earlier calendar day.
  - Reads only; runs on the controller.
author: hisops developers (@hisops)
options:
  calendar:
    description:
      - The calendar, C(hisops_backup_calendar) (target -> C(days), C(catch_up)); targets
        left out keep the plan's days. A day is 1-28 or C(last); C(daily) is every day.
    type: dict
    default: {}
  date:
    description: The day to plan (C(YYYY-MM-DD)); empty or C(today) is today.
    type: str
    default: ''
  retention:
    description:
      - The retention, C(hisops_backup_retention) - C(local.full) (full backups repo1 keeps),
        C(offsite.keep_last), C(offsite.month_ends) (months a month-end copy is kept),
        C(offsite.archive_months) (months whose month-end copy is an archive copy, kept for
        ever), C(offsite.archive_labels). Validated naming the field.
    type: dict
    default: {}
  validate_only:
    description:
      - Only check O(calendar) and O(date) (the run's first step, before any host is read);
        O(nodes), O(addresses) and O(backup_host) are then not needed.
    type: bool
    default: false
  nodes:
    description:
      - The pair's node states (M(hisops.emergency.db_node_info), C(name), C(role)).
      - Required unless O(validate_only).
    type: list
    elements: dict
  addresses:
    description: Address of each host by inventory name (required unless O(validate_only)).
    type: dict
  backup_host:
    description: Inventory name of the off-site backup host (required unless O(validate_only)).
    type: str
  layout:
    description:
      - Repository settings (C(stanza), C(local_repo_path), C(offsite_repo_path),
        C(drive_mount), C(compress_type), C(compress_level), C(process_max), C(archive_timeout), C(pg_version),
        C(pg_cluster)).
    type: dict
    default: {}
  state_dir:
    description: The state store's directory (the backup history is in its C(state.db)).
    type: path
    required: true
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: What is due on the last day of February 2027
  hisops.emergency.backup_plan:
    date: "2027-02-28"
    nodes: "{{ states }}"
    addresses: {his-db-1: 10.0.0.11, his-db-2: 10.0.0.12, backup-1: 10.0.0.21}
    backup_host: backup-1
    state_dir: /var/lib/hisops/state
  delegate_to: localhost
  register: plan
"""

RETURN = r"""
date:
  description: The day planned (ISO).
  returned: success
  type: str
due:
  description: The copies due, in order, each C(target), C(occasion), C(catch_up), C(missed_on).
  returned: unless validate_only
  type: list
  elements: dict
due_targets:
  description: The targets due, in order.
  returned: unless validate_only
  type: list
  elements: str
lines:
  description: What is due, in plain language.
  returned: unless validate_only
  type: list
  elements: str
next:
  description: Each target's next calendar day.
  returned: unless validate_only
  type: dict
calendar:
  description: The calendar in force (validated).
  returned: success
  type: dict
retention:
  description: The retention in force (validated).
  returned: success
  type: dict
offsite_occasions:
  description: The calendar day each off-site copy in the history was made for, by label.
  returned: unless validate_only
  type: dict
layout:
  description: Where each repository lives (validated), with the primary and standby.
  returned: unless validate_only
  type: dict
local_host:
  description: The DB server holding repo1, where the daily backup runs (the standby if any).
  returned: unless validate_only
  type: str
from_standby:
  description: Whether the backups are taken from the standby.
  returned: unless validate_only
  type: bool
last_done:
  description: Per target, its newest successful copy in the history.
  returned: unless validate_only
  type: dict
ages:
  description:
    - Per target, C(last_copy) (day), C(label), C(age_days) on O(date), and
      C(overdue_since) (a calendar day missed and not caught up, or null).
  returned: unless validate_only
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.run import plan_run


def main():
    module = AnsibleModule(
        argument_spec={
            "calendar": {"type": "dict", "default": {}},
            "retention": {"type": "dict", "default": {}},
            "date": {"type": "str", "default": ""},
            "validate_only": {"type": "bool", "default": False},
            "nodes": {"type": "list", "elements": "dict"},
            "addresses": {"type": "dict"},
            "backup_host": {"type": "str"},
            "layout": {"type": "dict", "default": {}},
            "state_dir": {"type": "path", "required": True},
        },
        required_if=[("validate_only", False, ("nodes", "addresses", "backup_host"))],
        supports_check_mode=True,
    )
    run_module(module, lambda p, check: plan_run(p))


if __name__ == "__main__":
    main()
