#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: spare_swap
short_description: Put a failed switch's last good backup on a spare, safely, and record the swap
version_added: 0.1.0
description:
  - Readiness first, the spare must answer, and its model and firmware (read from the
    device) must match the failed unit's (from the inventory); else a refusal listing each
    difference, with nothing changed.
  - Renders the failed unit's last backup from O(backup_dir) for the spare (secret lines,
    masked in backups, left out; the failed unit's hostname and management address kept
    unless O(keep_identity=false); interfaces renamed where the spare numbers its ports
    differently), pushes it with
    the platform's safety net armed (as M(hisops.emergency.switch_config)), sets the
    hostname last, verifies the spare is compliant with the rendered backup, and saves.
  - Records the swap in O(store) and writes C(host_vars/<failed>.yml) in O(host_vars_dir)
    so that later runs address the spare in the failed unit's place.
  - Carries every open isolation of the failed unit onto the spare (O(open_isolations=carry));
    each isolation's commands, with the spare's interface names, are applied to the spare
    after the swap, and the isolation's record follows the spare (its before, after, commands
    and inverse for the failed unit's name then describe the spare, so that a later reconnect
    undoes it there and proves it line for line). O(open_isolations=refuse) refuses instead,
    naming them. The preview (check mode) lists them and their commands.
  - Holds the locks of the failed unit and of the spare (O(state_dir)) from the read of the
    spare to the record; a run that waits is told who holds them (C(warnings)). The swap is
    then a hold of kind C(spare_swap) in O(state_dir) (id C(swap-<failed>)), open until an
    operator closes it when the failed unit is back in service.
  - Idempotent, a spare already carrying the backup reports C(changed=false); run again after
    it carried isolations, it changes nothing while the spare is as the last one recorded, and
    refuses when it changed since (a push of the backup would undo them).
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.netops
options:
  failed:
    description: Inventory name of the failed switch.
    type: str
    required: true
  spare:
    description: Inventory name of the spare (role C(spare)).
    type: str
    required: true
  backup_dir:
    description: The backup store (as written by M(hisops.emergency.switch_backup)).
    type: path
    required: true
  keep_identity:
    description: The spare takes the failed unit's hostname and management address.
    type: bool
    default: true
  interface_map:
    description:
      - Interface names of the failed unit and the spare's names for them.
      - Where the spare lacks some of the backup's port names, the map is worked out from
        the spare's own ports (its running configuration) by type and position (the n-th
        GigabitEthernet of the failed unit becomes the spare's n-th GigabitEthernet, for example
        GigabitEthernet0/0/n to GigabitEthernet1/0/n); a type with a different number of ports
        on each side is refused, listing the counts. Entries given here override the worked-out ones.
    type: dict
    default: {}
  host_vars_dir:
    description: The inventory's C(host_vars) directory (empty, none written).
    type: path
    default: ''
  isolation_store:
    description:
      - Directory of the isolation records (as the isolate role writes them). Open isolations
        of the failed unit are read there; one the O(state_dir) knows but this store does not
        hold refuses the swap.
    type: path
    default: ''
  open_isolations:
    description: Carry the failed unit's open isolations onto the spare (V(carry)) or refuse the swap while any is open (V(refuse)).
    type: str
    choices: [carry, refuse]
    default: carry
  lock_wait:
    description: Seconds to wait for another run's lock on either switch before failing with the holder's name.
    type: int
    default: 300
attributes:
  check_mode:
    description: Readiness check and the commands that would be sent; nothing sent, nothing recorded.
    support: full
  diff_mode:
    description: The commands.
    support: full
"""

EXAMPLES = r"""
- name: AGG-1 died, SPARE-S5735 takes its place
  hisops.emergency.spare_swap:
    hosts: [AGG-1, SPARE-S5735]
    failed: AGG-1
    spare: SPARE-S5735
    backup_dir: /srv/hisops/backups
    store: /srv/hisops/swaps
    host_vars_dir: "{{ inventory_dir }}/host_vars"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
interface_map:
  description: The failed unit's port names and the spare's names for them, where they differ (used in the render).
  returned: always
  type: dict
commands:
  description: Commands sent to the spare (or that would be sent).
  returned: always
  type: list
  elements: str
compliant:
  description:
    - Whether the spare's running configuration matches the rendered backup (read before the
      open isolations are carried onto it).
    - Run again after the swap carried isolations, true when the spare is still as the last
      carried isolation recorded it.
  returned: when not in check mode
  type: bool
record:
  description: Path of the swap record.
  returned: when not in check mode
  type: str
host_vars:
  description: Path of the host_vars file that points the failed unit's name at the spare.
  returned: when written
  type: str
safety_net:
  description: The safety net armed for the push.
  returned: always
  type: str
isolations:
  description: The open isolations of the failed unit carried onto the spare (id, kind, target, commands, inverse with the spare's interface names).
  returned: always
  type: list
  elements: dict
hold:
  description: Id of the swap's hold in the state store.
  returned: when recorded
  type: str
host_key:
  description:
    - When the spare takes the failed unit's management address, the failed unit's recorded
      host key replaced with the spare's in the known_hosts file (C(device), C(address),
      C(known_hosts), C(before) and C(after) fingerprints, C(changed)); also in the swap record.
  returned: when the spare takes the failed unit's address
  type: dict
waits:
  description: The waits for another run's lock on either switch, each naming the holder.
  returned: when the run waited
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.ansible_glue import (
    NETWORK_SPEC,
    inventory_from,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import (
    InputError,
    NetdevError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.spare import swap
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import StateError


def main():
    spec = dict(NETWORK_SPEC)
    spec.update(
        failed={"type": "str", "required": True},
        spare={"type": "str", "required": True},
        backup_dir={"type": "path", "required": True},
        keep_identity={"type": "bool", "default": True},
        interface_map={"type": "dict", "default": {}},
        host_vars_dir={"type": "path", "default": ""},
        isolation_store={"type": "path", "default": ""},
        open_isolations={"type": "str", "choices": ["carry", "refuse"], "default": "carry"},
        lock_wait={"type": "int", "default": 300},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    try:
        if not p["store"]:
            raise InputError("store: a directory for the swap records is required")
        inventory = inventory_from(
            dict(p, mgmt_vlan=p["mgmt_vlan"] if p["mgmt_vlan"] is not None else 0)
        )
        for field in ("failed", "spare"):
            inventory.switch(p[field], field)
        if p["lock_wait"] < 0:
            raise InputError(f"lock_wait: {p['lock_wait']} must be 0 or more seconds")
        result = swap(
            inventory.switches[p["failed"]],
            inventory.switches[p["spare"]],
            inventory.facts,
            p["backup_dir"],
            p["store"],
            p["operator"],
            keep_identity=p["keep_identity"],
            interface_map={str(k): str(v) for k, v in (p["interface_map"] or {}).items()},
            check_mode=module.check_mode,
            host_vars_dir=p["host_vars_dir"],
            isolation_dir=p["isolation_store"],
            state_dir=p["state_dir"],
            open_isolations=p["open_isolations"],
            lock_wait=float(p["lock_wait"]),
        )
    except (NetdevError, StateError) as exc:
        module.fail_json(msg=str(exc))
    if module._diff:
        prepared = list(result["commands"])
        key = result.get("host_key")
        if key and key.get("changed"):
            prepared.append(
                f"# host key of {key['device']} ({key['address']}) in {key['known_hosts']}: "
                f"{', '.join(key['before']) or 'none'} -> {key['after']} ({key['spare']})"
            )
        result["diff"] = {"prepared": "\n".join(prepared)}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
