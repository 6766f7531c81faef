#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_ha_config
short_description: Hot-standby settings of one PostgreSQL node and its .pgpass entry
version_added: 0.1.0
description:
  - Writes C(conf.d/hisops-ha.conf) (C(wal_level), C(wal_log_hints) so pg_rewind works
    without data checksums, C(hot_standby), slots, C(primary_conninfo) naming the peer,
    C(recovery_target_timeline=latest), C(synchronous_standby_names) by O(sync_mode)) and
    the peer's entry in C(~postgres/.pgpass); reloads PostgreSQL when it changed and says
    whether a restart is needed.
  - Both nodes carry the same settings, each naming the other, so a switchover never
    rewrites configuration; the file is outside the data directory, so pg_rewind and
    pg_basebackup never overwrite it.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  replication_password:
    description: Password of the replication user (written only to C(~postgres/.pgpass), mode 0600).
    type: str
    required: true
  sync_mode:
    description:
      - C(async) (default) commits do not wait for the standby; a failover may lose the
        last commits not yet received.
      - C(sync) a commit returns once the standby has it; with two nodes, writes stall
        while the standby is down (switch back to C(async) to release them).
    type: str
    choices: [async, sync]
    default: async
  wal_keep_size:
    description: WAL kept on the primary beyond slots (what pg_rewind needs).
    type: str
    default: 512MB
  max_slot_wal_keep_size:
    description:
      - The most WAL a standby's replication slot may hold back on the primary while the
        standby is down or behind. Past it the slot is lost (C(wal_status) C(lost)) and
        the standby must be cloned again (M(hisops.emergency.db_rejoin) does it), but the
        primary's disk does not fill.
      - A size (C(8GB)), a share of the filesystem holding the data directory (C(20%)), or
        C(auto) (20 %, never under 1 GB). PostgreSQL's own default keeps WAL without bound.
      - C(pg_wal) can hold this, plus up to C(max_wal_size) between two checkpoints.
    type: str
    default: auto
attributes:
  check_mode:
    description: Computes the file and the .pgpass entry, writes nothing.
    support: full
  diff_mode:
    description: Before and after of the settings file.
    support: full
"""

EXAMPLES = r"""
- name: Hot-standby settings
  hisops.emergency.db_ha_config:
    name: his-db-1
    peer: his-db-2
    peer_host: 10.10.100.12
    replication_password: "{{ hisops_db_replication_password }}"
    sync_mode: async
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
restart_required:
  description: A changed setting needs a restart of PostgreSQL (C(wal_level), C(wal_log_hints), ...).
  returned: always
  type: bool
max_slot_wal_keep_size:
  description: The slot's WAL bound rendered (O(max_slot_wal_keep_size) resolved to a size).
  returned: always
  type: str
config_file:
  description: The settings file.
  returned: always
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
            replication_password={"type": "str", "required": True, "no_log": True},
            sync_mode={"type": "str", "choices": ["async", "sync"], "default": "async"},
            wal_keep_size={"type": "str", "default": "512MB"},
            max_slot_wal_keep_size={"type": "str", "default": "auto"},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.ensure_config(
            node_from(p),
            settings_from(p, p["sync_mode"], p["wal_keep_size"], p["max_slot_wal_keep_size"]),
            p["replication_password"],
            check,
        ),
    )


if __name__ == "__main__":
    main()
