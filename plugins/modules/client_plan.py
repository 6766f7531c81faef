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
attributes:
  check_mode:
    description: Read only; runs the same in check mode.
    support: full
  diff_mode:
    description: Not applicable (changes nothing).
    support: none
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
  description: hosts, canary, rest, batches, artifact (path, sha256), file, test_gate.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.ledger import Ledger
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import plan_rollout


def main():
    module = AnsibleModule(
        argument_spec={
            "store": {"type": "path", "required": True},
            "name": {"type": "str", "default": "his-client"},
            "version": {"type": "str"},
            "purpose": {"type": "str", "default": "rollout",
                        "choices": ["rollout", "rollback", "audit"]},
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
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        plan = plan_rollout(
            store_root=p["store"], package=p["name"], version=p["version"], kind=p["kind"],
            group=p["group"], groups=p["inventory_groups"], ledger=Ledger(p["ledger"]).read(),
            test_group=p["test_group"], skip_test_gate=p["skip_test_gate"],
            skip_test_gate_reason=p["skip_test_gate_reason"],
            canary_per_department=p["canary_per_department"], batch_size=p["batch_size"],
            max_fail_percent=p["max_fail_percent"], limit_hosts=p["limit_hosts"],
            purpose=p["purpose"],
        )
    except (ClientError, OSError) as exc:
        module.fail_json(msg="refused before any workstation was touched: %s" % exc,
                         field=getattr(exc, "field", ""))
    module.exit_json(changed=False, plan=plan)


if __name__ == "__main__":
    main()
