#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_ha_verdict
short_description: Go/no-go for a switchover and a failover of the database pair
version_added: 0.1.0
description:
  - Takes the state of every database node (from M(hisops.emergency.db_node_info); an
    unreachable node is given as C({name, role=unreachable})) and says, in plain
    language, who is primary, how far each standby lags, and whether a planned switchover
    and an unplanned failover may go ahead, with the reasons when not.
  - With O(require), fails (nothing touched anywhere) when that operation is a no-go.
  - Pure logic; runs on the controller. With O(report), it also writes the verdict there
    as JSON (the status report), except in check mode.
author: hisops developers (@hisops)
options:
  states:
    description: The node states, one per database node.
    type: list
    elements: dict
    required: true
  candidate:
    description: The node to switch over or fail over to (default the only standby).
    type: str
  max_lag_bytes:
    description: A switchover is refused when the standby's replay is further behind.
    type: int
    default: 16777216
  wal_warn_percent:
    description: >-
      Warn when a replication slot holds back this share (per cent) of its bound
      (C(max_slot_wal_keep_size)), long before the slot is lost.
    type: int
    default: 50
  require:
    description: Fail unless this operation is a go.
    type: str
    choices: [none, switchover, failover]
    default: none
  report:
    description: >-
      Where to write the verdict as JSON on the controller (mode 0640, replaced whole; its
      directory is made with mode 0750). Not written in check mode.
    type: path
attributes:
  check_mode:
    description: The same verdict in check mode; the report is not written.
    support: full
  diff_mode:
    description: Nothing changes.
    support: none
"""

EXAMPLES = r"""
- name: Go/no-go
  hisops.emergency.db_ha_verdict:
    states: "{{ groups['db_servers'] | map('extract', hostvars, 'db_status_node') | list }}"
    require: switchover
  delegate_to: localhost
  run_once: true
  register: verdict
"""

RETURN = r"""
verdict:
  description: C(primary), C(standbys), C(candidate), C(lag) per standby (C(bytes),
    C(seconds), C(human)), C(switchover) and C(failover) (C(go), C(reasons), C(summary)),
    C(gap_bytes), C(needs_accept_data_loss), C(nodes), C(warnings) (WAL held back by a
    slot, a degrade to async) and C(degraded) (the primary's automatic degrade record).
  returned: always
  type: dict
report:
  description: The report written (absent in check mode or without O(report)).
  returned: when written
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.verdict import verdict_result

# Also what the action plugin (plugins/action/db_ha_verdict.py) validates the task with: on
# the controller the verdict is judged in the worker itself, no module process started.
ARGUMENT_SPEC = {
    "states": {"type": "list", "elements": "dict", "required": True},
    "candidate": {"type": "str"},
    "max_lag_bytes": {"type": "int", "default": 16 * 1024 * 1024},
    "wal_warn_percent": {"type": "int", "default": 50},
    "require": {
        "type": "str",
        "choices": ["none", "switchover", "failover"],
        "default": "none",
    },
    "report": {"type": "path"},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = verdict_result(module.params, module.check_mode)
    except PgHaError as exc:
        module.fail_json(msg=str(exc))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
