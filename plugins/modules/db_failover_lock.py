#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_failover_lock
short_description: The lock that keeps two failovers from running at once
version_added: 0.1.0
description:
  - C(state=present) takes the lock (a file created exclusively on the standby) for
    O(owner), or fails naming the holder and its age; C(state=absent) releases it when
    O(owner) holds it.
author: hisops developers (@hisops)
options:
  path:
    description: The lock file.
    type: path
    default: /var/lib/postgresql/hisops-failover.lock
  owner:
    description: Who takes the lock (the run's identity).
    type: str
    required: true
  state:
    description: Take or release.
    type: str
    choices: [present, absent]
    default: present
  break_stale_s:
    description: Break a lock older than this many seconds (0 never).
    type: int
    default: 0
attributes:
  check_mode:
    description: Says whether the lock is free; takes nothing.
    support: full
  diff_mode:
    description: The holder before and after.
    support: full
"""

EXAMPLES = r"""
- name: Take the failover lock
  hisops.emergency.db_failover_lock:
    owner: "{{ ansible_date_time.iso8601 }}"
    state: present
"""

RETURN = r"""
before:
  description: The holder before.
  returned: always
  type: dict
after:
  description: The holder after.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ansible_glue import run_module


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/lib/postgresql/hisops-failover.lock"},
            "owner": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "break_stale_s": {"type": "int", "default": 0},
        },
        supports_check_mode=True,
    )
    run_module(module, lambda p, check: ops.lock(
        p["path"], p["owner"], p["state"], check, p["break_stale_s"]), needs_psycopg=False)


if __name__ == "__main__":
    main()
