"""Each simulated switch's own SSH host key, and the lab's ``known_hosts``.

A real switch generates its host key once and keeps it: the key belongs to the unit, so a
spare answers with another key than the unit it replaces. The lab does the same: every
device gets an ed25519 key the first time it is served, kept in ``<state>/hostkeys/<NAME>``
and served again on every start of the lab from that state directory.

The lab also writes ``<state>/known_hosts``: the key of every device at its topology
address (and of the lab hosts, when they run). It knows its own keys, so the lab's
inventory points ``hisops_known_hosts`` at that file and the lab runs with host key
checking on, as a hospital does after its enrolment run (docs/host-keys.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import asyncssh


class LabHostKeys:
    """Host keys by device name, generated on first use and kept in ``directory``
    (``None``: in memory only, for a lab without a state directory)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._keys: dict[str, asyncssh.SSHKey] = {}

    def path(self, name: str) -> Path | None:
        return self.directory / name if self.directory is not None else None

    def of(self, name: str) -> asyncssh.SSHKey:
        key = self._keys.get(name)
        if key is not None:
            return key
        path = self.path(name)
        if path is not None and path.exists():
            key = asyncssh.read_private_key(str(path))
        else:
            key = asyncssh.generate_private_key("ssh-ed25519", comment=f"lab switch {name}")
            if path is not None:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                key.write_private_key(str(tmp))
                os.chmod(tmp, 0o600)
                tmp.replace(path)
        self._keys[name] = key
        return key


def public_line(key: asyncssh.SSHKey) -> str:
    """``ssh-ed25519 AAAA...`` (key type and base64 blob, as known_hosts lists them)."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


def host_pattern(host: str, port: int) -> str:
    """How OpenSSH and paramiko name ``host:port`` in known_hosts."""
    return host if int(port) == 22 else f"[{host}]:{int(port)}"


def known_hosts_lines(entries: Iterable[tuple[str, int, asyncssh.SSHKey, str]]) -> list[str]:
    """One line per (address, port, key, device name); the name is the line's comment."""
    return [f"{host_pattern(h, p)} {public_line(k)} {name}\n" for h, p, k, name in entries]


def write_known_hosts(path: Path, lines: Iterable[str]) -> Path:
    text = "# Written by the hisops lab: the host key of each lab device and host.\n"
    text += "".join(lines)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
