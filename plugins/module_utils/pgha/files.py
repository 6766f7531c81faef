# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files the DB-host steps read and write (configuration, ``start.conf``, signals, the
pair's lock): one home for reading one, replacing one atomically (module_utils/files.py,
the collection's one atomic write) and touching one."""

from __future__ import annotations

from ansible_collections.hisops.emergency.plugins.module_utils.files import write_atomic

__all__ = ["read_text", "touch", "write_atomic"]


def read_text(path: str) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def touch(path: str) -> None:
    """Create ``path`` empty when it does not exist (a signal file); its content is kept."""
    with open(path, "a", encoding="utf-8"):
        pass
