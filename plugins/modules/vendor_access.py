#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: vendor_access
short_description: Open or close a vendor's management access window on a switch, enforced by the switch's clock
version_added: 0.1.0
description:
  - O(state=present) adds, on the switch itself, an absolute time range from the device's
    current minute to O(minutes) later, and a rule permitting O(vendor_ip) under that time
    range to the ACL bound to the VTY lines (SSH logins). The window closes by itself when
    the time range ends, even when the controller is gone.
  - A switch whose VTY lines have no ACL gets one (O(acl_number)) permitting the
    management subnet and the controller besides the vendor; closing the last window
    removes it again.
  - O(state=absent) closes the window early (the rule and the time range removed).
  - Each opening and closing is recorded in O(store) (approved by, run by, window, commands).
  - Idempotent, reopening within the same minute, or closing a closed window, changes nothing.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.device
options:
  vendor_ip:
    description: IPv4 address the vendor connects from.
    type: str
    required: true
  state:
    description: Open (V(present)) or close (V(absent)) the window.
    type: str
    choices: [present, absent]
    default: present
  minutes:
    description: Length of the window (1 to 1440).
    type: int
    default: 30
  approved_by:
    description: Who approved the access (recorded); required to open.
    type: str
    default: ''
  reason:
    description: Why (recorded).
    type: str
    default: ''
  acl_number:
    description: ACL created for the VTY lines when they have none (C(HISOPS-VTY-<n>) on Cisco).
    type: int
    default: 3998
  mgmt_subnet:
    description: Management subnet kept permitted in a created VTY ACL (default from C(hisops_vlans) and C(hisops_mgmt_vlan)).
    type: str
    default: ''
  controller_ip:
    description: Controller address kept permitted in a created VTY ACL (default C(hisops_controller_ip)).
    type: str
    default: ''
  save:
    description: Save the configuration after the change.
    type: bool
    default: true
  store:
    description: Directory of the vendor access records on the controller.
    type: path
    required: true
  operator:
    description: Who runs it (recorded, and shown to anyone waiting for the switch's lock).
    type: str
    default: hisops
  state_dir:
    description:
      - Directory of the hospital's deliberate state on the controller. An open window is a
        hold of kind C(vendor_window) there until it is closed, and opening or closing holds
        the switch's lock from the read of its configuration to the record (a run that waits
        is told who holds it, in C(warnings)).
      - Empty, the action plugin fills it from C(hisops_state_dir), C($HISOPS_STATE_DIR), else
        C(var/state) beside the playbooks.
    type: path
    default: ''
attributes:
  check_mode:
    description: Reads the switch and its clock; returns the commands and the window; sends nothing.
    support: full
  diff_mode:
    description: The commands.
    support: full
"""

EXAMPLES = r"""
- name: Let the PACS vendor in for 30 minutes
  hisops.emergency.vendor_access:
    vendor_ip: 203.0.113.7
    minutes: 30
    approved_by: head of IT (ticket 4712)
    store: /srv/hisops/vendor_access

- name: Close it early
  hisops.emergency.vendor_access:
    vendor_ip: 203.0.113.7
    state: absent
    store: /srv/hisops/vendor_access
"""

RETURN = r"""
id:
  description: Id of the vendor access record.
  returned: always
  type: str
commands:
  description: Commands sent (or that would be sent).
  returned: always
  type: list
  elements: str
window:
  description: The time range (name, start, end) in the device's time.
  returned: when opening
  type: dict
device_clock:
  description: The device's clock when the window was computed.
  returned: when opening
  type: str
verified:
  description: Whether the configuration read back shows the change.
  returned: when changed
  type: bool
waits:
  description: The waits for another run's lock on the switch, each naming the holder (also in C(warnings)).
  returned: when the run waited
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.ansible_glue import (
    PROVIDER_SPEC,
    device_params,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
    DeviceSession,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netops.vendor import (
    VendorRequest,
    VendorStore,
    close_window,
    open_window,
)
from ansible_collections.hisops.emergency.plugins.module_utils.state.errors import StateError


def main():
    spec = dict(PROVIDER_SPEC)
    spec.update(
        vendor_ip={"type": "str", "required": True},
        state={"type": "str", "choices": ["present", "absent"], "default": "present"},
        minutes={"type": "int", "default": 30},
        approved_by={"type": "str", "default": ""},
        reason={"type": "str", "default": ""},
        acl_number={"type": "int", "default": 3998},
        mgmt_subnet={"type": "str", "default": ""},
        controller_ip={"type": "str", "default": ""},
        save={"type": "bool", "default": True},
        store={"type": "path", "required": True},
        operator={"type": "str", "default": "hisops"},
        state_dir={"type": "path", "default": ""},
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(NETMIKO_IMPORT_ERROR))
    p = module.params
    request = VendorRequest(
        vendor_ip=p["vendor_ip"],
        minutes=p["minutes"],
        approved_by=p["approved_by"],
        reason=p["reason"],
        acl=p["acl_number"],
        mgmt_subnet=p["mgmt_subnet"],
        controller_ip=p["controller_ip"],
    )
    params = device_params(p)
    action = open_window if p["state"] == "present" else close_window
    try:
        request.validate(opening=p["state"] == "present")
        result = action(
            lambda: DeviceSession(params),
            params.name,
            request,
            VendorStore(p["store"], p["state_dir"]),
            p["operator"],
            check_mode=module.check_mode,
            save=p["save"],
        )
    except (NetdevError, StateError) as exc:
        module.fail_json(msg=str(exc))
    for wait in result.get("waits", []):
        module.warn(wait)
    if module._diff:
        result["diff"] = {"prepared": "\n".join(result["commands"])}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
