#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: state_hold
short_description: Open or close a hold in the hospital's deliberate state
version_added: 0.1.0
description:
  - The hospital's deliberate state (see docs/design.md) is what every workflow reads before
    it acts. A workflow that runs over several tasks (a client rollout, a database switchover)
    opens its hold when it starts and closes it when it ends, stopped or done, so that the
    others, and C(hisops state), see it in progress; a fence is open from the failover to the
    rejoin.
  - Isolations, vendor windows and spare swaps write their holds from their own records and
    do not use this module.
  - Runs on the controller; the action plugin fills O(state_dir).
author: hisops developers (@hisops)
options:
  state:
    description: V(open) while it lasts, V(closed) when it ended.
    type: str
    choices: [open, closed]
    default: open
  id:
    description: The hold's id (e.g. C(rollout-<run id>), C(switchover-<pair>)).
    type: str
    required: true
  kind:
    description: What it is.
    type: str
    required: true
    choices: [rollout, switchover, db_fence]
  key:
    description: What it concerns, for people (default the id).
    type: str
    default: ""
  summary:
    description: One line for people.
    type: str
    default: ""
  devices:
    description: The switches it concerns.
    type: list
    elements: str
    default: []
  endpoints:
    description: The hosts it keeps busy or cut off (inventory names).
    type: list
    elements: str
    default: []
  details:
    description: More facts kept with the hold.
    type: dict
    default: {}
  exclusive:
    description:
      - Refuse to open while another open hold of the same kind shares a host of O(endpoints)
        (two rollouts to the same workstations), naming it and saying how to close it if its
        run died.
    type: bool
    default: false
  operator:
    description: Who runs it.
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
- name: The switchover is in progress
  hisops.emergency.state_hold:
    id: switchover-his-db
    kind: switchover
    endpoints: [his-db-1, his-db-2]
  delegate_to: localhost
  run_once: true

- name: The switchover ended
  hisops.emergency.state_hold:
    id: switchover-his-db
    kind: switchover
    state: closed
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
before:
  description: The hold's state before (absent, open, closed).
  returned: always
  type: str
after:
  description: The hold's state after.
  returned: always
  type: str
hold:
  description: The hold as stored (id, kind, key, state, devices, endpoints, details, opened_by, ...).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import StateError
from ansible_collections.hisops.emergency.plugins.module_utils.state.holds import set_hold


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "default": "open", "choices": ["open", "closed"]},
            "id": {"type": "str", "required": True},
            "kind": {
                "type": "str",
                "required": True,
                "choices": ["rollout", "switchover", "db_fence"],
            },
            "key": {
                "type": "str",
                "default": "",
                "no_log": False,
            },  # what it concerns, not a secret
            "summary": {"type": "str", "default": ""},
            "devices": {"type": "list", "elements": "str", "default": []},
            "endpoints": {"type": "list", "elements": "str", "default": []},
            "details": {"type": "dict", "default": {}},
            "exclusive": {"type": "bool", "default": False},
            "operator": {"type": "str", "default": "hisops"},
            "state_dir": {"type": "path", "required": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = set_hold(
            p["state_dir"],
            p["state"],
            p["id"],
            kind=p["kind"],
            key=p["key"],
            operator=p["operator"],
            summary=p["summary"],
            devices=p["devices"],
            endpoints=p["endpoints"],
            details=p["details"],
            exclusive=p["exclusive"],
            check_mode=module.check_mode,
        )
    except StateError as exc:
        module.fail_json(msg=str(exc), field=getattr(exc, "field", ""))
    if module._diff:
        result["diff"] = {
            "before": f"hold {p['id']}: {result['before']}\n",
            "after": f"hold {p['id']}: {result['after']}\n",
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
