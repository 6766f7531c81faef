#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_standby_clone
short_description: Make this node a streaming hot standby of its peer (pg_basebackup)
version_added: 0.1.0
description:
  - Leaves a node that already is a standby of the peer and follows it (streaming, its
    replay reaching the peer's position or moving) alone. Otherwise stops it,
    clones the peer with C(pg_basebackup -X stream) through the node's replication slot,
    adds C(standby.signal) and starts it, then waits until it streams.
  - Refuses (nothing changed) when the peer is not a primary, when this node is a primary
    of the same cluster (both would claim primary; use M(hisops.emergency.db_rejoin)), and
    when this node holds user tables of its own, unless O(overwrite=true).
  - A standby of the peer that does not follow it (not streaming, or its replay stuck
    for 5 s) is refused naming O(overwrite) and M(hisops.emergency.db_rejoin); with
    O(overwrite=true) it is cloned afresh.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  overwrite:
    description: Replace the data of a node that holds user tables of its own, or of a standby that does not follow the peer.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for streaming after the start.
    type: int
    default: 120
attributes:
  check_mode:
    description: Checks the peer and this node and reports the steps; changes nothing.
    support: full
  diff_mode:
    description: The role before and after.
    support: full
"""

EXAMPLES = r"""
- name: Clone the standby
  hisops.emergency.db_standby_clone:
    name: his-db-2
    peer: his-db-1
    peer_host: 10.10.100.11
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
clone_bytes:
  description: Size of the peer's databases (what a clone copies).
  returned: when a clone is needed
  type: int
clone_seconds:
  description: How long the clone took.
  returned: when cloned
  type: float
not_following:
  description: Why the standby was judged not to follow the peer (then cloned again).
  returned: when a standby of the peer did not follow it
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
            overwrite={"type": "bool", "default": False},
            timeout={"type": "int", "default": 120},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.clone(
            node_from(p), settings_from(p), check, p["overwrite"], p["timeout"]
        ),
    )


if __name__ == "__main__":
    main()
