"""SSH trust between the controller and the lab hosts.

The controller has one ed25519 key (``<state>/ssh/id_ed25519``) that every host's
``root`` accepts; every host has its own ed25519 host key, and ``<state>/ssh/known_hosts``
lists them by address, so Ansible connects with ``StrictHostKeyChecking=yes``. In a lab
with switches, the daemon copies these lines into the lab's own ``<state>/known_hosts``
beside the switches' keys, and the inventory points the hosts at that file (docs/host-keys.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hisops.lab.hosts.spec import HostSpec


def controller_key(state_dir: Path) -> Path:
    """The controller's private key for every lab host."""
    return state_dir / "ssh" / "id_ed25519"


def known_hosts_file(state_dir: Path) -> Path:
    return state_dir / "ssh" / "known_hosts"


def host_public_key(state_dir: Path, name: str) -> Path:
    return state_dir / "hosts" / name / "fs/base/etc/ssh/ssh_host_ed25519_key.pub"


def ed25519_pair(comment: str) -> tuple[bytes, str]:
    """A new key: (private key in OpenSSH PEM, ``ssh-ed25519 AAAA... comment``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} {comment}"


def prepare_controller_key(state_dir: Path) -> None:
    """``<state>/ssh`` (0700) with the controller's key pair; an existing key is kept."""
    ssh_dir = state_dir / "ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    key = controller_key(state_dir)
    if not key.exists():
        private, public = ed25519_pair("hisops-lab-controller")
        key.write_bytes(private)
        os.chmod(key, 0o600)
        key.with_suffix(".pub").write_text(public + "\n", encoding="utf-8")


def prepare_host_key(ssh_etc: Path, name: str) -> None:
    """The host's ``/etc/ssh/ssh_host_ed25519_key`` (kept across ``up``)."""
    host_key = ssh_etc / "ssh_host_ed25519_key"
    if not host_key.exists():
        private, public = ed25519_pair(f"root@{name}")
        host_key.write_bytes(private)
        host_key.chmod(0o600)
        host_key.with_suffix(".pub").write_text(public + "\n", encoding="utf-8")


def authorize_controller(path: Path, state_dir: Path) -> None:
    """The controller's public key as the host's authorized key for root (``path``: the
    second ``AuthorizedKeysFile`` of the host's sshd, in its ``/etc/ssh``)."""
    path.write_text(controller_key(state_dir).with_suffix(".pub").read_text(encoding="utf-8"))
    path.chmod(0o600)


def write_known_hosts(state_dir: Path, specs: Iterable[HostSpec]) -> None:
    """``<state>/ssh/known_hosts``: the host key of every host prepared so far."""
    lines = []
    for other in specs:
        pub = host_public_key(state_dir, other.name)
        if pub.exists():
            lines.append(f"{other.address} {' '.join(pub.read_text().split()[:2])}\n")
    known_hosts_file(state_dir).write_text("".join(lines), encoding="utf-8")
