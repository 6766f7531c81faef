#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_workstation
short_description: The daily inspection's workstation checks (antivirus, USB storage, internet, client)
version_added: 0.1.0
description:
  - On the workstation, reads ClamAV's signature database header (C(daily.cvd)/C(daily.cld)) and
    the scheduled scan's log (its last C(SCAN SUMMARY)), the modprobe configuration for
    C(usb-storage) and C(/proc/modules), the route to an internet address (C(ip -j route get)),
    the hisops egress table in nftables and, when O(probe_port) is set, a TCP connection to it.
  - With O(client_verdicts) (run once on the controller), turns the client audit's verdicts
    (M(hisops.emergency.client_ledger) O(hisops.emergency.client_ledger#module:audit)) into
    findings per workstation, an unreachable one included.
  - Changes nothing. Returns findings (the daily inspection's C(Finding) as dicts).
author: hisops developers (@hisops)
options:
  name:
    description: The workstation's name in the findings (its inventory name); default its hostname.
    type: str
  address:
    description: The workstation's address (the isolate command a finding suggests names it).
    type: str
    default: ""
  checks:
    description: The local checks to run; an empty list runs none (client verdicts only).
    type: list
    elements: str
    choices: [antivirus, usb_storage, internet_route]
    default: [antivirus, usb_storage, internet_route]
  client_verdicts:
    description: The client audit's verdicts (host, state, expected, actual, reason).
    type: list
    elements: dict
    default: []
  clamav_dir:
    description: ClamAV's database directory.
    type: path
    default: /var/lib/clamav
  scan_log:
    description: The log the scheduled C(clamscan --log=FILE) appends to.
    type: path
    default: /var/log/clamav/clamscan-daily.log
  signature_warn_hours:
    description: Signatures older than this are a warning.
    type: float
    default: 48
  signature_crit_hours:
    description: Signatures older than this are critical.
    type: float
    default: 168
  scan_max_age_hours:
    description: A last scheduled scan that ended longer ago than this is a warning.
    type: float
    default: 36
  probe:
    description: An address on the internet the workstation must not reach.
    type: str
    default: 114.114.114.114
  probe_port:
    description: TCP port to try on O(probe); 0 tries no connection (route and firewall only).
    type: int
    default: 0
  allowed_networks:
    description: The hospital's networks (what the egress table lets through).
    type: list
    elements: str
    default: [10.0.0.0/8, 127.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
  egress_scope:
    description: C(host), or C(cgroup) where hosts share one kernel (as M(hisops.emergency.workstation_harden)).
    type: str
    choices: [host, cgroup]
    default: host
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Workstation checks
  hisops.emergency.inspect_workstation:
    signature_warn_hours: 48
  register: ws

- name: The client audit's verdicts as findings, for every workstation
  hisops.emergency.inspect_workstation:
    checks: []
    client_verdicts: "{{ audit.audit }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
findings:
  description: The findings of the local checks and of O(client_verdicts) (all hosts).
  returned: always
  type: list
  elements: dict
by_host:
  description: The same findings per workstation (what O(client_verdicts) gave for each).
  returned: always
  type: dict
"""

import socket

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import workstations
from ansible_collections.hisops.emergency.plugins.module_utils.workstation import hardening


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str"},
            "address": {"type": "str", "default": ""},
            "checks": {
                "type": "list",
                "elements": "str",
                "choices": ["antivirus", "usb_storage", "internet_route"],
                "default": ["antivirus", "usb_storage", "internet_route"],
            },
            "client_verdicts": {"type": "list", "elements": "dict", "default": []},
            "clamav_dir": {"type": "path", "default": workstations.CLAMAV_DIR},
            "scan_log": {"type": "path", "default": workstations.SCAN_LOG},
            "signature_warn_hours": {"type": "float", "default": 48},
            "signature_crit_hours": {"type": "float", "default": 168},
            "scan_max_age_hours": {"type": "float", "default": 36},
            "probe": {"type": "str", "default": "114.114.114.114"},
            "probe_port": {"type": "int", "default": 0},
            "allowed_networks": {
                "type": "list",
                "elements": "str",
                "default": list(hardening.HOSPITAL_NETWORKS),
            },
            "egress_scope": {"type": "str", "choices": ["host", "cgroup"], "default": "host"},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        found = []
        by_host = {}
        if p["checks"]:
            host = p["name"] or socket.gethostname()
            scope = hardening.scope_for(p["egress_scope"])
            networks = hardening.check_networks(p["allowed_networks"])
            in_place = hardening.egress_in_place(scope, networks)
            options = dict(p, egress_table=scope.table)
            found = workstations.inspect_local(host, options, in_place)
            by_host[host] = [f.to_dict() for f in found]
        for name, items in workstations.client_findings(p["client_verdicts"]).items():
            by_host.setdefault(name, []).extend(f.to_dict() for f in items)
            found = found + items
    except hardening.HardeningError as exc:
        module.fail_json(msg=str(exc), field=exc.field)
    module.exit_json(changed=False, findings=[f.to_dict() for f in found], by_host=by_host)


if __name__ == "__main__":
    main()
