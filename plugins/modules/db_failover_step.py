#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_failover_step
short_description: One step of a failover on a database server (driven by db_failover)
version_added: 0.1.0
description:
  - The steps the M(hisops.emergency.db_failover) action runs on the database servers,
    as the C(postgres) user, within its one task. Usable alone for diagnosis.
  - C(step=begin) returns the node's state; with O(lock=true) a standby also takes the
    failover lock for O(owner) (refused, naming the holder, when another run holds it).
  - C(step=fence) fences this node (the old primary) from the inside - PostgreSQL
    stopped (fast, then immediate), C(start.conf) set to C(manual) so it never starts at
    boot, no PostgreSQL process left, C(standby.signal) written - and returns its state
    afterwards.
  - C(step=promote) promotes this standby when O(fence_proof) is not empty and the data
    the old primary has beyond this node's received WAL is zero or O(accept_data_loss)
    is true, waits until it accepts writes, then releases the lock of O(owner).
  - C(step=release) releases the lock of O(owner).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  step:
    description: Which step.
    type: str
    required: true
    choices: [begin, fence, promote, release]
  owner:
    description: The identity of this failover run (the lock's owner).
    type: str
    default: ""
  lock:
    description: C(step=begin) - take the lock when this node is a standby.
    type: bool
    default: false
  break_stale_s:
    description: Break a lock older than this many seconds (0 never).
    type: int
    default: 0
  break_owner:
    description: C(step=begin) - break the lock if exactly this owner holds it (a run the controller proved gone).
    type: str
    default: ""
  old_primary:
    description: The old primary's state after fencing (C(step=promote)).
    type: dict
  fence_proof:
    description: How the old primary is proven fenced (C(step=promote); empty refuses).
    type: str
    default: ""
  accept_data_loss:
    description: Promote although the gap is not zero or not known.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for the stop (fence) or the promotion.
    type: int
    default: 60
  await_file:
    description:
      - C(step=promote) - start now and wait for the controller's word in this file (JSON with
        C(fence_proof) and C(old_primary), or C(abort)); promote only on a proof. The
        M(hisops.emergency.db_failover) action starts the promotion this way during the fence,
        so that the step's start-up is off the critical path. The file is removed once read.
    type: str
    default: ""
  await_s:
    description: C(step=promote) with O(await_file) - seconds to wait for the word (none, not promoted).
    type: int
    default: 0
attributes:
  check_mode:
    description: Reads and says what each step would do; takes no lock, stops and promotes nothing.
    support: full
  diff_mode:
    description: The node's role (promote) or fence state (fence) before and after.
    support: full
"""

EXAMPLES = r"""
- name: What his-db-2 is, taking the failover lock if it is the standby
  hisops.emergency.db_failover_step:
    step: begin
    name: his-db-2
    peer: his-db-1
    peer_host: 10.0.0.11
    lock: true
    owner: "operator@controller 2026-01-01T00:00:00"
  become: true
  become_user: postgres
"""

RETURN = r"""
state:
  description: The node's state (begin; fence - afterwards), keys as in M(hisops.emergency.db_node_info).
  returned: step is begin or fence
  type: dict
locked:
  description: Whether this call took (or already held) the failover lock.
  returned: step is begin
  type: bool
commands:
  description: What was done (or would be, in check mode).
  returned: always
  type: list
  elements: str
before:
  description: State before (fence - running, enabled, standby_signal; promote - role).
  returned: step is fence or promote
  type: dict
after:
  description: State after, the same keys.
  returned: step is fence or promote
  type: dict
gap:
  description: The data lost in words (C(unknown) when not known).
  returned: step is promote
  type: str
gap_bytes:
  description: WAL bytes lost (null when unknown).
  returned: step is promote
  type: int
reason:
  description:
    - Why the step failed, as a code to decide on (the message says it in words) -
      C(lock_held) (C(holder) names the run), C(not_fenced), C(not_promoted) (no word or
      an abort from the controller), C(not_standby), C(data_loss), C(bad_input),
      C(not_connected), C(command_failed), C(timeout), C(refused) or C(error).
  returned: when failed
  type: str
holder:
  description: The record of the run that holds the lock (C(owner), C(operation), C(since)).
  returned: when another run holds the lock (reason lock_held)
  type: dict
promote_s:
  description: Seconds from the promotion request to the first writable moment.
  returned: when promoted
  type: float
timeline:
  description: The new timeline.
  returned: when promoted
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import failover
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ansible_glue import run_module
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.spec import PAIR_ARGS


def main():
    module = AnsibleModule(
        argument_spec={
            **PAIR_ARGS,
            "step": {
                "type": "str",
                "required": True,
                "choices": ["begin", "fence", "promote", "release"],
            },
            "owner": {"type": "str", "default": ""},
            "lock": {"type": "bool", "default": False},
            "break_stale_s": {"type": "int", "default": 0},
            "break_owner": {"type": "str", "default": ""},
            "old_primary": {"type": "dict"},
            "fence_proof": {"type": "str", "default": ""},
            "accept_data_loss": {"type": "bool", "default": False},
            "timeout": {"type": "int", "default": 60},
            "await_file": {"type": "str", "default": ""},
            "await_s": {"type": "int", "default": 0},
        },
        supports_check_mode=True,
    )
    run_module(module, failover.run_step)


if __name__ == "__main__":
    main()
