#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: workstation_harden
short_description: Block USB storage and egress to the internet on a workstation
version_added: 0.1.0
description:
  - Writes C(/etc/modprobe.d/hisops-usb-storage.conf) (C(blacklist usb-storage),
    C(install usb-storage /bin/true)) and loads the nftables table C(inet hisops_egress), whose
    output chain rejects every packet to an address outside O(allowed_networks).
  - What the daily inspection checks (M(hisops.emergency.inspect_workstation)). Idempotent, as the live
    table is compared with the wanted one in nftables' own listing; check mode and diff show the same
    without changing anything.
author: hisops developers (@hisops)
options:
  usb_storage:
    description: Block USB mass storage.
    type: bool
    default: true
  egress:
    description: Reject egress outside the hospital's networks.
    type: bool
    default: true
  allowed_networks:
    description: The hospital's IPv4 networks (everything else is the internet).
    type: list
    elements: str
    default: [10.0.0.0/8, 127.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
  egress_scope:
    description:
      - C(host) filters the whole host. C(cgroup), for hosts that share one kernel (containers, the
        lab's workstations), matches only this host's cgroup and names the table after it.
    type: str
    choices: [host, cgroup]
    default: host
  modprobe_file:
    description: The modprobe.d file written.
    type: path
    default: /etc/modprobe.d/hisops-usb-storage.conf
attributes:
  check_mode:
    description: Computes what would change, changes nothing.
    support: full
  diff_mode:
    description: The modprobe file and the nftables listing, before and after.
    support: full
"""

EXAMPLES = r"""
- name: Harden the workstation
  hisops.emergency.workstation_harden:
    allowed_networks: [10.0.0.0/8, 127.0.0.0/8]
"""

RETURN = r"""
commands:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
before:
  description: The modprobe file's content and the table's listing before.
  returned: always
  type: dict
after:
  description: The same, wanted.
  returned: always
  type: dict
table:
  description: The nftables table's name (family inet).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.workstation import hardening


def main():
    module = AnsibleModule(
        argument_spec={
            "usb_storage": {"type": "bool", "default": True},
            "egress": {"type": "bool", "default": True},
            "allowed_networks": {
                "type": "list",
                "elements": "str",
                "default": list(hardening.HOSPITAL_NETWORKS),
            },
            "egress_scope": {"type": "str", "choices": ["host", "cgroup"], "default": "host"},
            "modprobe_file": {"type": "path", "default": hardening.MODPROBE_FILE},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = hardening.harden(
            usb_storage=p["usb_storage"],
            egress=p["egress"],
            allowed_networks=p["allowed_networks"],
            egress_scope=p["egress_scope"],
            modprobe_file=p["modprobe_file"],
            check_mode=module.check_mode,
        )
    except hardening.HardeningError as exc:
        module.fail_json(msg=str(exc), field=exc.field)
    except OSError as exc:
        module.fail_json(msg=str(exc))
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
