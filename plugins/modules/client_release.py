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
extends_documentation_fragment:
  - hisops.emergency.client_release
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
from ansible_collections.hisops.emergency.plugins.module_utils.client.release import (
    RELEASE_SPEC,
    apply,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(RELEASE_SPEC),
        supports_check_mode=True,
    )
    p = module.params
    try:
        result = apply(
            p["root"],
            p["state"],
            version=p["version"],
            package=p["package"],
            sha256=p["sha256"],
            mode=p["mode"],
            name=p["name"],
            keep=p["keep"],
            check_mode=module.check_mode,
            health_command=p["health_command"],
            revert_unhealthy=p["revert_unhealthy"],
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
