#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_status
short_description: Free space, WAL archive lag and PostgreSQL log errors since the last check (plan P6.4)
version_added: 0.1.0
description:
  - The backup side of the daily database check, read on one host - the free space of the
    filesystems of O(paths), the WAL archive's lag from C(pg_stat_archiver) (O(archiver),
    on a DB server), and the C(ERROR), C(FATAL) and C(PANIC) lines the PostgreSQL log O(log)
    gained since the last check (the offset read up to is kept in O(log_state); read from
    the start after a rotation).
  - The age of each target's newest copy is M(hisops.emergency.backup_plan)'s C(ages).
author: hisops developers (@hisops)
options:
  paths:
    description: Paths whose filesystem's free space is reported.
    type: list
    elements: str
    default: []
  archiver:
    description: Read C(pg_stat_archiver) (as C(postgres)).
    type: bool
    default: false
  log:
    description: The PostgreSQL log to read errors from.
    type: str
  log_state:
    description: Where the offset read up to is kept.
    type: str
    default: /var/lib/postgresql/.hisops-log-check
attributes:
  check_mode:
    description: Reads the same; the log offset is not moved.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Backup side of the daily check on a DB server
  hisops.emergency.backup_status:
    paths: [/var/lib/postgresql, /var/lib/pgbackrest]
    archiver: true
    log: /var/log/postgresql/postgresql-15-main.log
  become: true
  become_user: postgres
"""

RETURN = r"""
free:
  description: Per path, C(free_bytes), C(total_bytes), C(free_percent).
  returned: success
  type: list
  elements: dict
archive:
  description:
    - C(seconds_since_archived), C(segments_waiting) (primary), C(failed_count),
      C(failing) (the last attempt failed), C(last_archived_wal).
  returned: when archiver
  type: dict
log_errors:
  description: C(counts) by level, the last C(lines), C(since) (the previous check).
  returned: when log is given
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import status
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "str", "default": []},
            "archiver": {"type": "bool", "default": False},
            "log": {"type": "str"},
            "log_state": {"type": "str", "default": "/var/lib/postgresql/.hisops-log-check"},
        },
        supports_check_mode=True,
    )
    run_module(module, status.host_status)


if __name__ == "__main__":
    main()
