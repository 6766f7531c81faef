#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_status_report
short_description: The backup part of the daily database check, on the controller (plan P6.4)
version_added: 0.1.0
description:
  - Puts together what M(hisops.emergency.backup_status) read on each host (free space,
    WAL archive lag, PostgreSQL log errors since the last check) and the age of each
    target's newest copy from the backup history (C(local), C(offsite), C(removable)), in
    plain language (C(lines), C(warnings)) and as a JSON report.
  - Reads only; runs on the controller. The report is not written in check mode.
author: hisops developers (@hisops)
options:
  hosts:
    description:
      - The registered C(results) of a M(hisops.emergency.backup_status) loop over the
        hosts (each with its C(item), the host's name); an unreachable or failed host is
        reported as not read.
    type: list
    elements: dict
    default: []
  calendar:
    description: The calendar, C(hisops_backup_calendar) (for a calendar day overdue).
    type: dict
    default: {}
  date:
    description: The day the ages are counted to (C(YYYY-MM-DD)); empty is today.
    type: str
    default: ''
  state_dir:
    description: The state store's directory (the backup history is in its C(state.db)).
    type: path
    required: true
  report:
    description: Where the JSON report is written (none when empty).
    type: path
  low_free_percent:
    description: Warn when a filesystem has less free space than this (per cent).
    type: float
    default: 10
attributes:
  check_mode:
    description: Reads the same; the report is not written.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Backup figures on each host
  hisops.emergency.backup_status:
    paths: [/var/lib/postgresql, /var/lib/pgbackrest]
    archiver: true
    log: /var/log/postgresql/postgresql-15-main.log
  become: true
  become_user: postgres
  delegate_to: "{{ item }}"
  loop: "{{ groups['db_servers'] }}"
  run_once: true
  register: read

- name: Backup age per target and the report
  hisops.emergency.backup_status_report:
    hosts: "{{ read.results }}"
    state_dir: /var/lib/hisops/state
    report: /var/lib/hisops/reports/db_status_backup.json
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
date:
  description: The day the ages are counted to (ISO).
  returned: success
  type: str
ages:
  description:
    - Per target, C(last_copy) (day), C(label), C(age_days) on O(date), C(overdue_since)
      (a calendar day missed and not caught up, or null) and C(recorded_s_ago) (seconds
      since the copy was recorded, by the clock).
  returned: success
  type: dict
hosts:
  description: Per host, C(free), C(archive), C(log_errors) as read, or C(read=false) and C(error).
  returned: success
  type: dict
lines:
  description: Everything in plain language, warnings last.
  returned: success
  type: list
  elements: str
warnings:
  description: Low free space, failing WAL archiving, an overdue copy, a host not read.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import status
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "hosts": {"type": "list", "elements": "dict", "default": []},
            "calendar": {"type": "dict", "default": {}},
            "date": {"type": "str", "default": ""},
            "state_dir": {"type": "path", "required": True},
            "report": {"type": "path"},
            "low_free_percent": {"type": "float", "default": 10},
        },
        supports_check_mode=True,
    )
    run_module(module, status.status_report)


if __name__ == "__main__":
    main()
