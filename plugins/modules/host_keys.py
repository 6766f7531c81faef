#!/usr/bin/python
# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_keys
short_description: Enrol SSH host keys into the known_hosts the project keeps
description:
  - Fetches the SSH host key each switch, server or workstation offers (the key exchange
    only, as C(ssh-keyscan) does - no login, no credential sent), returns its SHA256
    fingerprint as C(ssh-keygen -l) prints it for the operator to compare with the device's
    own console, and records the new ones in O(known_hosts).
  - A key already recorded is left as it is. A key other than the recorded one is refused,
    naming the device and both fingerprints, unless the device is in O(replace) (a replaced
    unit or a re-installed server whose new key the operator checked).
  - With O(expected), a new key is recorded only when its fingerprint is the one given
    (read on the device's console beforehand).
  - Every switch session and SSH connection of the collection then refuses a device whose
    key is unknown or changed (docs/host-keys.md).
  - Runs on the controller. The action plugin builds O(targets) from the inventory
    (C(ansible_host), C(ansible_port)) of the hosts named in O(hosts), and O(known_hosts)
    from C(hisops_known_hosts) (else C($HISOPS_KNOWN_HOSTS), else C(var/known_hosts) beside
    the playbooks), and runs the module in its worker (it never logs in to the hosts).
version_added: 0.1.0
author: hisops developers (@hisops)
options:
  hosts:
    description:
      - Inventory hostnames to enrol, usually C("{{ ansible_play_batch }}") on a task with
        C(run_once=true). The action plugin turns them into O(targets).
    type: list
    elements: str
  targets:
    description: The addresses to enrol, as built by the action plugin from O(hosts).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Inventory name (written as the known_hosts line's comment).
        type: str
        required: true
      host:
        description: Address the controller reaches it on.
        type: str
        required: true
      port:
        description: SSH port.
        type: int
        default: 22
      known_hosts:
        description: The known_hosts file of this host, when it is not O(known_hosts).
        type: path
  known_hosts:
    description: The known_hosts file to record the keys in (created when missing).
    type: path
  expected:
    description:
      - Fingerprints read on the devices' consoles, by inventory name
        (C(SHA256:...)); a new key with another fingerprint is not recorded.
    type: dict
    default: {}
  replace:
    description:
      - Inventory names whose changed key may replace the recorded one (after comparing the
        fingerprint shown by a check-mode run with the device's console).
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for each host's key exchange.
    type: float
    default: 10
  workers:
    description: Hosts asked at the same time.
    type: int
    default: 20
notes:
  - Supports check mode (shows what would be recorded, writes nothing) and diff (the file
    before and after).
  - A failed task still records the keys of the hosts that were not refused.
requirements:
  - netmiko >= 4.4 (its paramiko fetches the keys)
"""

EXAMPLES = r"""
- name: Record the keys of every switch and host of the play
  hisops.emergency.host_keys:
    hosts: "{{ ansible_play_batch }}"
  run_once: true

- name: AGG-3 was replaced; its new key was compared with its console
  hisops.emergency.host_keys:
    hosts: [AGG-3]
    replace: [AGG-3]
    expected:
      AGG-3: SHA256:8YhdHH0DZ19DUzi7rl/AqDHeSbI2fe6qsClk1nP81ss
  run_once: true
"""

RETURN = r"""
hosts:
  description:
    - One row per host - C(name), C(address), C(key_type), C(fingerprint) (SHA256, as
      C(ssh-keygen -l) prints it), C(recorded) (the fingerprints on file before), and
      C(status) - C(recorded), C(unchanged), C(replaced), C(would record),
      C(would replace), C(changed) (refused), C(mismatch) (not the expected fingerprint)
      or C(unreachable) (with C(error)).
  returned: always
  type: list
  elements: dict
lines:
  description: One line per host, C(name  address  key-type SHA256:...  status), to compare with each device's console.
  returned: always
  type: list
  elements: str
known_hosts:
  description: The known_hosts file(s) written, comma-separated.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.errors import (
    InputError,
    NetdevError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.hostkeys import (
    Target,
    enrol,
)
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    HAS_NETMIKO,
    NETMIKO_IMPORT_ERROR,
)

# paramiko comes with netmiko: the same guard as the switch modules'
HAS_PARAMIKO = HAS_NETMIKO
PARAMIKO_IMPORT_ERROR = NETMIKO_IMPORT_ERROR


def argument_spec():
    return {
        "hosts": {"type": "list", "elements": "str"},
        "targets": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": {
                "name": {"type": "str", "required": True},
                "host": {"type": "str", "required": True},
                "port": {"type": "int", "default": 22},
                "known_hosts": {"type": "path"},
            },
        },
        "known_hosts": {"type": "path"},
        "expected": {"type": "dict", "default": {}},
        "replace": {"type": "list", "elements": "str", "default": []},
        "timeout": {"type": "float", "default": 10},
        "workers": {"type": "int", "default": 20},
    }


def run(p, check_mode, diff):
    """Enrol every target; the targets of each known_hosts file in one pass over it."""
    if not p["targets"]:
        raise InputError("targets: no host to enrol (hosts, or targets)")
    if p["timeout"] <= 0:
        raise InputError(f"timeout: {p['timeout']} must be more than 0 seconds")
    if p["workers"] < 1:
        raise InputError(f"workers: {p['workers']} must be 1 or more")
    enrolled = {t["name"] for t in p["targets"]}
    for field in ("expected", "replace"):
        unknown = sorted(set(p[field] or []) - enrolled)
        if unknown:
            raise InputError(f"{field}: {', '.join(unknown)} not among the hosts enrolled")
    files: dict[str, list[Target]] = {}
    for index, entry in enumerate(p["targets"]):
        path = entry.get("known_hosts") or p["known_hosts"]
        if not path:
            raise InputError(
                f"targets[{index}].known_hosts: no known_hosts file for {entry['name']}"
            )
        files.setdefault(path, []).append(Target(entry["name"], entry["host"], entry["port"]))
    result = {"changed": False, "hosts": [], "known_hosts": ", ".join(files)}
    messages = []
    diffs = []
    for path, targets in files.items():
        names = {t.name for t in targets}
        one = enrol(
            path,
            targets,
            expected={k: str(v) for k, v in (p["expected"] or {}).items() if k in names},
            replace=[n for n in p["replace"] if n in names],
            check_mode=check_mode,
            timeout=p["timeout"],
            workers=p["workers"],
        )
        result["changed"] = result["changed"] or one["changed"]
        result["hosts"].extend(one["hosts"])
        diffs.append(one["diff"])
        if one.get("failed"):
            messages.append(one["msg"])
    result["lines"] = [_line(row) for row in result["hosts"]]
    if messages:
        result.update(failed=True, msg="; ".join(messages))
    if diff:
        result["diff"] = diffs if len(diffs) > 1 else diffs[0]
    return result


def _line(row):
    """``AGG-3  127.10.0.13  ssh-ed25519 SHA256:...  recorded`` (as ssh-keygen -l shows keys)."""
    key = (
        f"{row['key_type']} {row['fingerprint']}"
        if row.get("fingerprint")
        else row.get("error", "")
    )
    text = f"{row['name']}  {row['address']}  {key}  {row['status']}"
    if row["status"] in ("changed", "mismatch", "would replace", "replaced"):
        text += f" (recorded: {', '.join(row.get('recorded') or ['none'])})"
    return text


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_PARAMIKO:
        from ansible.module_utils.basic import missing_required_lib

        module.fail_json(msg=missing_required_lib("netmiko"), exception=str(PARAMIKO_IMPORT_ERROR))
    try:
        result = run(module.params, module.check_mode, module._diff)
    except NetdevError as exc:
        module.fail_json(msg=str(exc))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
