# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  hosts:
    description:
      - Inventory names of the switches the action may read or change (usually every
        production switch). The action plugin builds O(devices) from their inventory
        variables, and fills O(vlans), O(mgmt_vlan), O(endpoints) and O(controller_ip)
        from the first one's variables when they are not given.
    type: list
    elements: str
  devices:
    description: Built by the action plugin from O(hosts); not set by hand.
    type: list
    elements: dict
    suboptions:
      name:
        description: Inventory name of the switch.
        type: str
        required: true
      role:
        description: Its C(hisops_role) (core, aggregation, access).
        type: str
        default: ''
      mgmt_ip:
        description: Its management address (C(hisops_mgmt_ip)), used to follow trunks.
        type: str
        default: ''
      model:
        description: Its model as the inventory says (C(hisops_model)).
        type: str
        default: ''
      firmware:
        description: Its firmware as the inventory says (C(hisops_firmware)).
        type: str
        default: ''
      provider:
        description: How to reach it.
        type: dict
        suboptions:
          name:
            description: Inventory name of the device, used in messages.
            type: str
          platform:
            description: netmiko device type of a platform with a dialect (docs/dialects.md).
            type: str
            choices: [huawei, hp_comware, cisco_ios, ruijie_os]
          host:
            description: Management address.
            type: str
          port:
            description: SSH port.
            type: int
            default: 22
          username:
            description: Login user.
            type: str
          password:
            description: Login password.
            type: str
          secret:
            description: Cisco enable secret.
            type: str
          timeout:
            description: Seconds to wait for connect, login and banner.
            type: float
            default: 10
          known_hosts:
            description:
              - The known_hosts file the device's SSH host key is checked against before login
                (C(hisops_known_hosts), else C($HISOPS_KNOWN_HOSTS), else C(var/known_hosts)
                beside the playbooks); an unknown or changed key is refused, naming the device.
            type: path
  workers:
    description: Switches read or changed at the same time.
    type: int
    default: 8
  vlans:
    description: The hospital's VLANs (C(hisops_vlans)), to resolve names and departments.
    type: list
    elements: dict
    default: []
  mgmt_vlan:
    description: The management VLAN (C(hisops_mgmt_vlan)); never cut.
    type: int
  endpoints:
    description:
      - Known endpoints (C(hisops_endpoints)) with C(name), C(ip), C(mac), C(vlan),
        C(department) and C(protected); used for the blast radius and the protected guard.
    type: list
    elements: dict
    default: []
  controller_ip:
    description: Address of the controller (C(hisops_controller_ip)); its path is never cut.
    type: str
    default: ''
  store:
    description: Directory of the records on the controller (isolations, swaps); required by the modules that record.
    type: path
  state_dir:
    description:
      - Directory of the hospital's deliberate state on the controller (open isolations, vendor
        windows, fences, swaps, rollouts, and the per-switch locks). Each change holds the lock
        of every switch it changes from the read of its configuration to its record, and its
        record is mirrored there for the other workflows.
      - Empty, the action plugin fills it from C(hisops_state_dir), C($HISOPS_STATE_DIR), else
        C(var/state) beside the playbooks.
    type: path
    default: ''
  lock_wait:
    description:
      - Seconds to wait for a switch's lock held by another run (an engineer isolating,
        deploying or reconnecting the same switch) before giving up with the holder's name;
        the wait and the holder are reported as a warning.
    type: int
    default: 300
  operator:
    description: Who runs the action (recorded).
    type: str
    default: hisops
"""
