#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_retention
short_description: Remove the off-site copies the retention lets go, keep what the calendar promised
version_added: 0.1.0
description:
  - Reads the repository, decides from each copy's calendar day (O(occasions), from the
    backup history) which copies stay - the O(policy)'s C(keep_last) newest good ones,
    every month-end copy for C(month_ends) months, the archive copies (month-end copies of
    C(archive_months), labels in C(archive_labels)) for ever, the newest good copy always,
    any copy the history does not know - and removes the others with pgBackRest's
    C(expire --set), oldest first. Then reads the repository again and fails if a copy
    meant to stay is gone.
  - pgBackRest's own count retention on that repository is its maximum, so its automatic
    expire never removes a copy; this module is the only thing that does.
  - Runs on the repository's host, as C(postgres).
author: hisops developers (@hisops)
options:
  stanza:
    description: The pgBackRest stanza.
    type: str
    default: his
  repo:
    description: The repository index.
    type: int
    default: 2
  config:
    description: The pgBackRest configuration file.
    type: path
    default: /etc/pgbackrest/pgbackrest.conf
  policy:
    description: C(keep_last), C(month_ends), C(archive_months), C(archive_labels).
    type: dict
    default: {}
  occasions:
    description: The calendar day (C(YYYY-MM-DD)) each copy was made for, by label.
    type: dict
    default: {}
  date:
    description: The run's day (month-end copies are counted back from it).
    type: str
    required: true
attributes:
  check_mode:
    description: Says which copies would be removed (RV(commands)); removes nothing.
    support: full
  diff_mode:
    description: Not supported; see RV(before) and RV(after).
    support: none
"""

EXAMPLES = r"""
- name: Retention of the off-site copies
  hisops.emergency.backup_retention:
    policy: {keep_last: 3, month_ends: 12, archive_months: [12]}
    occasions: "{{ plan.offsite_occasions }}"
    date: "2027-03-10"
  become: true
  become_user: postgres
"""

RETURN = r"""
before:
  description: The repository's backup labels before, oldest first.
  returned: success
  type: list
  elements: str
commands:
  description: The pgBackRest commands run (or that would be).
  returned: success
  type: list
  elements: str
after:
  description: The labels after.
  returned: success
  type: list
  elements: str
removed:
  description: The labels removed (or that would be).
  returned: success
  type: list
  elements: str
keep:
  description: Each label kept and why.
  returned: success
  type: dict
archive:
  description: The archive copies (kept for ever).
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.backup import retention
from ansible_collections.hisops.emergency.plugins.module_utils.backup.ansible_glue import (
    run_module,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "stanza": {"type": "str", "default": "his"},
            "repo": {"type": "int", "default": 2},
            "config": {"type": "path", "default": "/etc/pgbackrest/pgbackrest.conf"},
            "policy": {"type": "dict", "default": {}},
            "occasions": {"type": "dict", "default": {}},
            "date": {"type": "str", "required": True},
        },
        supports_check_mode=True,
    )
    run_module(module, retention.apply)


if __name__ == "__main__":
    main()
