#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: client_publish
short_description: Put a client update package into the artifact store on the controller
version_added: 0.1.0
description:
  - The store keeps every update package with its SHA-256 (plan P7.1); rollouts and
    rollbacks take packages only from it, after checking the checksum.
  - A published version is immutable; other bytes under the same version are refused.
  - With O(build_sample), builds the hisops sample HIS client (version command, health check)
    instead of taking O(src); O(broken) builds a release whose health check fails.
author: hisops developers (@hisops)
options:
  store:
    description: Root directory of the artifact store.
    type: path
    required: true
  version:
    description: The version published.
    type: str
    required: true
  src:
    description: The package file to publish (mutually exclusive with O(build_sample)).
    type: path
  kind:
    description: V(tar) (release tarball) or V(deb) (Debian package).
    type: str
    choices: [tar, deb]
    default: tar
  name:
    description: Package name.
    type: str
    default: his-client
  build_sample:
    description: Build the sample client for O(version) (both kinds) instead of O(src).
    type: bool
    default: false
  broken:
    description: With O(build_sample), the built client's health check fails (a bad update).
    type: bool
    default: false
attributes:
  check_mode:
    description: Reports whether the package would be added; writes nothing.
    support: full
  diff_mode:
    description: Not supported; see RV(published).
    support: none
"""

EXAMPLES = r"""
- name: Publish the vendor's package
  hisops.emergency.client_publish:
    store: /srv/hisops/artifacts
    version: 5.2.1
    src: /tmp/his-client-5.2.1.tar.gz
  delegate_to: localhost
"""

RETURN = r"""
published:
  description: Per kind, the path in the store, its sha256 and whether it was added.
  returned: success
  type: list
  elements: dict
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.client import sample as sample_client
from ansible_collections.hisops.emergency.plugins.module_utils.client.errors import ClientError
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import (
    ArtifactStore,
    check_version,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "store": {"type": "path", "required": True},
            "version": {"type": "str", "required": True},
            "src": {"type": "path"},
            "kind": {"type": "str", "default": "tar", "choices": ["tar", "deb"]},
            "name": {"type": "str", "default": "his-client"},
            "build_sample": {"type": "bool", "default": False},
            "broken": {"type": "bool", "default": False},
        },
        mutually_exclusive=[["src", "build_sample"]],
        required_one_of=[["src", "build_sample"]],
        supports_check_mode=True,
    )
    p = module.params
    store = ArtifactStore(p["store"])
    published = []
    try:
        check_version(p["version"])
        if p["build_sample"]:
            with tempfile.TemporaryDirectory() as tmp:
                builds = [
                    ("tar", sample_client.build_tarball(p["version"], tmp, p["broken"])),
                    ("deb", sample_client.build_deb(p["version"], tmp, p["broken"])),
                ]
                for kind, path in builds:
                    result = store.publish(
                        path,
                        sample_client.PACKAGE,
                        p["version"],
                        kind,
                        check_mode=module.check_mode,
                    )
                    published.append(dict(result, kind=kind))
        else:
            result = store.publish(
                p["src"], p["name"], p["version"], p["kind"], check_mode=module.check_mode
            )
            published.append(dict(result, kind=p["kind"]))
    except (ClientError, OSError) as exc:
        module.fail_json(msg=str(exc), field=getattr(exc, "field", ""), published=published)
    for item in published:
        item["path"] = os.path.abspath(item["path"])
    module.exit_json(changed=any(i["changed"] for i in published), published=published)


if __name__ == "__main__":
    main()
