#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: schedules
short_description: Install the hospital's schedules as systemd timers and services, or cron lines
version_added: 0.1.0
description:
  - The plan's recurring work (daily inspection, scheduled compliance check, backup
    calendar, monthly restore drill, quarterly UPS test, incident clocks) as systemd
    timer and service units on the controller, or as one cron file.
  - Every schedule and calendar expression is checked first (C(systemd-analyze calendar);
    a bad value fails naming the field, e.g. C(hisops_schedules.backup.on_calendar)) and
    the units are verified with C(systemd-analyze verify) before any file is written.
  - A schedule whose playbook does not exist yet is returned in RV(pending) and not installed.
  - Files are written only when their content differs; each carries a marker line, and
    O(state=absent) removes exactly the files carrying it. A file of the same name without
    it is refused, never overwritten.
  - Nothing is started or enabled (C(systemctl daemon-reload), C(enable --now) are the
    operator's, see docs/schedules.md). Runs on the controller.
author: hisops developers (@hisops)
options:
  schedules:
    description:
      - The site's C(hisops_schedules) (name -> C(enabled), C(on_calendar), C(playbook) and
        C(extra_vars) or C(command), C(kind) C(timer)/C(service), C(persistent),
        C(description), C(environment), C(environment_files), C(cron_calendar),
        C(cron_command)), merged key by key over the plan's defaults.
    type: dict
  state:
    description: C(present) installs the schedules; C(absent) removes what this module installed.
    type: str
    choices: [present, absent]
    default: present
  format:
    description: C(systemd) units in O(unit_dir), or C(cron) lines in O(cron_file).
    type: str
    choices: [systemd, cron]
    default: systemd
  unit_dir:
    description: Directory of the units.
    type: path
    default: /etc/systemd/system
  cron_file:
    description: The cron file (C(/etc/cron.d) format, with the user field) when O(format=cron).
    type: path
    default: /etc/cron.d/hisops
  root:
    description: The hisops checkout on the controller (the units' working directory).
    type: path
    required: true
  venv:
    description: Its virtualenv (default C(<root>/.venv)); commands run from its C(bin).
    type: path
  user:
    description: The user the schedules run as.
    type: str
    default: hisops
  inventory:
    description: Inventory passed to ansible-playbook (default the checkout's ansible.cfg's).
    type: str
    default: ''
  environment_file:
    description: Environment file every unit reads (if present), for site settings and secrets.
    type: path
    default: /etc/hisops/schedules.env
  verify:
    description: Run C(systemd-analyze verify) on the rendered units before writing them.
    type: bool
    default: true
attributes:
  check_mode:
    description: Checks and renders everything, writes nothing.
    support: full
  diff_mode:
    description: Each unit (or the cron file) before and after.
    support: full
"""

EXAMPLES = r"""
- name: The hospital's schedules as systemd units
  hisops.emergency.schedules:
    schedules:
      compliance: {on_calendar: "Mon..Fri *-*-* 07,13:15:00"}
      ups_test: {enabled: false}
    root: /opt/hisops
    unit_dir: /etc/systemd/system

- name: The same as cron lines
  hisops.emergency.schedules:
    root: /opt/hisops
    format: cron
    cron_file: /etc/cron.d/hisops
"""

RETURN = r"""
written:
  description: Files written (or that would be, in check mode).
  returned: success
  type: list
  elements: str
removed:
  description: Files removed (or that would be).
  returned: success
  type: list
  elements: str
files:
  description: Every file the schedules consist of (empty for O(state=absent)).
  returned: success
  type: list
  elements: str
schedules:
  description:
    - Each enabled schedule - C(name), C(kind), C(unit), C(on_calendar), C(normalized) and
      C(next_elapse) (from systemd), C(line) (them in words), C(argv) (the command),
      C(working_directory), C(environment), C(pending).
  returned: success
  type: list
  elements: dict
pending:
  description: Schedules not installed and why (their playbook does not exist yet).
  returned: success
  type: list
  elements: dict
cron:
  description: The cron file's lines when O(format=cron).
  returned: success
  type: list
  elements: str
verify_warnings:
  description: What systemd-analyze verify said that did not concern the units.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.errors import (
    InputError,
    ScheduleError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.schedules.install import run


def main():
    module = AnsibleModule(
        argument_spec={
            "schedules": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "format": {"type": "str", "choices": ["systemd", "cron"], "default": "systemd"},
            "unit_dir": {"type": "path", "default": "/etc/systemd/system"},
            "cron_file": {"type": "path", "default": "/etc/cron.d/hisops"},
            "root": {"type": "path", "required": True},
            "venv": {"type": "path"},
            "user": {"type": "str", "default": "hisops"},
            "inventory": {"type": "str", "default": ""},
            "environment_file": {"type": "path", "default": "/etc/hisops/schedules.env"},
            "verify": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    try:
        result = run(module.params, module.check_mode)
    except InputError as exc:
        module.fail_json(msg=str(exc), reason=exc.code, field=exc.field)
    except ScheduleError as exc:
        module.fail_json(msg=str(exc), reason=exc.code)
    diff = result.pop("diff")
    if module._diff and result["changed"]:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
