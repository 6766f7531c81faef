#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_replication_mode
short_description: Verify from PostgreSQL itself that the replication mode asked for is in force
version_added: 0.1.0
description:
  - Reads the server, never the file the collection wrote. On either node, the server
    accepted its configuration files (C(pg_file_settings) holds no error) and
    C(synchronous_standby_names) is what O(sync_mode) asks for (the peer, double-quoted,
    in sync mode; empty in async mode).
  - On the primary also, the peer streams with C(pg_stat_replication.sync_state) C(sync)
    (sync mode) or C(async).
  - Fails when the mode in force is not the one asked for, with the server's own error
    (C(pg_file_settings.error) and the matching lines of the server's log).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  sync_mode:
    description: The mode asked for.
    type: str
    choices: [async, sync]
    default: async
  timeout:
    description: Seconds to wait for the peer to stream (on the primary).
    type: int
    default: 30
attributes:
  check_mode:
    description: Read-only; the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: none
"""

EXAMPLES = r"""
- name: Sync mode is in force on the primary
  hisops.emergency.db_replication_mode:
    name: his-db-1
    peer: his-db-2
    peer_host: 10.10.100.12
    sync_mode: sync
  become: true
  become_user: postgres
"""

RETURN = r"""
changed:
  description: Always false.
  returned: always
  type: bool
sync_mode:
  description: The mode asked for.
  returned: always
  type: str
in_force:
  description: >-
    What the server says - C(role), C(synchronous_standby_names), C(sync_state) of the
    peer (primary only, else null) and C(config_errors).
  returned: always
  type: dict
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
            sync_mode={"type": "str", "choices": ["async", "sync"], "default": "async"},
            timeout={"type": "int", "default": 30},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.replication_mode(
            node_from(p), settings_from(p, p["sync_mode"]), p["timeout"]
        ),
    )


if __name__ == "__main__":
    main()
