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
"""

from __future__ import annotations

import functools
import importlib.util
import marshal
import os
import zipfile
from typing import Any


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


def _with_bytecode(builder: Any) -> Any:
    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        zf = next((a for a in (*args, *kwargs.values()) if isinstance(a, zipfile.ZipFile)), None)
        if zf is not None and "writestr" not in vars(zf):
            zf.writestr = functools.partial(_writestr, zf.writestr, zf)  # type: ignore[method-assign]
        return builder(*args, **kwargs)

    build.hisops_bytecode = True  # type: ignore[attr-defined]
    return build


def install() -> bool:
    """Patch the payload builder of this process's ansible-core; True when it is."""
    if os.environ.get("HISOPS_ANSIBALLZ_BYTECODE", "1") == "0":
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
            setattr(module_common, name, _with_bytecode(builder))
    return True
