# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client on one workstation: versioned releases and an atomic ``current`` pointer.

Release mode (Ansistrano's layout)::

    <root>/releases/<version>/     one directory per installed version
    <root>/current -> releases/<version>   switched with rename(2): atomic
    <root>/packages/               packages copied from the controller's store
    <root>/.hisops-release.json    previous version, last rollback, package checksums

Package mode: the client is a .deb (``dpkg -i`` of the wanted version, then held with
``apt-mark hold`` so no ``apt upgrade`` moves it); ``<root>/.hisops-deb.json`` keeps
the previous version and ``<root>/packages`` the packages, so the previous one can be
reinstalled.

``previous`` is the version in use before the last forward switch; a rollback without a
version goes there and remembers ``rolled_back_from``, so a second rollback changes
nothing. Runs on the workstation (shipped by Ansible): standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile

from ..files import write_atomic
from .errors import ChecksumMismatch, InputError, MissingRelease, ReleaseError
from .store import check_version, file_name, sha256_file, version_key

STATES = ("present", "switched", "rolled_back", "query")

# The argument spec of the release options (client_release, client_fleet); their
# documentation is the doc fragment hisops.emergency.client_release.
RELEASE_SPEC: dict = {
    "state": {"type": "str", "default": "switched", "choices": list(STATES)},
    "version": {"type": "str"},
    "package": {"type": "path"},
    "sha256": {"type": "str"},
    "mode": {"type": "str", "default": "release", "choices": ["release", "deb"]},
    "name": {"type": "str", "default": "his-client"},
    "root": {"type": "path", "default": "/opt/his-client"},
    "keep": {"type": "int", "default": 5},
    "health_command": {"type": "str"},
    "revert_unhealthy": {"type": "bool", "default": False},
}
MODES = ("release", "deb")
STATE_FILE = ".hisops-release.json"


class ReleaseState:
    """The small JSON file that remembers what the filesystem cannot."""

    def __init__(self, root: str, mode: str = "release") -> None:
        name = STATE_FILE if mode == "release" else ".hisops-%s.json" % mode
        self.path = os.path.join(root, name)

    def load(self) -> dict:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {"previous": None, "rolled_back_from": None, "checksums": {}}
        except (OSError, ValueError) as exc:
            raise ReleaseError("cannot read %s: %s" % (self.path, exc)) from exc
        data.setdefault("previous", None)
        data.setdefault("rolled_back_from", None)
        data.setdefault("checksums", {})
        return data

    def save(self, data: dict) -> None:
        write_atomic(self.path, json.dumps(data, sort_keys=True, indent=1) + "\n", durable=True)


class TreeReleases:
    """Release directories and the ``current`` symlink."""

    mode = "release"

    def __init__(self, root: str, package: str) -> None:
        self.root = root
        self.package = package
        self.releases = os.path.join(root, "releases")
        self.current_link = os.path.join(root, "current")

    def current(self):
        try:
            target = os.readlink(self.current_link)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ReleaseError("%s is not a symlink: %s" % (self.current_link, exc)) from exc
        return os.path.basename(target.rstrip("/"))

    def installed(self) -> list:
        if not os.path.isdir(self.releases):
            return []
        return sorted(
            (n for n in os.listdir(self.releases) if not n.startswith(".")), key=version_key
        )

    def has(self, version: str) -> bool:
        return os.path.isdir(os.path.join(self.releases, version))

    def install(self, version: str, package: str) -> None:
        """Unpack into a hidden directory, then rename it into place (never half a release)."""
        os.makedirs(self.releases, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".unpack-%s-" % version, dir=self.releases)
        try:
            with tarfile.open(package, "r:*") as tar:
                members = tar.getmembers()
                for member in members:
                    name = member.name
                    if (
                        name.startswith("/")
                        or ".." in name.split("/")
                        or not (member.isfile() or member.isdir())
                    ):
                        raise ReleaseError(
                            "%s: member %r is not a plain file inside the release" % (package, name)
                        )
                tar.extractall(staging, members=members)  # nosec: members checked above
            os.chmod(staging, 0o755)
            os.rename(staging, os.path.join(self.releases, version))
        except (OSError, tarfile.TarError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise ReleaseError("cannot unpack %s: %s" % (package, exc)) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def activate(self, version: str) -> None:
        tmp = self.current_link + ".hisops-new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.join("releases", version), tmp)
        os.replace(tmp, self.current_link)  # rename(2): readers see the old or the new release

    def remove(self, version: str) -> None:
        """Rename the release out of the listing (rename(2): atomic), then delete it: a
        power cut mid-delete leaves a hidden directory, never half a release that
        ``installed``/``has`` take for a whole one (and a later switch would point at)."""
        doomed = os.path.join(self.releases, ".remove-%s" % version)
        if os.path.lexists(doomed):  # left by a delete the power cut short
            shutil.rmtree(doomed)
        os.rename(os.path.join(self.releases, version), doomed)
        shutil.rmtree(doomed)


class DebReleases:
    """A .deb held at one version; cached packages make the previous one reinstallable."""

    mode = "deb"

    def __init__(self, root: str, package: str) -> None:
        self.root = root
        self.package = package
        self.cache = os.path.join(root, "packages")

    def _query(self) -> tuple:
        try:
            done = subprocess.run(
                ["dpkg-query", "-W", "-f=${db:Status-Abbrev}\t${Version}", self.package],
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError as exc:
            raise ReleaseError("dpkg-query: %s" % exc) from exc
        if done.returncode != 0:
            return ("", None)
        status, version = (done.stdout.split("\t", 1) + [""])[:2]
        if len(status) < 2 or status[1] != "i":
            return (status, None)
        return (status, version.strip() or None)

    def current(self):
        return self._query()[1]

    def held(self) -> bool:
        return self._query()[0][:1] == "h"

    def installed(self) -> list:
        if not os.path.isdir(self.cache):
            return []
        prefix, suffix = self.package + "_", "_all.deb"
        return sorted(
            (
                n[len(prefix) : -len(suffix)]
                for n in os.listdir(self.cache)
                if n.startswith(prefix) and n.endswith(suffix)
            ),
            key=version_key,
        )

    def has(self, version: str) -> bool:
        return os.path.isfile(self.cached(version))

    def cached(self, version: str) -> str:
        return os.path.join(self.cache, file_name(self.package, version, "deb"))

    def install(self, version: str, package: str) -> None:
        os.makedirs(self.cache, exist_ok=True)
        if os.path.abspath(package) != self.cached(version):
            shutil.copyfile(package, self.cached(version))

    def activate(self, version: str) -> None:
        for argv in (
            ["apt-mark", "unhold", self.package],
            ["dpkg", "-i", self.cached(version)],
            ["apt-mark", "hold", self.package],
        ):
            if argv[1] == "unhold" and self.current() is None:
                continue
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ReleaseError(
                    "%s failed: %s" % (" ".join(argv), (done.stderr or done.stdout).strip())
                )

    def remove(self, version: str) -> None:
        os.unlink(self.cached(version))


def _backend(root: str, package: str, mode: str):
    if mode == "release":
        return TreeReleases(root, package)
    if mode == "deb":
        return DebReleases(root, package)
    raise InputError("unknown mode %r (expected %s)" % (mode, ", ".join(MODES)), field="mode")


def snapshot(backend, data: dict) -> dict:
    return {
        "current": backend.current(),
        "previous": data.get("previous"),
        "rolled_back_from": data.get("rolled_back_from"),
        "releases": backend.installed(),
    }


def apply(
    root: str,
    state: str,
    version=None,
    package=None,
    sha256=None,
    mode: str = "release",
    name: str = "his-client",
    keep: int = 5,
    check_mode: bool = False,
    health_command=None,
    revert_unhealthy: bool = False,
    package_version=None,
) -> dict:
    """Bring the workstation's client to ``state``; returns before/after/changed/actions.

    * ``present``: the release is installed (not switched to);
    * ``switched``: installed and current; the version in use becomes ``previous``;
    * ``rolled_back``: current goes to ``version`` or, without one, to ``previous``;
    * ``query``: read only.

    ``health_command`` (argv list or string) runs after the change (also when nothing
    changed; not in check mode); with ``revert_unhealthy`` a switch whose health check
    fails is undone here, on the workstation, before the module returns - so a client
    that breaks is put back even if the controller loses the connection meanwhile.

    Old releases beyond ``keep`` are pruned last, after the health verdict: never one the
    state refers to afterwards (current, previous, rolled back from - the revert's state
    included), nor the version just installed unless it was reverted.

    A rollback to a release that is not here needs ``package``; without it
    :class:`MissingRelease` names the version, so the controller can send it.
    ``package_version`` says which version ``package`` holds (a rollback without
    ``version`` learns its target only here): a package of another version is not used.
    """
    if state not in STATES:
        raise InputError(
            "unknown state %r (expected %s)" % (state, ", ".join(STATES)), field="state"
        )
    if version is not None:
        check_version(version)
    if state in ("present", "switched") and not version:
        raise InputError("state=%s needs a version" % state, field="version")
    if keep < 2:
        raise InputError("keep must be at least 2 (current and previous)", field="keep")
    backend = _backend(root, name, mode)
    store = ReleaseState(root, mode)
    data = store.load()
    before = snapshot(backend, data)
    result: dict = {
        "changed": False,
        "actions": [],
        "before": before,
        "after": before,
        "mode": mode,
    }
    if state == "query":
        result["healthy_pointer"] = before["current"] is None or backend.has(before["current"])
        if health_command and not check_mode and before["current"] is not None:
            result["health"] = run_health(health_command)
        return result

    current = before["current"]
    new = dict(data)
    actions = []
    if state == "rolled_back":
        if version is None:
            if data.get("rolled_back_from"):
                target = current  # already rolled back: a second run changes nothing
            elif data.get("previous"):
                target = data["previous"]
            else:
                raise ReleaseError(
                    "no previous version recorded on this workstation (current %s): "
                    "name the version to go back to" % (current or "none")
                )
        else:
            target = version
        if target != current:
            if not backend.has(target):
                if not package or (package_version and package_version != target):
                    raise MissingRelease(
                        "version %s is not installed here (installed: %s) and no package was given"
                        % (target, ", ".join(before["releases"]) or "none"),
                        version=target,
                    )
                actions.append("install %s" % target)
            actions.append("switch %s -> %s" % (current or "none", target))
            new["rolled_back_from"] = current
            new["previous"] = data.get("previous") if version is None else current
        version = target
    else:
        if not backend.has(version):
            if not package:
                raise InputError(
                    "version %s is not installed and no package was given" % version,
                    field="package",
                )
            actions.append("install %s" % version)
        if state == "switched" and current != version:
            actions.append("switch %s -> %s" % (current or "none", version))
            # a version never verified here (its run lost power before the health verdict)
            # is not one to go back to: the one in use before it stays previous
            new["previous"] = current if data.get("unverified") != current else data["previous"]
            new["rolled_back_from"] = None

    if any(a.startswith("install") for a in actions):
        if not os.path.isfile(package):
            if not check_mode:  # in check mode the copy from the store did not happen either
                raise InputError("package %s is not on this workstation" % package, field="package")
        elif sha256:
            actual = sha256_file(package)
            if actual != sha256:
                raise ChecksumMismatch(
                    "%s has checksum %s, expected %s: not unpacked" % (package, actual, sha256),
                    field="sha256",
                )
            new.setdefault("checksums", {})[version] = actual

    switching = any(a.startswith("switch") for a in actions)
    if switching and sha256 and backend.mode == "deb" and backend.has(version):
        # the package was copied straight into the cache: check it before dpkg sees it
        actual = sha256_file(backend.cached(version))
        if actual != sha256:
            raise ChecksumMismatch(
                "%s has checksum %s, expected %s: not installed"
                % (backend.cached(version), actual, sha256),
                field="sha256",
            )
        new.setdefault("checksums", {})[version] = actual

    if check_mode:  # predicted as if healthy: the health check does not run in check mode
        installed_after = sorted(set(before["releases"]) | {version}, key=version_key)
        after_current = version if switching else current
        pruned = prunable(installed_after, keepers(new, after_current, version), keep)
        actions.extend("prune %s" % v for v in pruned)
        result.update(
            changed=bool(actions),
            actions=actions,
            after={
                "current": after_current,
                "previous": new.get("previous"),
                "rolled_back_from": new.get("rolled_back_from"),
                "releases": [v for v in installed_after if v not in pruned],
            },
        )
        return result

    # A switch that is put back when unhealthy is marked "unverified" in the state before
    # ``current`` moves, until its health verdict: when the power goes in between, the
    # next update to the same version finds it current but never verified, and finishes
    # the interrupted run's work (health check, back to previous when unhealthy).
    verifying = bool(health_command) and revert_unhealthy
    marking = verifying and switching and current is not None
    resumed = (
        verifying
        and state == "switched"
        and not switching
        and current == version
        and data.get("unverified") == version
        and bool(data.get("previous"))
        and backend.has(data["previous"])
    )
    if switching:
        new.pop("unverified", None)
        if marking:
            new["unverified"] = version
    if actions:
        os.makedirs(root, exist_ok=True)
        if any(a.startswith("install") for a in actions):
            backend.install(version, package)
        if marking:
            store.save(new)
        if switching:
            backend.activate(version)
        store.save(new)
    final, after_current, reverted = new, (version if switching else current), False
    if health_command:
        result["health"] = run_health(health_command)
        back_to = current if marking else data.get("previous") if resumed else None
        if result["health"]["rc"] != 0 and back_to:
            backend.activate(back_to)
            final = dict(data, checksums=new.get("checksums", {}))
            final.pop("unverified", None)
            store.save(final)
            after_current, reverted = back_to, True
            result["reverted"] = True
            actions = actions + ["health check failed: switch %s -> %s" % (version, back_to)]
        elif marking or resumed:  # healthy: the switch is verified
            final = dict(new)
            final.pop("unverified", None)
            store.save(final)
    # Keepers are decided now, after the verdict: the state as it stands refers to them.
    pruned = prunable(
        backend.installed(), keepers(final, after_current, None if reverted else version), keep
    )
    for old in pruned:
        backend.remove(old)
        final.get("checksums", {}).pop(old, None)
    if pruned:
        store.save(final)
        actions = actions + ["prune %s" % v for v in pruned]
    result.update(changed=bool(actions), actions=actions, after=snapshot(backend, final))
    return result


def keepers(state: dict, current, version=None) -> set:
    """Releases that must stay: those the state refers to (and the version just installed)."""
    return {
        v for v in (current, state.get("previous"), state.get("rolled_back_from"), version) if v
    }


def prunable(installed: list, keep_these: set, keep: int) -> list:
    """The oldest releases (by version) beyond ``keep``, never one of ``keep_these``."""
    excess = len(installed) - keep
    if excess <= 0:
        return []
    return [v for v in sorted(installed, key=version_key) if v not in keep_these][:excess]


def run_health(command, timeout: float = 60.0) -> dict:
    """Run the client's health check; rc 0 is healthy. Never raises for a failing check."""
    import shlex

    argv = shlex.split(command) if isinstance(command, str) else list(command)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"rc": 127, "output": "health check could not run: %s" % exc}
    return {"rc": done.returncode, "output": (done.stdout + done.stderr).strip()[-1000:]}


def receive_package(path: str, data: bytes, sha256: str, check_mode: bool = False) -> bool:
    """Put a package sent by the controller at ``path`` unless it is there already.

    The bytes must match ``sha256`` (checked before anything is written); the file is
    written beside its place and renamed, so a half-written package is never seen.
    Returns whether it was (or, in check mode, would be) written.
    """
    import hashlib

    actual = hashlib.sha256(data).hexdigest()
    if sha256 and actual != sha256:
        raise ChecksumMismatch(
            "package for %s has checksum %s, expected %s: not written" % (path, actual, sha256),
            field="sha256",
        )
    if os.path.isfile(path) and sha256_file(path) == actual:
        return False
    if check_mode:
        return True
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    write_atomic(path, data, 0o644, durable=True)
    return True
