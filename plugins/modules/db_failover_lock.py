#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_failover_lock
short_description: The pair's lock, that keeps two failovers, switchovers or rejoins from running at once
version_added: 0.1.0
description:
  - C(state=present) takes the lock (a file created exclusively on the database server)
    for O(owner) and O(operation), or fails naming the holder (operation, operator,
    controller, process, since when; C(holder) in the result); C(state=absent) releases
    it when O(owner) holds it.
  - The failover takes it on its candidate; a switchover and a rejoin take it on both
    nodes, in name order (M(hisops.emergency.db_pair_lock)).
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
  operation:
    description: What the owner does while it holds the lock (shown to a refused second run).
    type: str
    choices: [failover, switchover, rejoin]
    default: failover
  break_stale_s:
    description: Break a lock older than this many seconds (0 never).
    type: int
    default: 0
  break_owner:
    description: Break the lock if exactly this owner holds it (a run its controller proved gone).
    type: str
    default: ''
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
holder:
  description: The record of the run that holds the lock (C(owner), C(operation), C(since)).
  returned: when refused because another run holds the lock
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
            "operation": {
                "type": "str",
                "choices": ["failover", "switchover", "rejoin"],
                "default": "failover",
            },
            "break_stale_s": {"type": "int", "default": 0},
            "break_owner": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.lock(
            p["path"],
            p["owner"],
            p["state"],
            check,
            p["break_stale_s"],
            p["operation"],
            p["break_owner"],
        ),
        needs_psycopg=False,
    )


if __name__ == "__main__":
    main()
