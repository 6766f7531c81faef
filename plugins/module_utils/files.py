# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One home for replacing a file atomically: a temporary file beside it, renamed over it,
so a reader sees the old file or the new one, never half of it.

The temporary file is hidden and its name unique (``.<name>.<pid>.<random>.hisops-tmp``),
so a listing of the directory passes over it and two writers of the same file never share
one; it is removed when the write fails."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO, Any

TEMP_SUFFIX = ".hisops-tmp"


@contextlib.contextmanager
def atomic_file(
    path: str | os.PathLike[str],
    mode: int | None = None,
    *,
    binary: bool = False,
    durable: bool = False,
) -> Iterator[IO[Any]]:
    """Yield a handle on a temporary file beside ``path``; when the block ends without an
    error, the file replaces ``path``. ``mode``: its permissions (the umask's default when
    None); ``durable``: flushed to disk (fsync) before the rename. ``handle.name`` is the
    temporary file's path."""
    target = os.fspath(path)
    directory, name = os.path.split(target)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(4).hex()}{TEMP_SUFFIX}")

    def opener(name: str, flags: int) -> int:
        # created with its final permissions (a secret is never readable by others), the
        # umask's default when none are asked for
        return os.open(name, flags | os.O_EXCL, 0o666 if mode is None else mode)

    try:
        encoding = None if binary else "utf-8"
        with open(tmp, "wb" if binary else "w", encoding=encoding, opener=opener) as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(
    path: str | os.PathLike[str],
    content: str | bytes,
    mode: int | None = None,
    *,
    durable: bool = False,
) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8, or bytes)."""
    with atomic_file(path, mode, binary=isinstance(content, bytes), durable=durable) as handle:
        handle.write(content)
