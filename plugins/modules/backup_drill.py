#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_drill
short_description: Restore a backup onto a scratch PostgreSQL instance, prove it, remove it (plan P6.5)
version_added: 0.1.0
description:
  - On the backup host, as C(postgres). Restores the copy O(label) from O(repo_path) (the
    off-site repository, or the removable drive's copy) with pgBackRest into
    C(<scratch>/data), to the WAL position of its O(snapshot) (C(--type=lsn
    --target-exclusive), promoted there), starts it on O(port) listening on a socket in
    O(scratch) only, and proves it - C(pg_amcheck --all --heapallindexed), every table's
    row count and checksum equal to the snapshot's - then stops it and deletes everything
    under O(scratch), also when a step failed.
  - A failed drill is a result (RV(passed) false, the failed check naming the damaged file
    when pgBackRest or PostgreSQL names one), so that it is recorded; the role fails the
    play after recording it.
author: hisops developers (@hisops)
options:
  target:
    description: Where the copy is.
    type: str
    choices: [offsite, removable]
    required: true
  label:
    description: The pgBackRest backup label to restore.
    type: str
    required: true
  repo_path:
    description: The repository holding it.
    type: path
    required: true
  drive_mount:
    description: The removable drive's mount point (C(removable)).
    type: path
    default: /srv/removable
  snapshot:
    description: The snapshot taken when the copy was made (C(lsn), C(tables)).
    type: dict
    default: {}
  stanza:
    description: The pgBackRest stanza.
    type: str
    default: his
  database:
    description: The HIS database.
    type: str
    default: his
  port:
    description: The scratch instance's own port (not 5432).
    type: int
    default: 5499
  scratch:
    description: The scratch directory (everything under it is deleted before and after).
    type: path
    default: /srv/backup/drill
  pg_version:
    description: The PostgreSQL major version of the copy.
    type: str
    default: '15'
  process_max:
    description: pgBackRest's parallel processes for the restore.
    type: int
    default: 2
  timeout:
    description: Seconds each step may take.
    type: int
    default: 900
attributes:
  check_mode:
    description: Says what it would restore where; touches nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Restore drill of the newest off-site copy
  hisops.emergency.backup_drill:
    target: offsite
    label: "{{ plan.label }}"
    repo_path: /srv/backup/pgbackrest
    snapshot: "{{ plan.snapshot }}"
  become: true
  become_user: postgres
"""

RETURN = r"""
passed:
  description: Whether every check passed (null in check mode).
  returned: success
  type: bool
checks:
  description: Each check - C(name), C(ok), C(detail), C(files) (files named as damaged).
  returned: success
  type: list
  elements: dict
timings:
  description: Seconds - C(restore_s), C(start_s), C(rto_s), C(checks_s), C(cleanup_s), C(total_s).
  returned: success
  type: dict
rto_s:
  description: Restore plus start until it accepts connections as a primary (s).
  returned: success
  type: float
rpo:
  description: C(data_from) (the restored data's last transaction), C(seconds_before_drill), C(lsn).
  returned: success
  type: dict
restored_to:
  description: Where the scratch instance ran.
  returned: success
  type: str
scratch_removed:
  description: Whether the scratch directory was emptied afterwards.
  returned: success
  type: bool
started_at:
  description: When the drill started (UTC).
  returned: success
  type: str
message:
  description: The result in one line.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import drill
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "target": {"type": "str", "choices": ["offsite", "removable"], "required": True},
            "label": {"type": "str", "required": True},
            "repo_path": {"type": "path", "required": True},
            "drive_mount": {"type": "path", "default": "/srv/removable"},
            "snapshot": {"type": "dict", "default": {}},
            "stanza": {"type": "str", "default": "his"},
            "database": {"type": "str", "default": "his"},
            "port": {"type": "int", "default": 5499},
            "scratch": {"type": "path", "default": "/srv/backup/drill"},
            "pg_version": {"type": "str", "default": "15"},
            "process_max": {"type": "int", "default": 2},
            "timeout": {"type": "int", "default": 900},
        },
        supports_check_mode=True,
    )
    run_module(module, drill.run_drill)


if __name__ == "__main__":
    main()
