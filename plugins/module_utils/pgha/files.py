# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files the DB-host steps read and write (configuration, ``start.conf``, signals, the
pair's lock): one home for reading one, replacing one atomically and touching one."""

from __future__ import annotations

import os


def read_text(path: str) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomic(path: str, content: str, mode: int) -> None:
    """Replace ``path`` with ``content`` (mode ``mode``) by a rename: a reader sees the old
    file or the new one, never half of it."""
    tmp = path + ".hisops-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def touch(path: str) -> None:
    """Create ``path`` empty when it does not exist (a signal file); its content is kept."""
    with open(path, "a", encoding="utf-8"):
        pass
