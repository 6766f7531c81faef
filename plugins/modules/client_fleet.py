#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_fleet
short_description: Switch or roll back the HIS client on many workstations from one run
version_added: 0.1.0
description:
  - Fleet mode of M(hisops.emergency.client_release) - the same switch, health check and
    revert on the workstation - for every workstation in O(hosts) from one controller
    process, O(workers) sessions at a time, instead of one Ansible module run per
    workstation. Use it on a C(run_once) task delegated to C(localhost) with O(hosts) set
    to C(ansible_play_batch), then a per-host task reading RV(hosts).
  - Runs on the controller (action plugin). Each workstation is reached over its own
    Ansible connection, built from its inventory variables as for any task (every
    C(ansible_ssh_*) variable, C(ansible_become), host key checking, ControlPersist); the
    release code and the request travel as one program on the stdin of the
    workstation's Python (C(ansible_python_interpreter), else C(/usr/bin/python3)).
  - A workstation that cannot be reached, drops off or does not answer within O(timeout)
    is a result (C(unreachable)), never a skip; a failing one does not stop the others.
  - SSH runs with C(BatchMode), keep-alives (3 s x 3) and key exchange curve25519 first
    (the post-quantum hybrid still allowed), after the configuration's and the
    inventory's ssh args, which win.
  - Key authentication only (C(BatchMode)); with C(ansible_become) the client code runs
    under C(sudo -n) as C(ansible_become_user) (default root), so sudo must not ask for
    a password. A host with C(ansible_password) or C(ansible_become_password) is refused
    before any workstation is contacted.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.client_release
options:
  hosts:
    description: Inventory names of the workstations (usually C(ansible_play_batch)).
    type: list
    elements: str
    required: true
  connections:
    description:
      - Connection details that replace a host's inventory variables, one entry per host
        (C(name), C(host), C(port), C(user), C(key_file), C(common_args), C(extra_args),
        C(python), C(host_key_checking), C(become), C(become_user), C(become_method)).
        Usually omitted, so that each host is reached as the inventory says.
    type: list
    elements: dict
  package_src:
    description:
      - The package on the controller (the artifact store). Checked against O(sha256)
        before any workstation is contacted, then sent along and written to O(package)
        on each workstation where that file is not there yet (atomically), instead of
        a separate copy task. Meant for packages of some MB (it travels in memory).
    type: path
  store:
    description:
      - The artifact store on the controller. A workstation that lacks the release a
        rollback goes to (its previous version, or O(version)) gets that version's
        package from here, its checksum verified against the store's record on the
        controller and again on the workstation before it is unpacked, in a second
        session to that workstation. Without it such a workstation fails, naming the
        version.
    type: path
  workers:
    description: SSH sessions at a time (default the run's C(--forks)).
    type: int
    default: 20
  timeout:
    description: Seconds one workstation may take before it counts as unreachable.
    type: int
    default: 300
  connect_timeout:
    description: SSH connect timeout in seconds.
    type: int
    default: 10
  record_action:
    description: Ledger action of RV(records) (for example C(rollback)).
    type: str
    default: update
  record_target:
    description: Ledger target of RV(records) (default O(version), else C(previous)).
    type: str
  earlier:
    description:
      - Per host, the registered result of an earlier step (for example copying the
        package); a host for which it failed or was unreachable is not contacted and
        keeps that result.
    type: dict
attributes:
  check_mode:
    description: Each workstation reports what it would do; nothing changes.
    support: full
  diff_mode:
    description: Per changed workstation, current/previous version and releases before and after.
    support: full
"""

EXAMPLES = r"""
- name: Back to each workstation's previous version, health check on each
  hisops.emergency.client_fleet:
    hosts: "{{ ansible_play_batch }}"
    state: rolled_back
    health_command: /opt/his-client/current/bin/his-client health
    record_action: rollback
  run_once: true
  delegate_to: localhost
  register: rollback

- name: This workstation went back and is healthy
  ansible.builtin.assert:
    that: rollback.hosts[inventory_hostname].result in ['ok', 'unchanged']
  changed_when: rollback.hosts[inventory_hostname].changed
"""

RETURN = r"""
hosts:
  description:
    - Per workstation, C(result) (ok, unchanged, failed, unreachable), C(changed),
      C(failed), C(msg), and what M(hisops.emergency.client_release) returns
      (before, after, actions, version, previous, health, reverted); C(fetched), the
      version brought from O(store), and C(missing), a version it lacks.
  returned: always
  type: dict
outcomes:
  description: Per workstation, its C(result).
  returned: always
  type: dict
records:
  description: Ledger entries for the C(records) option of M(hisops.emergency.client_ledger), one per workstation.
  returned: always
  type: list
  elements: dict
counts:
  description: Number of workstations per result.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.client.release import RELEASE_SPEC

# Also what the action plugin (plugins/action/client_fleet.py) validates the task with.
ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "connections": {"type": "list", "elements": "dict"},
    **RELEASE_SPEC,
    "package_src": {"type": "path"},
    "store": {"type": "path"},
    "workers": {"type": "int", "default": 20},
    "timeout": {"type": "int", "default": 300},
    "connect_timeout": {"type": "int", "default": 10},
    "record_action": {"type": "str", "default": "update"},
    "record_target": {"type": "str"},
    "earlier": {"type": "dict"},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="client_fleet runs on the controller through its action plugin")


if __name__ == "__main__":
    main()
