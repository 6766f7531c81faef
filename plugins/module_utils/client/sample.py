# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tiny HIS client for the lab and the tests: a version command and a health check.

``his-client --version`` prints the version; ``his-client health`` exits 0 when the
client works. The health check fails when the release was built broken (a bad update)
or when the workstation carries ``/etc/his-client/fail-health`` (empty: every version
fails there; otherwise one version per line), so a test can make one workstation fail.

Built as a release tarball (``his-client-<version>.tar.gz``: ``bin/his-client``,
``VERSION``, ``release.json``) and as a Debian package (``his-client_<version>_all.deb``,
installed under ``/usr/lib/his-client`` with ``/usr/bin/his-client``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

PACKAGE = "his-client"
FAIL_FLAG = "/etc/his-client/fail-health"

CLIENT_SCRIPT = r'''#!/usr/bin/python3
"""his-client (hisops sample HIS client)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
FAIL_FLAG = "%(fail_flag)s"


def release():
    with open(os.path.join(HERE, "release.json"), encoding="utf-8") as handle:
        return json.load(handle)


def health():
    info = release()
    version = info["version"]
    if info.get("broken"):
        print("his-client %%s: UNHEALTHY (this build cannot reach the HIS database)" %% version)
        return 1
    if os.path.exists(FAIL_FLAG):
        with open(FAIL_FLAG, encoding="utf-8") as handle:
            wanted = [line.strip() for line in handle if line.strip()]
        if not wanted or version in wanted:
            print("his-client %%s: UNHEALTHY (%%s)" %% (version, FAIL_FLAG))
            return 1
    print("his-client %%s: healthy" %% version)
    return 0


def main(argv):
    if argv[:1] in (["--version"], ["version"]):
        print(release()["version"])
        return 0
    if argv[:1] == ["health"]:
        return health()
    print("usage: his-client --version | health", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
''' % {"fail_flag": FAIL_FLAG}


def _release_json(version: str, broken: bool) -> bytes:
    return (json.dumps({"name": PACKAGE, "version": version, "broken": broken}) + "\n").encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0  # reproducible: the same version builds to the same bytes
    info.uname = info.gname = "root"
    tar.addfile(info, io.BytesIO(data))


def build_tarball(version: str, dest_dir: str, broken: bool = False) -> str:
    """Write ``his-client-<version>.tar.gz`` into ``dest_dir``; returns its path."""
    path = os.path.join(dest_dir, "%s-%s.tar.gz" % (PACKAGE, version))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        _add(tar, "bin/his-client", CLIENT_SCRIPT.encode(), 0o755)
        _add(tar, "VERSION", (version + "\n").encode(), 0o644)
        _add(tar, "release.json", _release_json(version, broken), 0o644)
    import gzip

    with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return path


def build_deb(version: str, dest_dir: str, broken: bool = False) -> str:
    """Write ``his-client_<version>_all.deb`` (needs ``dpkg-deb``); returns its path."""
    dpkg_deb = shutil.which("dpkg-deb")
    if not dpkg_deb:
        raise OSError("dpkg-deb is not installed (apt-get install dpkg)")
    path = os.path.join(dest_dir, "%s_%s_all.deb" % (PACKAGE, version))
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "pkg")
        lib = os.path.join(root, "usr", "lib", PACKAGE)
        os.makedirs(os.path.join(lib, "bin"))
        os.makedirs(os.path.join(root, "usr", "bin"))
        os.makedirs(os.path.join(root, "DEBIAN"))
        with open(os.path.join(lib, "bin", PACKAGE), "w", encoding="utf-8") as handle:
            handle.write(CLIENT_SCRIPT)
        os.chmod(os.path.join(lib, "bin", PACKAGE), 0o755)
        with open(os.path.join(lib, "VERSION"), "w", encoding="utf-8") as handle:
            handle.write(version + "\n")
        with open(os.path.join(lib, "release.json"), "wb") as handle:
            handle.write(_release_json(version, broken))
        os.symlink(
            "../lib/%s/bin/%s" % (PACKAGE, PACKAGE), os.path.join(root, "usr", "bin", PACKAGE)
        )
        with open(os.path.join(root, "DEBIAN", "control"), "w", encoding="utf-8") as handle:
            handle.write(
                "Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: hisops <hisops@localhost>\n"
                "Depends: python3\nDescription: hisops sample HIS client\n" % (PACKAGE, version)
            )
        env = dict(os.environ, SOURCE_DATE_EPOCH="0")
        subprocess.run(
            [dpkg_deb, "--root-owner-group", "--build", root, path],
            check=True,
            capture_output=True,
            env=env,
        )
    return path
