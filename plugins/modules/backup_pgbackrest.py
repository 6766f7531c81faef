#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_pgbackrest
short_description: Take a pgBackRest backup, create a stanza, or read a repository
version_added: 0.1.0
description:
  - C(backup) takes one backup into repository O(repo) with the configuration O(config)
    (on the standby's disk for the daily backup, on the backup host for the off-site
    copy; both read the standby's files when the pair has one). C(auto) takes a full
    backup when the repository has none newer than O(full_every_days), else an
    incremental one. pgBackRest's own expire then applies the repository's retention,
    which always keeps the newest full backup.
  - C(stanza) creates the stanza in O(repo) when it has none (changed), else does nothing.
  - C(info) reads the repository (O(repo_path) reads another copy of it, such as the one
    on the removable drive) and reports its backups and WAL range; it changes nothing.
  - Runs on the host, as user C(postgres). A pgBackRest error fails with its code and
    message (C(reason=pgbackrest)); no secret is passed or returned.
author: hisops developers (@hisops)
options:
  action:
    description: What to do.
    type: str
    choices: [backup, stanza, info]
    default: backup
  stanza:
    description: The pgBackRest stanza.
    type: str
    default: his
  repo:
    description: The repository index (1 the DB server's disk, 2 off-site).
    type: int
    required: true
  config:
    description: The pgBackRest configuration file.
    type: path
    default: /etc/pgbackrest/pgbackrest.conf
  repo_path:
    description: Read the repository at this path instead (C(info) only).
    type: path
  type:
    description: The backup type.
    type: str
    choices: [auto, full, diff, incr]
    default: auto
  full_every_days:
    description: With C(type=auto), a full backup when the newest full one is this old.
    type: int
    default: 7
requirements:
  - pgBackRest (Debian C(pgbackrest)) on the host
attributes:
  check_mode:
    description: C(backup) and C(stanza) say what they would do (from C(info)); nothing is written.
    support: full
  diff_mode:
    description: Not supported; a backup is reported by its label and size.
    support: none
"""

EXAMPLES = r"""
- name: The daily backup to the standby's own disk
  hisops.emergency.backup_pgbackrest:
    repo: 1
    config: /etc/pgbackrest/hisops-daily.conf
  become: true
  become_user: postgres
"""

RETURN = r"""
label:
  description: The new backup's label (C(backup)).
  returned: when a backup was taken
  type: str
type:
  description: The backup type taken (or that would be).
  returned: action is backup
  type: str
seconds:
  description: How long the backup took.
  returned: when a backup was taken
  type: int
size:
  description: The database size backed up (bytes).
  returned: when a backup was taken
  type: int
repo_size:
  description: What it takes in the repository (bytes, compressed).
  returned: when a backup was taken
  type: int
lsn_stop:
  description: The WAL position the new backup is consistent at (C(backup)).
  returned: when a backup was taken
  type: str
message:
  description: What was done, in plain language.
  returned: success
  type: str
backups:
  description: The repository's backups (C(info)), oldest first, or their count (C(backup)).
  returned: success
  type: raw
archive:
  description: The repository's WAL range (C(info)), C(min) and C(max).
  returned: action is info
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import pgbackrest
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def operate(p, check):
    if p["action"] == "stanza":
        changed = pgbackrest.ensure_stanza(p["config"], p["stanza"], p["repo"], check)
        return {"changed": changed, "message": "stanza created" if changed else "stanza exists"}
    if p["action"] == "info":
        found = pgbackrest.info(p["config"], p["stanza"], p["repo"], p["repo_path"] or "")
        archive = (found.get("archive") or [{}])[-1] if found else {}
        return {
            "changed": False,
            "status": pgbackrest.status_code(found),
            "backups": pgbackrest.backups(found),
            "archive": {"min": archive.get("min"), "max": archive.get("max")},
            "message": ((found.get("status") or {}).get("message")) if found else "no stanza",
        }
    return pgbackrest.take_backup(
        p["config"], p["stanza"], p["repo"], p["type"], p["full_every_days"], check
    ).as_dict()


def main():
    module = AnsibleModule(
        argument_spec={
            "action": {"type": "str", "choices": ["backup", "stanza", "info"], "default": "backup"},
            "stanza": {"type": "str", "default": "his"},
            "repo": {"type": "int", "required": True},
            "config": {"type": "path", "default": "/etc/pgbackrest/pgbackrest.conf"},
            "repo_path": {"type": "path"},
            "type": {"type": "str", "choices": ["auto", "full", "diff", "incr"], "default": "auto"},
            "full_every_days": {"type": "int", "default": 7},
        },
        supports_check_mode=True,
    )
    run_module(module, operate)


if __name__ == "__main__":
    main()
