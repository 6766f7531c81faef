#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_drill_plan
short_description: Which copy the restore drill restores (plan P6.5), input checked first
version_added: 0.1.0
description:
  - Checks O(target), O(date), O(port) and O(scratch) (a bad value fails naming the field,
    before any host is touched), then reads the backup history in the state store - the
    target's newest good copy and the snapshot taken when it was made.
  - A drill of that copy from that target that passed on O(date) already makes RV(due)
    false (nothing to do; O(force) drills it again).
  - Reads only; runs on the controller.
author: hisops developers (@hisops)
options:
  target:
    description: C(offsite) (the off-site repository) or C(removable) (the drive's copy).
    type: str
    default: offsite
  date:
    description: The drill's day (C(YYYY-MM-DD)); empty is today.
    type: str
    default: ''
  port:
    description: The scratch instance's port (1024-65535, not 5432).
    type: raw
    default: 5499
  scratch:
    description: The scratch directory on the backup host.
    type: str
    default: /srv/backup/drill
  offsite_repo_path:
    description: The off-site repository on the backup host.
    type: str
    default: /srv/backup/pgbackrest
  drive_mount:
    description: The removable drive's mount point on the backup host.
    type: str
    default: /srv/removable
  force:
    description: Drill even if this copy passed a drill on O(date).
    type: bool
    default: false
  validate_only:
    description: Only check the input (the first step, before the history is read).
    type: bool
    default: false
  state_dir:
    description: The state store's directory.
    type: path
    required: true
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Which copy to drill
  hisops.emergency.backup_drill_plan:
    target: offsite
    state_dir: /var/lib/hisops/state
  delegate_to: localhost
  register: plan
"""

RETURN = r"""
due:
  description: Whether the drill runs (false - this copy passed a drill on that day).
  returned: unless validate_only
  type: bool
label:
  description: The copy to restore (pgBackRest label).
  returned: unless validate_only
  type: str
copy:
  description: The history's entry of the copy (C(on), C(occasion), C(label)).
  returned: unless validate_only
  type: dict
snapshot:
  description: The snapshot taken when the copy was made (C(lsn), C(tables), ...), or empty.
  returned: unless validate_only
  type: dict
repo_path:
  description: The repository the copy is restored from.
  returned: success
  type: str
lines:
  description: What the drill will do, in plain language.
  returned: unless validate_only
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)
from ansible_collections.hisops.emergency.plugins.module_utils.backup.drill_record import (
    plan_drill,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "target": {"type": "str", "default": "offsite"},
            "date": {"type": "str", "default": ""},
            "port": {"type": "raw", "default": 5499},
            "scratch": {"type": "str", "default": "/srv/backup/drill"},
            "offsite_repo_path": {"type": "str", "default": "/srv/backup/pgbackrest"},
            "drive_mount": {"type": "str", "default": "/srv/removable"},
            "force": {"type": "bool", "default": False},
            "validate_only": {"type": "bool", "default": False},
            "state_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    run_module(module, lambda p, check: plan_drill(p))


if __name__ == "__main__":
    main()
