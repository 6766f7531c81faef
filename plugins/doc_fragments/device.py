# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  provider:
    description:
      - How to reach the switch. Filled from the host's inventory variables by the
        action plugin (C(ansible_host), C(ansible_port), C(ansible_user),
        C(ansible_password), C(hisops_platform) or C(ansible_network_os), and
        C(ansible_become_password) as the Cisco enable secret); set it only to override.
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
notes:
  - Runs on the controller (C(ansible_connection=local)); the device is reached with netmiko over SSH.
requirements:
  - netmiko >= 4.4
  - ntc-templates >= 7
"""

    FLEET = r"""
options:
  hosts:
    description:
      - Fleet mode. Inventory hostnames of the switches to serve in this one run, usually
        C("{{ ansible_play_batch }}") on a task with C(run_once=true). The action plugin
        builds O(devices) from each host's inventory variables (as for O(provider), whose
        keys, when given, apply to every host).
      - Returns one result per device in RV(devices); a device that fails does not stop
        the others, and the task itself fails only on bad input.
    type: list
    elements: str
  devices:
    description:
      - Fleet mode, as built by the action plugin from O(hosts); not set by hand.
    type: list
    elements: dict
    suboptions:
      name:
        description: Inventory name of the device.
        type: str
        required: true
      provider:
        description: How to reach it, as O(provider).
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
    description:
      - Fleet mode. Sessions open at the same time. The action plugin defaults it to the
        run's C(--forks).
    type: int
    default: 20
"""
