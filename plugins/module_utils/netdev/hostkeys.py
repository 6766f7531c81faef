# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host keys: the known_hosts the project keeps, fingerprints, enrolment, and the errors
a switch session raises when a device's key is not the recorded one.

The controller hands switch, database and workstation credentials to whoever answers at
an address; it must know that the one answering is the device it means. Keys are recorded
on first contact by an explicit enrolment run (``playbooks/hostkeys_enrol.yml``: each key
fetched, its SHA256 fingerprint shown for the operator to compare with the device's own
console, then written), and from then on every netmiko session and every Ansible SSH
connection refuses a device whose key is unknown or changed. The file is an ordinary
OpenSSH known_hosts (``ssh``, ``ssh-keygen -F`` and paramiko read it); hisops writes one
line per address, with the inventory name as the line's comment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..files import write_atomic
from .errors import InputError, NetdevError

KNOWN_HOSTS_ENV = "HISOPS_KNOWN_HOSTS"
ENROL_PLAYBOOK = "playbooks/hostkeys_enrol.yml"


class HostKeyError(NetdevError):
    """The device's host key is not the one recorded: nothing was sent to it (the
    credentials included)."""

    def __str__(self) -> str:  # the message names the device itself
        text = Exception.__str__(self)
        return f"{text}; {self.hint}" if self.hint else text


class HostKeyUnknown(HostKeyError):
    hint = (
        f"enrol it first: ansible-playbook {ENROL_PLAYBOOK} --limit <device> shows its "
        "fingerprint to compare with the device's console, then records it (docs/host-keys.md)"
    )


class HostKeyChanged(HostKeyError):
    hint = (
        "if the switch was replaced, run the spare swap or re-enrol it "
        f"({ENROL_PLAYBOOK} -e hostkeys_enrol_replace=<device>) after comparing the "
        "fingerprint with its console; otherwise something else answers at its address: "
        "do not log in (docs/host-keys.md)"
    )


def default_known_hosts(playbook_dir: str = "") -> str:
    """``$HISOPS_KNOWN_HOSTS``, else ``var/known_hosts`` beside the playbooks (the checkout's
    ``var/``, where ansible.cfg's SSH settings look too)."""
    env = os.environ.get(KNOWN_HOSTS_ENV, "")
    if env:
        return env
    if playbook_dir:
        return os.path.normpath(os.path.join(playbook_dir, "..", "var", "known_hosts"))
    return os.path.join(os.getcwd(), "var", "known_hosts")


def host_pattern(host: str, port: int = 22) -> str:
    """How OpenSSH and paramiko name ``host:port`` in known_hosts."""
    return host if int(port) == 22 else f"[{host}]:{int(port)}"


