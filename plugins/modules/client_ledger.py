#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_ledger
short_description: Record client rollout results in the version ledger; audit; reports
version_added: 0.1.0
description:
  - The ledger (JSON on the controller) keeps per workstation which versions were
    installed, when, by whom, with what result, the expected version and the last
    known-good one. Writes are atomic under a lock.
  - O(records) appends entries; O(run) appends a run summary; O(audit) classifies
    workstations (current, behind, failed, offline, rolled_back, unknown,
    isolated) with the reason;
    O(report_dir) writes C(client-ledger.json) and C(client-ledger.html).
author: hisops developers (@hisops)
options:
  path:
    description: The ledger file.
    type: path
    required: true
  records:
    description:
      - Entries to append, each with C(host), C(action) (update, rollback, reconcile,
        revert, audit), C(result) (ok, unchanged, failed, rolled_back, reverted,
        unreachable, skipped, isolated), and optionally C(version), C(target), C(from), C(message),
        C(expected).
    type: list
    elements: dict
    default: []
  run:
    description:
      - A run summary (playbook, version, group, outcome, fleet_expected, ...), added when
        entries were recorded (or when it carries C(always=true)).
    type: dict
  operator:
    description: Who ran it.
    type: str
    default: hisops
  run_id:
    description: Run identifier (the run record's); default the playbook name and the time.
    type: str
    default: ""
  audit:
    description:
      - Workstations to classify, each with C(host), C(actual), C(reachable), C(healthy),
        and C(isolated) (why an open isolation cuts it off; state C(isolated), left alone).
    type: list
    elements: dict
  expected:
    description: Per workstation, the version it should run from now on (no history line).
    type: dict
    default: {}
  threshold:
    description:
      - Judge O(records) as one batch; C(max_fail_percent) and C(canary) (the canary
        tolerates no failure). Returns RV(verdict).
    type: dict
  report_dir:
    description: Where to write the JSON and HTML reports (omit for none).
    type: path
attributes:
  check_mode:
    description: Nothing is written; the audit is still computed.
    support: full
  diff_mode:
    description: Not supported; see RV(recorded).
    support: none
"""

EXAMPLES = r"""
- name: Record a batch
  hisops.emergency.client_ledger:
    path: "{{ client_update_ledger }}"
    records: "{{ batch_records }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
recorded:
  description: Hosts whose entries were appended.
  returned: success
  type: list
  elements: str
audit:
  description: Per workstation state, expected, actual, last result and reason.
  returned: when audit is given
  type: list
  elements: dict
verdict:
  description: failed hosts, total, percent and halt (whether the rollout must stop).
  returned: when threshold is given
  type: dict
reports:
  description: Paths of the JSON and HTML reports.
  returned: when report_dir is given
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.hisops.emergency.plugins.module_utils.client import ledger as ledger_lib
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.plan import batch_verdict


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "records": {"type": "list", "elements": "dict", "default": []},
            "run": {"type": "dict"},
            "operator": {"type": "str", "default": "hisops"},
            "run_id": {"type": "str", "default": ""},
            "audit": {"type": "list", "elements": "dict"},
            "expected": {"type": "dict", "default": {}},
            "threshold": {"type": "dict"},
            "report_dir": {"type": "path"},
        },
        supports_check_mode=True,
    )
    p = module.params
    stamp = ledger_lib.now()
    run_id = p["run_id"] or "%s-%s" % (
        (p["run"] or {}).get("playbook", "hisops"),
        stamp[:19].replace("-", "").replace(":", ""),
    )
    run = {"operator": p["operator"], "run_id": run_id, "at": stamp}
    result = {"changed": False, "recorded": []}
    try:
        with ledger_lib.Ledger(p["path"]).update(check_mode=module.check_mode) as data:
            result["recorded"] = ledger_lib.record(data, p["records"], run)
            result["recorded"] += [
                h
                for h in ledger_lib.set_expected(data, p["expected"])
                if h not in result["recorded"]
            ]
            if p["threshold"] is not None:
                result["verdict"] = batch_verdict(
                    p["records"],
                    float(p["threshold"].get("max_fail_percent", 0)),
                    bool(p["threshold"].get("canary", False)),
                )
            if p["run"] and (result["recorded"] or boolean(p["run"].get("always", False))):
                ledger_lib.add_run(data, dict(p["run"], **run))
            result["changed"] = bool(result["recorded"])
            if p["audit"] is not None:
                result["audit"] = [
                    ledger_lib.classify(
                        data,
                        a["host"],
                        a.get("actual"),
                        bool(a.get("reachable", True)),
                        a.get("healthy"),
                        a.get("isolated") or None,
                    )
                    for a in p["audit"]
                ]
            if p["report_dir"] and not module.check_mode:
                result["reports"] = ledger_lib.write_reports(
                    data, p["report_dir"], audit=result.get("audit")
                )
    except (ClientError, OSError, KeyError) as exc:
        module.fail_json(msg=str(exc), field=getattr(exc, "field", ""))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
