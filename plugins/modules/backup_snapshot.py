#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_snapshot
short_description: Row counts and checksums of the HIS tables at a WAL position, for the restore drill
version_added: 0.1.0
description:
  - C(take) (on the standby, right after the off-site backup) waits until the standby has
    replayed past the copy's end (O(min_lsn)), pauses replay, reads the replay WAL
    position, counts and checksums every table of O(database) and resumes replay (also on
    failure). On a primary (no standby) it reads them in one transaction. The restore drill
    restores the copy to exactly that position and compares.
  - C(mark) (on the primary) writes a restore point and switches WAL, so a record after the
    counted position exists and its segment is archived.
  - Runs as C(postgres) (peer authentication, no password).
author: hisops developers (@hisops)
options:
  action:
    description: What to do.
    type: str
    choices: [take, mark]
    default: take
  database:
    description: The HIS database.
    type: str
    default: his
  min_lsn:
    description: Wait until the standby has replayed this WAL position (the backup's stop LSN).
    type: str
  label:
    description: The backup's label, named in the restore point (C(mark)).
    type: str
  timeout:
    description: Seconds to wait for the standby's replay.
    type: int
    default: 120
attributes:
  check_mode:
    description: Reads and writes nothing; says what it would do.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Counts of the HIS tables on the standby at the off-site copy
  hisops.emergency.backup_snapshot:
    min_lsn: "{{ offsite.lsn_stop }}"
  become: true
  become_user: postgres
"""

RETURN = r"""
lsn:
  description: The WAL position the counts are at (C(take)), or of the restore point (C(mark)).
  returned: success
  type: str
data_time:
  description: The time of the last transaction in the data counted (UTC).
  returned: action is take
  type: str
tables:
  description: Per C(schema.table), C(rows) and C(checksum) (order-independent).
  returned: action is take
  type: dict
taken_on:
  description: C(standby) or C(primary).
  returned: action is take
  type: str
exact:
  description: Whether the counts are exactly the data at RV(lsn) (replay paused on a standby).
  returned: action is take
  type: bool
segment:
  description: The WAL segment switched (C(mark)).
  returned: action is mark
  type: str
message:
  description: What was done.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import snapshot
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "action": {"type": "str", "choices": ["take", "mark"], "default": "take"},
            "database": {"type": "str", "default": "his"},
            "min_lsn": {"type": "str"},
            "label": {"type": "str"},
            "timeout": {"type": "int", "default": 120},
        },
        supports_check_mode=True,
    )
    run_module(module, snapshot.mark if module.params["action"] == "mark" else snapshot.take)


if __name__ == "__main__":
    main()
