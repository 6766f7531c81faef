#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_pair_lock
short_description: Take or release the database pair's lock on both nodes (switchover, rejoin)
version_added: 0.1.0
description:
  - Runs on the controller (action plugin). A switchover or a rejoin holds the pair's lock
    from before it reads the pair's state to its record, so that two of them, or one and a
    failover, never act on the pair at once; the run refused names the holder (operation,
    operator, controller, process, since when).
  - The lock is the failover's lock file (M(hisops.emergency.db_failover_lock)) on each
    database server. C(state=present) takes it on both nodes, in name order (two runs
    cannot each hold one and refuse each other); refused on one, it releases what it took.
    A failover takes it on its candidate only (the old primary may be dead), which every
    switchover and rejoin also needs.
  - A lock whose holder is a run of this controller whose ansible-playbook process has
    ended (killed, or the controller rebooted) is stale and broken; a holder of another
    controller is broken only past O(break_stale_s).
  - C(state=absent) releases the lock of O(owner) on both nodes.
author: hisops developers (@hisops)
options:
  group:
    description: The inventory group of the two database servers.
    type: str
    default: db_servers
  operation:
    description: What the run does while it holds the lock.
    type: str
    choices: [switchover, rejoin, failover]
    required: true
  state:
    description: Take or release.
    type: str
    choices: [present, absent]
    default: present
  owner:
    description:
      - Who holds the lock. Empty with C(state=present) - this run (C(user@controller pid
        <ansible-playbook pid> <time>)); the result's C(owner) is what C(state=absent) needs.
    type: str
    default: ''
  break_stale_s:
    description: Break a lock older than this many seconds (0 never).
    type: int
    default: 0
  connect_timeout:
    description: Seconds for each node's SSH connection (0 - the configuration's).
    type: int
    default: 10
attributes:
  check_mode:
    description: Says whether the lock is free (refused, naming the holder, when it is not); takes nothing.
    support: full
  diff_mode:
    description: Nothing to show beyond C(holders).
    support: none
"""

EXAMPLES = r"""
- name: Take the pair's lock for a switchover
  hisops.emergency.db_pair_lock:
    group: db_servers
    operation: switchover
  run_once: true
  register: db_lock

- name: Release it
  hisops.emergency.db_pair_lock:
    group: db_servers
    operation: switchover
    owner: "{{ db_lock.owner }}"
    state: absent
  run_once: true
"""

RETURN = r"""
owner:
  description: Who holds (or, released, held) the lock.
  returned: always
  type: str
nodes:
  description: The nodes the lock was taken or released on, in order.
  returned: always
  type: list
  elements: str
holder:
  description: The record of the run that holds the lock (C(owner), C(operation), C(since)).
  returned: when refused
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

# Also what the action plugin (plugins/action/db_pair_lock.py) validates the task with; it
# runs hisops.emergency.db_failover_lock on each database server.
ARGUMENT_SPEC = {
    "group": {"type": "str", "default": "db_servers"},
    "operation": {"type": "str", "required": True, "choices": ["switchover", "rejoin", "failover"]},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "owner": {"type": "str", "default": ""},
    "break_stale_s": {"type": "int", "default": 0},
    "connect_timeout": {"type": "int", "default": 10},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="db_pair_lock runs on the controller through its action plugin")


if __name__ == "__main__":
    main()
