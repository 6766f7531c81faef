#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_hold
short_description: Record a client rollout in progress in the hospital's deliberate state
version_added: 0.1.0
description:
  - Opens a hold of kind C(rollout) in the deliberate-state store while a rollout runs
    (its workstations as endpoints, version and group in its details), and closes it when
    the rollout ends, stopped or done, so other workflows see a rollout in progress.
  - Runs on the controller. The action plugin fills O(state_dir).
author: hisops developers (@hisops)
options:
  state:
    description: V(open) while the rollout runs, V(closed) when it ended.
    type: str
    choices: [open, closed]
    default: open
  id:
    description: The hold's id (the rollout's run id).
    type: str
    required: true
  group:
    description: The workstation group rolled out to.
    type: str
    default: ""
  version:
    description: The version rolled out.
    type: str
    default: ""
  hosts:
    description: The workstations of the rollout (the hold's endpoints).
    type: list
    elements: str
    default: []
  details:
    description: More facts kept with the hold (canary, deferred workstations, ...).
    type: dict
    default: {}
  operator:
    description: Who runs the rollout.
    type: str
    default: hisops
  state_dir:
    description:
      - Directory of the deliberate state; filled by the action plugin (task arg,
        C(hisops_state_dir), E(HISOPS_STATE_DIR), else C(var/state) beside the playbooks).
    type: path
    required: true
attributes:
  check_mode:
    description: Reports whether the hold would open or close; nothing is written.
    support: full
  diff_mode:
    description: The hold's state (absent, open, closed) before and after.
    support: full
"""

EXAMPLES = r"""
- name: The rollout is in progress
  hisops.emergency.client_hold:
    id: "rollout-{{ run_id }}"
    group: workstations
    version: 2.1.0
    hosts: "{{ plan.hosts }}"
  delegate_to: localhost
  run_once: true

- name: The rollout ended
  hisops.emergency.client_hold:
    id: "rollout-{{ run_id }}"
    state: closed
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
hold:
  description: The hold as stored (id, kind, key, state, endpoints, details, opened_by, ...).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.hold import rollout_hold


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "default": "open", "choices": ["open", "closed"]},
            "id": {"type": "str", "required": True},
            "group": {"type": "str", "default": ""},
            "version": {"type": "str", "default": ""},
            "hosts": {"type": "list", "elements": "str", "default": []},
            "details": {"type": "dict", "default": {}},
            "operator": {"type": "str", "default": "hisops"},
            "state_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = rollout_hold(p["state_dir"], p["state"], p["id"], operator=p["operator"],
                              group=p["group"], version=p["version"], hosts=p["hosts"],
                              details=p["details"], check_mode=module.check_mode)
    except ClientError as exc:
        module.fail_json(msg=str(exc), field=getattr(exc, "field", ""))
    if module._diff:
        result["diff"] = {"before": "hold %s: %s\n" % (p["id"], result["before"]),
                          "after": "hold %s: %s\n" % (p["id"], result["after"])}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
