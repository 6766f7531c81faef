#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_rejoin
short_description: Bring a node back as a standby of the primary (restart, pg_rewind or clone)
version_added: 0.1.0
description:
  - Leaves a node that already streams from the peer on the peer's timeline alone.
  - A node whose last life was as a standby (it crashed, was stopped, or runs without
    streaming; its control file says C(in archive recovery) or C(shut down in recovery))
    is only started in standby mode and must catch up with the peer's WAL position of the
    start. No rewind - pg_rewind's crash recovery would end recovery with a checkpoint of
    its own on the primary's timeline, after which the node could never follow again.
  - Such a standby that does not catch up (its log says it cannot - its WAL is gone from
    the primary, its timeline forked off, the walreceiver restarted over and over - or its
    replay does not move for O(catchup_stall_s)) is rewound when it is on an older
    timeline than the peer, else cloned afresh (pg_basebackup) unless O(allow_clone=false).
  - A node that was a primary (the old primary after a failover) is rewound. It runs a
    CHECKPOINT on the new primary first (otherwise pg_rewind can wrongly say "no rewind
    required"), stops this node, runs pg_rewind with the Debian configuration file
    (C(--config-file), so its crash recovery and C(--restore-target-wal) find the node's
    settings), keeps the node's own C(postgresql.auto.conf) instead of the copy pg_rewind
    brings from the source, adds C(standby.signal), starts, and verifies it streams on
    the new primary's timeline.
  - When pg_rewind fails, falls back to a fresh clone (pg_basebackup) unless
    O(allow_clone=false); C(clone_estimate) says how long that takes at O(clone_rate_mb_s).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  allow_clone:
    description: Fall back to a fresh clone when pg_rewind fails.
    type: bool
    default: true
  clone_rate_mb_s:
    description: Expected clone speed in MB/s, for the estimate.
    type: float
    default: 40.0
  restore_target_wal:
    description: Pass C(--restore-target-wal) (needs a C(restore_command) in the node's settings).
    type: bool
    default: false
  timeout:
    description: Seconds to wait for streaming after a rewind or a clone.
    type: int
    default: 120
  catchup_stall_s:
    description:
      - A standby restarted in standby mode that replays nothing for this many seconds
        does not catch up (it is then rewound or cloned). A catch-up that moves is waited
        for, however long.
    type: int
    default: 30
attributes:
  check_mode:
    description: Checks the peer and this node; reports the method and the clone estimate; changes nothing.
    support: full
  diff_mode:
    description: Role before and after.
    support: full
"""

EXAMPLES = r"""
- name: Rejoin his-db-1 as a standby of his-db-2
  hisops.emergency.db_rejoin:
    name: his-db-1
    peer: his-db-2
    peer_host: 10.10.100.12
  become: true
  become_user: postgres
"""

RETURN = r"""
changed:
  description: Whether anything was (or, in check mode, would be) changed.
  returned: always
  type: bool
commands:
  description: The steps taken (or, in check mode, that would be taken).
  returned: always
  type: list
  elements: str
before:
  description: Roles before.
  returned: always
  type: dict
after:
  description: Roles after.
  returned: always
  type: dict
method:
  description: >-
    C(none), C(restart as standby) (it caught up, no rewind), C(rewind), C(clone),
    C(clone (pg_rewind failed)) or C(clone (<node> did not catch up as a standby)).
  returned: always
  type: str
clone_estimate:
  description: C(bytes), C(seconds) and C(rate_mb_s) of a clone of the new primary.
  returned: always
  type: dict
catchup_s:
  description: Seconds the restart in standby mode took until it caught up (or was given up).
  returned: when a standby was restarted as one
  type: float
catchup_error:
  description: Why the node restarted in standby mode did not catch up (the server's own words where it said them).
  returned: when a standby did not catch up
  type: str
rewind_error:
  description: Why pg_rewind failed (before the clone fallback).
  returned: when pg_rewind failed
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import ops
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ansible_glue import run_module
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.spec import (
    node_from,
    pair_args,
    settings_from,
)


def main():
    module = AnsibleModule(
        argument_spec=pair_args(
            allow_clone={"type": "bool", "default": True},
            clone_rate_mb_s={"type": "float", "default": 40.0},
            restore_target_wal={"type": "bool", "default": False},
            timeout={"type": "int", "default": 120},
            catchup_stall_s={"type": "int", "default": 30},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.rejoin(
            node_from(p),
            settings_from(p),
            check,
            p["allow_clone"],
            p["clone_rate_mb_s"],
            p["restore_target_wal"],
            p["timeout"],
            p["catchup_stall_s"],
        ),
    )


if __name__ == "__main__":
    main()
