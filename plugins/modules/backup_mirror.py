#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_mirror
short_description: Copy the off-site pgBackRest repository onto the removable drive
version_added: 0.1.0
description:
  - Plan P6.3. Copies the repository O(src) file by file to O(dest) on the drive mounted
    at O(mount) - new files first, the info files last, each written to a temporary name,
    flushed and renamed, so a drive pulled out mid-copy keeps its previous copy whole.
    Nothing is ever deleted from the drive; files already there are left alone.
  - Fails with C(reason=drive_absent) when nothing is mounted at O(mount) (the drive is
    not plugged in, a miss caught up later) and C(reason=copy_failed) when the copy
    fails (a full drive, an I/O error).
  - Runs on the backup host.
author: hisops developers (@hisops)
options:
  src:
    description: The repository to copy (the off-site repository's path).
    type: path
    required: true
  dest:
    description: Where the copy goes, on the drive.
    type: path
    required: true
  mount:
    description: The drive's mount point.
    type: path
    required: true
  wait_wal:
    description:
      - A WAL segment name to wait for in O(src) first (archived asynchronously), so that the
        copy reaches the point the HIS tables were counted at for the restore drill.
    type: str
  wait_timeout:
    description: Seconds to wait for O(wait_wal); then the copy is made anyway, and says so.
    type: int
    default: 60
attributes:
  check_mode:
    description: Says how many files and bytes would be copied; copies nothing.
    support: full
  diff_mode:
    description: The files that would be copied (C(before) what the drive has, C(after) with them).
    support: partial
"""

EXAMPLES = r"""
- name: The removable drive's copy
  hisops.emergency.backup_mirror:
    src: /srv/backup/pgbackrest
    dest: /srv/removable/pgbackrest
    mount: /srv/removable
  become: true
  become_user: postgres
"""

RETURN = r"""
wal_arrived:
  description: Whether O(wait_wal) reached O(src) in time (null when not asked).
  returned: success
  type: bool
files:
  description: How many data files were (or would be) copied.
  returned: success
  type: int
info_files:
  description: The info files copied (last).
  returned: success
  type: list
  elements: str
bytes:
  description: Bytes copied.
  returned: success
  type: int
message:
  description: What was done, in plain language.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import mirror
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def operate(p, check):
    arrived = None
    if p["wait_wal"] and not check and mirror.is_mounted(p["mount"]):
        arrived = mirror.wait_for_wal(p["src"], p["wait_wal"], p["wait_timeout"])
    done = mirror.mirror(p["src"], p["dest"], p["mount"], check)
    out = {"changed": done.changed, **done.as_dict(), "wal_arrived": arrived}
    verb = "would copy" if check else "copied"
    out["message"] = (
        f"{verb} {len(done.files)} files and {len(done.infos)} info files "
        f"({done.bytes} bytes) to {p['dest']}"
        if done.changed
        else f"{p['dest']} already holds everything in {p['src']}"
    )
    if arrived is False:
        out["message"] += (
            f" (WAL segment {p['wait_wal']} had not reached {p['src']} after "
            f"{p['wait_timeout']} s: the copy reaches an earlier point)"
        )
    out["diff"] = {
        "before": "",
        "after": "".join(f"+ {rel}\n" for rel in done.files[:200] + done.infos),
    }
    return out


def main():
    module = AnsibleModule(
        argument_spec={
            "src": {"type": "path", "required": True},
            "dest": {"type": "path", "required": True},
            "mount": {"type": "path", "required": True},
            "wait_wal": {"type": "str"},
            "wait_timeout": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    run_module(module, operate)


if __name__ == "__main__":
    main()
