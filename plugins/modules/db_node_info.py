#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_node_info
short_description: Read one PostgreSQL node's hot-standby state
version_added: 0.1.0
description:
  - Role (primary, standby, stopped), timeline, WAL positions, the standbys streaming from
    it with their lag in bytes and seconds, replication slots, C(wal_log_hints), whether
    C(standby.signal) is present and whether the service starts at boot.
  - On a primary, the WAL each replication slot holds back, the size of C(pg_wal) and the
    slots' bound; the record of the sync-degrade service (read even when PostgreSQL is down,
    so a failover knows whether the pair was degraded).
  - When PostgreSQL is down, the last checkpoint and cluster state come from
    C(pg_controldata), so the last known position of a stopped node is reported.
  - Reads only.
author: hisops developers (@hisops)
options:
  name:
    description: Inventory name of this node.
    type: str
    required: true
  pg_version:
    description: PostgreSQL major version.
    type: str
    default: '15'
  pg_cluster:
    description: Debian cluster name.
    type: str
    default: main
requirements:
  - psycopg >= 3.1 (Debian C(python3-psycopg)) on the database server
attributes:
  check_mode:
    description: Reads only; the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes.
    support: none
"""

EXAMPLES = r"""
- name: Read this node's state
  hisops.emergency.db_node_info:
    name: "{{ inventory_hostname }}"
  become: true
  become_user: postgres
  register: node
"""

RETURN = r"""
state:
  description: The node's state (C(role), C(timeline), C(lsn), C(receive_lsn), C(replay_lsn),
    C(replay_age_s), C(upstream), C(receiver_status), C(replicas), C(slots),
    C(standby_signal), C(cluster_state), C(checkpoint_lsn), C(service_enabled), C(error));
    each slot with C(retained_bytes) (WAL it holds back) and C(wal_status); on a primary
    C(wal_bytes) (the size of C(pg_wal)) and C(wal_bound_bytes) (C(max_slot_wal_keep_size),
    -1 without bound); C(degrade), the record of the sync-degrade service (C(state) sync,
    degraded, strict, async, standby or down, C(since), C(reason), C(degrades),
    C(last_stall_s), C(age_s)), null when it never ran on this node.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.ansible_glue import run_module
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.node import LocalNode


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "pg_version": {"type": "str", "default": "15"},
            "pg_cluster": {"type": "str", "default": "main"},
        },
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: {
            "changed": False,
            "state": LocalNode(version=p["pg_version"], cluster=p["pg_cluster"])
            .state(p["name"])
            .as_dict(),
        },
    )


if __name__ == "__main__":
    main()