def fingerprint(blob_b64: str) -> str:
    """``SHA256:...`` of a public key (base64 blob), as ``ssh-keygen -lf`` prints it."""
    digest = hashlib.sha256(base64.b64decode(blob_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class HostKey:
    key_type: str
    blob: str  # base64

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.blob)

    @classmethod
    def of(cls, key: Any) -> HostKey:
        """From a paramiko ``PKey``."""
        return cls(key.get_name(), key.get_base64())


def _matches(pattern_field: str, name: str) -> bool:
    for pattern in pattern_field.split(","):
        if pattern.startswith("|1|"):  # hashed (HashKnownHosts): |1|salt|hmac-sha1(name)
            try:
                salt, digest = (base64.b64decode(p) for p in pattern[3:].split("|", 1))
            except (ValueError, TypeError):
                continue
            if hmac.compare_digest(hmac.new(salt, name.encode(), hashlib.sha1).digest(), digest):
                return True
        elif pattern == name:
            return True
    return False


@dataclass
class KnownHosts:
    """One known_hosts file: its lines kept as they are, entries looked up by address."""

    path: str
    lines: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str) -> KnownHosts:
        if not path:
            raise InputError("known_hosts: no file given")
        try:
            with open(path, encoding="utf-8") as handle:
                return cls(path, handle.read().splitlines())
        except FileNotFoundError:
            return cls(path, [])
        except OSError as exc:
            raise InputError(f"known_hosts: cannot read {path}: {exc.strerror}") from None

    def _entries(self):
        for index, line in enumerate(self.lines):
            fields = line.split()
            if len(fields) < 3 or line.lstrip().startswith("#") or fields[0].startswith("@"):
                continue
            yield index, fields

    def keys_of(self, host: str, port: int = 22) -> list[HostKey]:
        name = host_pattern(host, port)
        return [HostKey(f[1], f[2]) for _i, f in self._entries() if _matches(f[0], name)]

    def name_of(self, host: str, port: int = 22) -> str:
        """The device name recorded with the address (the line's comment), or ''."""
        name = host_pattern(host, port)
        for _i, fields in self._entries():
            if _matches(fields[0], name) and len(fields) > 3:
                return fields[3]
        return ""

    def record(self, host: str, port: int, key: HostKey, name: str) -> bool:
        """``key`` as the only key of ``host:port`` (other lines for it go); True if changed."""
        pattern = host_pattern(host, port)
        line = f"{pattern} {key.key_type} {key.blob} {name}".rstrip()
        mine = [i for i, f in self._entries() if _matches(f[0], pattern)]
        if [self.lines[i] for i in mine] == [line]:
            return False
        keep = [ln for i, ln in enumerate(self.lines) if i not in set(mine)]
        at = mine[0] if mine else len(keep)
        keep.insert(min(at, len(keep)), line)
        self.lines = keep
        return True

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)

    def save(self) -> None:
        """Atomically (a reader never sees half a file), keeping the file's mode."""
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        try:
            mode = os.stat(self.path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        write_atomic(self.path, self.text(), mode)


def offered_key(
    host: str, port: int = 22, timeout: float = 10.0, prefer: list[str] | None = None
) -> HostKey:
    """The host key a server offers at ``host:port`` (the key exchange only: no login, no
    credentials sent), as ``ssh-keyscan`` does. ``prefer``: key types asked for first (those
    on file, as ssh and paramiko ask a known host for the type they know)."""
    import paramiko  # type: ignore[import-untyped]

    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    except OSError as exc:
        raise NetdevError(f"{host}:{port}: cannot connect: {exc}") from None
    transport = paramiko.Transport(sock)
    try:
        if prefer:
            options = transport.get_security_options()
            wanted = [
                t
                for kind in prefer
                for t in (
                    ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") if kind == "ssh-rsa" else (kind,)
                )
                if t in options.key_types
            ]
            options.key_types = wanted + [t for t in options.key_types if t not in wanted]
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        return HostKey.of(transport.get_remote_server_key())
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise NetdevError(f"{host}:{port}: no SSH key exchange: {exc}") from None
    finally:
        transport.close()
        sock.close()


@dataclass
class Target:
    name: str
    host: str
    port: int = 22


def _validate(targets: list[Target], expected: dict[str, str], replace: list[str]) -> None:
    names = {t.name for t in targets}
    for index, target in enumerate(targets):
        if not target.host:
            raise InputError(f"targets[{index}].host: {target.name} has no address")
        if not 1 <= int(target.port) <= 65535:
            raise InputError(f"targets[{index}].port: {target.port} is outside 1-65535")
    for name, value in expected.items():
        if name not in names:
            raise InputError(f"expected: {name} is not among the hosts enrolled")
        if not str(value).startswith("SHA256:"):
            raise InputError(f"expected.{name}: {value!r} is not a SHA256:... fingerprint")
    unknown = sorted(set(replace) - names)
    if unknown:
        raise InputError(f"replace: {', '.join(unknown)} not among the hosts enrolled")


def enrol(
    known_hosts: str,
    targets: list[Target],
    expected: dict[str, str] | None = None,
    replace: list[str] | None = None,
    check_mode: bool = False,
    timeout: float = 10.0,
    workers: int = 20,
) -> dict[str, Any]:
    """Fetch each target's key, show its fingerprint, record the new ones.

    A key already recorded and offered again is ``unchanged``; a new one is ``recorded``
    (``would record`` in check mode), unless ``expected`` gives the fingerprint the operator
    read on the device's console and the offered key is another (``mismatch``: refused). A
    key other than the recorded one is ``changed`` and refused, unless the device is in
    ``replace`` (the operator compared it: a replaced unit, a re-imaged server). Returns
    ``hosts`` (a row per target), ``changed``, ``failed`` with ``msg`` naming the refused and
    unreachable ones, and ``diff`` (the file before and after)."""
    expected = dict(expected or {})
    replace = list(replace or [])
    _validate(targets, expected, replace)
    known = KnownHosts.load(known_hosts)
    before = known.text()

    def fetch(target: Target) -> HostKey | NetdevError:
        prefer = [k.key_type for k in known.keys_of(target.host, target.port)]
        try:
            return offered_key(target.host, target.port, timeout, prefer)
        except NetdevError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) or 1))) as pool:
        offered = list(pool.map(fetch, targets))
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for target, key in zip(targets, offered, strict=True):
        row: dict[str, Any] = {
            "name": target.name,
            "address": host_pattern(target.host, target.port),
        }
        rows.append(row)
        if isinstance(key, NetdevError):
            row.update(status="unreachable", error=str(key))
            problems.append(f"{target.name} unreachable ({key})")
            continue
        row.update(key_type=key.key_type, fingerprint=key.fingerprint)
        recorded = known.keys_of(target.host, target.port)
        if recorded:
            row["recorded"] = [k.fingerprint for k in recorded]
        if key in recorded:
            row["status"] = "unchanged"
            known.record(target.host, target.port, key, target.name)  # one key per address
            continue
        want = expected.get(target.name)
        if want and want != key.fingerprint:
            row["status"] = "mismatch"
            problems.append(
                f"{target.name} ({row['address']}) offers {key.fingerprint}, not the "
                f"{want} expected: not recorded"
            )
            continue
        if recorded and target.name not in replace:
            row["status"] = "changed"
            problems.append(
                f"host key of {target.name} ({row['address']}) has changed: "
                f"{', '.join(row['recorded'])} recorded, {key.fingerprint} offered; not "
                "replaced (hostkeys_enrol_replace names the devices whose new key you checked)"
            )
            continue
        known.record(target.host, target.port, key, target.name)
        if check_mode:
            row["status"] = "would replace" if recorded else "would record"
        else:
            row["status"] = "replaced" if recorded else "recorded"
    after = known.text()
    changed = after != before
    if changed and not check_mode:
        known.save()
    result: dict[str, Any] = {
        "changed": changed,
        "known_hosts": known_hosts,
        "hosts": rows,
        "diff": {
            "before": before,
            "after": after,
            "before_header": known_hosts,
            "after_header": known_hosts,
        },
    }
    if problems:
        result["failed"] = True
        result["msg"] = "; ".join(problems)
    return result


def adopt(
    known_hosts: str,
    name: str,
    host: str,
    port: int,
    key: HostKey,
    check_mode: bool = False,
) -> dict[str, Any]:
    """Record ``key`` for ``name`` at ``host:port`` in place of what was recorded there (a
    spare that takes a failed unit's address: the key, checked on the spare's own address,
    replaces the failed unit's). Returns the step as the record shows it."""
    known = KnownHosts.load(known_hosts)
    before = [k.fingerprint for k in known.keys_of(host, port)]
    changed = known.record(host, port, key, name)
    if changed and not check_mode:
        known.save()
    return {
        "device": name,
        "address": host_pattern(host, port),
        "known_hosts": known_hosts,
        "before": before,
        "after": key.fingerprint,
        "changed": changed,
    }
