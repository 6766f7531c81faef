"""The tests' AnsiballZ payloads with bytecode (tests/integration/ansible_bytecode.py): the
code a host imports is the payload's own code, and a host of another Python compiles the
source as before."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location(
    "hisops_ansible_bytecode", HERE.parent / "integration" / "ansible_bytecode.py"
)
assert spec is not None and spec.loader is not None
bytecode = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bytecode)

SOURCE = b"from __future__ import annotations\nANSWER = 6 * 7\ndef where() -> str:\n    return __file__\n"


def _zip(path: Path, pyc: bytes | None) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pkg/__init__.py", b"")
        zf.writestr("pkg/mod.py", SOURCE)
        if pyc is not None:
            zf.writestr("pkg/mod.pyc", pyc)


def _import_from(path: Path) -> str:
    probe = (
        f"import sys; sys.path.insert(0, {str(path)!r}); import pkg.mod as m; "
        "print(m.ANSWER, m.where().rsplit('/', 1)[-1])"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_bytecode_is_what_zipimport_loads(tmp_path: Path) -> None:
    _zip(tmp_path / "with.zip", bytecode.pyc(SOURCE, "pkg/mod.py"))
    _zip(tmp_path / "without.zip", None)
    assert _import_from(tmp_path / "with.zip") == "42 mod.pyc"
    assert _import_from(tmp_path / "without.zip") == "42 mod.py"


def test_bytecode_of_another_python_is_ignored_and_the_source_compiled(tmp_path: Path) -> None:
    foreign = bytearray(bytecode.pyc(SOURCE, "pkg/mod.py"))
    foreign[0:2] = (int.from_bytes(foreign[0:2], "little") - 1).to_bytes(2, "little")
    _zip(tmp_path / "foreign.zip", bytes(foreign))
    assert _import_from(tmp_path / "foreign.zip") == "42 mod.py"


def test_installed_the_payload_builder_writes_a_pyc_beside_every_source() -> None:
    module_common = pytest.importorskip("ansible.executor.module_common")
    assert bytecode.install() and bytecode.install()  # twice: wrapped once
    assert module_common.recursive_finder.hisops_bytecode
    assert not hasattr(module_common.recursive_finder.__wrapped__, "hisops_bytecode")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        module_common._add_module_to_zip(
            zf, module_common.datetime.datetime(2026, 12, 6), "ansible_collections.x.y.plugins.modules.m",
            SOURCE, "/src/m.py", module_common._builder.ExtensionManager(),
        )  # fmt: skip
    names = set(zipfile.ZipFile(buffer).namelist())
    assert "ansible_collections/x/y/plugins/modules/m.pyc" in names
    assert "ansible_collections/x/y/plugins/modules/m.py" in names
    assert not any(n.endswith("__init__.pyc") for n in names)  # empty: nothing to compile
