#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: inspection_report
short_description: The daily inspection's sheet, JSON, Prometheus textfile and Nagios verdict
version_added: 0.1.0
description:
  - Takes the findings every area of the daily inspection gathered and writes, in O(dir),
    C(<started>.json) and C(latest.json), the HTML sheet C(<started>.html) and
    C(latest.html) (what is wrong first, by severity, each with its plan item and suggested
    fault class; in O(language)), and the Prometheus textfile O(prom) (atomically, by
    prometheus_client). Returns the Nagios exit code and one-line summary.
  - When the console's snapshot writer (C(hisops.console.snapshot.write_snapshot)) is
    importable on the controller, it is called with the JSON written.
  - Writes reports on the controller only; written in check mode too (they are outputs,
    not managed state).
author: hisops developers (@hisops)
requirements: [jinja2, prometheus_client]
options:
  findings:
    description: Finding dicts, or lists of them (one per host).
    type: list
    elements: raw
    required: true
  checked:
    description: Per area, how many subjects were checked.
    type: dict
    default: {}
  started:
    description: When the inspection started (ISO 8601).
    type: str
    required: true
  site:
    description: The site's name on the sheet.
    type: str
    default: hospital
  language:
    description: Language of the sheet.
    type: str
    choices: [zh, en]
    default: zh
  dir:
    description: Directory of the JSON and HTML outputs.
    type: path
    required: true
  template:
    description: The sheet's Jinja2 template.
    type: path
    required: true
  prom:
    description: The Prometheus textfile (default C(<dir>/hisops_inspection.prom)).
    type: path
    default: ''
  console_dir:
    description: Where the console's static snapshot goes (empty - C(<dir>/console)).
    type: path
    default: ''
attributes:
  check_mode:
    description: The reports are written in check mode too.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: Outputs
  hisops.emergency.inspection_report:
    findings: "{{ groups['all'] | map('extract', hostvars, 'inspection_findings') | list }}"
    started: "{{ inspection_started }}"
    dir: var/inspections
    template: "{{ role_path }}/templates/inspection.html.j2"
"""

RETURN = r"""
exit_code:
  description: Nagios exit code (0 ok, 1 warning, 2 critical, 3 unknown).
  returned: always
  type: int
summary:
  description: Nagios one-line summary with perfdata.
  returned: always
  type: str
paths:
  description: The files written (json, latest_json, html, latest_html, prom).
  returned: always
  type: dict
critical:
  description: The critical findings (for an incident).
  returned: always
  type: list
  elements: dict
snapshot:
  description: The console snapshot written, or why not.
  returned: always
  type: str
"""

import time
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import report

try:
    import jinja2  # noqa: F401  pylint: disable=unused-import
    import prometheus_client  # noqa: F401  pylint: disable=unused-import

    HAS_LIBS, LIBS_ERROR = True, None
except ImportError as exc:  # pragma: no cover
    HAS_LIBS, LIBS_ERROR = False, exc


def console_snapshot(json_path, out_dir):
    """The console's static snapshot (helper of the console, controller side), if present."""
    try:
        from hisops.console.snapshot import write_snapshot  # pylint: disable=import-error
    except ImportError:
        return "no console snapshot writer installed"
    try:
        return str(write_snapshot(json_path, out_dir) or out_dir)
    except Exception as exc:  # noqa: BLE001 - the sheet stands without the snapshot
        return f"console snapshot not written: {type(exc).__name__}: {exc}"


def main():
    module = AnsibleModule(
        argument_spec={
            "findings": {"type": "list", "elements": "raw", "required": True},
            "checked": {"type": "dict", "default": {}},
            "started": {"type": "str", "required": True},
            "site": {"type": "str", "default": "hospital"},
            "language": {"type": "str", "choices": ["zh", "en"], "default": "zh"},
            "dir": {"type": "path", "required": True},
            "template": {"type": "path", "required": True},
            "prom": {"type": "path", "default": ""},
            "console_dir": {"type": "path", "default": ""},
        },
        supports_check_mode=True,
    )
    if not HAS_LIBS:
        module.fail_json(
            msg=missing_required_lib("jinja2 and prometheus_client"), exception=str(LIBS_ERROR)
        )
    p = module.params
    batches = [b if isinstance(b, list) else [b] for b in p["findings"] if b]
    try:
        found = report.collect(batches)
        finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
        started = datetime.fromisoformat(p["started"].replace("Z", "+00:00"))
        checked = {str(k): int(v) for k, v in (p["checked"] or {}).items()}
        doc = report.document(found, p["started"], finished, p["site"], checked)
        duration = max(0.0, time.time() - started.timestamp())
        paths = report.write_outputs(
            doc, p["dir"], p["template"], p["language"], p["prom"], duration
        )
    except (report.ReportError, ValueError, OSError) as exc:
        module.fail_json(msg=str(exc))
    snapshot = console_snapshot(paths["json"], p["console_dir"] or f"{p['dir']}/console")
    module.exit_json(
        changed=False,
        exit_code=doc["exit_code"],
        summary=doc["summary"],
        paths=paths,
        areas=doc["areas"],
        critical=[f for f in doc["findings"] if f["severity"] == "critical"],
        snapshot=snapshot,
    )


if __name__ == "__main__":
    main()
