"""AnsiballZ payloads that carry their bytecode: a module run no longer compiles its imports.

Every module run on a host (a switch module on the controller, a database or workstation
module on a lab host) imports ``ansible.module_utils.basic`` and this collection's
``module_utils`` from the payload's zip. ``zipimport`` never caches bytecode, so each run
compiled them all from source again: about 0.08 CPU-s of a run's 0.3-0.5 (measured: 20
runs of ``ansible.builtin.stat``, 7.1 -> 5.4 CPU-s), on a suite that runs thousands of
modules on 2 busy cores.

``install()`` makes the controller's payload builder (``ansible.executor.module_common``)
write, beside every non-empty ``.py`` of the payload, its ``.pyc``: compiled by the
controller's Python, unchecked hash-based (PEP 552), which ``zipimport`` prefers to the
source. The code is the same code: a host whose Python has another bytecode version (magic
number) finds the ``.pyc`` invalid and compiles the ``.py`` as before. Only the tests'
controllers use it (tests/integration/ansible_forkserver.py, and molecule's through
scripts/gates/ansible-bin/ansible-playbook); HISOPS_ANSIBALLZ_BYTECODE=0 turns it off.
Should ansible-core's builder change shape, ``install()`` does nothing.

**Payloads built once per session.** ansible-core keeps a built payload only for the run
that built it (its ``ansiballz_cache`` is in the run's own local temporary directory): every
playbook run parsed ``basic.py`` and every module_util again to find their imports
(``_compile_module_ast``: 14 % of the controllers' samples over a CI-like run). Given a
memo directory, the module_utils part of a payload (what ``recursive_finder`` writes, and
its metadata) is kept there, keyed by the module's source and name, the loader's
module_utils paths, and the path, size and mtime of every ``.py`` where module_utils come
from (ansible-core's, this checkout's ``plugins``, those paths), read afresh by each run:
an edited module_util is a new key. A run writes a whole entry or none (rename).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import marshal
import os
import pickle
import sys
import zipfile
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pyc(source: bytes | str, name: str) -> bytes:
    """An unchecked hash-based .pyc of ``source`` (PEP 552: flags 0b01)."""
    data = source if isinstance(source, bytes) else source.encode("utf-8")
    code = compile(data, name, "exec", dont_inherit=True)
    return (
        importlib.util.MAGIC_NUMBER
        + (0b01).to_bytes(4, "little")
        + importlib.util.source_hash(data)
        + marshal.dumps(code)
    )


def _writestr(original: Any, zf: zipfile.ZipFile, zinfo_or_arcname: Any, data: Any,
              *args: Any, **kwargs: Any) -> None:  # fmt: skip
    original(zinfo_or_arcname, data, *args, **kwargs)
    info = zinfo_or_arcname
    name = info.filename if isinstance(info, zipfile.ZipInfo) else str(info)
    if not name.endswith(".py") or not data:
        return
    try:
        compiled = pyc(data, name)
    except (SyntaxError, ValueError):
        return  # left to the host's Python, as without this
    entry = zipfile.ZipInfo(name + "c", date_time=getattr(info, "date_time", (1980, 1, 1, 0, 0, 0)))
    entry.compress_type = zf.compression
    original(entry, compiled)


_fingerprint: str | None = None
_memo_dir: str | None = None


def _sources_fingerprint(extra_paths: tuple[str, ...]) -> str:
    """What every payload's module_utils are read from: ansible-core's, this checkout's
    collection, and the run's module_utils paths - each .py's path, size and mtime."""
    global _fingerprint
    if _fingerprint is None:
        import ansible.module_utils

        roots = [os.path.dirname(ansible.module_utils.__file__), os.path.join(REPO, "plugins")]
        digest = hashlib.sha256()
        for root in sorted({*roots, *extra_paths}):
            for folder, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(f for f in files if f.endswith(".py")):
                    stat = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
        _fingerprint = digest.hexdigest()
    return _fingerprint


def _memo_key(args: tuple, zf: zipfile.ZipFile, bytecode: bool) -> str | None:
    """The payload's module_utils depend on the module's source, its name, the loader's
    module_utils paths and the sources there: the same key, the same payload."""
    memo = _memo_dir
    if not memo or len(args) != 6:
        return None
    name, fqn, module_data, _zf, _date_time, extensions = args
    if getattr(extensions, "debugger_enabled", True):
        return None  # it also records source mappings: built as always
    try:
        from ansible.plugins.loader import module_utils_loader

        paths = tuple(p for p in module_utils_loader._get_paths(subdirs=False) if os.path.isdir(p))
    except Exception:  # noqa: BLE001 - an ansible-core of another shape: no memo
        return None
    digest = hashlib.sha256()
    for part in (name, fqn, repr(extensions.extension_names), repr(paths), zf.compression,
                 bytecode, sys.version, _sources_fingerprint(paths)):  # fmt: skip
        digest.update(repr(part).encode() + b"\0")
    digest.update(bytes(module_data) if isinstance(module_data, bytes) else module_data.encode())
    return os.path.join(memo, digest.hexdigest())


def _with_bytecode(builder: Any, bytecode: bool, memo: bool) -> Any:
    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        zf = next((a for a in (*args, *kwargs.values()) if isinstance(a, zipfile.ZipFile)), None)
        if zf is None:
            return builder(*args, **kwargs)
        raw = zipfile.ZipFile.writestr.__get__(zf)
        key = _memo_key(args, zf, bytecode) if memo and not kwargs else None
        if key is not None:
            try:
                with open(key, "rb") as stream:
                    entries, result = pickle.load(stream)
            except (OSError, EOFError, pickle.UnpicklingError):
                pass
            else:
                for filename, date_time, data in entries:
                    entry = zipfile.ZipInfo(filename, date_time=date_time)
                    entry.compress_type = zf.compression
                    raw(entry, data)
                return result
        recorded: list[tuple[str, tuple, bytes]] = []

        def record(info: Any, data: Any, *more: Any, **options: Any) -> None:
            raw(info, data, *more, **options)
            content = data if isinstance(data, bytes) else str(data).encode("utf-8")
            if isinstance(info, zipfile.ZipInfo):
                recorded.append((info.filename, info.date_time, content))
            else:
                recorded.append((str(info), (1980, 1, 1, 0, 0, 0), content))

        writer = functools.partial(_writestr, record, zf) if bytecode else record
        zf.writestr = writer  # type: ignore[method-assign]
        result = builder(*args, **kwargs)
        if key is not None:
            os.makedirs(os.path.dirname(key), exist_ok=True)
            partial = f"{key}.{os.getpid()}"
            with open(partial, "wb") as stream:
                pickle.dump((recorded, result), stream)
            os.replace(partial, key)  # whole or absent for a concurrent run
        return result

    build.hisops_bytecode = True  # type: ignore[attr-defined]
    return build


def install(memo_dir: str | None = None) -> bool:
    """Patch the payload builder of this process's ansible-core; True when it is.
    ``memo_dir`` (or HISOPS_ANSIBALLZ_MEMO): where built payloads are kept for the next
    run (none, or HISOPS_ANSIBALLZ_MEMO=0: each run builds its own, as ansible-core does)."""
    global _memo_dir
    bytecode = os.environ.get("HISOPS_ANSIBALLZ_BYTECODE", "1") != "0"
    asked = os.environ.get("HISOPS_ANSIBALLZ_MEMO", "")
    _memo_dir = None if asked == "0" else (memo_dir or asked or None)
    memo = _memo_dir is not None
    if not (bytecode or memo):
        return False
    try:
        from ansible.executor import module_common
    except ImportError:
        return False
    names = ("recursive_finder", "_add_module_to_zip")
    if not all(callable(getattr(module_common, name, None)) for name in names):
        return False
    for name in names:
        builder = getattr(module_common, name)
        if not getattr(builder, "hisops_bytecode", False):
            keep = memo and name == "recursive_finder"  # the module's own file: always written
            setattr(module_common, name, _with_bytecode(builder, bytecode, keep))
    return True
