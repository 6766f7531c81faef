# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration backups: secrets masked, volatile lines dropped, diffs since last time.

One file per device in a git repository; the playbook commits once per run.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
from dataclasses import dataclass

from ..files import write_atomic
from .session import DeviceParams, DeviceSession

MASK = "<masked>"

# Each pattern's group "secret" is replaced by MASK; the rest of the line stays so the
# backup still shows which user/community exists.
_SECRET_PATTERNS = [
    # Huawei: local-user admin password irreversible-cipher $1a$..$ / cipher / simple
    re.compile(
        r"\b(?:password|cipher|irreversible-cipher|simple)\s+(?:(?:cipher|irreversible-cipher|simple|hash)\s+)?(?P<secret>\S+)\s*$"
    ),
    # H3C: password hash $h$6$... / password simple x / super password ...
    re.compile(r"\bpassword\s+(?:hash|simple|cipher)\s+(?P<secret>\S+)"),
    # Cisco: enable secret 9 $9$..., username x privilege 15 secret 9 ..., password 7 ...
    re.compile(r"\b(?:secret|password)\s+\d\s+(?P<secret>\S+)"),
    re.compile(r"^\s*enable\s+(?:secret|password)\s+(?P<secret>\S+)\s*$"),
    # SNMP communities on all three platforms
    re.compile(r"\bsnmp-agent community (?:read|write) (?:cipher |simple )?(?P<secret>\S+)"),
    re.compile(r"\bsnmp-server community (?P<secret>\S+)"),
    # keys of any kind
    re.compile(
        r"\b(?:key-string|pre-shared-key|authentication-key|key)\s+(?:\d\s+|cipher\s+|simple\s+)?(?P<secret>\S+)\s*$"
    ),
]
_VOLATILE = re.compile(
    r"^(?:!Time:|! Last configuration change|! NVRAM config last updated|"
    r"Current configuration :|Building configuration|ntp clock-period)"
)


def mask_secrets(text: str) -> str:
    out = []
    for line in text.replace("\r", "").split("\n"):
        if _VOLATILE.match(line.strip()):
            continue
        for pattern in _SECRET_PATTERNS:
            match = pattern.search(line)
            if match and match.group("secret") != MASK:
                start, end = match.span("secret")
                line = line[:start] + MASK + line[end:]
        out.append(line.rstrip())
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


@dataclass
class BackupResult:
    path: str
    changed: bool
    before: str
    after: str
    diff: str


def write_backup(
    directory: str, device: str, config: str, check_mode: bool = False
) -> BackupResult:
    if not re.match(r"^[A-Za-z0-9_.-]+$", device):
        raise ValueError(f"device name {device!r} cannot be a file name")
    path = os.path.join(directory, f"{device}.cfg")
    try:
        with open(path, encoding="utf-8") as handle:
            before = handle.read()
    except FileNotFoundError:
        before = ""
    after = mask_secrets(config)
    changed = before != after
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{device}.cfg (previous backup)",
            tofile=f"{device}.cfg (now)",
        )
    )
    if changed and not check_mode:
        os.makedirs(directory, exist_ok=True)
        write_atomic(path, after)
    return BackupResult(path=path, changed=changed, before=before, after=after, diff=diff)


def backup_device(
    params: DeviceParams, directory: str, name: str, check_mode: bool = False
) -> BackupResult:
    """Read one switch's running configuration and store it (masked) as ``<name>.cfg``."""
    if not re.match(r"^[A-Za-z0-9_.-]+$", name):
        raise ValueError(f"device name {name!r} cannot be a file name")
    with DeviceSession(params) as session:
        config = session.running_config()
    return write_backup(directory, name, config, check_mode=check_mode)


def _git(directory: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", directory, *args], check=True, capture_output=True, text=True
    ).stdout


def commit_backups(directory: str, operator: str, run_label: str, check_mode: bool = False) -> dict:
    """One commit for the run, naming the devices whose configuration changed."""
    os.makedirs(directory, exist_ok=True)
    if not os.path.isdir(os.path.join(directory, ".git")):
        if check_mode:
            changed = sorted(f[:-4] for f in os.listdir(directory) if f.endswith(".cfg"))
            return {"changed": bool(changed), "devices": changed, "commit": ""}
        _git(directory, "init", "-q")
    if not check_mode:
        _git(directory, "add", "-A", ".")
    status = _git(directory, "status", "--porcelain", "--untracked-files=all")
    devices = sorted(
        {
            os.path.basename(line[3:].strip())[:-4]
            for line in status.splitlines()
            if line[3:].strip().endswith(".cfg")
        }
    )
    if not devices:
        return {"changed": False, "devices": [], "commit": ""}
    if check_mode:
        return {"changed": True, "devices": devices, "commit": ""}
    shown = ", ".join(devices[:20]) + (
        f" and {len(devices) - 20} more" if len(devices) > 20 else ""
    )
    message = (
        f"backup {run_label}: {len(devices)} device(s) changed: {shown}\n\noperator: {operator}\n"
    )
    _git(
        directory,
        "-c",
        "user.name=hisops",
        "-c",
        "user.email=hisops@localhost",
        "commit",
        "-q",
        "--author",
        f"{operator} <{operator}@hisops>",
        "-m",
        message,
    )
    commit = _git(directory, "rev-parse", "HEAD").strip()
    return {"changed": True, "devices": devices, "commit": commit}
