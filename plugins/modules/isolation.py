#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: isolation
short_description: Isolate a network segment, a host or a switch port, as a recorded transaction
version_added: 0.1.0
description:
  - O(segment) cuts a VLAN off at the core (its gateway interface shut, the VLAN removed
    from the core's trunks); the other VLANs keep working.
  - O(host) (IPv4 or MAC) locates the endpoint (ARP on the core, then the MAC tables
    followed through the trunks to the access port), shuts that port and blocks the
    address at its gateway with an inbound ACL.
  - O(port) (C(SWITCH:INTERFACE)) shuts that port.
  - Guards, checked before anything is sent; the management VLAN and any port on the
    controller's management path are refused always; a target whose blast radius holds a
    protected endpoint is refused unless O(force) with a O(reason).
  - Every isolation is recorded in O(store) (id, who, when, why, per device the
    configurations before and after, the commands and their exact inverse) for
    M(hisops.emergency.isolation_reconnect).
  - Idempotent, an isolation already in place reports C(changed=false) and its id.
  - Every changed switch is read back in the same session (one login per switch from the
    first read to the save); the task fails when the read-back does not show the isolation.
  - Its action plugin runs the module's code in the Ansible worker process on the
    arguments validated against this module's argument spec (the emergency path, no
    module payload or second Python to start).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
options:
  segment:
    description: VLAN id or name to cut off.
    type: str
  host:
    description: IPv4 or MAC address of the endpoint to cut off.
    type: str
  port:
    description: C(SWITCH:INTERFACE) to shut (interface names as configured or abbreviated).
    type: str
  reason:
    description: Why (recorded). Required unless in check mode.
    type: str
    default: ''
  force:
    description: Isolate even though protected endpoints lose connectivity (needs O(reason)).
    type: bool
    default: false
  save:
    description: Save the configuration of each changed switch, so that a reboot keeps the isolation.
    type: bool
    default: true
  block_at_core:
    description: For O(host), also block the address at its gateway interface on the core.
    type: bool
    default: true
  acl_number:
    description: Number of the isolation ACL (advanced ACL on Huawei/H3C; C(HISOPS-ISOLATE-<n>) on Cisco).
    type: int
    default: 3999
  quarantine_ssh_to:
    description:
      - O(host) only. The controller's address on the hospital network. The host's port is also
        given an inbound filter (ACL O(quarantine_acl)) that passes only the host's SSH replies to
        that address, and no ACL is added at the core. M(hisops.emergency.isolation_reconnect) with
        C(stage=port) can then bring the port up with nothing but SSH from the controller possible.
      - The M(hisops.emergency.db_failover) C(switch_port) fence uses it.
    type: str
    default: ''
  quarantine_acl:
    description: The number of the quarantine ACL (refused when it exists on the switch).
    type: int
    default: 3998
  fence_of:
    description:
      - The database server this isolation fences (recorded). Such an isolation is reconnected whole
        only by the staged rejoin (playbooks/db_rejoin.yml) or with C(force).
    type: str
    default: ''
  report:
    description:
      - Path of a JSON report of the result on the controller (empty, none). Written in
        check mode too, it is the preview of the blast radius.
    type: path
    default: ''
attributes:
  check_mode:
    description: Reads the network and returns the plan and the blast radius; sends nothing, records nothing.
    support: full
  diff_mode:
    description: The commands per switch.
    support: full
"""

EXAMPLES = r"""
- name: Cut the outpatient VLAN off
  hisops.emergency.isolation:
    hosts: "{{ groups['switches'] | difference(groups['spare'] | default([])) }}"
    segment: OUTPATIENT
    reason: ransomware on outpatient registration workstations (ticket 4711)
    store: /srv/hisops/isolations
  delegate_to: localhost
  run_once: true

- name: Blast radius of isolating one host, changing nothing
  hisops.emergency.isolation:
    hosts: "{{ groups['switches'] }}"
    host: 10.10.10.103
    store: /srv/hisops/isolations
  check_mode: true
"""

RETURN = r"""
isolation_id:
  description: Id of the isolation record (empty in check mode, or when nothing was to do and nothing records it).
  returned: always
  type: str
located:
  description: Where the target is (for a host, the switch, port, VLAN and the trunk path followed).
  returned: always
  type: dict
blast_radius:
  description: Ports, VLANs and endpoints (by department, protected ones named) that lose connectivity.
  returned: always
  type: dict
commands:
  description: Per switch, the commands sent (or, in check mode, that would be sent).
  returned: always
  type: dict
verified:
  description: Per changed switch, whether the configuration read back shows the isolation.
  returned: always
  type: dict
partial:
  description:
    - Empty, or why part of a host's isolation could not be done (its access switch did not
      answer). The address is then blocked at the core only, the record says which port was left
      open and why, and running the isolation of that host again completes it once the switch answers.
  returned: always
  type: str
message:
  description: What happened.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    commands_diff,
    inventory_from,
    module_main,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.isolate import (
    isolate,
    parse_target,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store


def argument_spec():
    spec = dict(NETWORK_SPEC)
    spec.update(
        segment={"type": "str"},
        host={"type": "str"},
        port={"type": "str"},
        reason={"type": "str", "default": ""},
        force={"type": "bool", "default": False},
        save={"type": "bool", "default": True},
        block_at_core={"type": "bool", "default": True},
        acl_number={"type": "int", "default": 3999},
        report={"type": "path", "default": ""},
        quarantine_ssh_to={"type": "str", "default": ""},
        quarantine_acl={"type": "int", "default": 3998},
        fence_of={"type": "str", "default": ""},
    )
    return spec


def run(p, check_mode, diff):
    """The module's work on validated parameters; NetdevError when it cannot be done.

    Called by main() and, in the controller's worker, by the action plugin (no AnsiballZ
    payload, no second Python: the emergency path's start-up cost)."""
    inventory = inventory_from(p)
    target = parse_target(inventory, p["segment"], p["host"], p["port"])
    result = isolate(
        inventory,
        Store(p["store"], p["state_dir"]),
        target,
        operator=p["operator"],
        reason=p["reason"],
        force=p["force"],
        check_mode=check_mode,
        save=p["save"],
        block_at_core=p["block_at_core"],
        acl=p["acl_number"],
        workers=p["workers"],
        quarantine_ssh_to=p["quarantine_ssh_to"],
        quarantine_acl=p["quarantine_acl"],
        fence_of=p["fence_of"],
        lock_wait_s=p["lock_wait"],
    )
    result.pop("record", None)
    if p["report"]:
        try:
            os.makedirs(os.path.dirname(p["report"]) or ".", mode=0o750, exist_ok=True)
            with open(p["report"], "w", encoding="utf-8") as handle:
                json.dump(result, handle, indent=2, sort_keys=True)
                handle.write("\n")
        except OSError as exc:
            result.update(failed=True, msg=f"report: cannot write {p['report']}: {exc.strerror}")
    if diff:
        result["diff"] = commands_diff(result["commands"])
    return result


def main():
    module_main(AnsibleModule, argument_spec(), run)


if __name__ == "__main__":
    main()
