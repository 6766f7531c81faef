#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_commit
short_description: Commit a backup run into the backup store's git history
version_added: 0.1.0
description:
  - One commit per backup run, naming the devices whose configuration changed and the
    operator. Initialises the repository on first use. Changed only when something was
    committed.
author: hisops developers (@hisops)
options:
  dest:
    description: Directory of the backup store.
    type: path
    required: true
  operator:
    description: Who ran the backup (recorded as the commit author).
    type: str
    default: hisops
  label:
    description: A label for the run in the commit message (e.g. the run id).
    type: str
    default: ""
attributes:
  check_mode:
    description: Reports what would be committed; commits nothing.
    support: full
  diff_mode:
    description: Not supported; see the devices listed.
    support: none
"""

EXAMPLES = r"""
- name: Commit the backup run
  hisops.emergency.backup_commit:
    dest: /srv/hisops/backups
    operator: "{{ lookup('ansible.builtin.env', 'HISOPS_OPERATOR') | default('hisops', true) }}"
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
devices:
  description: Devices whose backup changed in this run.
  returned: success
  type: list
  elements: str
commit:
  description: The commit id (empty when nothing was committed).
  returned: success
  type: str
"""

import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.backup import commit_backups


def main():
    module = AnsibleModule(
        argument_spec={
            "dest": {"type": "path", "required": True},
            "operator": {"type": "str", "default": "hisops"},
            "label": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = commit_backups(p["dest"], p["operator"], p["label"], check_mode=module.check_mode)
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        module.fail_json(msg=f"git in {p['dest']} failed: {detail}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
