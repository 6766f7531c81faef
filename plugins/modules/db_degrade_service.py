#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: db_degrade_service
short_description: Install, start and prove the sync-degrade service on a database node
version_added: 0.1.0
description:
  - The guarded automatic degrade of a synchronous pair (service C(hisops-sync-degrade),
    running as C(postgres)) on this node, in one step. Its code (this collection's
    C(module_utils/pgha) C(degrade.py), C(errors.py), C(__init__.py), carried by this
    module), its settings file, its systemd unit and its init script (for hosts without
    systemd) are written where they differ.
  - Then systemd reloads a new unit, and the service is enabled, started, or restarted
    on new files. The module returns once the service's record is fresh and says the
    mode asked for, which proves the service runs these settings.
  - Used by the C(db_standby_build) role; it needs root (C(become)).
author: hisops developers (@hisops)
options:
  libdir:
    description: The directory the service's code is installed under (its PYTHONPATH).
    type: path
    default: /usr/local/lib/hisops
  config:
    description: The service's settings file.
    type: path
    default: /etc/hisops/sync-degrade.json
  settings:
    description:
      - The service's settings - C(node), C(peer), C(mode) (C(sync), C(strict) or
        C(async)), C(degrade_after_s), C(restore_after_s) (0.5 to 3600), C(pg_version),
        C(pg_cluster).
    type: dict
    required: true
  unit:
    description: The systemd unit's text.
    type: str
    required: true
  init_script:
    description: The init script's text (hosts without systemd).
    type: str
    required: true
  wait:
    description: Seconds to wait for the service's fresh record.
    type: int
    default: 20
attributes:
  check_mode:
    description: Reports the files that would be written and the service actions, changes nothing.
    support: full
  diff_mode:
    description: The settings, unit and init script before and after; the code by name only.
    support: full
"""

EXAMPLES = r"""
- name: The sync-degrade service runs on this node
  hisops.emergency.db_degrade_service:
    settings:
      node: his-db-1
      peer: his-db-2
      mode: sync
      degrade_after_s: 5
      restore_after_s: 1
      pg_version: "15"
      pg_cluster: main
    unit: "{{ lookup('ansible.builtin.template', 'hisops-sync-degrade.service.j2') }}"
    init_script: "{{ lookup('ansible.builtin.template', 'hisops-sync-degrade.init.j2') }}"
  become: true
"""

RETURN = r"""
changed:
  description: A file was written or the service was enabled, started or restarted.
  returned: always
  type: bool
files:
  description: The files written (in check mode, those that would be).
  returned: always
  type: list
  elements: str
actions:
  description: The systemctl actions taken (daemon-reload, enable, start, restart).
  returned: always
  type: list
  elements: str
record:
  description: The service's record (state, mode, pid, age_s); null in check mode before the first run.
  returned: always
  type: dict
reason:
  description: Why it failed (bad_input, service_failed).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils import pgha
from ansible_collections.hisops.emergency.plugins.module_utils.pgha import (
    degrade,
    degrade_install,
    errors,
)
from ansible_collections.hisops.emergency.plugins.module_utils.pgha.errors import PgHaError


def _source(module) -> str:
    """A module's own source, from this payload (AnsiballZ's zip) or from disk."""
    spec = module.__spec__
    text = spec.loader.get_source(spec.name)
    return text or ""


def main():
    module = AnsibleModule(
        argument_spec={
            "libdir": {"type": "path", "default": "/usr/local/lib/hisops"},
            "config": {"type": "path", "default": "/etc/hisops/sync-degrade.json"},
            "settings": {"type": "dict", "required": True},
            "unit": {"type": "str", "required": True},
            "init_script": {"type": "str", "required": True},
            "wait": {"type": "int", "default": 20},
        },
        supports_check_mode=True,
    )
    p = module.params
    sources = {
        "__init__.py": _source(pgha),
        "errors.py": _source(errors),
        "degrade.py": _source(degrade),
    }

    def run(argv):
        return module.run_command(argv)

    try:
        settings = degrade_install.check_settings(dict(p["settings"]))
        files = degrade_install.wanted_files(
            p["libdir"], p["config"], settings, p["unit"], p["init_script"], sources
        )
        record_file = degrade.record_path(str(settings["pg_version"]), settings["pg_cluster"])
        out = degrade_install.install(
            files, run, module.check_mode, record_file, settings["mode"], wait_s=p["wait"]
        )
    except PgHaError as exc:
        module.fail_json(msg=str(exc), reason=exc.code)
    result = {
        "changed": out.changed,
        "files": out.files,
        "actions": out.actions,
        "record": out.record,
    }
    if module._diff and out.diff:
        result["diff"] = out.diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
