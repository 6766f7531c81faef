# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The artifact store on the controller: every client update package, with its checksum.

Layout: ``<root>/<package>/<file>`` and beside it ``<file>.sha256`` in ``sha256sum``
format, written when the package entered the store. A version in the store is
immutable: publishing other bytes under the same version is refused. ``resolve``
checks the file against the recorded checksum before anything uses it, so a corrupted
or replaced package never reaches a workstation.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil

from ..files import atomic_file, write_atomic
from .errors import ChecksumMismatch, InputError

KINDS = ("tar", "deb")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+~-]{0,63}$")
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9.+-]{0,63}$")


def check_version(version: str, field: str = "version") -> str:
    if not isinstance(version, str) or not _VERSION.match(version):
        raise InputError(
            "%r is not a version (letters, digits and . + ~ -, starting with a letter or digit)"
            % (version,),
            field=field,
        )
    return version


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_name(package: str, version: str, kind: str) -> str:
    if kind == "tar":
        return "%s-%s.tar.gz" % (package, version)
    if kind == "deb":
        return "%s_%s_all.deb" % (package, version)
    raise InputError(
        "unknown package kind %r (expected %s)" % (kind, ", ".join(KINDS)), field="kind"
    )


class Artifact:
    """A package in the store whose checksum was verified."""

    def __init__(self, package: str, version: str, kind: str, path: str, sha256: str) -> None:
        self.package = package
        self.version = version
        self.kind = kind
        self.path = path
        self.sha256 = sha256

    def to_dict(self) -> dict:
        return {
            "package": self.package,
            "version": self.version,
            "kind": self.kind,
            "path": self.path,
            "sha256": self.sha256,
        }


class ArtifactStore:
    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def directory(self, package: str) -> str:
        if not _PACKAGE.match(package or ""):
            raise InputError("%r is not a package name" % (package,), field="package")
        return os.path.join(self.root, package)

    def versions(self, package: str, kind: str = "tar") -> list:
        """Versions in the store for this package kind (those with a recorded checksum)."""
        directory = self.directory(package)
        if not os.path.isdir(directory):
            return []
        found = []
        for name in os.listdir(directory):
            if not name.endswith(".sha256"):
                continue
            base = name[: -len(".sha256")]
            if kind == "tar" and base.startswith(package + "-") and base.endswith(".tar.gz"):
                found.append(base[len(package) + 1 : -len(".tar.gz")])
            elif kind == "deb" and base.startswith(package + "_") and base.endswith("_all.deb"):
                found.append(base[len(package) + 1 : -len("_all.deb")])
        return sorted(found, key=version_key)

    def recorded_checksum(self, package: str, version: str, kind: str) -> str:
        sidecar = os.path.join(
            self.directory(package), file_name(package, version, kind) + ".sha256"
        )
        with open(sidecar, encoding="utf-8") as handle:
            return handle.read().split()[0]

    def resolve(self, package: str, version: str, kind: str = "tar") -> Artifact:
        """The package for ``version``, its checksum verified; refuses what is missing or bad."""
        check_version(version)
        path = os.path.join(self.directory(package), file_name(package, version, kind))
        sidecar = path + ".sha256"
        if not os.path.isfile(path) or not os.path.isfile(sidecar):
            have = self.versions(package, kind)
            raise InputError(
                "%s %s (%s) is not in the artifact store %s (versions there: %s)"
                % (package, version, kind, self.root, ", ".join(have) or "none"),
                field="version",
            )
        expected = self.recorded_checksum(package, version, kind)
        actual = sha256_file(path)
        if actual != expected:
            raise ChecksumMismatch(
                "%s: checksum %s does not match the %s recorded when it entered the store: "
                "the package is corrupted or was replaced; republish it" % (path, actual, expected),
                field="version",
            )
        return Artifact(package, version, kind, path, actual)

    def publish(
        self, src: str, package: str, version: str, kind: str, check_mode: bool = False
    ) -> dict:
        """Copy ``src`` into the store under ``version``; changed only when it was new."""
        check_version(version)
        if not os.path.isfile(src):
            raise InputError("%s is not a file" % src, field="src")
        directory = self.directory(package)
        name = file_name(package, version, kind)
        path = os.path.join(directory, name)
        checksum = sha256_file(src)
        if os.path.isfile(path + ".sha256"):
            recorded = self.recorded_checksum(package, version, kind)
            if recorded != checksum:
                raise InputError(
                    "%s %s is already in the store with other content (sha256 %s, this file %s): "
                    "a published version is immutable; publish a new version"
                    % (package, version, recorded, checksum),
                    field="version",
                )
            if os.path.isfile(path) and sha256_file(path) == recorded:
                return {"changed": False, "path": path, "sha256": checksum}
        if check_mode:
            return {"changed": True, "path": path, "sha256": checksum}
        os.makedirs(directory, exist_ok=True)
        with atomic_file(path, 0o644, binary=True) as out, open(src, "rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
        write_atomic(path + ".sha256", "%s  %s\n" % (checksum, name))
        return {"changed": True, "path": path, "sha256": checksum}


def version_key(version: str) -> tuple:
    """Sort key: numeric parts as numbers (2.10 after 2.9), others as text."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.+~-]", version)
    )
