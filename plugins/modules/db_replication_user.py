#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_replication_user
short_description: On the primary, the replication user and the standby's replication slot
version_added: 0.1.0
description:
  - Creates the replication user (C(LOGIN REPLICATION)) with the grants pg_rewind and a
    remote promotion need (C(pg_ls_dir), C(pg_stat_file), C(pg_read_binary_file),
    C(pg_promote), membership of C(pg_checkpoint)) and the physical slot the peer streams
    through.
  - An existing user whose password does not match is refused as wrong credentials
    (nothing changed) unless O(update_password=true).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  replication_password:
    description: Password of the replication user.
    type: str
    required: true
  listen_address:
    description: This node's own address (the password is proven by logging in there).
    type: str
    required: true
  update_password:
    description: Change the password of an existing replication user to O(replication_password).
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports the statements that would run; runs none.
    support: full
  diff_mode:
    description: The statements are returned in C(commands).
    support: none
"""

EXAMPLES = r"""
- name: Replication user and slot
  hisops.emergency.db_replication_user:
    name: his-db-1
    peer: his-db-2
    peer_host: 10.10.100.12
    listen_address: 10.10.100.11
    replication_password: "{{ hisops_db_replication_password }}"
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
            listen_address={"type": "str", "required": True},
            update_password={"type": "bool", "default": False, "no_log": False},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.ensure_primary_objects(
            node_from(p),
            settings_from(p),
            p["replication_password"],
            p["listen_address"],
            check,
            p["update_password"],
        ),
    )


if __name__ == "__main__":
    main()
