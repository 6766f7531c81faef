#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_release
short_description: Install, switch and roll back the HIS client on a workstation
version_added: 0.1.0
description:
  - Release mode keeps one directory per version under O(root)/releases and a
    O(root)/current symlink switched atomically (rename), like Ansistrano.
  - Package mode installs a .deb of the wanted version and holds it (C(apt-mark hold)).
  - The version in use before a switch is kept as the previous version; a rollback
    without O(version) goes back to it, once (a second rollback changes nothing).
  - Packages are checked against O(sha256) on the workstation before they are unpacked.
author: hisops developers (@hisops)
options:
  state:
    description:
      - V(present) installs without switching, V(switched) installs and makes it current,
        V(rolled_back) goes back to O(version) or to the previous version, V(query) reads.
    type: str
    choices: [present, switched, rolled_back, query]
    default: switched
  version:
    description: The client version. Required for V(present) and V(switched).
    type: str
  package:
    description:
      - Path on the workstation of the package for O(version) (a release tarball or a
        .deb), needed only when that version is not installed yet.
    type: path
  sha256:
    description: Expected SHA-256 of O(package); a mismatch is refused before unpacking.
    type: str
  mode:
    description: V(release) (releases + current symlink) or V(deb) (a held Debian package).
    type: str
    choices: [release, deb]
    default: release
  name:
    description: Package name of the client.
    type: str
    default: his-client
  root:
    description: Directory of the client's releases (and state file) on the workstation.
    type: path
    default: /opt/his-client
  keep:
    description: Releases kept; older ones are removed (never the current or previous one).
    type: int
    default: 5
  health_command:
    description:
      - The client's health check (exit 0 = healthy), run on the workstation after the
        change, also when nothing changed (with V(query) only when a version is installed);
        not in check mode. See RV(health).
    type: str
  revert_unhealthy:
    description:
      - When the health check fails after a switch, switch back before returning, on the
        workstation itself (so it happens even if the controller loses the connection).
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports the actions (install, switch, prune) without doing them.
    support: full
  diff_mode:
    description: The current/previous version and installed releases before and after.
    support: full
"""

EXAMPLES = r"""
- name: Switch to 2.1.0 (package already copied from the store)
  hisops.emergency.client_release:
    version: 2.1.0
    package: /opt/his-client/packages/his-client-2.1.0.tar.gz
    sha256: "{{ client_sha256 }}"

- name: Back to the previous version
  hisops.emergency.client_release:
    state: rolled_back
"""

RETURN = r"""
before:
  description: current, previous, rolled_back_from and releases before the run.
  returned: always
  type: dict
after:
  description: The same after the run (what it would be, in check mode).
  returned: always
  type: dict
actions:
  description: What was (or would be) done, e.g. C(install 2.1.0), C(switch 2.0.0 -> 2.1.0).
  returned: always
  type: list
  elements: str
version:
  description: The version current after the run.
  returned: always
  type: str
previous:
  description: The version that was current before the run.
  returned: always
  type: str
health:
  description: rc and output of the health check.
  returned: when health_command is given and not in check mode
  type: dict
reverted:
  description: The switch was undone because the health check failed.
  returned: when that happened
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.release import apply


def main():
    module = AnsibleModule(
        argument_spec={
            "state": {"type": "str", "default": "switched",
                      "choices": ["present", "switched", "rolled_back", "query"]},
            "version": {"type": "str"},
            "package": {"type": "path"},
            "sha256": {"type": "str"},
            "mode": {"type": "str", "default": "release", "choices": ["release", "deb"]},
            "name": {"type": "str", "default": "his-client"},
            "root": {"type": "path", "default": "/opt/his-client"},
            "keep": {"type": "int", "default": 5},
            "health_command": {"type": "str"},
            "revert_unhealthy": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = apply(
            p["root"], p["state"], version=p["version"], package=p["package"], sha256=p["sha256"],
            mode=p["mode"], name=p["name"], keep=p["keep"], check_mode=module.check_mode,
            health_command=p["health_command"], revert_unhealthy=p["revert_unhealthy"],
        )
    except (ClientError, OSError) as exc:
        module.fail_json(msg=str(exc), field=getattr(exc, "field", ""))
    result["version"] = result["after"]["current"]
    result["previous"] = result["before"]["current"]
    if module._diff:
        result["diff"] = {"before": result["before"], "after": result["after"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
