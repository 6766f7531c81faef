#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_failover
short_description: Unplanned failover of the database pair in one task (lock, fence, proof, gap, promote)
version_added: 0.1.0
description:
  - Runs on the controller - its action plugin does the work, this module only documents
    it - and drives M(hisops.emergency.db_failover_step) on the two database servers of
    O(group), without returning to Ansible between steps.
  - Reads both nodes at once; the candidate (O(candidate), or the standby) takes the
    failover lock in the same call, so a second failover started at the same time is
    refused naming the holder. It is the pair's lock, also held by a switchover or a
    rejoin (M(hisops.emergency.db_pair_lock)); a lock left by a run of this controller
    whose process ended is broken.
  - Refuses before anything is touched when the pair's verdict is no-go (no standby,
    both claim primary, the old primary still running as primary).
  - Fences the old primary with the methods of O(fence) in order until one is proven -
    C(ssh) (PostgreSQL stopped, never started at boot, no PostgreSQL process left,
    C(standby.signal)); C(switch_port) (the old primary located by its address and its
    access port shut through M(hisops.emergency.isolation), recorded as an isolation
    transaction that C(playbooks/db_rejoin.yml) undoes (C(playbooks/reconnect.yml) refuses
    it, since the port may come up for SSH only once PostgreSQL is fenced); proven when neither its SSH nor
    its PostgreSQL port answers from the controller); C(site_command) (O(fence_command) on
    the controller, proven when the old primary's PostgreSQL port stops answering).
  - Shows the data that would be lost (the LSN gap, or C(unknown)) and promotes only when
    it is zero or O(accept_data_loss) is true; waits until the new primary accepts
    writes; releases the lock whatever happens.
author: hisops developers (@hisops)
options:
  group:
    description: Inventory group of the two database servers.
    type: str
    default: db_servers
  candidate:
    description: The standby to promote (default the current standby).
    type: str
    default: ""
  fence:
    description: Fence methods, tried in order until one is proven.
    type: list
    elements: str
    choices: [ssh, switch_port, site_command]
    default: [ssh]
  switches:
    description: C(switch_port) - the switches to locate the old primary on (default the
      inventory group C(switches) without C(spare)).
    type: list
    elements: str
    default: []
  isolation_store:
    description: C(switch_port) - the isolation records (the O(hisops.emergency.isolation#module:store) of M(hisops.emergency.isolation)).
    type: path
    default: ""
  fence_command:
    description: The site's fence command (argv) for C(site_command), run on the controller.
    type: list
    elements: str
    default: []
  accept_data_loss:
    description: Promote although the data that would be lost is not zero or not known.
    type: bool
    default: false
  owner:
    description: Who takes the failover lock (shown to a second operator who is refused);
      empty - C(<user>@<controller> <UTC time>).
    type: str
    default: ""
  break_stale_s:
    description: Break a lock older than this many seconds (0 never).
    type: int
    default: 0
  timeout:
    description: Seconds to wait for the old primary's stop and for the promotion.
    type: int
    default: 60
  fence_all:
    description:
      - Apply every method of O(fence), in order, instead of stopping at the first one proven
        (at least one must be proven). V([switch_port, site_command]) cuts the old primary's
        port behind the SSH-only filter, then powers it off; when it is powered on again, it
        comes back cut off (PostgreSQL on it unreachable, even if it starts as a primary)
        until playbooks/db_rejoin.yml fences it over SSH and reconnects it. Put C(switch_port)
        first, since a powered-off server can no longer be located on the switches.
    type: bool
    default: false
  connect_timeout:
    description:
      - Seconds to wait for each database server's SSH connection (instead of the
        configuration's C(timeout)). A dead or cut-off old primary costs this much before
        the fence; too short a value on a slow network reads a live node as unreachable,
        which only makes its gap unknown (refused without O(accept_data_loss)).
    type: int
    default: 5
attributes:
  check_mode:
    description: Reads both nodes and the gap, says what would be fenced and promoted;
      takes no lock, fences and promotes nothing, runs no site command.
    support: full
  diff_mode:
    description: The roles before and after.
    support: full
notes:
  - The database servers are reached through their own inventory connection variables;
    the steps there run as C(postgres) (C(sudo)).
"""

EXAMPLES = r"""
- name: Fail over to the standby, fencing the old primary over SSH
  hisops.emergency.db_failover:
    accept_data_loss: true
  run_once: true
"""

RETURN = r"""
old:
  description: The old primary.
  returned: when fenced
  type: str
new:
  description: The promoted node.
  returned: when fenced
  type: str
fence:
  description: Each fence method tried - C(method), C(result), C(proof), and when not proven
    C(reason) (C(unreachable), C(failed), C(incomplete), C(port_answers), C(not_run) in
    check mode).
  returned: when fenced
  type: list
  elements: dict
fence_proof:
  description: The proof that the old primary is fenced (empty - not proven).
  returned: when fenced
  type: str
old_primary:
  description: The old primary's state after fencing.
  returned: when fenced
  type: dict
gap:
  description: The data lost in words (C(unknown) when not known).
  returned: when fenced
  type: str
gap_bytes:
  description: WAL bytes lost (null when unknown).
  returned: when fenced
  type: int
timeline:
  description: The new primary's timeline.
  returned: when promoted
  type: int
promote_s:
  description: Seconds from the promotion request to the first writable moment.
  returned: when promoted
  type: float
timings:
  description: Seconds from the task's start to the end of each step (read, each fence, total).
  returned: when fenced
  type: dict
verdict:
  description: The pair's go/no-go before the failover (as M(hisops.emergency.db_ha_verdict)).
  returned: when fenced
  type: dict
commands:
  description: What was done on each host (or would be, in check mode).
  returned: when fenced
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

# Also what the action plugin validates the task's arguments with.
ARGUMENT_SPEC = {
    "group": {"type": "str", "default": "db_servers"},
    "candidate": {"type": "str", "default": ""},
    "fence": {
        "type": "list",
        "elements": "str",
        "default": ["ssh"],
        "choices": ["ssh", "switch_port", "site_command"],
    },
    "switches": {"type": "list", "elements": "str", "default": []},
    "isolation_store": {"type": "path", "default": ""},
    "fence_command": {"type": "list", "elements": "str", "default": []},
    "accept_data_loss": {"type": "bool", "default": False},
    "owner": {"type": "str", "default": ""},
    "break_stale_s": {"type": "int", "default": 0},
    "timeout": {"type": "int", "default": 60},
    "connect_timeout": {"type": "int", "default": 5},
    "fence_all": {"type": "bool", "default": False},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="db_failover runs on the controller through its action plugin")


if __name__ == "__main__":
    main()
