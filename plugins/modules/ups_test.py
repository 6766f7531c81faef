#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ups_test
short_description: The UPS's battery self-test through Network UPS Tools, its result recorded
version_added: 0.1.0
description:
  - Reads the UPS from C(upsd) (PyNUTClient), refuses unless it is on line, sends the instant command
    O(command) (C(test.battery.start)) as O(user), waits up to O(wait_s) for C(ups.test.result) to
    change and writes the record (JSON) into O(record_dir).
  - Check mode reads the UPS and the preconditions only; no command is sent, nothing is written.
author: hisops developers (@hisops)
extends_documentation_fragment:
  - hisops.emergency.upsd
options:
  user:
    description: The C(upsd.users) user allowed the command (C(instcmds = test.battery.start)).
    type: str
    required: true
  password:
    description: Its password.
    type: str
    required: true
  command:
    description: The instant command.
    type: str
    default: test.battery.start
    choices: [test.battery.start, test.battery.start.quick, test.battery.start.deep]
  wait_s:
    description: Seconds to wait for the result.
    type: float
    default: 120
  record_dir:
    description: Directory of the test records on the controller.
    type: path
    required: true
  min_interval_days:
    description:
      - A passed test of this UPS recorded fewer days ago than this is not repeated (the battery is
        not drained twice by a timer that fires again or an operator who re-runs); 0 always tests.
    type: float
    default: 0
attributes:
  check_mode:
    description: Reads only; sends nothing.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: Quarterly UPS test
  hisops.emergency.ups_test:
    host: 10.20.0.9
    user: hisops
    password: "{{ vault_ups_password }}"
    record_dir: /srv/hisops/var/ups_tests
"""

RETURN = r"""
record:
  description: ups, command, before (status, charge, runtime, test_result), completed, passed, result, seconds, after.
  returned: success
  type: dict
path:
  description: The record's file (the recent one when O(min_interval_days) skipped the test).
  returned: when written or skipped
  type: str
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import ups


def main():
    module = AnsibleModule(
        argument_spec={
            **ups.UPSD_ARGS,
            "user": {"type": "str", "required": True},
            "password": {"type": "str", "required": True, "no_log": True},
            "command": {
                "type": "str",
                "default": "test.battery.start",
                "choices": [
                    "test.battery.start",
                    "test.battery.start.quick",
                    "test.battery.start.deep",
                ],
            },
            "wait_s": {"type": "float", "default": 120},
            "record_dir": {"type": "path", "required": True},
            "min_interval_days": {"type": "float", "default": 0},
        },
        supports_check_mode=True,
    )
    if not ups.HAS_NUT:
        module.fail_json(msg=missing_required_lib("PyNUTClient"), exception=ups.NUT_IMPORT_ERROR)
    p = module.params
    if p["wait_s"] <= 0:
        module.fail_json(msg="wait_s: must be positive", field="wait_s")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    recent = ups.recent_record(p["record_dir"], p["ups"], p["min_interval_days"], time.time())
    if recent is not None:
        module.exit_json(
            changed=False,
            record=recent,
            path=recent["path"],
            msg="tested %s (passed): not again within %g days"
            % (recent.get("at"), p["min_interval_days"]),
        )
    try:
        client = ups.connect(p["host"], p["port"], p["user"], p["password"])
        if module.check_mode:  # refused as the real run would be, before any command
            module.exit_json(
                changed=False, record=ups.battery_test_preview(client, p["ups"], p["command"])
            )
        record = ups.battery_test(client, p["ups"], p["command"], p["wait_s"])
    except ups.UpsError as exc:
        module.fail_json(msg=str(exc))
    record["at"] = stamp
    record["host"] = p["host"]
    path = ups.write_record(record, p["record_dir"], stamp)
    module.exit_json(
        changed=True,
        record=record,
        path=path,
        failed=not record["passed"],
        msg=""
        if record["passed"]
        else "UPS battery test: %s" % (record["result"] or "no result in %.0f s" % p["wait_s"]),
    )


if __name__ == "__main__":
    main()
