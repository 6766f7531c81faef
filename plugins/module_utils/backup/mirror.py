# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The removable drive's copy (plan P6.3): the off-site repository copied file by file.

A pgBackRest repository is files that never change once written (backup files, WAL
segments) plus four info files (``backup.info``, ``archive.info`` and their ``.copy``)
that name what the others are. The copy writes the new files first and the info files
last, each to a temporary name, flushed, then renamed: a drive pulled out in the middle
holds its previous copy, whole, plus some files no info file names yet. Nothing is ever
deleted from the drive (the last good copy stays whatever happens); a file already on
it with the same size is left alone.

The copy is a repository of its own: ``pgbackrest --repo2-path=<drive>/pgbackrest info``
and ``restore`` read it like the original.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.backup.errors import (
    BackupError,
    InputError,
)
from ansible_collections.hisops.emergency.plugins.module_utils.files import atomic_file

INFO_FILES = ("backup.info", "backup.info.copy", "archive.info", "archive.info.copy")
# files being written in the repository (pgBackRest's, a copy's own): never copied
TEMP_SUFFIXES = (".pgbackrest.tmp", ".hisops-tmp")


class DriveAbsent(BackupError):
    """The removable drive is not plugged in (its mount point holds no filesystem)."""

    code = "drive_absent"


class CopyFailed(BackupError):
    """The copy failed (a full drive, an I/O error); what was on the drive stays."""

    code = "copy_failed"


@dataclass
class MirrorPlan:
    files: list[str] = field(default_factory=list)  # new or changed data files
    infos: list[str] = field(default_factory=list)  # info files, copied last
    bytes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.files or self.infos)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "info_files": self.infos,
            "bytes": self.bytes,
            "sample": self.files[:10],
        }


def _same(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            ca, cb = fa.read(1 << 16), fb.read(1 << 16)
            if ca != cb:
                return False
            if not ca:
                return True


def plan(src: str, dest: str) -> MirrorPlan:
    """What copying ``src`` onto ``dest`` would write (nothing is written)."""
    if not os.path.isdir(src):
        raise InputError("src", f"{src} is not a directory (no off-site repository here)")
    found = MirrorPlan()
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(TEMP_SUFFIXES):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            target = os.path.join(dest, rel)
            try:
                size = os.path.getsize(path)
            except FileNotFoundError:  # gone since the listing (pgBackRest renamed it)
                continue
            if name in INFO_FILES:
                if not os.path.exists(target) or not _same(path, target):
                    found.infos.append(rel)
                    found.bytes += size
            elif not os.path.exists(target) or os.path.getsize(target) != size:
                found.files.append(rel)
                found.bytes += size
    # the .copy after the main file: a reader falls back on it when the main one is bad
    found.infos.sort(key=lambda r: (os.path.basename(r).endswith(".copy"), r))
    return found


def _copy_one(src: str, dest: str, rel: str) -> None:
    source, target = os.path.join(src, rel), os.path.join(dest, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        with atomic_file(target, binary=True, durable=True) as fout:
            with open(source, "rb") as fin:
                shutil.copyfileobj(fin, fout, 1 << 20)
            fout.flush()
            shutil.copystat(source, fout.name)
    except FileNotFoundError as exc:
        if exc.filename == source:
            return  # gone since the plan (renamed or expired by pgBackRest): not copied
        raise


def _sync_dirs(dest: str) -> None:
    for root, _dirs, _files in os.walk(dest):
        fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_mounted(mount: str) -> bool:
    return os.path.ismount(mount)


def mirror(src: str, dest: str, mount: str, check: bool) -> MirrorPlan:
    """Copy the repository ``src`` to ``dest`` on the drive mounted at ``mount``."""
    if not dest.startswith(mount.rstrip("/") + "/"):
        raise InputError("dest", f"{dest} is not on the drive mounted at {mount}")
    if not is_mounted(mount):
        raise DriveAbsent(f"the removable drive is not plugged in: nothing is mounted at {mount}")
    todo = plan(src, dest)
    if check or not todo.changed:
        return todo
    try:
        os.makedirs(dest, exist_ok=True)
        for rel in todo.files:
            _copy_one(src, dest, rel)
        _sync_dirs(dest)
        for rel in todo.infos:
            _copy_one(src, dest, rel)
        _sync_dirs(dest)
    except OSError as exc:
        raise CopyFailed(
            f"copying the off-site repository to the removable drive failed: {exc} "
            "(the drive keeps its previous copy)"
        ) from None
    return todo


def wait_for_wal(src: str, segment: str, timeout: float = 60.0) -> bool:
    """Wait until the repository ``src`` holds the WAL segment ``segment`` (archived
    asynchronously): the drive's copy then reaches the point the HIS tables were counted
    at for the restore drill. False when it did not arrive in time."""
    if not re.match(r"^[0-9A-F]{24}$", segment or ""):
        raise InputError("wait_wal", f"{segment!r} is not a WAL segment name")
    pattern = os.path.join(src, "archive", "*", "*", segment[:16], segment + "-*")
    deadline = time.monotonic() + timeout
    while not glob.glob(pattern):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True
