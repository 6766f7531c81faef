#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_promote
short_description: Failover, run on the standby once the old primary is fenced
version_added: 0.1.0
description:
  - Refuses unless O(fence_proof) says how the old primary was fenced.
  - Computes the data that would be lost from the old primary's last state (O(old_primary),
    from M(hisops.emergency.db_node_info) after fencing) - zero when it stopped cleanly and
    this standby received all of it, a byte count, or unknown (crashed or unreachable).
    Refuses unless it is zero or O(accept_data_loss=true).
  - Promotes, then creates the slot the old primary will stream through after a rejoin.
  - Idempotent - a node already primary is left alone.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.db_pair
options:
  old_primary:
    description: The old primary's state after fencing (C(role=unreachable) when it cannot be read).
    type: dict
  fence_proof:
    description: How the old primary was fenced, as proven by the playbook (empty means not fenced).
    type: str
    required: true
  accept_data_loss:
    description: Promote even though the gap is not zero or not known.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for the promotion.
    type: int
    default: 60
attributes:
  check_mode:
    description: Every check and the gap; promotes nothing.
    support: full
  diff_mode:
    description: Roles before and after.
    support: full
"""

EXAMPLES = r"""
- name: Promote his-db-2
  hisops.emergency.db_promote:
    name: his-db-2
    peer: his-db-1
    peer_host: 10.10.100.11
    fence_proof: "service stopped and disabled over SSH"
    old_primary: "{{ old_state }}"
    accept_data_loss: true
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
gap_bytes:
  description: WAL bytes that are lost (null when unknown).
  returned: always
  type: int
gap:
  description: The gap in words (C(unknown) when not known).
  returned: when checked
  type: str
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
            old_primary={"type": "dict"},
            fence_proof={"type": "str", "required": True},
            accept_data_loss={"type": "bool", "default": False},
            timeout={"type": "int", "default": 60},
        ),
        supports_check_mode=True,
    )
    run_module(
        module,
        lambda p, check: ops.promote(
            node_from(p),
            settings_from(p),
            check,
            p["old_primary"],
            p["fence_proof"],
            p["accept_data_loss"],
            p["timeout"],
        ),
    )


if __name__ == "__main__":
    main()
