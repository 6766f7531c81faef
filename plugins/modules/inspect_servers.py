#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_servers
short_description: A server's state, memory, disk space and new system log errors, as findings (plan P8.1)
version_added: 0.1.0
description:
  - Runs on the server (a DB server, the backup host) - uptime and load, memory available,
    free space of the file systems of O(paths), and the error messages the system logs
    O(logs) gained since the last inspection (the offset read up to is kept in
    O(log_state); a rotated log is read from its start).
  - Changes nothing but O(log_state) (not in check mode).
author: hisops developers (@hisops)
options:
  name:
    description: The server's name in the findings (its inventory name); default its host name.
    type: str
    default: ''
  paths:
    description: Paths whose file systems are checked (those that exist, each file system once).
    type: list
    elements: str
    default: [/, /var/lib/postgresql, /var/log, /srv/backup]
  logs:
    description: System log files read since the last inspection.
    type: list
    elements: str
    default: [/var/log/syslog, /var/log/messages]
  log_state:
    description: Where the offsets read up to are kept on the host.
    type: str
    default: /var/lib/hisops/inspection-logs.json
  low_free_percent:
    description: Less free space than this (per cent) is a warning; under 2 per cent critical.
    type: float
    default: 10
  max_load_per_cpu:
    description: A 5-minute load average above this many times the CPUs is a warning.
    type: float
    default: 2
attributes:
  check_mode:
    description: Reads; the log offsets are not saved.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: Server checks
  hisops.emergency.inspect_servers:
    name: "{{ inventory_hostname }}"
    paths: [/, /var/lib/postgresql]
"""

RETURN = r"""
findings:
  description: Finding dicts (area C(servers)).
  returned: always
  type: list
  elements: dict
host:
  description: The figures read (uptime_s, load, memory, disks, logs).
  returned: always
  type: dict
"""

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.servers import inspect


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {
                "type": "list",
                "elements": "str",
                "default": ["/", "/var/lib/postgresql", "/var/log", "/srv/backup"],
            },
            "logs": {
                "type": "list",
                "elements": "str",
                "default": ["/var/log/syslog", "/var/log/messages"],
            },
            "log_state": {"type": "str", "default": "/var/lib/hisops/inspection-logs.json"},
            "low_free_percent": {"type": "float", "default": 10},
            "name": {"type": "str", "default": ""},
            "max_load_per_cpu": {"type": "float", "default": 2},
        },
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"] or socket.gethostname()
    result = inspect(
        name,
        p["paths"],
        p["logs"],
        p["log_state"],
        module.check_mode,
        p["low_free_percent"],
        p["max_load_per_cpu"],
    )
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
