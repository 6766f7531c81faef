#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_plan
short_description: Validate a client rollout and cut it into a canary batch and batches
version_added: 0.1.0
description:
  - Runs on the controller before any workstation is touched. Refuses, naming the field,
    a version not in the artifact store, a package whose checksum does not match the
    store's record, an unknown or empty group, a group holding non-workstations, and a
    version that has not passed on the test group (unless O(skip_test_gate) with a reason).
  - The canary batch holds O(canary_per_department) workstations of each department
    (inventory groups C(ws_*)); the rest follow in batches of O(batch_size).
  - Workstations an open isolation cut off (the hospital's deliberate state in
    O(state_dir)) are deferred - in no batch, RV(plan) says why (C(deferred)) - and recorded
    as C(isolated) in the ledger; the first audit after the reconnection brings them up.
    For an audit they are returned the same way, to be left alone.
  - Canaries are picked among reachable, non-isolated workstations - candidates are
    probed, a round at a time, each over its own Ansible connection (as
    M(hisops.emergency.client_fleet) reaches it); one found unreachable stays in its batch.
  - Runs on the controller (action plugin), which fills O(state_dir) and O(aliases) from
    the inventory.
author: hisops developers (@hisops)
options:
  store:
    description: Root of the artifact store.
    type: path
    required: true
  name:
    description: Package name.
    type: str
    default: his-client
  version:
    description: Version to roll out (required for V(rollout); for V(rollback) the named version).
    type: str
  purpose:
    description:
      - V(rollout) (test gate, canary, batches), V(rollback) or V(audit) (group and, when
        given, the version in the store; no gate).
    type: str
    choices: [rollout, rollback, audit]
    default: rollout
  kind:
    description: Package kind, V(tar) for release mode, V(deb) for package mode.
    type: str
    choices: [tar, deb]
    default: tar
  group:
    description: Inventory group of workstations to update.
    type: str
    default: workstations
  inventory_groups:
    description: The inventory's groups (pass C(groups)).
    type: dict
    required: true
  limit_hosts:
    description: Hosts allowed by C(--limit) (pass C(ansible_play_hosts_all) or omit).
    type: list
    elements: str
  ledger:
    description: Path of the version ledger (the test gate reads it).
    type: path
    required: true
  test_group:
    description: Group on which a version must have passed first.
    type: str
    default: client_test
  skip_test_gate:
    description: Roll out without the test gate (needs O(skip_test_gate_reason)).
    type: bool
    default: false
  skip_test_gate_reason:
    description: Why the gate is skipped; recorded in the ledger.
    type: str
    default: ""
  canary_per_department:
    description: Workstations per department in the canary batch.
    type: int
    default: 1
  batch_size:
    description: Workstations per batch after the canary.
    type: int
    default: 5
  max_fail_percent:
    description: A batch whose failed share is above this stops the rollout (canary - any).
    type: float
    default: 20
  state_dir:
    description:
      - Directory of the hospital's deliberate state (open isolations). Filled by the
        action plugin - task arg, C(hisops_state_dir), E(HISOPS_STATE_DIR), else
        C(var/state) beside the playbooks.
    type: path
  aliases:
    description:
      - Per workstation, the other names it may carry in an isolation's hold (address,
        IP, MAC); filled by the action plugin from the inventory (C(ansible_host),
        C(hisops_endpoints)).
    type: dict
  connections:
    description:
      - Connection details that replace the inventory's for the canary probe (as
        M(hisops.emergency.client_fleet) takes them). Omitted - every workstation of the
        group as the inventory says; empty - no probe.
    type: list
    elements: dict
  probe_timeout:
    description: SSH connect timeout in seconds of the canary probe.
    type: int
    default: 5
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Plan the rollout
  hisops.emergency.client_plan:
    store: "{{ client_update_store }}"
    version: "{{ client_update_version }}"
    inventory_groups: "{{ groups }}"
    ledger: "{{ client_update_ledger }}"
  delegate_to: localhost
  run_once: true
  register: client_update_plan
"""

RETURN = r"""
plan:
  description:
    - hosts, canary, rest, batches, artifact (path, sha256), file, test_gate;
      deferred (workstation - why, the isolation's hold) and unreachable (canary
      candidates that did not answer the probe).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

# Also what the action plugin (plugins/action/client_plan.py) validates the task with.
ARGUMENT_SPEC = {
    "store": {"type": "path", "required": True},
    "name": {"type": "str", "default": "his-client"},
    "version": {"type": "str"},
    "purpose": {"type": "str", "default": "rollout", "choices": ["rollout", "rollback", "audit"]},
    "kind": {"type": "str", "default": "tar", "choices": ["tar", "deb"]},
    "group": {"type": "str", "default": "workstations"},
    "inventory_groups": {"type": "dict", "required": True},
    "limit_hosts": {"type": "list", "elements": "str"},
    "ledger": {"type": "path", "required": True},
    "test_group": {"type": "str", "default": "client_test"},
    "skip_test_gate": {"type": "bool", "default": False},
    "skip_test_gate_reason": {"type": "str", "default": ""},
    "canary_per_department": {"type": "int", "default": 1},
    "batch_size": {"type": "int", "default": 5},
    "max_fail_percent": {"type": "float", "default": 20},
    "state_dir": {"type": "path"},
    "aliases": {"type": "dict"},
    "connections": {"type": "list", "elements": "dict"},
    "probe_timeout": {"type": "int", "default": 5},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="client_plan runs on the controller through its action plugin")


if __name__ == "__main__":
    main()
