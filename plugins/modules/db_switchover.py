#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_switchover
short_description: Planned switchover, run on the current primary, with zero committed transactions lost
version_added: 0.1.0
description:
  - Checks first (this node primary, the peer a standby streaming from it within
    O(max_lag_bytes)); then the disruptive part, in one go on this host - a fast shutdown
    (client sessions are cut, so no write is acknowledged afterwards; the shutdown
    checkpoint is sent to the standby), a wait until the peer has replayed past that
    checkpoint, the promotion of the peer. Then this node restarts as the peer's standby
    (it stopped cleanly, so no rewind is needed) and the module waits until it streams.
  - Idempotent - when this node already is a standby and the peer primary, nothing is done.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  max_lag_bytes:
    description: Refuse when the standby's replay is further behind than this.
    type: int
    default: 16777216
  timeout:
    description: Seconds for each wait (shutdown, replay, promotion, streaming).
    type: int
    default: 60
attributes:
  check_mode:
    description: Runs every check; stops, promotes and restarts nothing.
    support: full
  diff_mode:
    description: Roles before and after.
    support: full
"""

EXAMPLES = r"""
- name: Switch over to his-db-2
  hisops.emergency.db_switchover:
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
timings:
  description: Seconds of the disruptive part (C(stop_s), C(replay_s), C(promote_s), C(writes_stopped_s)).
  returned: when switched
  type: dict
shutdown_checkpoint:
  description: LSN of the old primary's shutdown checkpoint (everything before it is on the new primary).
  returned: when switched
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
            max_lag_bytes={"type": "int", "default": 16 * 1024 * 1024},
            timeout={"type": "int", "default": 60},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.switchover(
            node_from(p), settings_from(p), check, p["max_lag_bytes"], p["timeout"]
        ),
    )


if __name__ == "__main__":
    main()
