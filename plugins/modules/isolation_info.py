#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: isolation_info
short_description: List the recorded isolations (open ones by default)
version_added: 0.1.0
description:
  - Reads the isolation records of O(store); no device is contacted.
author: hisops developers (@hisops)
options:
  store:
    description: Directory of the isolation records on the controller.
    type: path
    required: true
  include_closed:
    description: Also list the isolations already reconnected.
    type: bool
    default: false
  devices:
    description: Only the isolations that changed one of these switches (inventory names).
    type: list
    elements: str
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Open isolations
  hisops.emergency.isolation_info:
    store: /srv/hisops/isolations
  register: open_isolations

- name: Open isolations on the switches of this play
  hisops.emergency.isolation_info:
    store: /srv/hisops/isolations
    devices: "{{ ansible_play_batch }}"
  run_once: true
  register: open_here
"""

RETURN = r"""
isolations:
  description: One summary per isolation (id, state, kind, target, where, who, when, why, devices, endpoints, clean-up).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netops.errors import NetdevError
from ansible_collections.hisops.emergency.plugins.module_utils.netops.reconnect import status
from ansible_collections.hisops.emergency.plugins.module_utils.netops.transactions import Store


def main():
    module = AnsibleModule(
        argument_spec={
            "store": {"type": "path", "required": True},
            "include_closed": {"type": "bool", "default": False},
            "devices": {"type": "list", "elements": "str"},
        },
        supports_check_mode=True,
    )
    try:
        isolations = status(
            Store(module.params["store"]), module.params["include_closed"], module.params["devices"]
        )
    except (NetdevError, OSError, ValueError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, isolations=isolations)


if __name__ == "__main__":
    main()
