#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: isolation_reconnect
short_description: Undo a recorded isolation exactly, and prove it
version_added: 0.1.0
description:
  - Requires a clean-up confirmation (O(cleanup_by), O(cleanup_scan)), recorded with the
    isolation, unless one is recorded already.
  - Holds the lock of every switch the isolation changed (see O(state_dir)) from the read to
    the record, so that two engineers at once are serialized.
  - Refuses when a device's configuration changed since the isolation in a way no record
    explains, unless O(force). Changes by other isolations opened or reconnected since are
    accounted for, so isolations that overlap on a switch are reconnected in any order.
  - Applies the recorded inverse commands and verifies that each device's running
    configuration equals the one recorded before the isolation, line for line (where other
    isolations are still open on it, that it holds exactly their lines and nothing of this
    one; an address-block ACL they still use is kept and handed over to the newest of them);
    then saves (when the isolation saved) and closes the record.
  - Idempotent, a closed isolation reports C(changed=false).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
options:
  isolation_id:
    description:
      - Id printed by the isolation (see M(hisops.emergency.isolation_info)).
      - Or leave it empty and name the target instead (O(segment), O(host) or O(port))
        and the open isolation of that target is reconnected.
    type: str
    default: ''
  segment:
    description: VLAN id or name whose open isolation to reconnect (instead of O(isolation_id)).
    type: str
  host:
    description: IPv4 or MAC address whose open isolation to reconnect (instead of O(isolation_id)).
    type: str
  port:
    description: C(SWITCH:INTERFACE) whose open isolation to reconnect (instead of O(isolation_id)).
    type: str
  cleanup_by:
    description: Who cleaned the isolated endpoints up (recorded).
    type: str
    default: ''
  cleanup_scan:
    description: The scan result that clears them (recorded).
    type: str
    default: ''
  force:
    description:
      - Reconnect although the devices changed since the isolation (the changes made since are kept).
      - Also reconnects a database fence (C(fence_of) in the record) whole without the staged rejoin;
        only once PostgreSQL on that server is known to be stopped.
    type: bool
    default: false
  stage:
    description:
      - C(all) undoes the whole isolation.
      - C(port) (an isolation made with C(quarantine_ssh_to) only) brings the host's port up behind its
        quarantine filter, which passes nothing but the host's SSH replies to the controller; the
        isolation stays open. M(hisops.emergency.db_rejoin)'s role uses it to fence the old primary
        over SSH before the rest is undone.
    type: str
    choices: [all, port]
    default: all
  fence_proof:
    description:
      - For an isolation that fences a database server, how the server was fenced from the inside
        after C(stage=port) (recorded). Without it such an isolation is refused unless O(force).
    type: str
    default: ''
attributes:
  check_mode:
    description: Checks the record and the devices and returns the inverse commands; sends nothing.
    support: full
  diff_mode:
    description: The inverse commands per switch.
    support: full
"""

EXAMPLES = r"""
- name: Reconnect after the clean-up
  hisops.emergency.isolation_reconnect:
    hosts: "{{ groups['switches'] }}"
    isolation_id: iso-20261122T220050Z-b534e1
    cleanup_by: alice
    cleanup_scan: "full AV scan of 8 workstations: clean (report 2026-11-22-17)"
    store: /srv/hisops/isolations
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
commands:
  description: Per switch, the inverse commands sent (or that would be sent).
  returned: always
  type: dict
verified:
  description: Per switch, whether its configuration equals the recorded one.
  returned: always
  type: dict
cleanup:
  description: The clean-up confirmation recorded (by, scan_result, at).
  returned: when changed
  type: dict
overlapping:
  description: Per switch, the other isolations (open, or reconnected since) that changed it too.
  returned: when other isolations changed the same switches
  type: dict
message:
  description: What happened.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    commands_diff,
    inventory_from,
    module_main,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.isolate import parse_target
from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import (
    find_open,
    reconnect,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store


def argument_spec():
    spec = dict(NETWORK_SPEC)
    spec.update(
        isolation_id={"type": "str", "default": ""},
        segment={"type": "str"},
        host={"type": "str"},
        port={"type": "str"},
        cleanup_by={"type": "str", "default": ""},
        cleanup_scan={"type": "str", "default": ""},
        force={"type": "bool", "default": False},
        stage={"type": "str", "default": "all", "choices": ["all", "port"]},
        fence_proof={"type": "str", "default": ""},
    )
    return spec


def run(p, check_mode, diff):
    """The module's work on validated parameters; NetdevError/StateError when it cannot be
    done. Called by main() and, in the controller's worker, by the action plugin."""
    inventory = inventory_from(p)
    store = Store(p["store"], p["state_dir"])
    isolation_id = p["isolation_id"]
    if not isolation_id:
        target = parse_target(inventory, p["segment"], p["host"], p["port"])
        isolation_id = find_open(store, target.kind, target.key, target.ip, target.mac)
    result = reconnect(
        store,
        isolation_id,
        inventory.switches,
        operator=p["operator"],
        cleanup_by=p["cleanup_by"],
        cleanup_scan=p["cleanup_scan"],
        force=p["force"],
        check_mode=check_mode,
        workers=p["workers"],
        stage=p["stage"],
        fence_proof=p["fence_proof"],
        lock_wait_s=p["lock_wait"],
    )
    if diff:
        result["diff"] = commands_diff(result["commands"])
    return result


def main():
    module_main(AnsibleModule, argument_spec(), run)


if __name__ == "__main__":
    main()
