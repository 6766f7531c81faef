#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: switch_config
short_description: Make a switch's configuration match the intended one, safely
version_added: 0.1.0
description:
  - Reads the running configuration, diffs it feature by feature against the intended
    configuration (hier_config, with VLAN lists compared as the sets they mean), and sends
    only the commands needed. Returns C(before), C(commands) and C(after).
  - Idempotent; a second run reports C(changed=false).
  - Check mode sends nothing and returns the commands it would send.
  - Before sending, a safety net is armed (Cisco C(configure terminal revert timer),
    Comware C(configuration commit delay), Huawei C(schedule reboot delay) to the saved
    configuration) and confirmed only from a new session after the push, so a push that
    cuts the controller off reverts by itself.
  - A line the device rejects fails the task and the device is put back on its previous
    configuration, proven by reading it again.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
options:
  config:
    description: Intended configuration text in the platform's own syntax. Mutually exclusive with O(src).
    type: str
  src:
    description: Path on the controller of a file holding the intended configuration.
    type: path
  features:
    description: The features the intended configuration owns.
    type: list
    elements: str
    choices: [vlans, vlanif, interfaces, acl, management]
    default: [vlans, vlanif, interfaces, acl, management]
  replace:
    description:
      - V(true) removes lines of the owned features that the intended configuration lacks
        (physical interfaces only where the intended configuration names them).
      - V(false) only adds and changes.
    type: bool
    default: true
  save:
    description: Save the running configuration to the startup configuration.
    type: str
    choices: [never, when_changed, always]
    default: never
  safety_net:
    description: Arm the platform's auto-revert before pushing (V(auto)) or not (V(none)).
    type: str
    choices: [auto, none]
    default: auto
  safety_net_minutes:
    description: Minutes after which an unconfirmed push reverts.
    type: int
    default: 5
  wait_for_revert:
    description: When the session is lost mid-push, wait until the safety net has restored the device and prove it.
    type: bool
    default: false
  state_dir:
    description:
      - Directory of the hospital's deliberate state on the controller (open isolations, vendor
        windows, swaps, and the per-switch locks). The push holds the switch's lock from the
        read of its configuration to the read-back and save; a run that waits for it is told
        who holds it (in C(warnings)).
      - Empty, the action plugin fills it from C(hisops_state_dir), C($HISOPS_STATE_DIR), else
        C(var/state) beside the playbooks.
    type: path
    default: ''
  operator:
    description: Who runs the push (shown to anyone waiting for the switch's lock).
    type: str
    default: hisops
  open_isolation:
    description:
      - V(refuse) fails, sending nothing, when an isolation is open on the switch (read from
        O(state_dir) under the lock) and the push would send any command; the plan does not
        know the isolation and would undo it.
      - V(ignore) pushes anyway (the isolation's lines are undone where the intended
        configuration lacks them).
      - An open vendor window (also read under the lock) always refuses a push that enters
        the sections the window added to (its VTY ACL, its time range), whatever this says;
        close the window first.
    type: str
    choices: [refuse, ignore]
    default: refuse
  lock_wait:
    description: Seconds to wait for another run's lock on the switch before failing with the holder's name.
    type: int
    default: 300
attributes:
  check_mode:
    description: Sends nothing; returns the commands it would send.
    support: full
  diff_mode:
    description: Before and after configurations (in check mode, the commands to send).
    support: full
"""

EXAMPLES = r"""
- name: Deploy the rendered intended configuration
  hisops.emergency.switch_config:
    src: "var/intended/{{ inventory_hostname }}/intended.cfg"
    save: when_changed

- name: Add one VLAN, touch nothing else
  hisops.emergency.switch_config:
    config: |
      vlan batch 70
    features: [vlans]
    replace: false
"""

RETURN = r"""
before:
  description: Running configuration before the push.
  returned: always
  type: str
commands:
  description: Commands sent (or, in check mode, that would be sent).
  returned: always
  type: list
  elements: str
after:
  description: Running configuration after the push.
  returned: when not in check mode
  type: str
saved:
  description: Whether the configuration was saved.
  returned: always
  type: bool
safety_net:
  description: The safety net armed for the push, empty when none.
  returned: always
  type: str
reverted:
  description: Whether the device was put back on its previous configuration after a failure.
  returned: always
  type: bool
verified:
  description:
    - Whether the configuration read back after the push (from a new session, still under the
      switch's lock) matches the intended one; a mismatch fails the task and reverts the push.
  returned: when not in check mode
  type: bool
waits:
  description: The waits for another run's lock on the switch, each naming the holder (also in C(warnings)).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    INTENDED_RULES,
    INTENDED_SPEC,
    PROVIDER_SPEC,
    device_params,
    intended_text,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.push import (
    Guard,
    PushRequest,
    SafePush,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netplan.compliance import (
    HAS_HIER_CONFIG,
    HIER_CONFIG_IMPORT_ERROR,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import StateError


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(INTENDED_SPEC)
    spec.update(
        replace={"type": "bool", "default": True},
        save={"type": "str", "choices": ["never", "when_changed", "always"], "default": "never"},
        safety_net={"type": "str", "choices": ["auto", "none"], "default": "auto"},
        safety_net_minutes={"type": "int", "default": 5},
        wait_for_revert={"type": "bool", "default": False},
        state_dir={"type": "path", "default": ""},
        operator={"type": "str", "default": "hisops"},
        open_isolation={"type": "str", "choices": ["refuse", "ignore"], "default": "refuse"},
        lock_wait={"type": "int", "default": 300},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **INTENDED_RULES)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    if not HAS_HIER_CONFIG:
        module.fail_json(
            msg=missing_required_lib("hier_config"), exception=str(HIER_CONFIG_IMPORT_ERROR)
        )
    p = module.params
    try:
        intended = intended_text(p)
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    request = PushRequest(
        intended=intended,
        features=p["features"],
        replace=p["replace"],
        save=p["save"],
        safety_net=p["safety_net"],
        safety_net_minutes=p["safety_net_minutes"],
        check_mode=module.check_mode,
        wait_for_revert=p["wait_for_revert"],
    )
    params = device_params(p)
    if p["lock_wait"] < 0:
        module.fail_json(msg=f"lock_wait: {p['lock_wait']} must be 0 or more seconds")
    guard = Guard(
        p["state_dir"],
        params.name,
        p["operator"],
        refuse_kinds=(
            ("isolation", "vendor_window")
            if p["open_isolation"] == "refuse"
            else ("vendor_window",)
        ),
        wait_s=float(p["lock_wait"]),
    )
    push = SafePush(lambda: DeviceSession(params), request, guard)
    try:
        result = push.run()
    except (NetdevError, StateError) as exc:
        data = push.result.to_dict()
        data["changed"] = bool(push.result.commands) and not push.result.reverted
        module.fail_json(msg=str(exc), **data)
    data = result.to_dict()
    if module.check_mode:
        data.pop("verified")
    for wait in result.waits:
        module.warn(wait)
    if module._diff:
        if module.check_mode:
            data["diff"] = {"prepared": "\n".join(result.commands)}
        else:
            data["diff"] = {"before": data["before"], "after": data["after"]}
    module.exit_json(**data)


if __name__ == "__main__":
    main()
