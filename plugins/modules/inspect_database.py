#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspect_database
short_description: The database pair's status and backups as findings of the daily inspection (plan P6.4)
version_added: 0.1.0
description:
  - Judges what the db_status role's modules read - the go/no-go of
    M(hisops.emergency.db_ha_verdict) (each node's role, replication lag, switchover and
    failover go/no-go, WAL and degrade warnings) and the backup report of
    M(hisops.emergency.backup_status_report) (backup age per target, PostgreSQL log errors
    since the last check per DB server, hosts not read) - and returns findings.
  - Pure; runs on the controller.
author: hisops developers (@hisops)
options:
  verdict:
    description: C(verdict) of M(hisops.emergency.db_ha_verdict); omitted when the pair was not read.
    type: dict
  backup:
    description: The result of M(hisops.emergency.backup_status_report); omitted to skip the backup checks.
    type: dict
  max_lag_seconds:
    description: A standby further behind than this is a warning.
    type: float
    default: 60
  max_backup_days:
    description: Per backup target, the oldest acceptable newest copy, in days.
    type: dict
    default: {}
extends_documentation_fragment:
  - hisops.emergency.read_only
"""

EXAMPLES = r"""
- name: Database findings
  hisops.emergency.inspect_database:
    verdict: "{{ db_status_verdict.verdict }}"
    backup: "{{ db_status_backup_report }}"
  delegate_to: localhost
"""

RETURN = r"""
findings:
  description: Finding dicts (area C(database)).
  returned: always
  type: list
  elements: dict
checked:
  description: How many database nodes were judged.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.inspection.database import findings


def main():
    module = AnsibleModule(
        argument_spec={
            "verdict": {"type": "dict"},
            "backup": {"type": "dict"},
            "max_lag_seconds": {"type": "float", "default": 60},
            "max_backup_days": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        days = {str(k): float(v) for k, v in (p["max_backup_days"] or {}).items()}
    except (TypeError, ValueError):
        module.fail_json(msg="max_backup_days: each value must be a number of days")
    result = findings(p["verdict"], p["backup"], p["max_lag_seconds"], days)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
